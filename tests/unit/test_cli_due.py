"""`frontdesk due` and `frontdesk standards`: the command-line contract.

Every worked example of STANDARDS.md runs through a real subprocess
(`python -m console due ...`) and in-process through `console.cli.main`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from console.cli.main import main
from console.rules.profiles import POLICY_DIR, load_profile

ROOT = Path(__file__).resolve().parents[2]

# (slug, RECEIVED as typed, the line `frontdesk due` prints)
EXAMPLES = [
    ("callback-routine", "2025-11-24T10:00", "2025-11-28T17:00:00+00:00"),
    ("callback-routine", "2025-11-27T11:00", "2025-12-04T17:00:00+00:00"),
    ("callback-urgent", "2025-12-19T15:30", "2025-12-22T15:30:00+00:00"),
    ("callback-urgent", "2025-12-19T18:10", "2025-12-23T08:45:00+00:00"),
    ("repair-emergency", "2025-10-25T23:00", "2025-10-26T04:00:00+00:00"),
    ("subject-access", "2026-01-31", "2026-03-02T17:00:00+00:00"),
    ("foi", "2025-12-01T09:00", "2025-12-31T17:00:00+00:00"),
]


def frontdesk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FRONTDESK_POLICY"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "console", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(autouse=True)
def _no_policy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONTDESK_POLICY", raising=False)


@pytest.mark.parametrize(("slug", "received", "due"), EXAMPLES)
def test_worked_examples_through_a_subprocess(slug: str, received: str, due: str) -> None:
    done = frontdesk("due", slug, received)
    assert (done.returncode, done.stdout, done.stderr) == (0, due + "\n", "")


@pytest.mark.parametrize(("slug", "received", "due"), EXAMPLES)
def test_worked_examples_in_process(
    slug: str, received: str, due: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["due", slug, received]) == 0
    assert capsys.readouterr().out == due + "\n"


def test_worked_examples_through_stdin_in_one_subprocess() -> None:
    lines = "".join(f"{slug}\t{received}\n" for slug, received, _ in EXAMPLES)
    done = frontdesk("due", "--stdin", stdin=lines)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [due for _, _, due in EXAMPLES]


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ("2025-11-24T10:00:00+00:00", "2025-11-28T17:00:00+00:00"),
        ("2025-11-24T10:00:00Z", "2025-11-28T17:00:00+00:00"),
        ("2025-06-02T10:00", "2025-06-06T17:00:00+01:00"),  # shown in BST
        ("2025-06-02T08:30:00+00:00", "2025-06-06T17:00:00+01:00"),  # 09:30 BST: in hours
        ("2025-11-24", "2025-11-28T17:00:00+00:00"),  # local midnight: counts from 08:45
        ("2025-11-24 10:00", "2025-11-28T17:00:00+00:00"),
    ],
)
def test_received_forms(received: str, due: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "callback-routine", received]) == 0
    assert capsys.readouterr().out == due + "\n"


def test_repair_emergency_keeps_seconds_and_offsets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "repair-emergency", "2026-03-28T23:00:30"]) == 0
    assert capsys.readouterr().out == "2026-03-29T06:00:30+01:00\n"


def test_policy_on_the_subcommand_and_globally(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["due", "statutory-response", "2025-11-24T10:00", "--policy", "weslo"]) == 0
    assert capsys.readouterr().out == "2025-12-08T23:59:59+00:00\n"
    assert main(["--policy", "weslo", "due", "callback", "2025-11-24T10:00"]) == 0
    assert capsys.readouterr().out == "2025-11-25T17:00:00+00:00\n"
    # The subcommand's --policy wins over the global one; a path works too.
    path = str(POLICY_DIR / "bha.toml")
    assert main(["--policy", "weslo", "due", "foi", "2025-12-01T09:00", "--policy", path]) == 0
    assert capsys.readouterr().out == "2025-12-31T17:00:00+00:00\n"


def test_the_global_policy_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FRONTDESK_POLICY", "weslo")
    assert main(["due", "callback", "2025-11-24T10:00"]) == 0
    assert capsys.readouterr().out == "2025-11-25T17:00:00+00:00\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["due", "no-such-slug", "2025-11-24T10:00"], "unknown commitment 'no-such-slug'"),
        (["due", "foi", "2026-02-30"], "'2026-02-30' is not a valid ISO 8601"),
        (["due", "foi", "2026-02-28T25:00"], "not a valid ISO 8601"),
        (["due", "foi", "yesterday"], "not a valid ISO 8601"),
        (["due", "foi"], "usage: frontdesk due SLUG RECEIVED"),
        (["due", "foi", "2025-12-01", "--policy", "nowhere"], "no such policy profile"),
        (["due", "--stdin", "foi"], "not both"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert says in err
    assert err.startswith("frontdesk due: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["due", "no-such-slug", "2025-11-24T10:00"], "unknown commitment 'no-such-slug'"),
        (["due", "foi", "2026-02-30"], "'2026-02-30' is not a valid ISO 8601"),
    ],
)
def test_bad_arguments_in_a_subprocess_print_no_traceback(args: list[str], says: str) -> None:
    done = frontdesk(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1


def run_stdin(
    text: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[str]]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    status = main(["due", "--stdin", *args])
    return status, capsys.readouterr().out.splitlines()


def test_stdin_bad_lines_answer_in_place_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "callback-routine\t2025-11-24T10:00\n"
        "no-such-slug\t2025-11-24T10:00\n"
        "foi\t2026-02-30\n"
        "just one field\n"
        "\n"
        "a\tb\tc\n"
        "foi\t2025-12-01T09:00\r\n"
        "\n"
        "\n"
    )
    status, lines = run_stdin(text, monkeypatch, capsys)
    assert status == 1
    assert lines[0] == "2025-11-28T17:00:00+00:00"
    assert lines[1].startswith("error: unknown commitment 'no-such-slug'")
    assert lines[2].startswith("error: '2026-02-30' is not a valid ISO 8601")
    assert lines[3].startswith("error: expected SLUG<TAB>RECEIVED")
    assert lines[4].startswith("error: blank line")  # a blank line in the middle counts
    assert lines[5].startswith("error: expected SLUG<TAB>RECEIVED")
    assert lines[6] == "2025-12-31T17:00:00+00:00"
    assert len(lines) == 7  # trailing blank lines are skipped


def test_stdin_all_good_exits_0_and_keeps_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "".join(f"{slug}\t{received}\n" for slug, received, _ in reversed(EXAMPLES))
    status, lines = run_stdin(text, monkeypatch, capsys)
    assert status == 0
    assert lines == [due for _, _, due in reversed(EXAMPLES)]


def test_stdin_empty_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_stdin("", monkeypatch, capsys) == (0, [])


def test_stdin_with_another_policy(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, lines = run_stdin(
        "callback\t2025-11-24T10:00\n", monkeypatch, capsys, "--policy", "weslo"
    )
    assert (status, lines) == (0, ["2025-11-25T17:00:00+00:00"])


def test_stdin_subprocess_exit_status_1() -> None:
    done = frontdesk("due", "--stdin", stdin="foi\t2025-12-01T09:00\nfoi\t2026-02-30\n")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == "2025-12-31T17:00:00+00:00"
    assert done.stdout.splitlines()[1].startswith("error: ")
    assert "Traceback" not in done.stderr


# -- frontdesk standards ----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["bha", "weslo"])
def test_standards_table(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    profile = load_profile(key)
    assert main(["standards", "--policy", key]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"{profile.name} ({key}): {profile.policy}"
    header = next(line for line in lines if line.startswith("slug "))
    assert header.split() == ["slug", "promise", "target", "clock", "amount", "calendar", "at"]
    for c in profile.commitments.values():
        row = next(line for line in lines if line.startswith(c.slug + " "))
        words = row.split()
        assert words[-4:] == [
            c.clock,
            str(c.amount),
            c.calendar or "—",
            c.at if c.clock in ("working_days", "months") else "—",
        ]
        assert c.target in row
    # columns line up: every row starts its clock column at the same place
    start = header.index("clock")
    for c in profile.commitments.values():
        row = next(line for line in lines if line.startswith(c.slug + " "))
        assert row[start:].startswith(c.clock)


def test_standards_bha_details(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards"]) == 0
    out = capsys.readouterr().out
    assert (
        "Berwickshire Housing Association (bha): Customer Care Policy, approved January 2023" in out
    )
    assert "Mon-Tue 08:45-17:00, Wed 10:30-17:00, Thu-Fri 08:45-17:00, Sat-Sun closed" in out
    assert "progress-update: repeats" in out


def test_standards_weslo_details(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--policy", "weslo", "standards"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Weslo Housing Management (weslo): Customer Care Policy v2, July 2018")
    assert "Mon-Fri 09:00-17:00, Sat-Sun closed" in out
    assert "home-visit-notice: a minimum notice, not a deadline" in out
    assert "statutory matters (assignments, alterations); if it cannot…" in out


def test_standards_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "--policy", "weslo", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    weslo = load_profile("weslo")
    assert data["organisation"] == weslo.name
    assert data["office_hours"]["monday"] == ["09:00", "17:00"]
    assert data["office_hours"]["sunday"] is None
    assert [c["slug"] for c in data["commitments"]] == list(weslo.commitments)
    promise = data["commitments"][6]["promise"]
    assert promise == weslo.commitment("statutory-response").promise  # whole, not cut


def test_standards_subprocess() -> None:
    done = frontdesk("standards", "--policy", "bha")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Berwickshire Housing Association (bha)")
    done = frontdesk("standards", "--policy", "nowhere")
    assert done.returncode == 2
    assert "no such policy profile" in done.stderr
    assert "Traceback" not in done.stderr
