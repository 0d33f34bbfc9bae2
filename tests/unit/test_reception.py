"""Reception services: arrival, serving, the second staff member, leaving, the board and today."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from console.desk import reception
from console.desk.context import Actor, Desk
from console.desk.outcomes import Outcome
from console.desk.reception import (
    board_name,
    format_wait,
    summarise,
    target_seconds,
    wait_state,
)
from console.rules.clock import FrozenClock, local
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.rules.profiles import Profile
from console.store.engine import Store, open_store
from console.store.models import Contact, Customer, Event, Task
from tests.conftest import MONDAY_MORNING, add_staff


@pytest.fixture
def rita(store: Store) -> Actor:
    return add_staff(store, "Rita Ross", "rross", "reception", "Customer Services")


@pytest.fixture
def wdesk(store: Store, weslo: Profile, clock: FrozenClock, rita: Actor) -> Desk:
    return Desk(store, weslo, clock, rita)


@pytest.fixture
def bdesk(store: Store, bha: Profile, clock: FrozenClock, rita: Actor) -> Desk:
    return Desk(store, bha, clock, rita)


def contact_row(store: Store, contact_id: int) -> Contact:
    with store.read() as session:
        row = session.get(Contact, contact_id)
        assert row is not None
        return row


def count(store: Store, model: type) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


# --------------------------------------------------------------------------- pure


@pytest.mark.parametrize(
    ("seconds", "state"),
    [
        (0, "normal"),
        (119, "normal"),
        (119.9, "normal"),
        (120, "amber"),
        (179, "amber"),
        (180, "amber"),
        (180.5, "red"),
        (181, "red"),
        (3600, "red"),
    ],
)
def test_wait_state_weslo_serve(weslo: Profile, seconds: float, state: str) -> None:
    assert wait_state(weslo, "serve", seconds) == state


@pytest.mark.parametrize(("seconds", "state"), [(100, "normal"), (150, "amber"), (200, "red")])
def test_wait_state_weslo_second(weslo: Profile, seconds: float, state: str) -> None:
    assert wait_state(weslo, "second", seconds) == state


def test_wait_state_without_a_reception_target_has_no_colours(bha: Profile) -> None:
    assert target_seconds(bha, "serve") is None
    assert {wait_state(bha, stage, s) for stage in ("serve", "second") for s in (0, 150, 9999)} == {
        "none"
    }


def test_wait_state_unknown_stage_is_refused(weslo: Profile) -> None:
    with pytest.raises(InputError, match="unknown reception timer"):
        wait_state(weslo, "lunch", 10)


def test_targets_come_from_the_profile(weslo: Profile) -> None:
    assert target_seconds(weslo, "serve") == 180
    assert target_seconds(weslo, "second") == 180


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0:00"), (7.9, "0:07"), (125, "2:05"), (3725, "1:02:05"), (-3, "0:00")],
)
def test_format_wait(seconds: float, text: str) -> None:
    assert format_wait(seconds) == text


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("Jo", "Jo"),
        ("Jo Smith", "Jo"),
        ("J S", "JS"),
        ("j. s.", "JS"),
        ("J.S.", "J.S."),
        ("", "?"),
        ("Mr Jones", "Mr"),
    ],
)
def test_board_name_shows_a_first_name_or_initials(typed: str, shown: str) -> None:
    assert board_name(typed) == shown


# --------------------------------------------------------------------------- arrival


def test_arrive_stores_the_arrival_from_the_desk_clock(
    wdesk: Desk, store: Store, rita: Actor
) -> None:
    visit = reception.arrive(wdesk, "  Jo   Smith ")
    row = contact_row(store, visit.id)
    assert row.channel == "visit"
    assert row.received_at == MONDAY_MORNING
    assert row.day == local(MONDAY_MORNING).date()
    assert row.visitor_name == "Jo Smith"  # what was typed, spaces tidied
    assert row.staff_id == rita.id
    assert row.served_at is None and row.left_at is None
    assert visit.board_name == "Jo"
    assert visit.stage == "serve" and visit.live
    with store.read() as session:
        events = session.exec(select(Event).where(Event.entity == "contact")).all()
    assert [(e.action, e.entity_id, e.staff_id) for e in events] == [("created", visit.id, rita.id)]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "first name or initials"),
        ("   ", "first name or initials"),
        ("x" * 41, "too long"),
        ("Jo\x00", "NUL"),
        (None, "must be text"),
        (12, "must be text"),
        ("\ud800", "cannot be stored"),
    ],
)
def test_arrive_refuses_bad_names_and_writes_nothing(
    wdesk: Desk, store: Store, typed: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        reception.arrive(wdesk, typed)  # type: ignore[arg-type]
    assert count(store, Contact) == 0


def test_a_name_with_markup_is_stored_literally(wdesk: Desk, store: Store) -> None:
    visit = reception.arrive(wdesk, "[red]Jo[/red]")
    assert contact_row(store, visit.id).visitor_name == "[red]Jo[/red]"


def test_signed_out_desk_is_refused(store: Store, weslo: Profile, clock: FrozenClock) -> None:
    with pytest.raises(PermissionDenied):
        reception.arrive(Desk(store, weslo, clock, None), "Jo")


# --------------------------------------------------------------------------- stages


def test_serve_stops_the_serve_timer_by_the_signed_in_actor(
    wdesk: Desk, store: Store, clock: FrozenClock, rita: Actor
) -> None:
    visit = reception.arrive(wdesk, "Jo")
    clock.advance(seconds=95)
    served = reception.serve(wdesk, visit.id)
    row = contact_row(store, visit.id)
    assert row.served_at == MONDAY_MORNING + timedelta(seconds=95)
    assert row.served_by_id == rita.id
    assert served.stage == "served" and not served.live
    assert served.served_by == "RR"
    clock.advance(seconds=600)  # a finished timer does not run on
    assert served.timer(clock.now()) == ("serve", 95.0)
    with pytest.raises(InputError, match="already served"):
        reception.serve(wdesk, visit.id)


def test_second_staff_member_timer_runs_from_being_served(
    wdesk: Desk, store: Store, clock: FrozenClock, rita: Actor
) -> None:
    visit = reception.arrive(wdesk, "Jo")
    with pytest.raises(InputError, match="not been served"):
        reception.needs_second(wdesk, visit.id)
    with pytest.raises(InputError, match="not waiting for a second"):
        reception.seen_by_second(wdesk, visit.id)
    clock.advance(seconds=60)
    reception.serve(wdesk, visit.id)
    clock.advance(seconds=30)
    waiting = reception.needs_second(wdesk, visit.id)
    assert contact_row(store, visit.id).second_needed_at == MONDAY_MORNING + timedelta(seconds=90)
    assert waiting.stage == "second" and waiting.live
    clock.advance(seconds=100)
    assert waiting.timer(clock.now()) == ("second", 130.0)  # from served_at, not from the flag
    assert wait_state(wdesk.profile, *waiting.timer(clock.now())) == "amber"
    with pytest.raises(InputError, match="since"):
        reception.needs_second(wdesk, visit.id)

    sam = add_staff(store, "Sam Lee", "slee", "handler", "Housing Management")
    seen = reception.seen_by_second(wdesk.with_actor(sam), visit.id)
    row = contact_row(store, visit.id)
    assert row.second_seen_at == MONDAY_MORNING + timedelta(seconds=190)
    assert row.second_seen_by_id == sam.id
    assert row.served_by_id == rita.id
    assert seen.stage == "seen" and seen.second_seen_by == "SL"
    with pytest.raises(InputError, match="already seen"):
        reception.seen_by_second(wdesk, visit.id)


def test_the_person_who_served_cannot_be_the_second_staff_member(
    wdesk: Desk, store: Store, rita: Actor
) -> None:
    visit = reception.arrive(wdesk, "Jo")
    reception.serve(wdesk, visit.id)
    reception.needs_second(wdesk, visit.id)
    with pytest.raises(InputError, match="you served Jo yourself: the second staff member must"):
        reception.seen_by_second(wdesk, visit.id)
    assert contact_row(store, visit.id).second_seen_at is None
    sam = add_staff(store, "Sam Lee", "slee", "handler", "Housing Management")
    assert reception.seen_by_second(wdesk.with_actor(sam), visit.id).stage == "seen"


def test_left_without_being_seen(wdesk: Desk, store: Store, clock: FrozenClock) -> None:
    visit = reception.arrive(wdesk, "Jo")
    clock.advance(seconds=250)
    gone = reception.left_unseen(wdesk, visit.id)
    row = contact_row(store, visit.id)
    assert row.left_at == MONDAY_MORNING + timedelta(seconds=250)
    assert row.left_unseen is True
    assert row.served_at is None
    assert row.details["left_while"] == "serve"
    assert gone.stage == "left" and gone.status() == "left without being seen"
    with pytest.raises(InputError, match="already recorded as gone"):
        reception.left_unseen(wdesk, visit.id)
    with pytest.raises(InputError, match="left at"):
        reception.serve(wdesk, visit.id)


def test_left_while_waiting_for_the_second_staff_member(wdesk: Desk, store: Store) -> None:
    visit = reception.arrive(wdesk, "Jo")
    reception.serve(wdesk, visit.id)
    with pytest.raises(InputError, match="nobody left waiting"):
        reception.left_unseen(wdesk, visit.id)
    reception.needs_second(wdesk, visit.id)
    gone = reception.left_unseen(wdesk, visit.id)
    assert gone.stage == "left"
    assert contact_row(store, visit.id).details["left_while"] == "second"
    with pytest.raises(InputError):
        reception.seen_by_second(wdesk, visit.id)


@pytest.mark.parametrize("bad", [0, -1, True, "1", None, 1.5])
def test_bad_visit_numbers_are_refused(wdesk: Desk, bad: object) -> None:
    with pytest.raises(InputError, match="not a visit number"):
        reception.serve(wdesk, bad)  # type: ignore[arg-type]


def test_unknown_visit_and_a_call_are_not_found(wdesk: Desk, store: Store, rita: Actor) -> None:
    with pytest.raises(NotFound, match="no visit number 99"):
        reception.serve(wdesk, 99)
    with store.write() as session:
        call = Contact(channel="call", received_at=MONDAY_MORNING, day=MONDAY_MORNING.date())
        session.add(call)
        session.flush()
        call_id = call.id
    assert call_id is not None
    with pytest.raises(NotFound):
        reception.left_unseen(wdesk, call_id)


# --------------------------------------------------------------------------- board


def test_board_longest_wait_first_then_todays_finished(
    wdesk: Desk, clock: FrozenClock, store: Store
) -> None:
    # yesterday: one finished (off the board) and one never cleared (still on it)
    clock.set(MONDAY_MORNING - timedelta(days=1))
    done = reception.arrive(wdesk, "Old Done")
    reception.serve(wdesk, done.id)
    stale = reception.arrive(wdesk, "Stale")
    clock.set(MONDAY_MORNING)
    ann = reception.arrive(wdesk, "Ann")
    clock.advance(seconds=30)
    bob = reception.arrive(wdesk, "Bob Brown")
    clock.advance(seconds=30)
    cat = reception.arrive(wdesk, "C D")
    clock.advance(seconds=30)
    reception.serve(wdesk, ann.id)  # served at +90
    clock.advance(seconds=5)
    reception.serve(wdesk, cat.id)  # served at +95, then needs a second
    reception.needs_second(wdesk, cat.id)
    board = reception.waiting_board(wdesk)
    assert [v.board_name for v in board.live] == ["Stale", "Bob", "CD"]
    assert [v.board_name for v in board.finished] == ["Ann"]
    assert [v.stage for v in board.visits] == ["serve", "serve", "second", "served"]
    assert board.live[0].id == stale.id and board.live[1].id == bob.id
    now = clock.now()
    assert board.live[1].timer(now) == ("serve", 65.0)
    assert board.live[2].timer(now) == ("second", 0.0)


def test_a_restart_or_a_second_seat_shows_the_same_timers(
    wdesk: Desk, clock: FrozenClock, tmp_path: object, store: Store
) -> None:
    visit = reception.arrive(wdesk, "Jo")
    clock.advance(seconds=140)
    other_store = open_store(store.url)  # another seat on the same database
    try:
        other = Desk(other_store, wdesk.profile, FrozenClock(clock.now()), wdesk.actor)
        (seen,) = reception.waiting_board(other).live
        assert seen.id == visit.id
        assert seen.timer(other.now()) == ("serve", 140.0)
        assert wait_state(other.profile, "serve", 140.0) == "amber"
    finally:
        other_store.close()


# --------------------------------------------------------------------------- today


def test_today_summary_by_hand(wdesk: Desk, clock: FrozenClock, store: Store) -> None:
    sam = wdesk.with_actor(add_staff(store, "Sam Lee", "slee", "handler", "Housing Management"))
    start = MONDAY_MORNING
    a = reception.arrive(wdesk, "A")  # served after 100 s: within
    clock.set(start + timedelta(seconds=100))
    reception.serve(wdesk, a.id)
    clock.set(start + timedelta(seconds=10))
    b = reception.arrive(wdesk, "B")  # served after 200 s: late
    clock.set(start + timedelta(seconds=210))
    reception.serve(wdesk, b.id)
    reception.needs_second(wdesk, b.id)
    clock.set(start + timedelta(seconds=300))
    reception.seen_by_second(sam, b.id)  # seen 90 s after being served: within
    c = reception.arrive(wdesk, "C")  # left after 60 s: decided, not within
    clock.set(start + timedelta(seconds=360))
    reception.left_unseen(wdesk, c.id)
    clock.set(start + timedelta(seconds=400))
    reception.arrive(wdesk, "D")  # still waiting, 50 s: not decided yet
    clock.set(start + timedelta(seconds=450))

    s = reception.today_summary(wdesk)
    assert (s.visitors, s.served, s.left_unseen, s.waiting, s.awaiting_second) == (4, 2, 1, 1, 0)
    assert (s.served_within, s.decided) == (1, 3)
    assert s.share_within == pytest.approx(1 / 3)
    assert s.longest_wait_seconds == 200.0 and s.longest_wait_id == b.id
    assert (s.second_needed, s.second_within, s.second_decided) == (1, 1, 1)
    assert s.text() == (
        "4 visitors today · 33% served within 3 minutes (1 of 3) · longest wait 3:20 · "
        "100% seen by a second staff member within 3 minutes (1 of 1) · 1 waiting now"
    )
    # D keeps waiting: past the target it counts as decided (missed) and as the longest wait
    clock.set(start + timedelta(seconds=400 + 181))
    s = reception.today_summary(wdesk)
    assert (s.served_within, s.decided) == (1, 4)
    assert s.longest_wait_seconds == 200.0
    clock.set(start + timedelta(seconds=400 + 205))
    s = reception.today_summary(wdesk)
    assert s.longest_wait_seconds == 205.0 and s.longest_wait_id == 4


def test_summary_ignores_other_days(wdesk: Desk, clock: FrozenClock) -> None:
    clock.set(MONDAY_MORNING - timedelta(days=1))
    reception.arrive(wdesk, "Yesterday")
    clock.set(MONDAY_MORNING)
    assert reception.today_summary(wdesk).visitors == 0
    board = reception.waiting_board(wdesk)
    assert summarise(wdesk.profile, board.visits, board.day, clock.now()).visitors == 0
    assert reception.today_summary(wdesk).text().startswith("0 visitors today")


def test_bha_times_visits_without_a_target(bdesk: Desk, clock: FrozenClock) -> None:
    visit = reception.arrive(bdesk, "Jo")
    clock.advance(seconds=400)
    (live,) = reception.waiting_board(bdesk).live
    assert live.timer(clock.now()) == ("serve", 400.0)
    assert wait_state(bdesk.profile, "serve", 400.0) == "none"
    reception.serve(bdesk, visit.id)
    s = reception.today_summary(bdesk)
    assert s.target_seconds is None and s.share_within is None
    assert s.longest_wait_seconds == 400.0
    assert s.text() == "1 visitor today · no reception target in this profile · longest wait 6:40"
    board = reception.waiting_board(bdesk)  # the board knows the names: it says whose wait
    on_board = summarise(bdesk.profile, board.visits, board.day, clock.now())
    assert on_board.text().endswith("longest wait 6:40 (Jo)")


# --------------------------------------------------------------------------- the visit


def add_customer(store: Store, name: str, restriction: str = "") -> int:
    with store.write() as session:
        c = Customer(reference=f"C{name[:3].upper()}", name=name, restriction=restriction)
        session.add(c)
        session.flush()
        assert c.id is not None
        return c.id


def test_record_visit_purpose_customer_and_a_call_back(
    wdesk: Desk, store: Store, clock: FrozenClock
) -> None:
    visit = reception.arrive(wdesk, "Jo")
    clock.advance(seconds=70)
    reception.serve(wdesk, visit.id)
    clock.advance(seconds=300)
    customer = add_customer(store, "Joanna Smith")
    done = reception.record_visit(
        wdesk,
        visit.id,
        category="rent",
        customer_id=customer,
        outcome="callback",
        notes="wants a payment plan",
    )
    row = contact_row(store, visit.id)
    assert (row.category, row.customer_id, row.outcome, row.notes) == (
        "rent",
        customer,
        "callback",
        "wants a payment plan",
    )
    with store.read() as session:
        (task,) = session.exec(select(Task).where(Task.contact_id == visit.id)).all()
    assert task.slug == "callback"
    assert task.received_at == MONDAY_MORNING  # the clock starts at the visitor's arrival
    assert task.customer_id == customer
    assert task.team == "Finance"  # the rent category's team calls back
    assert task.details["channel"] == "visit"
    (tell,) = done.tell
    assert tell.startswith("Finance will call you back by ") and "tomorrow" in tell
    assert done.visit.tasks == ("callback",)
    assert done.visit.category_label == "Rent"
    assert done.visit.board_name == "Jo"  # the board still shows only what was typed
    assert done.visit.outcome_label == "Call back"

    # the same outcome again adds nothing; another outcome is refused
    again = reception.record_visit(wdesk, visit.id, outcome="callback")
    assert again.promises == ()
    with pytest.raises(InputError, match="already recorded"):
        reception.record_visit(wdesk, visit.id, outcome="resolved")
    assert count(store, Task) == 1


def test_record_visit_customer_found_after_the_outcome(wdesk: Desk, store: Store) -> None:
    visit = reception.arrive(wdesk, "Jo")
    reception.record_visit(wdesk, visit.id, category="repairs", outcome="callback")
    customer = add_customer(store, "Joanna Smith")
    reception.record_visit(wdesk, visit.id, customer_id=customer)
    with store.read() as session:
        (task,) = session.exec(select(Task).where(Task.contact_id == visit.id)).all()
    assert task.customer_id == customer
    other = add_customer(store, "Someone Else")
    with pytest.raises(InputError, match="change the customer on those tasks"):
        reception.record_visit(wdesk, visit.id, customer_id=other)


def test_record_visit_refuses_what_the_profile_does_not_promise(wdesk: Desk, store: Store) -> None:
    visit = reception.arrive(wdesk, "Jo")
    with pytest.raises(InputError, match="no standard"):
        reception.record_visit(wdesk, visit.id, outcome="repair_urgent")
    with pytest.raises(InputError, match="not an enquiry category"):
        reception.record_visit(wdesk, visit.id, category="parking")
    with pytest.raises(NotFound):
        reception.record_visit(wdesk, visit.id, customer_id=4242)
    with pytest.raises(InputError, match="needs a colleague"):
        reception.record_visit(wdesk, visit.id, outcome=Outcome(kind="referred"))
    row = contact_row(store, visit.id)
    assert (row.category, row.customer_id, row.outcome) == ("", None, "")
    assert count(store, Task) == 0


def test_record_visit_bha_repair(bdesk: Desk, store: Store, clock: FrozenClock) -> None:
    visit = reception.arrive(bdesk, "Jo")
    done = reception.record_visit(bdesk, visit.id, category="repairs", outcome="repair_urgent")
    with store.read() as session:
        (task,) = session.exec(select(Task).where(Task.contact_id == visit.id)).all()
    assert task.slug == "repair-urgent"
    assert task.details["priority"] == "urgent"
    assert len(done.tell) == 1


def test_record_visit_restricted_customer_needs_acknowledgement(bdesk: Desk, store: Store) -> None:
    visit = reception.arrive(bdesk, "Jo")
    customer = add_customer(store, "Joe Bloggs", restriction="contact by letter only")
    with pytest.raises(InputError, match="access restriction: contact by letter only"):
        reception.record_visit(bdesk, visit.id, customer_id=customer)
    assert contact_row(store, visit.id).customer_id is None
    reception.record_visit(bdesk, visit.id, customer_id=customer, restriction_acknowledged=True)
    row = contact_row(store, visit.id)
    assert row.customer_id == customer
    assert row.details["restriction_acknowledged"] is True
    with pytest.raises(InputError, match="access restriction"):
        reception.record_visit(bdesk, visit.id, notes="more")


def test_record_visit_notes_are_checked(wdesk: Desk) -> None:
    visit = reception.arrive(wdesk, "Jo")
    with pytest.raises(InputError, match="keep it to"):
        reception.record_visit(wdesk, visit.id, notes="x" * 5000)
    with pytest.raises(InputError, match="must be text"):
        reception.record_visit(wdesk, visit.id, notes=3)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="customer id"):
        reception.record_visit(wdesk, visit.id, customer_id="C1")  # type: ignore[arg-type]
