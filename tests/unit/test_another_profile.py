"""STANDARDS.md "Another landlord's profile": blocks, special hours, working_hours, aims.

Every worked example of that section runs in-process (``due_at``/``aim_at``), through
``frontdesk due`` in a real subprocess and through ``console.cli.main``. The profile is
tests/data/lunch.toml: 09:00-12:30 and 13:30-17:00, Friday to 16:00.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from console.cli.main import main
from console.rules.calendar import (
    close_of_business,
    closed_between_blocks,
    is_open,
    next_closing,
    next_opening,
    office_blocks,
    office_hours,
    working_calendar,
)
from console.rules.deadlines import aim_at, aim_at_local, due_at
from console.rules.errors import InputError, ProfileError
from console.rules.profiles import POLICY_DIR, Profile, available_profiles, load_profile

ROOT = Path(__file__).resolve().parents[2]
LUNCH_PATH = ROOT / "tests" / "data" / "lunch.toml"
LONDON = ZoneInfo("Europe/London")

# (slug, RECEIVED as typed, due as `frontdesk due` prints it, aim or None)
EXAMPLES = [
    ("voicemail", "2026-11-23T11:00", "2026-11-23T16:00:00+00:00", None),
    ("voicemail", "2026-11-23T12:45", "2026-11-24T09:30:00+00:00", None),
    ("voicemail", "2026-11-27T15:45", "2026-12-01T13:45:00+00:00", None),
    ("callback-urgent", "2026-11-23T12:45", "2026-11-24T13:30:00+00:00", None),
    ("callback", "2026-11-23T16:00", "2026-11-24T17:00:00+00:00", "2026-11-24T11:00:00+00:00"),
    ("same-day", "2026-11-27T12:30", "2026-11-27T16:00:00+00:00", None),
]


@pytest.fixture(scope="module")
def lunch() -> Profile:
    return load_profile(LUNCH_PATH)


@pytest.fixture(autouse=True)
def _no_policy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FRONTDESK_POLICY", raising=False)


def at(text: str) -> datetime:
    """A local Europe/London instant as the tables write it."""
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


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


# -- the worked examples ----------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "received", "due", "aim"), EXAMPLES)
def test_worked_examples_in_process(
    lunch: Profile, slug: str, received: str, due: str, aim: str | None
) -> None:
    assert due_at(lunch, slug, at(received)) == datetime.fromisoformat(due)
    got = aim_at(lunch, slug, at(received))
    assert got == (None if aim is None else datetime.fromisoformat(aim))


@pytest.mark.parametrize(("slug", "received", "due", "aim"), EXAMPLES)
def test_worked_examples_through_main(
    slug: str, received: str, due: str, aim: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["due", slug, received, "--policy", str(LUNCH_PATH)]) == 0
    assert capsys.readouterr().out == due + "\n"
    status = main(["due", slug, received, "--policy", str(LUNCH_PATH), "--aim"])
    out, err = capsys.readouterr()
    if aim is None:
        assert (status, out) == (2, "")
        assert f"commitment '{slug}' has no aim" in err
        assert err.count("\n") == 1
    else:
        assert (status, out) == (0, aim + "\n")


def test_worked_examples_through_a_subprocess() -> None:
    for slug, received, due, _ in EXAMPLES:
        done = frontdesk("due", slug, received, "--policy", str(LUNCH_PATH))
        assert (done.returncode, done.stdout, done.stderr) == (0, due + "\n", "")
    done = frontdesk("due", "callback", "2026-11-23T16:00", "--aim", "--policy", str(LUNCH_PATH))
    assert (done.returncode, done.stdout, done.stderr) == (0, "2026-11-24T11:00:00+00:00\n", "")
    done = frontdesk("due", "voicemail", "2026-11-23T16:00", "--aim", "--policy", str(LUNCH_PATH))
    assert done.returncode == 2
    assert done.stdout == ""
    assert "has no aim" in done.stderr and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1


def test_worked_examples_through_stdin_with_and_without_aim() -> None:
    lines = "".join(f"{slug}\t{received}\n" for slug, received, _, _ in EXAMPLES)
    done = frontdesk("due", "--stdin", "--policy", str(LUNCH_PATH), stdin=lines)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [due for _, _, due, _ in EXAMPLES]
    done = frontdesk("due", "--stdin", "--aim", "--policy", str(LUNCH_PATH), stdin=lines)
    assert done.returncode == 1
    out = done.stdout.splitlines()
    assert len(out) == len(EXAMPLES)
    for line, (slug, _, _, aim) in zip(out, EXAMPLES, strict=True):
        if aim is None:
            assert line.startswith("error: ") and f"'{slug}' has no aim" in line
        else:
            assert line == aim


# -- blocks and special hours -------------------------------------------------------------------


def test_the_office_is_closed_over_lunch_and_says_when_it_reopens(lunch: Profile) -> None:
    assert is_open(lunch, at("2026-11-23T12:29"))
    assert not is_open(lunch, at("2026-11-23T12:30"))  # a block's close is excluded
    assert closed_between_blocks(lunch, at("2026-11-23T12:45"))
    assert not closed_between_blocks(lunch, at("2026-11-23T17:30"))
    assert next_opening(lunch, at("2026-11-23T12:45")) == at("2026-11-23T13:30")
    assert is_open(lunch, at("2026-11-23T13:30"))  # a block's opening is included
    assert next_closing(lunch, at("2026-11-23T10:00")) == at("2026-11-23T12:30")
    assert next_closing(lunch, at("2026-11-23T12:45")) is None
    # Friday closes at 16:00; the weekend and St Andrew's Day (Mon 30 Nov) are skipped.
    assert next_opening(lunch, at("2026-11-27T16:00")) == at("2026-12-01T09:00")
    assert office_hours(lunch, date(2026, 11, 23)) == (time(9), time(17))
    assert office_blocks(lunch, date(2026, 11, 30)) == ()


def test_special_hours_replace_the_blocks_for_every_purpose(lunch: Profile) -> None:
    eve = date(2026, 12, 24)  # Thursday, 09:00-12:00 only
    assert office_blocks(lunch, eve) == ((time(9), time(12)),)
    assert close_of_business(lunch, eve) == time(12)
    assert not is_open(lunch, at("2026-12-24T13:45"))
    # Close of business on the short day: 1 working day from Wed 23 Dec.
    assert due_at(lunch, "callback", at("2026-12-23T10:00")) == at("2026-12-24T12:00")
    # Out of hours on the short day: received at the next opening, Wed 30 Dec (Christmas,
    # Boxing Day observed on Mon 28 and the closed Tue 29 are skipped).
    assert next_opening(lunch, at("2026-12-24T12:00")) == at("2026-12-30T09:00")
    assert due_at(lunch, "callback-urgent", at("2026-12-24T15:00")) == at("2026-12-31T09:00")
    # Working hours: 2 hours on the short morning, then the next open day.
    assert due_at(lunch, "voicemail", at("2026-12-24T10:00")) == at("2026-12-30T11:00")
    # A training morning: opens 13:30; a receipt at 09:30 counts from 13:30.
    assert next_opening(lunch, at("2026-12-09T09:30")) == at("2026-12-09T13:30")
    assert due_at(lunch, "voicemail", at("2026-12-09T09:30")) == at("2026-12-10T09:30")
    # A special date with no hours is a closure day: not a working day.
    cal = working_calendar(lunch, "organisation")
    assert not cal.is_working_day(date(2026, 12, 29))
    assert due_at(lunch, "same-day", at("2026-12-29T10:00")) == at("2026-12-30T17:00")


def test_working_hours_details(lunch: Profile) -> None:
    # A count that ends exactly at a block's close is due at that close, not after lunch.
    three = dataclasses.replace(lunch.commitment("voicemail"), amount=3)
    assert due_at(lunch, three, at("2026-11-23T09:30")) == at("2026-11-23T12:30")
    assert due_at(lunch, "voicemail", at("2026-11-23T09:00")) == at("2026-11-23T14:00")
    zero = dataclasses.replace(lunch.commitment("voicemail"), amount=0)
    assert due_at(lunch, zero, at("2026-11-23T12:45")) == at("2026-11-23T13:30")
    assert due_at(lunch, zero, at("2026-11-23T10:00")) == at("2026-11-23T10:00")
    # Across the clocks going back (Sun 25 Oct 2026): office hours are wall-clock hours.
    assert due_at(lunch, "voicemail", at("2026-10-23T14:00")) == at("2026-10-26T11:00")
    # Far from the precomputed years: the table widens.
    assert due_at(lunch, "voicemail", at("2071-06-01T09:00")) == at("2071-06-01T14:00")
    assert due_at(lunch, "voicemail", at("1990-06-01T09:00")) == at("1990-06-01T14:00")


def test_aims_are_capped_at_the_due_instant(lunch: Profile) -> None:
    # reply: aim 24 hours, promise 3 working days; a Friday evening's 24 hours end on
    # Saturday, well inside the promise.
    assert aim_at(lunch, "reply", at("2026-11-27T18:00")) == at("2026-11-28T18:00")
    # callback: aim 3 working hours inside 1 working day; received Thursday 24 Dec at
    # 11:30 (closes 12:00): the aim would be Wed 30 Dec 11:30, but the promise is due at
    # close of business on the next working day, Wed 30 Dec 17:00: the aim stays.
    assert aim_at(lunch, "callback", at("2026-12-24T11:30")) == at("2026-12-30T11:30")
    assert aim_at(lunch, "voicemail", at("2026-12-24T11:30")) is None


def test_an_aim_later_than_the_promise_is_the_promise(tmp_path: Path) -> None:
    text = LUNCH_PATH.read_text(encoding="utf-8").replace(
        'aim = { clock = "hours", amount = 24 }', 'aim = { clock = "calendar_days", amount = 30 }'
    )
    path = tmp_path / "late-aim.toml"
    path.write_text(text, encoding="utf-8")
    profile = load_profile(path)
    received = at("2026-11-23T10:00")
    assert aim_at(profile, "reply", received) == due_at(profile, "reply", received)


def test_bha_and_weslo_have_no_aims_and_keep_one_block() -> None:
    for key in ("bha", "weslo"):
        profile = load_profile(key)
        assert profile.special_hours == ()
        assert all(c.aim is None for c in profile.commitments.values())
        assert all(len(profile.blocks_on(d)) <= 1 for d in range(7))
        with pytest.raises(InputError, match="has no aim"):
            aim_at_local(profile, next(iter(profile.commitments)), at("2026-11-23T10"))


# -- refusals ---------------------------------------------------------------------------------

LUNCH_TEXT = LUNCH_PATH.read_text(encoding="utf-8")


def _replace(old: str, new: str) -> str:
    assert LUNCH_TEXT.count(old) == 1, f"the fixture changed: {old!r}"
    return LUNCH_TEXT.replace(old, new)


BROKEN = {
    "blocks-overlap": (
        _replace(
            'monday    = [["09:00", "12:30"], ["13:30", "17:00"]]',
            'monday    = [["09:00", "13:30"], ["13:00", "17:00"]]',
        ),
        "office_hours.monday",
        "block 2 (13:00-17:00) overlaps block 1 (09:00-13:30)",
    ),
    "blocks-out-of-order": (
        _replace(
            'tuesday   = [["09:00", "12:30"], ["13:30", "17:00"]]',
            'tuesday   = [["13:30", "17:00"], ["09:00", "12:30"]]',
        ),
        "office_hours.tuesday",
        "block 2 (09:00-12:30) comes before block 1 (13:30-17:00)",
    ),
    "block-backwards": (
        _replace('["13:30", "16:00"]', '["16:00", "13:30"]'),
        "office_hours.friday",
        "closes at 13:30, before it opens at 16:00",
    ),
    "block-bad-shape": (
        _replace('["13:30", "16:00"]', '["13:30"]'),
        "office_hours.friday",
        'must be ["opens", "closes"], a list of them in time order, or []',
    ),
    "special-on-a-saturday": (
        _replace("date = 2026-12-09", "date = 2026-12-12"),
        "special_hours 2026-12-12.date",
        "Saturday 2026-12-12 is a weekend day, not a working day",
    ),
    "special-on-a-bank-holiday": (
        _replace("date = 2026-12-09", "date = 2026-11-30"),
        "special_hours 2026-11-30.date",
        "Monday 2026-11-30 is a Scottish bank holiday (Saint Andrew's Day)",
    ),
    "special-twice": (
        _replace("date = 2026-12-09", "date = 2026-12-24"),
        "special_hours 2026-12-24.date",
        "2026-12-24 is listed twice",
    ),
    "special-without-hours": (
        _replace('hours = [["13:30", "17:00"]]\n', ""),
        "special_hours 2026-12-09.hours",
        "is missing",
    ),
    "special-not-a-date": (
        _replace("date = 2026-12-09", 'date = "9 December"'),
        "special_hours[1].date",
        "must be a date like 2026-12-24",
    ),
    "working-hours-on-statutory": (
        _replace(
            'clock = "working_hours"\namount = 4\ncalendar = "organisation"',
            'clock = "working_hours"\namount = 4\ncalendar = "statutory"',
        ),
        "commitment 'voicemail'.calendar",
        "takes only calendar = \"organisation\", not 'statutory'",
    ),
    "aim-unknown-clock": (
        _replace(
            'aim = { clock = "hours", amount = 24 }', 'aim = { clock = "fortnights", amount = 1 }'
        ),
        "commitment 'reply'.aim.clock",
        "unknown clock 'fortnights'",
    ),
    "aim-negative": (
        _replace(
            'aim = { clock = "hours", amount = 24 }', 'aim = { clock = "hours", amount = -3 }'
        ),
        "commitment 'reply'.aim.amount",
        "must be a whole number of hours, not -3",
    ),
    "aim-unknown-key": (
        _replace('aim = { clock = "hours", amount = 24 }', 'aim = { clock = "hours", hours = 24 }'),
        "commitment 'reply'.aim.hours",
        "is not an aim key",
    ),
    "aim-not-a-table": (
        _replace('aim = { clock = "hours", amount = 24 }', "aim = 24"),
        "commitment 'reply'.aim",
        "must be a table like",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_profile_is_refused_in_one_line(tmp_path: Path, case: str) -> None:
    text, key, problem = BROKEN[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"key '{key}'" in message
    assert problem in message
    assert "\n" not in message


def test_a_refusal_through_standards_check(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN["blocks-overlap"][0], encoding="utf-8")
    done = frontdesk("standards", "--policy", str(path), "--check")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "office_hours.monday" in done.stderr


# -- frontdesk standards ------------------------------------------------------------------------


def test_standards_check_summarises_what_the_profile_promises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["standards", "--policy", str(LUNCH_PATH), "--check", "--at", "2026-11-23T12:45"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{LUNCH_PATH}: loads and checks out\n")
    assert "  Mon  09:00-12:30 13:30-17:00\n" in out
    assert "  Fri  09:00-12:30 13:30-16:00\n" in out
    assert "  Sat  closed\n" in out
    specials = out.split("Next special days and closures:\n")[1].split("\n\n")[0].splitlines()
    assert len(specials) == 10
    assert specials[0].split() == [
        "Mon",
        "30",
        "Nov",
        "2026",
        "closed:",
        "Saint",
        "Andrew's",
        "Day",
        "(bank",
        "holiday)",
    ]
    assert "  Wed 09 Dec 2026  13:30-17:00 (staff training morning)" in specials
    assert "  Thu 24 Dec 2026  09:00-12:00 (Christmas Eve)" in specials
    assert "  Tue 29 Dec 2026  closed (between Christmas and New Year)" in specials
    rows = {
        line.split()[0]: line
        for line in out.splitlines()
        if line.startswith("  ")
        and line.split()
        and line.split()[0] in ("voicemail", "same-day", "foi", "callback")
    }
    assert "4 office hours" in rows["voicemail"]
    assert rows["voicemail"].endswith("due Tue 24 Nov 2026 09:30")
    assert "0 working days, close of business" in rows["same-day"]
    assert "20 working days, close of business, statutory calendar" in rows["foi"]
    assert "aim 3 office hours" in out and "aim Mon 23 Nov 2026 16:30" in out


@pytest.mark.parametrize("key", available_profiles())
def test_every_shipped_profile_checks_out(key: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["standards", "--policy", key, "--check", "--at", "2026-11-23T10:00"]) == 0
    out = capsys.readouterr().out
    assert "loads and checks out" in out
    profile = load_profile(key)
    for slug in profile.commitments:
        assert f"  {slug} " in out


def test_standards_shows_aims_and_the_coming_years_special_hours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["standards", "--policy", str(LUNCH_PATH), "--at", "2026-12-10"]) == 0
    out = capsys.readouterr().out
    assert (
        "office hours (Europe/London): Mon-Thu 09:00-12:30 13:30-17:00, Fri 09:00-12:30 "
        "13:30-16:00, Sat-Sun closed" in out
    )
    special = next(line for line in out.splitlines() if line.startswith("special hours"))
    assert "2026-12-24 09:00-12:00 (Christmas Eve)" in special
    assert "2026-12-09" not in special  # the day before --at is past
    assert "reply: aim 24 hours, round the clock, within the promise of 3 working days" in out
    assert main(["standards", "--policy", str(LUNCH_PATH), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    reply = next(c for c in data["commitments"] if c["slug"] == "reply")
    assert reply["aim"] == {
        "clock": "hours",
        "amount": 24,
        "calendar": "organisation",
        "at": "close",
    }
    assert data["blocks"]["monday"] == [["09:00", "12:30"], ["13:30", "17:00"]]
    assert data["office_hours"]["monday"] == ["09:00", "17:00"]
    assert {"date": "2026-12-29", "hours": [], "reason": "between Christmas and New Year"} in (
        data["special_hours"]
    )


def test_profiles_ship_in_the_policy_package() -> None:
    shipped = {p.stem for p in POLICY_DIR.glob("*.toml")}
    assert {"bha", "weslo"} <= shipped
    assert len(shipped) >= 4
