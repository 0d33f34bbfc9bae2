"""`frontdesk import calls`: Asterisk's Master.csv and a plain CSV, bad rows, no duplicates."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from console.cli.main import main
from console.desk.importer import import_calls, parse_calls
from console.rules.errors import InputError
from console.store.engine import Store
from console.store.models import Contact, Customer, Event
from tests.conftest import add_staff

pytest_plugins = ["tests.pg"]  # pg_url, pg_database, any_store (one PostgreSQL server per run)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2025, 11, 24, 12, 0, tzinfo=UTC)


def cdr(
    start: str,
    answer: str,
    end: str,
    disposition: str,
    uniqueid: str,
    *,
    src: str = "07700900123",
    dstchannel: str = "SIP/hreid-00000002",
    userfield: str = "",
    duration: int = 0,
    billsec: int = 0,
) -> str:
    """One Master.csv line, quoted as Asterisk's cdr_csv writes it."""
    fields = [
        "", src, "800", "from-trunk", f'"Caller" <{src}>', "SIP/trunk-00000001", dstchannel,
        "Dial", "SIP/hreid,30", start, answer, end, str(duration), str(billsec), disposition,
        "DOCUMENTATION", uniqueid, userfield,
    ]  # fmt: skip
    return ",".join(f.replace('"', '""').join('""') if not f.isdigit() else f for f in fields)


MON = "2025-11-24 "
JUL = "2025-07-01 "
MASTER = "\n".join(
    [
        # answered in 8 s (winter: London is UTC)
        cdr(MON + "10:00:03", MON + "10:00:11", MON + "10:04:40", "ANSWERED", "1763978403.1",
            duration=277, billsec=269),
        # never answered
        cdr(MON + "10:02:00", "", MON + "10:02:45", "NO ANSWER", "1763978520.3",
            dstchannel="SIP/cdouglas-00000004"),
        cdr(MON + "10:05:00", "", MON + "10:05:20", "BUSY", "1763978700.5", dstchannel=""),
        # bad: the start is not a time
        cdr("24/11/2025 ten", "", "", "ANSWERED", "1763978800.7"),
        # summer time: 10:00 London is 09:00 UTC; agent from the userfield; answer from
        # duration - billsec
        cdr(JUL + "10:00:00", "", JUL + "10:03:00", "ANSWERED", "1751360400.9", userfield="hreid",
            dstchannel="PJSIP/201-0001", duration=180, billsec=165),
        # bad: ends before it starts
        cdr(MON + "11:00:00", MON + "11:00:05", MON + "10:59:00", "ANSWERED", "1763982000.11"),
        # bad: a disposition we do not know
        cdr(MON + "11:10:00", "", MON + "11:10:30", "MAYBE", "1763982600.13"),
    ]
) + "\n"  # fmt: skip

PLAIN = """started_at,answered_at,ended_at,caller,agent
2025-11-24 09:00:00,2025-11-24 09:00:15,2025-11-24 09:05:00,07700 900123,cdouglas
2025-11-24T09:10:00+00:00,,2025-11-24T09:11:00+00:00,01890 750000,
2025-11-24 09:20:00,2025-11-24 09:19:00,2025-11-24 09:25:00,07700 900123,hreid
2025-06-30 16:59:30,2025-06-30 16:59:42,,+44 7700 900123,HREID
"""


@pytest.fixture
def staffed(store: Store) -> Store:
    add_staff(store, "Hannah Reid", "hreid", "handler")
    add_staff(store, "Callum Douglas", "cdouglas", "handler")
    with store.write() as session:
        session.add(Customer(reference="C000001", name="Moira Wilson", phone="07700 900123"))
    return store


def calls(store: Store) -> list[Contact]:
    with store.read() as session:
        return list(session.exec(select(Contact).order_by(Contact.received_at)))  # type: ignore[arg-type]


def test_asterisk_master_csv(staffed: Store) -> None:
    result = import_calls(staffed, MASTER, source="Master.csv", now=NOW)
    assert result.format == "asterisk"
    assert (result.imported, result.duplicates) == (4, 0)
    assert [(b.line, b.reason.split(" ")[1]) for b in result.bad] == [
        (4, "start"),
        (6, "end"),
        (7, "disposition"),
    ]
    assert "is not a date and time" in result.bad[0].reason
    assert result.exit_status == 1
    rows = {c.external_id: c for c in calls(staffed)}
    answered = rows["asterisk:1763978403.1"]
    assert answered.received_at == datetime(2025, 11, 24, 10, 0, 3, tzinfo=UTC)
    assert answered.answer_seconds == 8 and not answered.abandoned
    assert answered.day == date(2025, 11, 24)
    assert answered.staff_id is not None and answered.customer_id is not None
    missed = rows["asterisk:1763978520.3"]
    assert missed.abandoned and missed.outcome == "abandoned"
    assert missed.answered_at is None and missed.answer_seconds is None and missed.staff_id is None
    assert rows["asterisk:1763978700.5"].abandoned
    summer = rows["asterisk:1751360400.9"]
    assert summer.received_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert summer.answer_seconds == 15
    assert summer.staff_id == answered.staff_id  # hreid, from the userfield


def test_importing_the_same_file_twice_adds_nothing(staffed: Store) -> None:
    first = import_calls(staffed, MASTER, now=NOW)
    revision = staffed.revision()
    again = import_calls(staffed, MASTER, now=NOW)
    assert (first.imported, again.imported, again.duplicates) == (4, 0, 4)
    assert len(calls(staffed)) == 4
    assert staffed.revision() == revision  # nothing new: no write, so no desk reloads
    plain = import_calls(staffed, PLAIN, now=NOW)
    plain_again = import_calls(staffed, PLAIN, now=NOW)
    assert (plain.imported, plain_again.imported, plain_again.duplicates) == (3, 0, 3)
    with staffed.read() as session:
        events = [e.detail for e in session.exec(select(Event).where(Event.action == "imported"))]
    assert len(events) == 2


def test_plain_csv(staffed: Store) -> None:
    result = import_calls(staffed, PLAIN, now=NOW)
    assert result.format == "plain"
    assert result.imported == 3
    assert [(b.line, "before the start" in b.reason) for b in result.bad] == [(4, True)]
    first, second, third = calls(staffed)
    assert first.received_at == datetime(2025, 6, 30, 15, 59, 30, tzinfo=UTC)  # BST
    assert first.answer_seconds == 12 and first.ended_at is None
    assert first.customer_id is not None  # +44 7700 900123 is 07700 900123
    assert second.answer_seconds == 15 and second.staff_id is not None
    assert third.abandoned and third.customer_id is None and third.staff_id is None


def test_asterisk_legs_of_one_call_become_one_contact(store: Store) -> None:
    legs = "\n".join(
        [
            cdr(
                "2025-11-24 10:00:00",
                "",
                "2025-11-24 10:00:20",
                "NO ANSWER",
                "77.1",
                dstchannel="SIP/a-1",
            ),
            cdr(
                "2025-11-24 10:00:00",
                "2025-11-24 10:00:09",
                "2025-11-24 10:03:00",
                "ANSWERED",
                "77.1",
            ),
        ]
    )
    parsed = parse_calls(legs)
    assert len(parsed.records) == 1 and parsed.repeated == 1
    assert parsed.records[0].answer_seconds == 9


def test_unrecognisable_file_is_one_clear_error() -> None:
    with pytest.raises(InputError, match="cannot tell the file's format"):
        parse_calls("name,phone\nAnn,123\n")
    with pytest.raises(InputError, match="answered_at"):
        parse_calls("started_at,caller\n2025-11-24 10:00,1\n", "plain")


def test_import_on_both_databases(any_store: Store) -> None:
    result = import_calls(any_store, MASTER, now=NOW)
    assert result.imported == 4
    assert import_calls(any_store, MASTER, now=NOW).imported == 0
    got = {c.external_id: c for c in calls(any_store)}
    assert got["asterisk:1763978403.1"].answer_seconds == 8
    assert got["asterisk:1751360400.9"].received_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)


def test_cli_summary_and_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "fd.db")
    good = tmp_path / "good.csv"
    good.write_text(PLAIN.splitlines()[0] + "\n" + PLAIN.splitlines()[1] + "\n")
    master = tmp_path / "Master.csv"
    master.write_text(MASTER)
    assert main(["--db", db, "import", "calls", str(good)]) == 0
    assert "imported 1, skipped duplicates 0, bad rows 0" in capsys.readouterr().out
    assert main(["--db", db, "import", "calls", str(good)]) == 0  # all duplicates: still fine
    assert "imported 0, skipped duplicates 1" in capsys.readouterr().out
    assert main(["--db", db, "import", "calls", str(master), "--format", "asterisk"]) == 1
    out = capsys.readouterr()
    assert "imported 4, skipped duplicates 0, bad rows 3 (lines 4, 6, 7)" in out.out
    assert "line 4: the start time" in out.err
    assert main(["--db", db, "import", "calls", str(tmp_path / "missing.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_cli_never_shows_a_traceback_for_a_wrong_format(tmp_path: Path) -> None:
    wrong = tmp_path / "people.csv"
    wrong.write_text("name,phone\nAnn,123\n")
    db = str(tmp_path / "fd.db")
    done = subprocess.run(
        [sys.executable, "-m", "console", "--db", db, "import", "calls", str(wrong)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "cannot tell the file's format" in done.stderr


# --- issue 14: rows that crashed the import, batches, who imported --------------------------


def test_rows_out_of_range_or_too_long_are_bad_rows_not_a_crash(
    staffed: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hostile = "\n".join(
        [
            cdr("9999-12-31T23:30:00-05:00", "", "", "NO ANSWER", "far.1"),  # OverflowError
            cdr("0001-01-01 00:00:00", "", "", "NO ANSWER", "early.2"),  # OverflowError
            cdr(MON + "12:00:00", "", MON + "12:00:10", "NO ANSWER", "long.3",
                userfield="x" * 131_073),  # over csv's field limit
            cdr(MON + "12:05:00", "", MON + "12:05:10", "NO ANSWER", "fine.4"),
        ]
    ) + "\n"  # fmt: skip
    result = import_calls(staffed, hostile, now=NOW)
    assert result.imported == 1
    reasons = {b.line: b.reason for b in result.bad}
    assert set(reasons) == {1, 2, 3}
    assert "out of range" in reasons[1] or "could record" in reasons[1]
    assert "could record" in reasons[2]
    assert "longer than 131,072 characters" in reasons[3]
    path = tmp_path / "Master.csv"
    path.write_text(hostile)
    db = str(tmp_path / "fd.db")
    assert main(["--db", db, "import", "calls", str(path)]) == 1
    captured = capsys.readouterr()
    assert "imported 1, skipped duplicates 0, bad rows 3" in captured.out
    assert "Traceback" not in captured.err


def test_import_commits_in_batches_audited_as_the_cli_user(staffed: Store) -> None:
    from console.desk.context import cli_actor

    many = (
        "\n".join(
            cdr(f"2025-11-24 10:{m:02d}:00", "", f"2025-11-24 10:{m:02d}:20", "NO ANSWER", f"b.{m}")
            for m in range(25)
        )
        + "\n"
    )
    before = staffed.revision()
    actor = cli_actor()
    result = import_calls(staffed, many, source="big.csv", now=NOW, actor=actor, batch=10)
    assert result.imported == 25
    assert staffed.revision() - before == 3  # three transactions: the lock was let go twice
    with staffed.read() as session:
        events = list(session.exec(select(Event).where(Event.action == "imported")))
    who = actor.login.split(":", 1)[1]
    assert [e.detail for e in events] == [
        f"cli {who}: 10 calls from big.csv (asterisk), lines 1-10",
        f"cli {who}: 10 calls from big.csv (asterisk), lines 11-20",
        f"cli {who}: 5 calls from big.csv (asterisk), lines 21-25",
    ]
    again = import_calls(staffed, many, now=NOW, actor=actor, batch=10)
    assert (again.imported, again.duplicates) == (0, 25)
    assert staffed.revision() - before == 3  # nothing new: nothing written
    from console.store.summary.rebuild import check_summary

    assert check_summary(staffed) == []  # batches kept the daily summary exact


def test_legs_of_one_call_are_merged_while_batching(staffed: Store) -> None:
    legs = (
        "\n".join(
            [
                cdr(MON + "10:00:00", "", MON + "10:00:30", "NO ANSWER", "leg.1"),
                *(cdr(MON + f"10:{m:02d}:00", "", "", "BUSY", f"other.{m}") for m in range(1, 3)),
                cdr(MON + "10:00:00", MON + "10:00:09", MON + "10:03:00", "ANSWERED", "leg.1"),
            ]
        )
        + "\n"
    )
    result = import_calls(staffed, legs, now=NOW, batch=2)
    assert (result.imported, result.duplicates) == (3, 1)
    leg = {c.external_id: c for c in calls(staffed)}["asterisk:leg.1"]
    assert leg.answer_seconds == 9  # the answered leg won


# -- queues and greetings (issue 18) --------------------------------------------------------------


def queued_cdr(start: str, answer: str, end: str, uniqueid: str, dstchannel: str) -> str:
    """A call that Answer()ed, played a greeting and went into Queue(): lastapp is Queue."""
    line = cdr(start, answer, end, "ANSWERED", uniqueid, dstchannel=dstchannel)
    return line.replace('"Dial","SIP/hreid,30"', '"Queue","housing,t"')


QUEUED = "\n".join([
    # answered by the PBX at 10:00:01; Hannah picked up later (the CDR cannot say when)
    queued_cdr(MON + "10:00:00", MON + "10:00:01", MON + "10:06:00", "q1.1", "PJSIP/201-0001"),
    # answered by the PBX, then the caller hung up in the queue: no agent channel
    queued_cdr(MON + "10:10:00", MON + "10:10:01", MON + "10:11:30", "q2.1", ""),
]) + "\n"  # fmt: skip

QUEUE_LOG = """1763978400|NONE|housing|NONE|QUEUESTART|
1763978401|q1.1|housing||ENTERQUEUE||07700900123|1
1763978425|q1.1|housing|PJSIP/201|CONNECT|24|1763978425.9|3
1763978760|q1.1|housing|PJSIP/201|COMPLETECALLER|24|335|1
1763979001|q2.1|housing||ENTERQUEUE||01314960000|1
1763979090|q2.1|housing|NONE|ABANDON|1|1|89
1763979100|q3.1|housing||ENTERQUEUE||01314960001|1
1763979160|q3.1|housing|NONE|EXITWITHTIMEOUT|1|1|60
1763979200|q4.1|housing||ENTERQUEUE||01314960002|1
1763979300|q5.1|housing|PJSIP/201|COMPLETEAGENT|10|50|1
1763979400|q6.1|housing|PJSIP/201|CONNECT|ten|1|3
"""


def test_cdr_through_a_queue_is_not_timed_by_the_pbx_answer(staffed: Store) -> None:
    result = import_calls(staffed, QUEUED, now=NOW)
    assert (result.imported, result.abandoned) == (2, 1)
    rows = {c.external_id: c for c in calls(staffed)}
    taken = rows["asterisk:q1.1"]
    assert taken.answer_seconds is None and taken.answered_at is None and not taken.abandoned
    assert taken.pbx_answered_at == datetime(2025, 11, 24, 10, 0, 1, tzinfo=UTC)
    assert taken.answer_source == ""
    gone = rows["asterisk:q2.1"]
    assert gone.abandoned and gone.pbx_answered_at is not None


def test_queue_log(staffed: Store) -> None:
    from console.store.models import Staff

    with staffed.write() as session:
        hannah = session.exec(select(Staff).where(Staff.login == "hreid")).one()
        hannah.extension = "201"
        session.add(hannah)
    result = import_calls(staffed, QUEUE_LOG, source="queue_log", now=NOW)
    assert result.format == "queue_log"
    assert (result.imported, result.abandoned) == (3, 2)  # q4.1 still waiting: not yet
    assert [(b.line, b.reason.split(" ")[0]) for b in result.bad] == [(10, "call"), (11, "hold")]
    rows = {c.external_id: c for c in calls(staffed)}
    answered = rows["asterisk:q1.1"]
    assert answered.answer_seconds == 24 and answered.answer_source == "queue_log"
    assert answered.received_at == datetime(2025, 11, 24, 10, 0, 1, tzinfo=UTC)
    assert answered.staff_id == hannah.id and answered.customer_id is not None
    assert rows["asterisk:q2.1"].abandoned and rows["asterisk:q3.1"].abandoned
    assert rows["asterisk:q3.1"].details["exit"] == "EXITWITHTIMEOUT"
    again = import_calls(staffed, QUEUE_LOG, now=NOW)
    assert (again.imported, again.timed, again.duplicates) == (0, 0, 3)


def test_queue_log_times_what_the_cdr_could_not(staffed: Store) -> None:
    import_calls(staffed, QUEUED, now=NOW)
    result = import_calls(staffed, QUEUE_LOG, now=NOW, fmt="queue_log")
    assert (result.imported, result.timed) == (1, 2)  # q3.1 new; q1.1 and q2.1 from the CDR
    rows = {c.external_id: c for c in calls(staffed)}
    taken = rows["asterisk:q1.1"]
    assert taken.answer_seconds == 24 and taken.answer_source == "queue_log"
    assert taken.pbx_answered_at is not None  # the PBX's own instant is kept
    assert rows["asterisk:q2.1"].abandoned
    assert import_calls(staffed, QUEUE_LOG, now=NOW).timed == 0  # once only
    # the CDR imported again afterwards changes nothing
    assert import_calls(staffed, QUEUED, now=NOW).imported == 0
    assert {c.external_id: c.answer_seconds for c in calls(staffed)}["asterisk:q1.1"] == 24
