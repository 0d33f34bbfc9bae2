"""The customer record: details, needs, restriction, consent, timeline, the "opened" event."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlmodel import select

from console.desk import correspondence, customers, home_visits
from console.desk.context import Desk
from console.rules.clock import LONDON
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.store.models import Event


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def events(desk: Desk, action: str) -> list[Event]:
    with desk.store.read() as s:
        return list(s.exec(select(Event).where(Event.action == action)))


@pytest.fixture
def morag(desk: Desk) -> customers.CustomerView:
    return customers.create(desk, "Morag Brown", phone="01361 882000", reference="C000101")


def test_opening_a_record_appends_an_opened_event(desk: Desk, morag) -> None:
    record = customers.open_record(desk, "C000101")
    assert record.customer.name == "Morag Brown" and record.timeline == ()
    [opened] = events(desk, "opened")
    assert (opened.entity, opened.entity_id, opened.customer_id, opened.staff_id) == (
        "customer",
        morag.id,
        morag.id,
        desk.actor.id,  # type: ignore[union-attr]
    )
    assert opened.at == desk.now()
    customers.record(desk, morag.id)  # a reload is not another opening
    assert len(events(desk, "opened")) == 1
    with pytest.raises(NotFound, match="no customer with reference 'C9'"):
        customers.open_record(desk, "C9")
    with pytest.raises(NotFound, match="no customer with id 77"):
        customers.open_record(desk, 77)
    assert len(events(desk, "opened")) == 1


def test_timeline_shows_every_contact_and_task_newest_first(desk: Desk, clock, morag) -> None:
    correspondence.log_letter(
        desk, morag.id, stamped="2025-11-20", category="rent", notes="Rent query"
    )
    clock.set(london(2025, 11, 24, 11, 0))
    correspondence.log_email(desk, morag.id, category="tenancy", notes="Pet request\nmore")
    clock.set(london(2025, 11, 24, 12, 0))
    home_visits.book_visit(desk, morag.id, day="2025-11-26", at="10:00", purpose="Pet check")
    entries = customers.timeline(desk, morag.id)
    kinds = [(e.kind, e.slug) for e in entries]
    assert kinds == [
        ("contact", "home_visit"),
        ("task", "reply-routine"),
        ("task", "acknowledge"),
        ("contact", "email"),
        ("task", "reply-routine"),  # the letter's tasks were made when it was logged (10:00)
        ("task", "reply-routine"),
        ("task", "acknowledge"),
        ("contact", "letter"),  # date-stamped 20 November
    ]
    ats = [e.at for e in entries]
    assert ats == sorted(ats, reverse=True)
    email = entries[3]
    assert (
        email.what == "Email"
        and email.summary == "tenancy: Pet request"
        and email.staff == "Hannah Reid"
    )
    assert entries[0].summary.startswith("visit Wed 26 Nov 2025 10:00")
    assert entries[1].due_at is not None and entries[1].status == "open"
    record = customers.record(desk, morag.id)
    assert record.open_tasks == 5 and len(record.timeline) == 8


def test_update_details(desk: Desk, morag) -> None:
    view = customers.update_details(
        desk, morag.id, address="4 Kirk Lane, Duns", email="m@b.scot", preferred_contact="Email"
    )
    assert (view.address, view.email, view.preferred_contact) == (
        "4 Kirk Lane, Duns",
        "m@b.scot",
        "email",
    )
    assert customers.search(desk, "kirk")[0].id == morag.id  # the search text follows the address
    for kwargs, message in [
        ({"name": "  "}, "name is empty"),
        ({"email": "nope"}, "is not an email address"),
        ({"preferred_contact": "pigeon"}, "is not a way to contact"),
    ]:
        with pytest.raises(InputError, match=message):
            customers.update_details(desk, morag.id, **kwargs)
    assert customers.get(desk, morag.id).name == "Morag Brown"
    [changed] = events(desk, "changed")
    assert changed.detail == "details: address, email, preferred_contact"


def test_needs_apply_to_the_customer(desk: Desk, morag) -> None:
    view = customers.set_needs(
        desk,
        morag.id,
        customers.NeedsForm(interpreter_language=" Polish ", bsl_signer=True, induction_loop=True),
    )
    assert view.needs == ("interpreter (Polish)", "BSL signer", "induction loop")
    assert customers.record(desk, morag.id).needs_form.interpreter_language == "Polish"
    customers.set_needs(desk, morag.id, customers.NeedsForm())
    assert customers.get(desk, morag.id).needs == ()


def test_restriction_is_a_team_leads_decision_with_what_why_and_review(
    desk: Desk, lead, morag
) -> None:
    with pytest.raises(PermissionDenied, match="this needs one of: team lead, admin"):
        customers.set_restriction(
            desk, morag.id, what="letters only", why="abuse", review="2026-05-01"
        )
    lead_desk = desk.with_actor(lead)
    for kwargs, message in [
        ({"what": "", "why": "abuse", "review": "2026-05-01"}, "say what the restriction is"),
        ({"what": "letters only", "why": " ", "review": "2026-05-01"}, "say why"),
        ({"what": "letters only", "why": "abuse", "review": "2025-11-24"}, "not in the future"),
        (
            {"what": "letters only", "why": "abuse", "review": "2026-02-29"},
            "February 2026 has 28 days",
        ),
    ]:
        with pytest.raises(InputError, match=message):
            customers.set_restriction(lead_desk, morag.id, **kwargs)
    assert customers.get(desk, morag.id).restriction == ""
    view = customers.set_restriction(
        lead_desk, morag.id, what="letters only", why="abuse", review="01/05/2026"
    )
    assert (view.restriction, view.restriction_reason, view.restriction_review) == (
        "letters only",
        "abuse",
        date(2026, 5, 1),
    )
    with pytest.raises(PermissionDenied):
        customers.lift_restriction(desk, morag.id, why="review")
    with pytest.raises(InputError, match="say why the restriction is lifted"):
        customers.lift_restriction(lead_desk, morag.id, why="")
    assert customers.lift_restriction(lead_desk, morag.id, why="reviewed").restriction == ""
    with pytest.raises(InputError, match="has no access restriction to lift"):
        customers.lift_restriction(lead_desk, morag.id, why="again")


def test_consent(desk: Desk, morag) -> None:
    assert customers.set_consent(desk, morag.id, True).consent_to_share is True
    assert customers.set_consent(desk, morag.id, False).consent_to_share is False
    assert [e.detail for e in events(desk, "changed")] == ["consent given", "consent withdrawn"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-24", date(2025, 11, 24)),
        ("24/11/2025", date(2025, 11, 24)),
        (" 2024-2-29 ", date(2024, 2, 29)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert customers.parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-02-30", "'2025-02-30' does not exist: February 2025 has 28 days"),
        ("2025-04-31", "April 2025 has 30 days"),
        ("2025-00-10", "has no month 0"),
        ("tomorrow", "is not a date: type it as YYYY-MM-DD"),
        ("1066-10-14", "check the year"),
    ],
)
def test_parse_day_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        customers.parse_day(text, "the date")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:30", time(14, 30)),
        ("9:05", time(9, 5)),
        ("2pm", time(14)),
        ("12am", time(0)),
        ("12.15pm", time(12, 15)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert customers.parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "13pm", "noonish", "10:61"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(InputError, match="is not a time"):
        customers.parse_time(text)


def test_a_search_for_nul_lists_nobody(desk: Desk) -> None:
    """issue 14: SQLite ends a LIKE pattern at a NUL, so a search for it listed everyone."""
    customers.create(desk, "Morag Stewart")
    for query in ("\x00", "\x00\x00", " \x00 ", "\x01"):
        assert customers.search(desk, query) == [], repr(query)
    assert [c.name for c in customers.search(desk, "mor\x00ag")] == ["Morag Stewart"]
