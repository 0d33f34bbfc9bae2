"""The desk side of blocks, special hours and aims (tests/data/lunch.toml).

The office status says "closed for lunch" and when it re-opens; a task with an aim
keeps both instants; the queue tells "past the aim" from "overdue"; the sentence
for the caller names both; the report counts the share met within the aim and
within the promise.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from console.desk import calls, queue, tasks
from console.desk.context import Actor, Desk
from console.desk.outcomes import tell_caller
from console.reports import build_report, sections
from console.rules.clock import LONDON, FrozenClock
from console.rules.profiles import Profile, load_profile
from console.store.engine import SCHEMA_HEAD, Store, current_schema

LUNCH = Path(__file__).resolve().parents[1] / "data" / "lunch.toml"


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.fixture
def lunch() -> Profile:
    return load_profile(LUNCH)


@pytest.fixture
def lunch_desk(store: Store, lunch: Profile, clock: FrozenClock, handler: Actor) -> Desk:
    return Desk(store, lunch, clock, handler)


def open_task(desk: Desk, slug: str, received: datetime) -> int:
    with desk.store.write() as session:
        task = tasks.open_task(desk, session, slug, received_at=received)
        assert task.id is not None
        return task.id


@pytest.mark.parametrize(
    ("now", "is_open", "message"),
    [
        (at(2026, 11, 23, 11), True, ""),
        (at(2026, 11, 23, 12, 45), False, "Closed for lunch: the office re-opens today at 1:30pm."),
        (at(2026, 11, 23, 17, 30), False, "Out of hours: the office opens tomorrow at 9am."),
        (
            at(2026, 12, 9, 9, 30),
            False,
            "Closed (staff training morning): the office opens today at 1:30pm.",
        ),
        (
            at(2026, 12, 24, 12, 15),
            False,
            "Closed (Christmas Eve): the office opens Wednesday 30 December at 9am.",
        ),
        (
            at(2026, 12, 29, 10),
            False,
            "Closed (between Christmas and New Year): the office opens tomorrow at 9am.",
        ),
        (at(2026, 11, 30, 10), False, "Out of hours: the office opens tomorrow at 9am."),
    ],
)
def test_the_office_status_follows_blocks_and_special_hours(
    lunch_desk: Desk, clock: FrozenClock, now: datetime, is_open: bool, message: str
) -> None:
    clock.set(now)
    status = calls.office_status(lunch_desk)
    assert status.open is is_open
    assert status.message.startswith(message)
    if not is_open:
        assert status.message.endswith("Emergency repairs: the out-of-hours line.")


def test_a_task_with_an_aim_keeps_both_and_the_queue_tells_them_apart(
    lunch_desk: Desk, clock: FrozenClock
) -> None:
    clock.set(at(2026, 11, 23, 16))
    # callback: 1 working day (Tue 17:00), aim 3 working hours (Tue 11:00).
    task_id = open_task(lunch_desk, "callback", at(2026, 11, 23, 16))
    plain = open_task(lunch_desk, "voicemail", at(2026, 11, 23, 16))
    with lunch_desk.store.read() as session:
        from console.store.models import Task

        t = session.get(Task, task_id)
        assert t is not None
        assert (t.due_at, t.aim_at) == (at(2026, 11, 24, 17), at(2026, 11, 24, 11))
        view = tasks.view_task(lunch_desk, session, t)
        assert view.aim_at == at(2026, 11, 24, 11)
        other = session.get(Task, plain)
        assert other is not None and other.aim_at is None

    def state(when: datetime) -> tuple[str, str]:
        rows = {r.id: r for r in queue.rows(lunch_desk, queue.QueueFilter(), at=when)}
        return rows[task_id].state, rows[task_id].aim_text

    assert state(at(2026, 11, 24, 10)) == ("today", "today at 11am")
    assert state(at(2026, 11, 24, 11, 30)) == ("past aim", "today at 11am")
    assert state(at(2026, 11, 25, 9)) == ("overdue", "yesterday at 11am")
    overdue_only = queue.QueueFilter(overdue=True)
    assert task_id not in {
        r.id for r in queue.rows(lunch_desk, overdue_only, at=at(2026, 11, 24, 12))
    }
    # What the handler tells the caller names the aim first, then the promise.
    assert tell_caller(lunch_desk.profile, view, at(2026, 11, 23, 16)) == (
        "We will aim to call you back by 11am tomorrow, and at the latest by 5pm tomorrow."
    )


def test_the_report_shows_the_share_within_the_aim_and_within_the_promise(
    lunch_desk: Desk, clock: FrozenClock, lead: Actor
) -> None:
    clock.set(at(2026, 11, 23, 16))
    ids = [open_task(lunch_desk, "callback", at(2026, 11, 23, 16)) for _ in range(4)]
    # Aim Tue 24 Nov 11:00, due 17:00: one within the aim, two within the promise only,
    # one late; all four fell due on the Tuesday.
    for task_id, done in zip(
        ids, [at(2026, 11, 24, 10), at(2026, 11, 24, 12), at(2026, 11, 24, 16), None], strict=True
    ):
        if done is not None:
            clock.set(done)
            tasks.complete(lunch_desk, task_id, "called back", "spoke to the customer")
    clock.set(at(2026, 11, 25, 12))
    report = build_report(
        lunch_desk.with_actor(lead), start=date(2026, 11, 23), end=date(2026, 11, 25)
    )
    row = next(c for c in report.commitments if c.slug == "callback")
    assert (row.fell_due, row.met, row.late, row.met_aim) == (4, 3, 1, 1)
    assert (row.share_met, row.share_met_aim) == (0.75, 0.25)
    voicemail = next(c for c in report.commitments if c.slug == "voicemail")
    assert voicemail.met_aim is None and voicemail.share_met_aim is None
    section = next(s for s in sections(report) if s.key == "commitments")
    assert section.columns[8:10] == ("Met aim", "Share aim")
    cells = next(r for r in section.rows if r[0] == "call back")
    assert cells[7:10] == ("75%", "1", "25%")


def test_a_profile_without_aims_shows_no_aim_columns(desk: Desk, lead: Actor) -> None:
    report = build_report(desk.with_actor(lead))
    section = next(s for s in sections(report) if s.key == "commitments")
    assert "Met aim" not in section.columns
    assert all(c.met_aim is None for c in report.commitments)


def test_the_store_has_the_aim_column_at_the_new_head(store: Store) -> None:
    assert current_schema(store) == SCHEMA_HEAD  # 0007 and any migration chained after it
    with store.engine.connect() as conn:
        names = {c["name"] for c in inspect(conn).get_columns("task")}
    assert "aim_at" in names


def test_frontdesk_queue_marks_past_the_aim(
    lunch_desk: Desk, clock: FrozenClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from console.cli.main import main

    clock.set(at(2026, 11, 23, 16))
    task_id = open_task(lunch_desk, "callback", at(2026, 11, 23, 16))
    db = lunch_desk.store.url.removeprefix("sqlite:///")
    base = ["--db", db, "--policy", str(LUNCH), "queue", "--at", "2026-11-24 11:30"]
    assert main([*base, "--json", "--no-updates"]) == 0
    (row,) = [r for r in json.loads(capsys.readouterr().out) if r["id"] == task_id]
    assert (row["past_aim"], row["overdue"]) == (True, False)
    assert row["aim_at"] == "2026-11-24T11:00:00+00:00"
    assert main([*base, "--no-updates"]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if s.startswith(f"#{task_id} "))
    assert "5h 30m, past aim" in line


def test_the_wall_says_when_the_office_is_closed_for_lunch(
    lunch_desk: Desk, desk: Desk, clock: FrozenClock
) -> None:
    from console.desk.wall import wall

    clock.set(at(2026, 11, 23, 12, 45))
    assert wall(lunch_desk).office == "Closed for lunch: the office re-opens today at 1:30pm."
    clock.set(at(2026, 11, 23, 14))
    assert wall(lunch_desk).office == ""
    clock.set(at(2025, 11, 24, 19))  # BHA, evening: the first sentence only
    assert wall(desk).office == "Out of hours: the office opens tomorrow at 8:45am."
