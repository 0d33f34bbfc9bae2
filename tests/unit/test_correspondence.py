"""Emails, social media messages, letters and repairs reported in writing: rows and due instants."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from console.desk import correspondence, customers, repairs
from console.desk.context import Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.errors import InputError, NotFound
from console.store.models import Contact, Event, Task


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def rows(desk: Desk) -> tuple[list[Contact], list[Task]]:
    with desk.store.read() as s:
        contacts = list(s.exec(select(Contact).order_by(Contact.id)))  # type: ignore[arg-type]
        tasks = list(s.exec(select(Task).order_by(Task.id)))  # type: ignore[arg-type]
    return contacts, tasks


@pytest.fixture
def morag(desk: Desk) -> customers.CustomerView:
    return customers.create(desk, "Morag Brown", address="4 Kirk Lane, Duns", reference="C000101")


# --- BHA: acknowledge + urgent/routine reply -------------------------------------------------


def test_email_routine_opens_acknowledgement_and_routine_reply(desk: Desk, morag) -> None:
    logged = correspondence.log_email(desk, morag.id, category="tenancy", notes="Boiler noisy")
    contacts, tasks = rows(desk)
    assert len(contacts) == 1
    c = contacts[0]
    assert (c.channel, c.customer_id, c.staff_id, c.category, c.notes) == (
        "email",
        morag.id,
        desk.actor.id,  # type: ignore[union-attr]
        "tenancy",
        "Boiler noisy",
    )
    assert c.received_at == desk.now() and c.day == date(2025, 11, 24)
    assert [t.slug for t in tasks] == ["acknowledge", "reply-routine"]
    assert all(t.contact_id == c.id and t.customer_id == morag.id for t in tasks)
    now = desk.now()
    assert (
        tasks[0].due_at == due_at(desk.profile, "acknowledge", now) == london(2025, 11, 25, 10, 0)
    )
    # the same clock as STANDARDS.md's first worked example: Mon 10:00 -> Fri 17:00
    assert tasks[1].due_at == due_at(desk.profile, "reply-routine", now) == london(2025, 11, 28, 17)
    assert tasks[1].team == "Housing Services"  # the category's team replies
    assert tasks[0].team == "Customer Services"
    assert [p.slug for p in logged.promises] == ["acknowledge", "reply-routine"]
    assert logged.promises[1].tell == "Housing Services will reply by Friday 28 November at 5pm."


def test_social_urgent_opens_urgent_reply(desk: Desk, morag) -> None:
    correspondence.log_social(desk, morag.reference, category="estate", urgent=True)
    contacts, tasks = rows(desk)
    assert contacts[0].channel == "social"
    assert [t.slug for t in tasks] == ["acknowledge", "reply-urgent"]
    assert tasks[1].due_at == london(2025, 11, 25, 10, 0)


def test_email_received_out_of_hours_counts_from_the_next_opening(desk: Desk, morag) -> None:
    correspondence.log_email(
        desk, morag.id, category="rent", received="2025-11-24", received_time="07:30"
    )
    contacts, tasks = rows(desk)
    assert contacts[0].received_at == london(2025, 11, 24, 7, 30)
    # received at the 08:45 opening: acknowledged by the same time next working day
    assert tasks[0].due_at == due_at(desk.profile, "acknowledge", london(2025, 11, 24, 7, 30))
    assert tasks[0].due_at == london(2025, 11, 25, 8, 45)


def test_letter_is_date_stamped_and_followed_up(desk: Desk, morag) -> None:
    logged = correspondence.log_letter(desk, morag.id, stamped="2025-11-21", category="tenancy")
    contacts, tasks = rows(desk)
    c = contacts[0]
    assert c.channel == "letter" and c.day == date(2025, 11, 21)
    assert c.received_at == london(2025, 11, 21, 8, 45)  # Friday's opening
    assert [t.slug for t in tasks] == ["acknowledge", "reply-routine", "reply-routine"]
    assert "follow up the letter" in tasks[2].title and "phone call" in tasks[2].title
    assert tasks[2].details["follow_up"] is True
    assert tasks[0].due_at == london(2025, 11, 24, 8, 45)  # already due this morning
    assert tasks[1].due_at == due_at(desk.profile, "reply-routine", london(2025, 11, 21, 8, 45))
    assert logged.day == date(2025, 11, 21)


def test_letter_stamped_on_a_wednesday_counts_from_the_late_opening(
    desk: Desk, clock, morag
) -> None:
    clock.set(london(2025, 11, 27, 9, 0))
    correspondence.log_letter(desk, morag.id, stamped=date(2025, 11, 26), category="rent")
    contacts, tasks = rows(desk)
    assert contacts[0].received_at == london(2025, 11, 26, 10, 30)
    assert tasks[0].due_at == london(2025, 11, 27, 10, 30)


def test_letter_stamped_on_a_saturday_counts_from_monday(desk: Desk, morag) -> None:
    correspondence.log_letter(desk, morag.id, stamped="22/11/2025", category="rent")
    contacts, tasks = rows(desk)
    assert contacts[0].day == date(2025, 11, 22)
    assert contacts[0].received_at == london(2025, 11, 22, 9, 0)
    assert tasks[0].due_at == london(2025, 11, 25, 8, 45)


def test_letter_stamped_today_before_opening_counts_from_now(desk: Desk, clock, morag) -> None:
    clock.set(london(2025, 11, 24, 8, 0))
    correspondence.log_letter(desk, morag.id, stamped="2025-11-24", category="rent")
    contacts, _ = rows(desk)
    assert contacts[0].received_at == london(2025, 11, 24, 8, 0)


# --- Weslo: acknowledge + response, statutory response -------------------------------------


def test_weslo_email_gets_acknowledgement_and_detailed_response(weslo_desk: Desk) -> None:
    c = customers.create(weslo_desk, "Iain Shaw")
    correspondence.log_email(weslo_desk, c.id, category="tenancy")
    _, tasks = rows(weslo_desk)
    assert [t.slug for t in tasks] == ["acknowledge", "response"]
    now = weslo_desk.now()
    assert (
        tasks[0].due_at
        == due_at(weslo_desk.profile, "acknowledge", now)
        == london(2025, 11, 25, 17)
    )
    # 10 working days; Mon 1 Dec is St Andrew's Day (observed)
    assert tasks[1].due_at == due_at(weslo_desk.profile, "response", now) == london(2025, 12, 9, 17)
    assert tasks[1].title.startswith("detailed response to the email")


def test_weslo_assignment_gets_statutory_response(weslo_desk: Desk) -> None:
    c = customers.create(weslo_desk, "Iain Shaw")
    correspondence.log_letter(
        weslo_desk, c.id, stamped="2025-11-24", category="assignment-alteration", subject="assign"
    )
    _, tasks = rows(weslo_desk)
    assert [t.slug for t in tasks] == ["acknowledge", "statutory-response", "response"]
    received = london(2025, 11, 24, 9, 0)
    assert tasks[1].due_at == due_at(weslo_desk.profile, "statutory-response", received)
    assert tasks[1].due_at == datetime(2025, 12, 8, 23, 59, 59, tzinfo=LONDON)
    assert tasks[2].title.startswith("follow up the letter: assign")


# --- needs and restrictions ----------------------------------------------------------------


def test_needs_recorded_once_are_carried_by_every_later_contact(desk: Desk, morag) -> None:
    correspondence.log_email(desk, morag.id, category="rent")
    customers.set_needs(
        desk, morag.id, customers.NeedsForm(large_print=True, interpreter_language="Polish")
    )
    logged = correspondence.log_letter(desk, morag.id, stamped="2025-11-24", category="rent")
    contacts, tasks = rows(desk)
    assert "needs" not in contacts[0].details
    assert contacts[1].details["needs"] == ["interpreter (Polish)", "large print"]
    assert all(t.details["needs"] == ["interpreter (Polish)", "large print"] for t in tasks[2:])
    assert logged.needs == ("interpreter (Polish)", "large print")


def test_restricted_customer_needs_acknowledgement(desk: Desk, lead, morag) -> None:
    lead_desk = desk.with_actor(lead)
    customers.set_restriction(
        lead_desk, morag.id, what="contact by letter only", why="abusive calls", review="2026-05-01"
    )
    restricted = r"access restriction: contact by letter only\. Acknowledge"
    with pytest.raises(InputError, match=restricted):
        correspondence.log_email(desk, morag.id, category="rent")
    assert rows(desk) == ([], [])
    correspondence.log_email(desk, morag.id, category="rent", restriction_acknowledged=True)
    assert len(rows(desk)[0]) == 1


# --- bad input: a message that says what to fix, nothing written ---------------------------


@pytest.mark.parametrize(
    ("stamped", "message"),
    [
        ("2025-11-25", "is in the future"),
        ("2025-02-30", "does not exist: February 2025 has 28 days"),
        ("2025-13-01", "has no month 13"),
        ("24th Nov", "is not a date: type it as YYYY-MM-DD"),
        ("", "is empty"),
        ("2023-11-24", "more than a year ago: check the year"),
    ],
)
def test_bad_letter_dates_are_refused(desk: Desk, morag, stamped: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        correspondence.log_letter(desk, morag.id, stamped=stamped, category="rent")
    assert rows(desk) == ([], [])


def test_email_received_later_today_is_in_the_future(desk: Desk, morag) -> None:
    with pytest.raises(InputError, match="in the future"):
        correspondence.log_email(
            desk, morag.id, category="rent", received="2025-11-24", received_time="11:00"
        )


def test_unknown_customer_reference(desk: Desk) -> None:
    with pytest.raises(NotFound, match="no customer with reference 'C999': check the reference"):
        correspondence.log_email(desk, "C999", category="rent")
    assert rows(desk) == ([], [])


def test_unknown_category_and_channel(desk: Desk, morag) -> None:
    with pytest.raises(
        InputError, match="'parking' is not an enquiry category of BHA: choose housing"
    ):
        correspondence.log_email(desk, morag.id, category="parking")
    with pytest.raises(InputError, match="not a written channel"):
        correspondence.log_correspondence(desk, "fax", morag.id, category="rent")
    with pytest.raises(InputError, match="only its date-stamp"):
        correspondence.log_letter(
            desk, morag.id, stamped="2025-11-24", received_time="09:00", category="rent"
        )
    assert rows(desk) == ([], [])


def test_audit_events_for_contact_and_tasks(desk: Desk, morag) -> None:
    correspondence.log_email(desk, morag.id, category="rent")
    with desk.store.read() as s:
        events = [
            (e.action, e.entity) for e in s.exec(select(Event).where(Event.customer_id == morag.id))
        ]
    assert ("created", "contact") in events
    assert events.count(("created", "task")) == 2


# --- repairs reported by any channel (BHA s7) --------------------------------------------


def test_emergency_repair_by_email_is_attended_within_six_hours(desk: Desk, morag) -> None:
    logged = repairs.report_repair(
        desk, morag.id, priority="emergency", description="Water through ceiling"
    )
    contacts, tasks = rows(desk)
    assert contacts[0].outcome == "repair_emergency" and contacts[0].category == "repairs"
    assert [t.slug for t in tasks] == ["repair-emergency"]
    assert (
        tasks[0].due_at
        == due_at(desk.profile, "repair-emergency", desk.now())
        == london(2025, 11, 24, 16)
    )
    assert tasks[0].details["priority"] == "emergency"
    assert tasks[0].details["description"] == "Water through ceiling"
    assert logged.promises[0].tell.endswith("will attend by 4pm today.")


def test_urgent_repair_without_enough_detail_gets_a_call_back_then_is_issued(
    desk: Desk, clock, morag
) -> None:
    repairs.report_repair(desk, morag.id, priority="urgent", description="Door", can_issue=False)
    contacts, tasks = rows(desk)
    assert [t.slug for t in tasks] == ["callback-urgent"]
    assert tasks[0].due_at == london(2025, 11, 25, 10, 0)
    assert tasks[0].title.startswith("call to confirm the details of the urgent repair")
    assert contacts[0].outcome == "repair_urgent_details_needed"
    clock.set(london(2025, 11, 25, 9, 0))
    issued = repairs.issue_repair(desk, tasks[0].id, note="front door lock broken")  # type: ignore[arg-type]
    contacts, tasks = rows(desk)
    assert tasks[0].status == "done" and tasks[0].outcome == "details confirmed"
    assert tasks[1].slug == "repair-urgent"
    # the attendance clock runs from the original report
    assert tasks[1].received_at == london(2025, 11, 24, 10, 0)
    assert tasks[1].due_at == due_at(desk.profile, "repair-urgent", london(2025, 11, 24, 10, 0))
    assert contacts[0].outcome == "repair_urgent"
    assert [p.slug for p in issued.promises] == ["repair-urgent"]
    with pytest.raises(InputError, match="already done"):
        repairs.issue_repair(desk, tasks[0].id)  # type: ignore[arg-type]


def test_routine_repair_without_detail_gets_a_reply_by_email_and_a_call_back_by_phone(
    desk: Desk, morag
) -> None:
    repairs.report_repair(desk, morag.id, priority="routine", description="Tap", can_issue=False)
    repairs.report_repair(
        desk, morag.id, priority="routine", description="Gate", channel="call", can_issue=False
    )
    _, tasks = rows(desk)
    assert [t.slug for t in tasks] == ["reply-routine", "callback-routine"]
    assert tasks[0].title.startswith("reply to confirm") and tasks[0].team == "Repairs"


def test_emergency_without_detail_is_attended_and_called_back(desk: Desk, morag) -> None:
    repairs.report_repair(
        desk, morag.id, priority="Emergency", description="Gas smell", can_issue=False
    )
    _, tasks = rows(desk)
    assert [t.slug for t in tasks] == ["repair-emergency", "callback-urgent"]
    assert tasks[1].parent_id == tasks[0].id
    repairs.issue_repair(desk, tasks[1].id)  # type: ignore[arg-type]
    _, tasks = rows(desk)
    assert len(tasks) == 2  # the attendance task was already open


def test_repair_bad_input(desk: Desk, weslo_desk: Desk, morag) -> None:
    with pytest.raises(
        InputError, match="not a repair priority: choose emergency, urgent or routine"
    ):
        repairs.report_repair(desk, morag.id, priority="soon", description="x")
    with pytest.raises(InputError, match="describe the repair"):
        repairs.report_repair(desk, morag.id, priority="urgent", description="  ")
    with pytest.raises(InputError, match="Weslo profile has no standard for repair"):
        repairs.report_repair(weslo_desk, morag.id, priority="urgent", description="Door")
    assert rows(desk) == ([], [])


def test_repair_by_letter_uses_the_date_stamp(desk: Desk, morag) -> None:
    repairs.report_repair(
        desk,
        morag.id,
        priority="routine",
        description="Fence",
        channel="letter",
        received="2025-11-20",
    )
    contacts, tasks = rows(desk)
    assert contacts[0].received_at == london(2025, 11, 20, 8, 45)
    assert tasks[0].due_at == due_at(desk.profile, "repair-routine", london(2025, 11, 20, 8, 45))


def test_frozen_clock_fixture_is_monday_morning(clock: FrozenClock) -> None:
    assert clock.now() == london(2025, 11, 24, 10, 0)
