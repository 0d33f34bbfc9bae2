"""The wall's data: top open tasks by deadline, counts, today's figures, initials only."""

from __future__ import annotations

from dataclasses import astuple
from datetime import timedelta

import pytest

from console.desk.context import Actor, Desk
from console.desk.tasks import open_task
from console.desk.wall import format_seconds, initials, share_text, wall
from console.rules.clock import FrozenClock, local
from console.rules.errors import InputError
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Contact, Customer, Task
from tests.conftest import add_staff


def _customer(store: Store, name: str, ref: str, *, anonymised: bool = False) -> int:
    with store.write() as session:
        row = Customer(reference=ref, name=name, anonymised=anonymised)
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def _task(
    desk: Desk,
    slug: str,
    *,
    received_days_ago: float,
    customer_id: int | None = None,
    assignee_id: int | None = None,
    title: str = "",
    status: str = "open",
) -> int:
    with desk.store.write() as session:
        task = open_task(
            desk,
            session,
            slug,
            received_at=desk.now() - timedelta(days=received_days_ago),
            customer_id=customer_id,
            assignee_id=assignee_id,
            title=title,
        )
        task.status = status
        assert task.id is not None
        return task.id


def _call(store: Store, clock: FrozenClock, *, minutes_ago: float, answer: float | None) -> None:
    at = clock.now() - timedelta(minutes=minutes_ago)
    with store.write() as session:
        session.add(
            Contact(
                channel="call",
                received_at=at,
                day=local(at).date(),
                answered_at=at + timedelta(seconds=answer) if answer is not None else None,
                answer_seconds=answer,
                abandoned=answer is None,
            )
        )


def _visit(
    store: Store, clock: FrozenClock, *, minutes_ago: float, served_after: float | None
) -> None:
    at = clock.now() - timedelta(minutes=minutes_ago)
    with store.write() as session:
        session.add(
            Contact(
                channel="visit",
                received_at=at,
                day=local(at).date(),
                visitor_name="Jo",
                served_at=at + timedelta(minutes=served_after)
                if served_after is not None
                else None,
            )
        )


@pytest.fixture
def wall_desk(store: Store, bha: Profile, clock: FrozenClock) -> Desk:
    """The wall has nobody signed in."""
    return Desk(store, bha, clock, None)


def test_initials_never_more_than_letters() -> None:
    assert initials("Jean Brown") == "JB"
    assert initials("Mrs Jean Brown") == "JB"
    assert initials("Dr. A. N. Other") == "ANO"
    assert initials("Mary Ann Jane Brown-Smith") == "MAB"
    assert initials("  ") == "—"
    assert initials(None) == "—"
    assert initials("ó Súilleabháin") == "ÓS"


def test_empty_store_shows_zeros(wall_desk: Desk) -> None:
    w = wall(wall_desk)
    assert w.tasks == ()
    assert (w.open, w.overdue, w.due_today) == (0, 0, 0)
    assert (w.calls_offered, w.calls_answered, w.calls_within) == (0, 0, 0)
    assert w.calls_share is None
    assert w.visitors == 0
    assert w.organisation == "Berwickshire Housing Association"


def test_top_tasks_soonest_first_with_initials_only(
    store: Store, desk: Desk, wall_desk: Desk, handler: Actor
) -> None:
    brown = _customer(store, "Mrs Jean Brown", "BHA-1")
    gone = _customer(store, "Removed Person", "BHA-2", anonymised=True)
    _task(desk, "callback-routine", received_days_ago=1, customer_id=brown)
    late = _task(
        desk,
        "callback-urgent",
        received_days_ago=4,  # Thursday: due Friday, so overdue now
        customer_id=brown,
        assignee_id=handler.id,
        title="Call Jean Brown back about her boiler",
    )
    _task(desk, "reply-routine", received_days_ago=0, customer_id=gone)
    _task(desk, "callback-routine", received_days_ago=2, status="done")

    w = wall(wall_desk, rows=10)

    assert w.tasks[0].id == late
    assert [t.due_at for t in w.tasks] == sorted(t.due_at for t in w.tasks)
    assert len(w.tasks) == 3  # the done task is not on the wall
    first = w.tasks[0]
    assert first.overdue and first.left.startswith("overdue")
    assert (first.customer, first.assignee) == ("JB", "HR")
    assert first.what == "Urgent call back"
    assert [t.customer for t in w.tasks].count("—") == 1  # the anonymised customer
    assert all(t.assignee == "—" for t in w.tasks[1:])
    # No name and no typed title reaches the wall, anywhere.
    everything = repr(w) + " ".join(str(v) for t in w.tasks for v in astuple(t))
    for word in ("Jean", "Brown", "boiler", "Hannah", "Reid", "Removed", "Person"):
        assert word not in everything


def test_counts_open_overdue_due_today(desk: Desk, wall_desk: Desk) -> None:
    # Now: Monday 24 November 2025, 10:00. An urgent call back is due 1 working day later,
    # at the same time of day.
    hour = 1 / 24
    _task(desk, "callback-urgent", received_days_ago=4)  # Thu 10:00 -> Fri 10:00: overdue
    _task(desk, "callback-urgent", received_days_ago=4 - 4 * hour)  # Thu 14:00 -> Fri 14:00
    _task(desk, "callback-urgent", received_days_ago=3 - hour)  # Fri 11:00 -> today 11:00
    _task(desk, "callback-urgent", received_days_ago=3 - 6 * hour)  # Fri 16:00 -> today 16:00
    _task(desk, "callback-routine", received_days_ago=0)  # due later this week
    _task(desk, "callback-urgent", received_days_ago=4, status="cancelled")

    w = wall(wall_desk, rows=2)

    assert w.open == 5
    assert w.overdue == 2
    assert w.due_today == 2
    assert len(w.tasks) == 2  # rows caps the list, not the counts
    assert all(t.overdue for t in w.tasks)
    assert [t.due for t in w.tasks] == ["Friday 21 November at 10am", "Friday 21 November at 2pm"]


def test_calls_today_offered_answered_within(
    store: Store, clock: FrozenClock, wall_desk: Desk
) -> None:
    _call(store, clock, minutes_ago=5, answer=8)
    _call(store, clock, minutes_ago=15, answer=20)  # exactly the target is within it
    _call(store, clock, minutes_ago=25, answer=31)
    _call(store, clock, minutes_ago=35, answer=None)  # abandoned: offered, not answered
    _call(store, clock, minutes_ago=60 * 24, answer=5)  # yesterday: not today's figures

    w = wall(wall_desk)

    assert (w.calls_offered, w.calls_answered, w.calls_within) == (4, 3, 2)
    assert w.calls_abandoned == 1
    assert w.call_target_seconds == 20
    # The service level, as the reports define it: within target over offered.
    assert w.calls_share == pytest.approx(2 / 4)
    assert share_text(w.calls_share) == "50%"


def test_a_call_timed_only_by_its_instants_counts_like_the_reports(
    store: Store, clock: FrozenClock, wall_desk: Desk
) -> None:
    at = clock.now() - timedelta(minutes=3)
    with store.write() as session:  # e.g. imported from the phone system without a wait
        session.add(
            Contact(
                channel="call",
                received_at=at,
                day=local(at).date(),
                answered_at=at + timedelta(seconds=15),
            )
        )
    w = wall(wall_desk)
    assert (w.calls_offered, w.calls_answered, w.calls_within) == (1, 1, 1)


def test_weslo_call_target_is_four_rings(store: Store, weslo: Profile, clock: FrozenClock) -> None:
    _call(store, clock, minutes_ago=5, answer=12)
    _call(store, clock, minutes_ago=6, answer=13)
    w = wall(Desk(store, weslo, clock, None))
    assert w.call_target_seconds == 12
    assert (w.calls_answered, w.calls_within) == (2, 1)
    assert format_seconds(w.call_target_seconds) == "12s"


def test_visitors_today_and_longest_wait(store: Store, weslo: Profile, clock: FrozenClock) -> None:
    _visit(store, clock, minutes_ago=30, served_after=2)  # served within 3 minutes
    _visit(store, clock, minutes_ago=20, served_after=5)  # served late
    _visit(store, clock, minutes_ago=7, served_after=None)  # still waiting, 7 minutes
    _visit(store, clock, minutes_ago=60 * 24 + 5, served_after=1)  # yesterday

    w = wall(Desk(store, weslo, clock, None))

    assert w.visitors == 3
    assert w.waiting_now == 1
    assert w.longest_wait_seconds == 7 * 60
    assert w.visitor_target_seconds == 180
    assert (w.served_within, w.visitors_decided) == (1, 3)
    assert format_seconds(180) == "3m"


def test_rows_must_be_sensible(wall_desk: Desk) -> None:
    for bad in (0, -1, 101, True, "5"):
        with pytest.raises(InputError, match="1 to 100"):
            wall(wall_desk, rows=bad)  # type: ignore[arg-type]


def test_wall_needs_no_sign_in_but_reads_what_desks_write(
    store: Store, bha: Profile, clock: FrozenClock, wall_desk: Desk
) -> None:
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead")
    desk = Desk(store, bha, clock, lead)
    assert wall(wall_desk).open == 0
    _task(desk, "callback-routine", received_days_ago=0, assignee_id=lead.id)
    w = wall(wall_desk)
    assert w.open == 1
    assert w.tasks[0].assignee == "LM"
    with store.read() as session:
        assert session.get(Task, w.tasks[0].id) is not None
