"""The reception board driven the way reception staff drive it, with a frozen clock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot

from console.desk import reception
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import Store, open_store
from console.store.models import Contact
from screens.app import FrontDeskApp
from screens.desks.reception import ReceptionScreen, VisitRow
from screens.messages import DataChanged
from tests.conftest import MONDAY_MORNING, add_staff, settle


@pytest.fixture
def rita(seat: Store) -> Actor:
    return add_staff(seat, "Rita Ross", "rross", "reception", "Customer Services")


def make_app(db: str, clock: FrozenClock, actor: Actor, policy: str = "weslo") -> FrontDeskApp:
    return FrontDeskApp(db=db, policy=policy, clock=clock, actor=actor, start="reception")


def board(app: FrontDeskApp) -> ReceptionScreen:
    screen = app.screen
    assert isinstance(screen, ReceptionScreen)
    return screen


def text(widget: Any) -> str:
    """What a Static shows, as plain text."""
    return str(widget.render())


def rows(app: FrontDeskApp) -> list[tuple[str, str, str]]:
    """(board name, timer text, wait class) per row, top to bottom."""
    return [(text(r.cell("name")), r.timer_text, r.wait_class) for r in board(app).rows]


def messages(app: FrontDeskApp) -> list[str]:
    return [n.message for n in app._notifications]


async def tick(pilot: Pilot[Any], clock: FrozenClock, seconds: float) -> None:
    """Advance the frozen clock and let the board's one-second tick run."""
    clock.advance(seconds=seconds)
    board(pilot.app).tick()  # type: ignore[arg-type]
    await pilot.pause()


def stored(store: Store) -> list[Contact]:
    with store.read() as session:
        return list(session.exec(select(Contact).order_by(Contact.id)))  # type: ignore[arg-type]


async def test_arrival_timer_colours_and_stored_timestamps(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert board(app).query_one("#empty").display is True
        await pilot.press("a")
        await pilot.press(*"Jo Smith", "enter")
        await settle(pilot)

        (visit,) = stored(seat)
        assert visit.channel == "visit"
        assert visit.visitor_name == "Jo Smith"
        assert visit.received_at == MONDAY_MORNING
        assert visit.staff_id == rita.id
        assert rows(app) == [("Jo", "0:00", "wait-normal")]
        assert board(app).query_one("#empty").display is False

        await tick(pilot, clock, 119)
        assert rows(app) == [("Jo", "1:59", "wait-normal")]
        await tick(pilot, clock, 1)
        assert rows(app) == [("Jo", "2:00", "wait-amber")]
        await tick(pilot, clock, 60)
        assert rows(app) == [("Jo", "3:00", "wait-amber")]
        await tick(pilot, clock, 1)
        assert rows(app) == [("Jo", "3:01", "wait-red")]
        today = text(board(app).query_one("#today"))
        assert "1 visitor today" in today and "longest wait 3:01" in today

        await pilot.press("s")
        await settle(pilot)
        (visit,) = stored(seat)
        assert visit.served_at == MONDAY_MORNING + timedelta(seconds=181)
        assert visit.served_by_id == rita.id
        row = board(app).rows[0]
        assert row.has_class("finished")
        assert text(row.cell("status")) == "served by RR"
        await tick(pilot, clock, 30)
        assert rows(app) == [("Jo", "3:01", "wait-red")]  # the served wait stays as it was
        assert "0% served within 3 minutes (0 of 1)" in text(board(app).query_one("#today"))

        await pilot.press("n")
        await settle(pilot)
        (visit,) = stored(seat)
        assert visit.second_needed_at == MONDAY_MORNING + timedelta(seconds=211)
        # the second timer runs from being served
        assert rows(app) == [("Jo", "2nd 0:30", "wait-normal")]
        assert board(app).rows[0].has_class("live")
        await tick(pilot, clock, 90)
        assert rows(app) == [("Jo", "2nd 2:00", "wait-amber")]
        await tick(pilot, clock, 61)
        assert rows(app) == [("Jo", "2nd 3:01", "wait-red")]

        await pilot.press("e")  # Rita served Jo: she cannot be the second staff member
        await settle(pilot)
        assert stored(seat)[0].second_seen_at is None
        assert any("the second staff member must be someone else" in m for m in messages(app))
        sam = add_staff(seat, "Sam Lee", "slee", "handler", "Housing Management")
        assert app.desk is not None
        app.desk = app.desk.with_actor(sam)  # Sam signs in at this desk
        await pilot.press("e")
        await settle(pilot)
        (visit,) = stored(seat)
        assert visit.second_seen_at == MONDAY_MORNING + timedelta(seconds=362)
        assert visit.second_seen_by_id == sam.id
        assert text(board(app).rows[0].cell("status")) == "seen by SL"
        assert board(app).query_one("#empty").display is True


async def test_several_at_once_longest_wait_first_and_live_from_another_seat(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    other = Desk(seat, load_profile("weslo"), clock, rita)
    ann = reception.arrive(other, "Ann")
    clock.advance(seconds=40)
    bob = reception.arrive(other, "Bob")
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await tick(pilot, clock, 100)
        assert rows(app) == [("Ann", "2:20", "wait-amber"), ("Bob", "1:40", "wait-normal")]
        await pilot.press("down")
        assert board(app).selected.id == bob.id  # type: ignore[union-attr]

        # another seat logs an arrival and serves Ann: the board follows, the cursor stays on Bob
        reception.arrive(other, "Cy")
        board(app).post_message(DataChanged(0))
        await settle(pilot)
        assert [r[0] for r in rows(app)] == ["Ann", "Bob", "Cy"]
        assert board(app).selected.id == bob.id  # type: ignore[union-attr]
        reception.serve(other, ann.id)
        board(app).post_message(DataChanged(0))
        await settle(pilot)
        assert rows(app) == [
            ("Bob", "1:40", "wait-normal"),
            ("Cy", "0:00", "wait-normal"),
            ("Ann", "2:20", "wait-amber"),
        ]
        assert board(app).rows[2].has_class("finished")
        assert board(app).selected.id == bob.id  # type: ignore[union-attr]

        await pilot.press("s")  # Bob, the selected one
        await settle(pilot)
        served = {c.visitor_name: c.served_at for c in stored(seat)}
        assert served["Bob"] == clock.now()
        assert served["Cy"] is None


async def test_left_without_being_seen_asks_first(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    other = Desk(seat, load_profile("weslo"), clock, rita)
    reception.arrive(other, "Jo")
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await tick(pilot, clock, 200)
        await pilot.press("l", "n")
        await settle(pilot)
        assert stored(seat)[0].left_at is None
        await pilot.press("l", "y")
        await settle(pilot)
        (visit,) = stored(seat)
        assert visit.left_unseen is True
        assert visit.left_at == MONDAY_MORNING + timedelta(seconds=200)
        assert text(board(app).rows[0].cell("status")) == "left without being seen"


async def test_errors_are_shown_not_raised(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    other = Desk(seat, load_profile("weslo"), clock, rita)
    reception.arrive(other, "Jo")
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")  # not waiting for a second staff member
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("not waiting for a second staff member" in m for m in messages)
        await pilot.press("a", "enter")  # nothing typed: the prompt says so and stays open
        await pilot.pause()
        assert "first name or initials" in text(app.screen.query_one("#arrival-error"))
        await pilot.press("escape")
        await settle(pilot)
        assert len(stored(seat)) == 1


async def test_bha_times_visits_without_colours(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    app = make_app(db, clock, rita, policy="bha")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a", *"J S", "enter")
        await settle(pilot)
        await tick(pilot, clock, 500)
        assert rows(app) == [("JS", "8:20", "wait-none")]
        assert "no reception target" in text(board(app).query_one("#today"))


async def test_a_restart_shows_the_same_times(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a", *"Jo", "enter")
        await settle(pilot)
        await tick(pilot, clock, 150)
        before = rows(app)
    clock.advance(seconds=20)
    again = make_app(db, clock, rita)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert before == [("Jo", "2:30", "wait-amber")]
        assert rows(again) == [("Jo", "2:50", "wait-amber")]


async def test_the_board_shows_first_names_only(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    from console.store.models import Customer

    with seat.write() as session:
        customer = Customer(reference="W1", name="Joanna Mackenzie", address="1 High Street")
        session.add(customer)
        session.flush()
        customer_id = customer.id
    other = Desk(seat, load_profile("weslo"), clock, rita)
    visit = reception.arrive(other, "Joanna Mackenzie")
    reception.record_visit(other, visit.id, customer_id=customer_id, category="rent")
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert rows(app)[0][0] == "Joanna"
        shown = " ".join(
            text(r.cell(key))
            for r in board(app).query(VisitRow)
            for key in ("name", "status", "purpose", "outcome")
        )
        assert "Mackenzie" not in shown and "High Street" not in shown
        assert "Mackenzie" not in app.export_screenshot()


async def test_recording_the_visit_opens_a_call_back_like_a_call(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    from console.desk.customers import create
    from console.store.models import Task

    other = Desk(seat, load_profile("weslo"), clock, rita)
    customer = create(other, "Joanna Mackenzie", address="1 High Street")
    visit = reception.arrive(other, "Jo")
    clock.advance(seconds=90)
    reception.serve(other, visit.id)
    app = make_app(db, clock, rita)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press(*"Mackenzie")
        await settle(pilot)
        await pilot.press("enter")  # the top match
        await settle(pilot)
        await pilot.press("r")  # Rent
        await pilot.press(*"payment plan", "enter")
        await pilot.press("2")  # Call back
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, ReceptionScreen)
        (row,) = stored(seat)
        assert (row.customer_id, row.category, row.outcome, row.notes) == (
            customer.id,
            "rent",
            "callback",
            "payment plan",
        )
        with seat.read() as session:
            (task,) = session.exec(select(Task).where(Task.contact_id == visit.id)).all()
        assert task.slug == "callback" and task.received_at == MONDAY_MORNING
        assert task.customer_id == customer.id
        tell = board(app).query_one("#tell")
        assert tell.has_class("-shown")
        assert text(tell).startswith("Finance will call you back by ")
        assert rows(app)[0][0] == "Jo"
        assert text(board(app).rows[0].cell("outcome")) == "Call back · 1 task"


async def test_a_restricted_customer_must_be_acknowledged(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    from console.desk.customers import create
    from console.store.models import Customer

    other = Desk(seat, load_profile("bha"), clock, rita)
    customer = create(other, "Joe Bloggs")
    with seat.write() as session:
        row = session.get(Customer, customer.id)
        assert row is not None
        row.restriction = "contact by letter only"
        session.add(row)
    visit = reception.arrive(other, "Joe")
    reception.record_visit(other, visit.id, customer_id=customer.id, restriction_acknowledged=True)
    app = make_app(db, clock, rita, policy="bha")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        dialog = app.screen
        assert "contact by letter only" in text(dialog.query_one("#banner-restriction"))
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "acknowledge the restriction" in text(dialog.query_one("#visit-status"))
        assert app.screen is dialog
        await pilot.press("ctrl+r", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ReceptionScreen)
        (visit_row,) = stored(seat)
        assert visit_row.details["restriction_acknowledged"] is True


def test_reception_snapshot(snap_compare: Any, db: str, clock: FrozenClock) -> None:
    store = open_store(db)
    rita = add_staff(store, "Rita Ross", "rross", "reception", "Customer Services")
    desk = Desk(store, load_profile("weslo"), clock, rita)
    start = clock.now()
    served = reception.arrive(desk, "Ann Other")
    clock.set(start + timedelta(seconds=20))
    gone = reception.arrive(desk, "Bea")
    clock.set(start + timedelta(seconds=40))
    second = reception.arrive(desk, "C M")
    clock.set(start + timedelta(seconds=100))
    reception.serve(desk, served.id)
    reception.record_visit(desk, served.id, category="rent", outcome="callback")
    clock.set(start + timedelta(seconds=130))
    reception.serve(desk, second.id)
    reception.needs_second(desk, second.id)
    clock.set(start + timedelta(seconds=200))
    reception.left_unseen(desk, gone.id)
    clock.set(start + timedelta(seconds=240))
    reception.arrive(desk, "Dan")
    clock.set(start + timedelta(seconds=300))
    reception.arrive(desk, "Eve")
    clock.set(start + timedelta(seconds=420))  # Dan 3:00 amber, Eve 2:00 amber, C M 2nd 4:50 red
    reception.arrive(desk, "Fay")
    clock.set(start + timedelta(seconds=450))  # Fay 0:30 normal
    store.close()

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    app = make_app(db, clock, rita)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def test_the_cursor_goes_to_a_new_arrival_and_home_goes_to_the_top(
    db: str, seat: Store, rita: Actor, clock: FrozenClock
) -> None:
    other = Desk(seat, load_profile("weslo"), clock, rita)
    ann = reception.arrive(other, "Ann")
    reception.serve(other, ann.id)  # Ann is finished: the bottom of the board
    clock.advance(seconds=30)
    reception.arrive(other, "Bob")
    app = make_app(db, clock, rita)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("end")
        assert board(app).selected.id == ann.id  # type: ignore[union-attr]
        await pilot.press("a")
        await pilot.press(*"Cy", "enter")
        await settle(pilot)
        assert board(app).selected.board_name == "Cy"  # type: ignore[union-attr]
        await pilot.press("s")  # serves Cy, not Ann
        await settle(pilot)
        served = {c.visitor_name: c.served_at for c in stored(seat)}
        assert served["Cy"] == clock.now() and served["Bob"] is None
        await pilot.press("home")
        assert board(app).selected.board_name == "Bob"  # type: ignore[union-attr]
        today = text(board(app).query_one("#today"))
        assert "longest wait" in today and "(Bob)" in today  # whose wait it is


@pytest.mark.parametrize(("role", "desk"), [("reception", "reception"), ("handler", "calls")])
async def test_the_console_opens_on_the_desk_of_whoever_signs_in(
    db: str, seat: Store, clock: FrozenClock, role: str, desk: str
) -> None:
    person = add_staff(seat, "Pat Kerr", "pkerr", role, "Customer Services")
    app = FrontDeskApp(db=db, policy="weslo", clock=clock, actor=person)  # no --desk
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_mode == desk
