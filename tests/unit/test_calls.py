"""Calls and voicemail: answer times, contact rows, restrictions, my calls today, office hours."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import col, select

from console.desk import calls, customers
from console.desk.context import Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.errors import InputError, NotFound
from console.rules.profiles import load_profile
from console.store.engine import Store
from console.store.models import Contact, Customer, Event, Task
from tests.conftest import MONDAY_MORNING, add_staff

BHA = load_profile("bha")
WESLO = load_profile("weslo")


def contacts(store: Store) -> list[Contact]:
    with store.read() as session:
        return list(session.exec(select(Contact).order_by(col(Contact.id))))


def tasks(store: Store) -> list[Task]:
    with store.read() as session:
        return list(session.exec(select(Task).order_by(col(Task.id))))


def restricted_customer(desk: Desk) -> int:
    view = customers.create(desk, "Rab Nesbitt")
    with desk.store.write() as session:
        row = session.get(Customer, view.id)
        assert row is not None
        row.restriction = "Contact by letter only"
        row.restriction_reason = "Abusive calls"
        session.add(row)
    return view.id


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("12", 12.0),
        (" 12 ", 12.0),
        ("12s", 12.0),
        ("12 seconds", 12.0),
        ("4r", 12.0),
        ("4 rings", 12.0),
        ("1 ring", 3.0),
        ("4R", 12.0),
        ("1:05", 65.0),
        ("2m", 120.0),
        ("0", 0.0),
        ("7.5", 7.5),
    ],
)
def test_parse_answer(text: str, seconds: float) -> None:
    assert calls.parse_answer(BHA, text) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type the answer time"),
        ("soon", "not an answer time"),
        ("-3", "not an answer time"),
        ("2h", "not an answer time"),
        ("1:75", "under 60"),
        ("9999", "over an hour"),
    ],
)
def test_parse_answer_refuses_nonsense(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        calls.parse_answer(BHA, text)


def test_answer_target_and_verdict() -> None:
    assert calls.answer_target(BHA) == 20.0
    assert calls.answer_target(WESLO) == 12.0  # 4 rings at 3 s
    assert calls.within_target(BHA, 20) is True
    assert calls.within_target(BHA, 21) is False
    assert calls.within_target(BHA, None) is None
    assert calls.describe_answer(BHA, 12) == "12 s: within the 20 s target"
    assert (
        calls.describe_answer(WESLO, calls.parse_answer(WESLO, "5r"))
        == "15 s: 3 s over the 12 s target"
    )


def test_log_call_row(desk: Desk) -> None:
    cid = customers.create(desk, "Mary Smith").id
    logged = calls.log_call(
        desk, answer="25", category="rent", customer_id=cid, notes="  Arrears query "
    )
    (row,) = contacts(desk.store)
    assert row.channel == "call"
    assert row.answered_at == MONDAY_MORNING
    assert row.received_at == MONDAY_MORNING - timedelta(seconds=25)
    assert row.answer_seconds == 25.0
    assert row.staff_id == desk.actor.id  # type: ignore[union-attr]
    assert row.customer_id == cid
    assert row.category == "rent" and row.outcome == "resolved" and row.notes == "Arrears query"
    assert row.day == date(2025, 11, 24)
    assert logged.within_target is False and logged.customer_name == "Mary Smith"
    assert logged.promises == ()


def test_anonymous_call_and_phone_system_times(desk: Desk) -> None:
    offered = MONDAY_MORNING - timedelta(minutes=5)
    calls.log_call(
        desk, category="other", received_at=offered, answered_at=offered + timedelta(seconds=7)
    )
    (row,) = contacts(desk.store)
    assert row.customer_id is None
    assert row.answer_seconds == 7.0 and row.received_at == offered


def test_day_is_the_local_date(desk: Desk, clock: FrozenClock) -> None:
    clock.set(datetime(2025, 7, 1, 0, 0, 5, tzinfo=LONDON))  # BST: 23:00:05 UTC the day before
    calls.log_call(desk, answer="3", category="other")
    assert contacts(desk.store)[0].day == date(2025, 7, 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"category": "rent"}, "type the answer time"),
        ({"answer": "12"}, "choose the enquiry category"),
        ({"answer": "12", "category": "weather"}, "not an enquiry category"),
        ({"answer": "12", "category": "rent", "customer_id": 999}, "no customer with id 999"),
        ({"answer": "12", "category": "rent", "customer_id": 2**70}, "positive whole number"),
        ({"answer": "12", "category": "rent", "answered_at": datetime(1, 1, 1, 0, 0, 20)}, "2000"),
        ({"answer": 5000.0, "category": "rent"}, "not possible"),
        ({"answer": "12", "category": "rent", "notes": "x" * 10_001}, "under 10000"),
        (
            {
                "category": "rent",
                "received_at": MONDAY_MORNING,
                "answered_at": MONDAY_MORNING - timedelta(seconds=3),
            },
            "answered before it was offered",
        ),
        (
            {
                "answer": "12",
                "category": "rent",
                "answered_at": MONDAY_MORNING + timedelta(hours=1),
            },
            "future",
        ),
    ],
)
def test_log_call_refuses_bad_input(desk: Desk, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        calls.log_call(desk, **kwargs)  # type: ignore[arg-type]
    assert contacts(desk.store) == []


def test_restriction_must_be_acknowledged(desk: Desk) -> None:
    cid = restricted_customer(desk)
    with pytest.raises(
        InputError, match="Rab Nesbitt has an access restriction: Contact by letter only"
    ):
        calls.log_call(
            desk, answer="12", category="rent", customer_id=cid, outcome="callback_routine"
        )
    assert contacts(desk.store) == [] and tasks(desk.store) == []
    calls.log_call(
        desk, answer="12", category="rent", customer_id=cid, restriction_acknowledged=True
    )
    (row,) = contacts(desk.store)
    assert row.details["restriction_acknowledged"] is True
    with pytest.raises(InputError, match="access restriction"):
        calls.log_voicemail(desk, category="rent", customer_id=cid)


def test_weslo_answer_in_rings(weslo_desk: Desk) -> None:
    logged = calls.log_call(weslo_desk, answer="5 rings", category="rent")
    assert logged.answer_seconds == 15.0 and logged.within_target is False
    logged = calls.log_call(weslo_desk, answer="4r", category="rent")
    assert logged.within_target is True


def test_voicemail_is_a_routine_call_back(desk: Desk) -> None:
    left = MONDAY_MORNING - timedelta(minutes=30)
    logged = calls.log_voicemail(desk, category="repairs", notes="Please ring me", received_at=left)
    (row,) = contacts(desk.store)
    assert row.channel == "voicemail" and row.answer_seconds is None and row.answered_at is None
    assert row.received_at == left and row.outcome == "callback_routine"
    (task,) = tasks(desk.store)
    assert task.slug == "callback-routine" and task.contact_id == row.id
    assert task.due_at == due_at(BHA, "callback-routine", left)
    assert logged.tell == ("Repairs will call you back by Friday 28 November at 5pm.",)
    with desk.store.read() as session:
        actions = [(e.action, e.entity) for e in session.exec(select(Event))]
    assert ("created", "contact") in actions and ("created", "task") in actions


def test_urgent_voicemail_left_overnight_counts_from_the_opening(desk: Desk) -> None:
    left = calls.parse_left_at(desk, "07:40")
    assert left == datetime(2025, 11, 24, 7, 40, tzinfo=LONDON)
    calls.log_voicemail(desk, category="rent", urgent=True, received_at=left)
    (task,) = tasks(desk.store)
    assert task.slug == "callback-urgent"
    # received before the 08:45 opening: due at the same time (08:45) the next working day
    assert task.due_at == datetime(2025, 11, 25, 8, 45, tzinfo=LONDON)
    assert contacts(desk.store)[0].details["urgent"] is True


def test_voicemail_weslo_is_its_one_call_back(weslo_desk: Desk) -> None:
    calls.log_voicemail(weslo_desk, category="tenancy", urgent=True)
    assert [t.slug for t in tasks(weslo_desk.store)] == ["callback"]


def test_parse_left_at(desk: Desk) -> None:
    assert calls.parse_left_at(desk, "") is None
    assert calls.parse_left_at(desk, "11:30") == datetime(
        2025, 11, 23, 11, 30, tzinfo=LONDON
    )  # later: yesterday
    with pytest.raises(InputError, match="not a time"):
        calls.parse_left_at(desk, "teatime")
    with pytest.raises(InputError, match="not a time of day"):
        calls.parse_left_at(desk, "25:00")
    with pytest.raises(InputError, match="future"):
        calls.log_voicemail(desk, category="rent", received_at=MONDAY_MORNING + timedelta(hours=2))


def test_my_calls_today(desk: Desk, store: Store, clock: FrozenClock) -> None:
    other = Desk(store, BHA, clock, add_staff(store, "Sam Jones", "sjones", "handler"))
    cid = customers.create(desk, "Mary Smith").id
    clock.set(MONDAY_MORNING - timedelta(days=1))
    calls.log_call(desk, answer="3", category="rent")  # yesterday: not today
    clock.set(MONDAY_MORNING)
    calls.log_call(desk, answer="12", category="rent", customer_id=cid)
    calls.log_call(desk, answer="30", category="tenancy", outcome="callback_routine")
    calls.log_voicemail(desk, category="other")
    calls.log_call(other, answer="1", category="rent")  # someone else's
    day = calls.my_calls_today(desk)
    assert day.day == date(2025, 11, 24)
    assert [(r.channel, r.customer_name, r.answer_seconds) for r in day.rows] == [
        ("voicemail", "", None),
        ("call", "Mary Smith", 12.0),
        ("call", "", 30.0),
    ]
    assert (day.answered, day.within) == (2, 1)
    assert day.share == 0.5
    assert day.summary == "2 calls, 1 voicemail: 1 of 2 answered within 20 s (50%)."
    labels = {r.outcome for r in day.rows}
    assert labels == {"Resolved there and then", "Call back (routine)"}


def test_my_calls_today_empty(desk: Desk) -> None:
    day = calls.my_calls_today(desk)
    assert day.rows == () and day.share is None and day.summary == "No calls yet today."


@pytest.mark.parametrize(
    ("at", "is_open", "opens"),
    [
        (datetime(2025, 11, 24, 10, 0), True, ""),
        (
            datetime(2025, 11, 24, 17, 0),
            False,
            "Out of hours: the office opens tomorrow at 8:45am.",
        ),
        (
            datetime(2025, 11, 26, 9, 0),
            False,
            "Out of hours: the office opens today at 10:30am.",
        ),  # Wednesday
        (
            datetime(2025, 11, 29, 11, 0),
            False,
            "Out of hours: the office opens Tuesday 2 December at 8:45am.",
        ),
    ],
)
def test_office_status(
    desk: Desk, clock: FrozenClock, at: datetime, is_open: bool, opens: str
) -> None:
    clock.set(at.replace(tzinfo=LONDON))
    status = calls.office_status(desk)
    assert status.open is is_open and calls.is_open_now(desk) is is_open
    assert status.message.startswith(opens)
    if not is_open:
        assert "SPS Doorguard" in status.message


def test_unknown_customer_is_not_found(desk: Desk) -> None:
    with pytest.raises(NotFound):
        calls.log_voicemail(desk, category="rent", customer_id=42)


def test_the_deadline_is_worked_out_before_the_write_lock(desk: Desk) -> None:
    """issue 14: a slow deadline must not be computed while this desk holds the write lock."""
    from sqlalchemy import event

    seen: list[int] = []

    def on_begin(conn: object) -> None:
        seen.append(len(desk._dues))  # deadlines ready when the write transaction starts

    writer = desk.store._writer
    event.listen(writer, "begin", on_begin)
    try:
        logged = calls.log_call(desk, answer="12", category="rent", outcome="callback_routine")
    finally:
        event.remove(writer, "begin", on_begin)
    assert seen and seen[0] == 1
    (slug, received), due = next(iter(desk._dues.items()))
    assert (slug, received, due) == (
        logged.promises[0].slug,
        logged.received_at,
        logged.promises[0].due_at,
    )
