"""Outcomes: what each one records on the contact and which task it opens, due from the engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from console.desk import calls, customers
from console.desk.context import Actor, Desk
from console.desk.outcomes import (
    Outcome,
    apply_outcome,
    available_outcomes,
    callback_outcomes,
    tell_caller,
    verb_for,
)
from console.desk.people import colleagues
from console.rules.clock import LONDON
from console.rules.deadlines import due_at
from console.rules.errors import InputError, NotFound
from console.rules.profiles import load_profile
from console.store.engine import Store
from console.store.models import Contact, Event, Task
from tests.conftest import MONDAY_MORNING, add_staff

BHA = load_profile("bha")
WESLO = load_profile("weslo")
OFFERED = MONDAY_MORNING - timedelta(seconds=12)  # answer time "12" at Monday 10:00


def rows(store: Store) -> tuple[list[Contact], list[Task], list[Event]]:
    with store.read() as session:
        return (
            list(session.exec(select(Contact).order_by(col(Contact.id)))),
            list(session.exec(select(Task).order_by(col(Task.id)))),
            list(session.exec(select(Event).order_by(col(Event.id)))),
        )


@pytest.fixture
def customer_id(desk: Desk) -> int:
    return customers.create(desk, "Mary Smith", phone="01890 123456", address="1 High St").id


def test_available_outcomes_bha_offers_every_kind_with_digits() -> None:
    got = [(c.key, c.kind) for c in available_outcomes(BHA)]
    assert got == [
        ("1", "resolved"),
        ("2", "callback_routine"),
        ("3", "callback_urgent"),
        ("4", "referred"),
        ("5", "repair_emergency"),
        ("6", "repair_urgent"),
        ("7", "repair_routine"),
        ("8", "complaint_frontline"),
        ("9", "complaint_stage1"),
        ("0", "transferred"),
    ]


def test_available_outcomes_weslo_has_one_call_back_and_no_repairs_or_complaints() -> None:
    got = [(c.key, c.kind) for c in available_outcomes(WESLO)]
    assert got == [("1", "resolved"), ("2", "callback"), ("3", "referred"), ("4", "transferred")]
    assert [c.kind for c in callback_outcomes(WESLO)] == ["callback"]
    assert [c.kind for c in callback_outcomes(BHA)] == ["callback_routine", "callback_urgent"]


def test_resolved_records_outcome_and_opens_nothing(desk: Desk, customer_id: int) -> None:
    calls.log_call(desk, answer="12", outcome="resolved", category="rent", customer_id=customer_id)
    contacts, tasks, events = rows(desk.store)
    assert [(c.outcome, c.customer_id) for c in contacts] == [("resolved", customer_id)]
    assert tasks == []
    assert [(e.action, e.entity) for e in events][-1] == ("created", "contact")


@pytest.mark.parametrize(
    ("kind", "slug", "team", "details"),
    [
        ("callback_routine", "callback-routine", "Housing Services", {"channel": "call"}),
        ("callback_urgent", "callback-urgent", "Housing Services", {"channel": "call"}),
        (
            "repair_emergency",
            "repair-emergency",
            "Repairs",
            {"priority": "emergency", "channel": "call"},
        ),
        ("repair_urgent", "repair-urgent", "Repairs", {"priority": "urgent", "channel": "call"}),
        ("repair_routine", "repair-routine", "Repairs", {"priority": "routine", "channel": "call"}),
    ],
)
def test_outcome_opens_its_task_due_from_the_engine(
    desk: Desk, customer_id: int, kind: str, slug: str, team: str, details: dict[str, Any]
) -> None:
    logged = calls.log_call(
        desk,
        answer="12",
        outcome=kind,
        category="rent",
        customer_id=customer_id,
        notes="Boiler out",
    )
    contacts, tasks, events = rows(desk.store)
    assert len(contacts) == 1 and contacts[0].outcome == kind
    (task,) = tasks
    assert task.slug == slug
    assert task.received_at == OFFERED
    assert task.due_at == due_at(BHA, slug, OFFERED)
    assert task.contact_id == contacts[0].id and task.customer_id == customer_id
    assert task.status == "open"
    assert task.team == team  # call backs go to the category's team, repairs to Repairs
    assert task.details == details
    assert task.created_by_id == desk.actor.id  # type: ignore[union-attr]
    assert "Boiler out" in task.title
    assert {(e.action, e.entity, e.entity_id) for e in events} >= {
        ("created", "contact", contacts[0].id),
        ("created", "task", task.id),
    }
    assert logged.promises[0].task_id == task.id
    assert logged.promises[0].due_at == task.due_at


def test_worked_example_routine_call_back_due_friday(desk: Desk) -> None:
    logged = calls.log_call(
        desk,
        outcome="callback_routine",
        category="repairs",
        received_at=MONDAY_MORNING,
        answered_at=MONDAY_MORNING + timedelta(seconds=5),
    )
    (promise,) = logged.promises
    assert promise.due_at == datetime(2025, 11, 28, 17, 0, tzinfo=LONDON)
    assert promise.tell == "Repairs will call you back by Friday 28 November at 5pm."


def test_referral_to_a_colleague_is_assigned_to_them(desk: Desk, store: Store) -> None:
    sam = add_staff(store, "Sam Jones", "sjones", "handler", "Repairs")
    logged = calls.log_call(
        desk, answer="12", outcome=Outcome("referred", to_staff_id=sam.id), category="tenancy"
    )
    contacts, tasks, _ = rows(store)
    (task,) = tasks
    assert task.slug == "callback-routine"
    assert task.assignee_id == sam.id and task.team == "Repairs"
    assert task.due_at == due_at(BHA, "callback-routine", OFFERED)
    assert task.details["referred"] is True
    assert contacts[0].outcome == "referred"
    assert contacts[0].details["referred_to"]["to"] == "Sam Jones"
    assert logged.tell == ("Sam Jones will call you back by Friday 28 November at 5pm.",)


def test_urgent_referral_to_a_team_runs_on_the_urgent_clock(desk: Desk) -> None:
    logged = calls.log_call(
        desk,
        answer="12",
        outcome=Outcome("referred", to_team="Housing Options", urgent=True),
        category="housing-registration",
    )
    _, tasks, _ = rows(desk.store)
    (task,) = tasks
    assert task.slug == "callback-urgent" and task.team == "Housing Options"
    assert task.assignee_id is None
    assert task.due_at == due_at(BHA, "callback-urgent", OFFERED)
    assert logged.tell[0].startswith("Housing Options will call you back by ")


def test_complaint_stage1_opens_task_with_spso_fields(desk: Desk, customer_id: int) -> None:
    logged = calls.log_call(
        desk,
        answer="12",
        outcome=Outcome("complaint_stage1", subject="Repair not done", service="Repairs"),
        category="complaint",
        customer_id=customer_id,
    )
    contacts, tasks, _ = rows(desk.store)
    (task,) = tasks
    assert task.slug == "complaint-stage1"
    assert task.details == {
        "stage": 1,
        "subject": "Repair not done",
        "service": "Repairs",
        "channel": "call",
    }
    assert task.due_at == due_at(BHA, "complaint-stage1", OFFERED)
    assert contacts[0].details["complaint"]["stage"] == 1
    assert logged.tell == (
        "Customer Services will give you a decision by Tuesday 2 December at 5pm.",
    )  # 1 Dec: St Andrew


def test_complaint_frontline_is_recorded_on_the_contact_only(desk: Desk, customer_id: int) -> None:
    calls.log_call(
        desk,
        answer="12",
        outcome=Outcome("complaint_frontline", subject="Rude on the phone"),
        category="complaint",
        customer_id=customer_id,
    )
    contacts, tasks, _ = rows(desk.store)
    assert tasks == []
    assert contacts[0].outcome == "complaint_frontline"
    assert contacts[0].details["complaint"] == {
        "stage": 0,
        "resolution": "frontline",
        "subject": "Rude on the phone",
        "service": "Complaint",  # the category's label when no service is given
    }


def test_user_text_in_outcomes_is_cleaned(desk: Desk) -> None:
    calls.log_call(
        desk,
        answer="12",
        outcome=Outcome("complaint_stage1", subject=" Lift\x00  [red]broken[/red] "),
        category="complaint",
    )
    assert rows(desk.store)[1][0].details["subject"] == "Lift [red]broken[/red]"


def test_transferred_records_who(desk: Desk) -> None:
    calls.log_call(
        desk,
        answer="12",
        outcome=Outcome("transferred", to_name="Scottish Water"),
        category="other",
    )
    contacts, tasks, _ = rows(desk.store)
    assert tasks == []
    assert contacts[0].outcome == "transferred"
    assert contacts[0].details["transferred_to"]["to"] == "Scottish Water"


def test_weslo_call_back_is_one_working_day(weslo_desk: Desk) -> None:
    logged = calls.log_call(weslo_desk, answer="4r", outcome="callback", category="rent")
    _, tasks, _ = rows(weslo_desk.store)
    (task,) = tasks
    assert task.slug == "callback" and task.team == "Finance"
    assert task.due_at == datetime(2025, 11, 25, 17, 0, tzinfo=LONDON)
    assert logged.tell == ("Finance will call you back by 5pm tomorrow.",)


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (Outcome("repair_urgent"), "no standard"),
        (Outcome("complaint_stage1", subject="x"), "no standard"),
        (Outcome("teleport"), "unknown outcome"),
    ],
)
def test_weslo_refuses_what_it_does_not_promise(
    weslo_desk: Desk, outcome: Outcome, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        calls.log_call(weslo_desk, answer="12", outcome=outcome, category="repairs")
    assert rows(weslo_desk.store)[0] == []


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (Outcome("referred"), "colleague or a team"),
        (Outcome("referred", to_team="Astronauts"), "not a team"),
        (Outcome("complaint_stage1"), "what the complaint is about"),
        (Outcome("complaint_frontline", subject="   "), "what the complaint is about"),
        (Outcome("transferred"), "transferred to"),
        (Outcome("referred", to_staff_id=2**80), "positive whole number"),
    ],
)
def test_outcome_missing_what_it_needs_is_refused(
    desk: Desk, outcome: Outcome, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        calls.log_call(desk, answer="12", outcome=outcome, category="other")
    contacts, tasks, _ = rows(desk.store)
    assert contacts == [] and tasks == []


def test_referral_to_unknown_colleague_rolls_back_the_contact(desk: Desk) -> None:
    with pytest.raises(NotFound, match="no active colleague"):
        calls.log_call(
            desk, answer="12", outcome=Outcome("referred", to_staff_id=999), category="other"
        )
    contacts, tasks, _ = rows(desk.store)
    assert contacts == [] and tasks == []


def test_apply_outcome_serves_other_channels(desk: Desk, customer_id: int) -> None:
    """Reception and correspondence call apply_outcome inside their own transaction."""
    with desk.store.write() as session:
        contact = Contact(
            channel="visit",
            customer_id=customer_id,
            received_at=OFFERED,
            day=OFFERED.date(),
            category="repairs",
        )
        session.add(contact)
        session.flush()
        tasks = apply_outcome(desk, session, contact, Outcome("repair_routine"))
        assert [t.slug for t in tasks] == ["repair-routine"]
    contacts, stored, _ = rows(desk.store)
    assert contacts[0].outcome == "repair_routine"
    assert stored[0].details["channel"] == "visit"


def test_colleagues_lists_active_staff(desk: Desk, store: Store) -> None:
    add_staff(store, "Sam Jones", "sjones", "handler", "Repairs")
    assert [c.name for c in colleagues(desk)] == ["Hannah Reid", "Sam Jones"]


@dataclass
class FakeTask:
    slug: str
    due_at: datetime
    team: str = ""


SATURDAY = datetime(2025, 11, 22, 12, 0, tzinfo=LONDON)
TUESDAY_415 = datetime(2025, 11, 25, 16, 15, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("slug", "who", "sentence"),
    [
        (
            "callback-routine",
            "Repairs",
            "Repairs will call you back by Tuesday 25 November at 4:15pm.",
        ),
        (
            "callback-urgent",
            "Sam Jones",
            "Sam Jones will call you back by Tuesday 25 November at 4:15pm.",
        ),
        (
            "reply-routine",
            "Customer Services",
            "Customer Services will reply by Tuesday 25 November at 4:15pm.",
        ),
        ("repair-emergency", "Repairs", "Repairs will attend by Tuesday 25 November at 4:15pm."),
        (
            "complaint-stage1",
            "Customer Services",
            "Customer Services will give you a decision by Tuesday 25 November at 4:15pm.",
        ),
        (
            "complaint-stage2",
            "Senior Management",
            "Senior Management will give you a full response by Tuesday 25 November at 4:15pm.",
        ),
    ],
)
def test_tell_caller_wording_per_kind(slug: str, who: str, sentence: str) -> None:
    assert tell_caller(BHA, FakeTask(slug, TUESDAY_415), SATURDAY, who) == sentence


def test_tell_caller_today_and_fallbacks() -> None:
    task = FakeTask("callback-routine", TUESDAY_415, team="Repairs")
    monday = datetime(2025, 11, 24, 9, 0, tzinfo=LONDON)
    assert tell_caller(BHA, task, monday) == "Repairs will call you back by 4:15pm tomorrow."
    assert (
        tell_caller(BHA, task, TUESDAY_415 - timedelta(hours=2))
        == "Repairs will call you back by 4:15pm today."
    )
    assert tell_caller(BHA, FakeTask("callback-routine", TUESDAY_415), SATURDAY).startswith(
        "We will call you back"
    )
    assert tell_caller(
        WESLO, FakeTask("response", TUESDAY_415), SATURDAY, "Housing Management"
    ).startswith("Housing Management will reply by")
    assert verb_for(BHA, "gas-safety") == "carry out your gas safety check"
    assert verb_for(WESLO, "home-visit-notice") == "be in touch"


def test_actor_is_required(store: Store, clock: Any) -> None:
    from console.rules.errors import PermissionDenied

    anonymous_desk = Desk(store, BHA, clock, None)
    with pytest.raises(PermissionDenied):
        calls.log_call(anonymous_desk, answer="12", category="other")
    reception = Desk(store, BHA, clock, Actor(1, "x", "x", "nobody"))
    with pytest.raises(PermissionDenied):
        calls.log_call(reception, answer="12", category="other")
