"""Home visits: booking (Weslo's minimum notice), the record with next steps, the calling card."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from console.desk import customers, home_visits
from console.desk.context import Desk
from console.rules.clock import LONDON
from console.rules.deadlines import notice_ok
from console.rules.errors import InputError, NotFound
from console.store.models import Contact


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def contacts(desk: Desk) -> list[Contact]:
    with desk.store.read() as s:
        return list(s.exec(select(Contact).order_by(Contact.id)))  # type: ignore[arg-type]


@pytest.fixture
def morag(desk: Desk) -> customers.CustomerView:
    return customers.create(desk, "Morag Brown")


def test_bha_books_by_appointment_without_a_notice_minimum(desk: Desk, morag) -> None:
    view = home_visits.book_visit(
        desk, morag.id, day="2025-11-25", at="14:00", purpose="Tenancy check"
    )
    [c] = contacts(desk)
    assert (c.channel, c.outcome, c.customer_id, c.staff_id) == (
        "home_visit",
        "booked",
        morag.id,
        desk.actor.id,  # type: ignore[union-attr]
    )
    assert c.received_at == desk.now() and c.scheduled_at == london(2025, 11, 25, 14, 0)
    assert c.details["visit"]["purpose"] == "Tenancy check"
    assert view.notice_ok is None and view.status == "booked" and view.warnings == ()


def test_weslo_short_notice_is_flagged_and_needs_a_reason(weslo_desk: Desk) -> None:
    c = customers.create(weslo_desk, "Iain Shaw")
    now = weslo_desk.now()
    # 7 working days after Mon 24 Nov, with Mon 1 Dec (St Andrew's Day) skipped: Thu 4 Dec
    assert not notice_ok(weslo_desk.profile, "home-visit-notice", now, london(2025, 12, 3, 10))
    assert notice_ok(weslo_desk.profile, "home-visit-notice", now, london(2025, 12, 4, 10))
    with pytest.raises(InputError) as err:
        home_visits.book_visit(weslo_desk, c.id, day="2025-12-03", at="10:00", purpose="Inspection")
    message = str(err.value)
    assert (
        "less than at least 7 working days before the visit notice" in message
        or "less than" in message
    )
    assert "give a reason for the short notice" in message
    assert "book on or after Thu 04 Dec 2025" in message
    assert contacts(weslo_desk) == []
    view = home_visits.book_visit(
        weslo_desk,
        c.id,
        day="2025-12-03",
        at="10:00",
        purpose="Inspection",
        short_notice_reason="customer asked for the earliest date",
    )
    assert (
        view.notice_ok is False
        and view.short_notice_reason == "customer asked for the earliest date"
    )
    assert view.warnings == ("flagged: short notice (customer asked for the earliest date)",)
    ok = home_visits.book_visit(
        weslo_desk, c.id, day="2025-12-04", at="10:00", purpose="Inspection"
    )
    assert ok.notice_ok is True and ok.short_notice_reason == ""


@pytest.mark.parametrize(
    ("day", "at", "purpose", "message"),
    [
        ("2025-11-24", "09:00", "Check", "is not in the future"),
        ("2025-11-31", "09:00", "Check", "does not exist: November 2025 has 30 days"),
        ("2025-11-25", "25:00", "Check", "is not a time"),
        ("2025-11-25", "", "Check", "the visit time is empty"),
        ("2025-11-25", "10:00", "  ", "say what the visit is for"),
    ],
)
def test_bad_bookings_are_refused(
    desk: Desk, morag, day: str, at: str, purpose: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        home_visits.book_visit(desk, morag.id, day=day, at=at, purpose=purpose)
    assert contacts(desk) == []


def test_visit_record_with_id_and_next_steps(desk: Desk, clock, morag) -> None:
    booked = home_visits.book_visit(desk, morag.id, day="2025-11-25", at="2pm", purpose="Damp")
    clock.set(london(2025, 11, 25, 15, 0))
    with pytest.raises(InputError, match="say whether you showed your identification"):
        home_visits.record_visit(
            desk, booked.contact_id, outcome="visited", record="x", next_steps="y"
        )
    with pytest.raises(InputError, match="type the record of the visit"):
        home_visits.record_visit(
            desk, booked.contact_id, outcome="visited", id_shown=True, next_steps="y"
        )
    with pytest.raises(InputError, match="type the next steps agreed"):
        home_visits.record_visit(
            desk, booked.contact_id, outcome="visited", id_shown=True, record="x"
        )
    assert contacts(desk)[0].outcome == "booked"
    view = home_visits.record_visit(
        desk,
        booked.contact_id,
        outcome="visited",
        id_shown=True,
        record="Damp in the back bedroom; agreed a survey",
        next_steps="Survey booked for 2 Dec",
    )
    [c] = contacts(desk)
    assert c.outcome == "visited"
    v = c.details["visit"]
    assert v["id_shown"] is True and v["next_steps"] == "Survey booked for 2 Dec"
    assert v["visited_at"] == london(2025, 11, 25, 15, 0).isoformat() or v["visited_at"].startswith(
        "2025-11-25T15:00"
    )
    assert view.status_label == "visited: record agreed" and view.warnings == ()
    with pytest.raises(InputError, match="already recorded as visited"):
        home_visits.record_visit(desk, booked.contact_id, outcome="no_access")


def test_nobody_home_calling_card_left(desk: Desk, clock, morag) -> None:
    booked = home_visits.book_visit(desk, morag.id, day="2025-11-25", at="10:00", purpose="Rent")
    clock.set(london(2025, 11, 25, 10, 20))
    view = home_visits.record_visit(desk, booked.contact_id, outcome="nobody home")
    assert view.status == "no_access" and view.status_label == "nobody home, calling card left"
    [c] = contacts(desk)
    assert c.details["visit"]["calling_card"] is True


def test_visit_without_id_is_recorded_and_flagged(desk: Desk, morag) -> None:
    view = home_visits.record_visit(
        desk,
        customer=morag.id,
        outcome="visited",
        id_shown=False,
        record="Met",
        next_steps="none",
        purpose="Welfare call",
    )
    assert view.id_shown is False
    assert view.warnings and "identification must be shown on every visit" in view.warnings[0]
    [c] = contacts(desk)
    assert c.scheduled_at == c.received_at == desk.now() and c.outcome == "visited"


def test_record_needs_a_visit_or_a_customer_and_a_known_outcome(desk: Desk, morag) -> None:
    with pytest.raises(InputError, match="choose the booked visit, or the customer"):
        home_visits.record_visit(desk, outcome="no_access")
    with pytest.raises(InputError, match="is not a visit outcome"):
        home_visits.record_visit(desk, customer=morag.id, outcome="lost")
    with pytest.raises(NotFound, match="no home visit with id 42"):
        home_visits.record_visit(desk, 42, outcome="no_access")
    with pytest.raises(InputError, match="in the future"):
        home_visits.record_visit(
            desk, customer=morag.id, outcome="no_access", visited_at=london(2025, 11, 24, 11)
        )
    assert contacts(desk) == []


def test_restricted_customer_booking_needs_acknowledgement(desk: Desk, lead, morag) -> None:
    customers.set_restriction(
        desk.with_actor(lead),
        morag.id,
        what="two staff on visits",
        why="threats",
        review="2026-03-01",
    )
    with pytest.raises(InputError, match="has an access restriction: two staff on visits"):
        home_visits.book_visit(desk, morag.id, day="2025-11-26", at="11:00", purpose="Check")
    home_visits.book_visit(
        desk, morag.id, day="2025-11-26", at="11:00", purpose="Check", restriction_acknowledged=True
    )


def test_cancel_and_list_visits(desk: Desk, morag) -> None:
    later = home_visits.book_visit(desk, morag.id, day="2025-11-28", at="10:00", purpose="B")
    sooner = home_visits.book_visit(desk, morag.id, day="2025-11-26", at="10:00", purpose="A")
    gone = home_visits.book_visit(desk, morag.id, day="2025-11-27", at="10:00", purpose="C")
    with pytest.raises(InputError, match="say why the visit is cancelled"):
        home_visits.cancel_visit(desk, gone.contact_id, reason="")
    home_visits.cancel_visit(desk, gone.contact_id, reason="customer away")
    visits = home_visits.visits_for(desk, morag.id)
    assert [v.contact_id for v in visits] == [sooner.contact_id, later.contact_id, gone.contact_id]
    assert [v.status for v in visits] == ["booked", "booked", "cancelled"]
    assert len(home_visits.visits_for(desk, morag.id, booked_only=True)) == 2
    assert visits[0].visit_at.date() == date(2025, 11, 26)
