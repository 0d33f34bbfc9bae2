"""The calls desk with the phone system connected: screen pop, measured answer time, figures.

Events go in through the desk service (the listener's path) on another store, as
the listener process would write them; the desk learns of them by its revision poll.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.widgets import Header, Input, Static

from console.desk import customers, phone
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Staff
from screens.app import FrontDeskApp
from screens.widgets.customer_picker import CustomerPicker
from tests.conftest import MONDAY_MORNING, add_staff, settle
from tests.ui.test_calls_screen import Keys

BHA = load_profile("bha")


class Line:
    """The phone system, writing through the desk service on its own store."""

    def __init__(self, db: Path, clock: FrozenClock) -> None:
        self.store = open_store(db)
        self.desk = Desk(self.store, BHA, clock)

    def send(self, **fields: Any) -> phone.Taken:
        return phone.take_event(self.desk, phone.check_event(fields))

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Actor, int]:
    db = tmp_path / "f.db"
    store = open_store(db)
    hannah = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    with store.write() as session:
        row = session.get(Staff, hannah.id)
        assert row is not None
        row.extension = "201"
        session.add(row)
    desk = Desk(store, BHA, FrozenClock(MONDAY_MORNING), hannah)
    mary = customers.create(desk, "Mary Smith", phone="01890 123456", address="1 High St").id
    customers.create(desk, "Jo Twin", phone="01890 777777")
    customers.create(desk, "Al Twin", phone="+44 1890 777777")
    store.close()
    return db, hannah, mary


def app_for(db: Path, actor: Actor, clock: FrozenClock) -> FrontDeskApp:
    return FrontDeskApp(
        db=str(db), policy="bha", clock=clock, actor=actor, start="calls", poll_seconds=0.2
    )


async def calm(pilot: Any) -> None:
    """Let workers finish; the fast revision poll may cancel a load and start the next."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        try:
            await settle(pilot)
            return
        except WorkerCancelled:
            await pilot.pause(0.05)


async def wait_until(pilot: Any, check: Any, tries: int = 100) -> None:
    for _ in range(tries):
        await pilot.pause(0.05)
        if check():
            await calm(pilot)
            return
    raise AssertionError("the desk never showed it")


async def test_screen_pop_fills_the_call_and_saves_in_three_keys(
    setup: tuple[Path, Actor, int],
) -> None:
    db, hannah, mary = setup
    clock = FrozenClock(MONDAY_MORNING)
    line = Line(db, clock)
    app = app_for(db, hannah, clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await calm(pilot)
            screen = app.screen
            line.send(event="newCall", callId="p1", **{"from": "+44 1890 123456"},
                      **{"user[]": "201"})  # fmt: skip
            pop = screen.query_one("#screen-pop", Static)
            await wait_until(pilot, lambda: "Ringing" in str(pop.render()))
            assert "Mary Smith" in str(pop.render())
            picker = screen.query_one("#picker", CustomerPicker)
            assert picker.picked and picker.customer is not None and picker.customer.id == mary

            clock.advance(seconds=9.5)
            line.send(event="answer", callId="p1", answeringNumber="201")
            answer = screen.query_one("#answer", Input)
            await wait_until(pilot, lambda: answer.value == "9.5")
            assert answer.disabled  # measured: not editable
            assert "measured by the phone system" in str(
                screen.query_one("#answer-verdict", Static).render()
            )
            assert "Answered in 9.5 s (measured)" in str(pop.render())
            assert "answered within 20 s today 1/1" in (screen.sub_title or "")
            assert app.screen.query_one(Header) is not None

            keys = Keys(pilot)
            screen.query_one("#category").focus()
            await keys.press("r")  # 1: enquiry Rent
            await keys.type("Asked about arrears")
            await pilot.press("enter")  # (the end of the notes)
            await keys.press("1")  # 2: resolved there and then
            await keys.press("ctrl+s")  # 3: save
            await calm(pilot)
            assert keys.count == 3
            status = str(screen.query_one("#status", Static).render())
            assert status.startswith("Saved: call from Mary Smith"), status
            await wait_until(pilot, lambda: "-shown" not in pop.classes)
            assert not answer.disabled and answer.value == ""
    finally:
        line.close()
    store = open_store(db)
    with store.read() as session:
        (row,) = session.exec(select(Contact).order_by(col(Contact.id))).all()
    store.close()
    assert (row.answer_source, row.answer_seconds) == ("phone", 9.5)
    assert (row.customer_id, row.category, row.outcome) == (mary, "rent", "resolved")
    assert row.received_at == MONDAY_MORNING and row.staff_id == hannah.id


async def test_several_matches_leave_the_pick_to_the_handler(
    setup: tuple[Path, Actor, int],
) -> None:
    db, hannah, _mary = setup
    clock = FrozenClock(MONDAY_MORNING)
    line = Line(db, clock)
    app = app_for(db, hannah, clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await calm(pilot)
            line.send(event="newCall", callId="t1", **{"from": "01890777777"},
                      **{"user[]": "hreid"})  # fmt: skip
            pop = app.screen.query_one("#screen-pop", Static)
            await wait_until(pilot, lambda: "2 customers have this number" in str(pop.render()))
            picker = app.screen.query_one("#picker", CustomerPicker)
            assert not picker.picked and picker.typed == "01890777777"
    finally:
        line.close()


async def test_typed_time_still_works_and_is_marked_typed(
    setup: tuple[Path, Actor, int],
) -> None:
    db, hannah, _mary = setup
    clock = FrozenClock(MONDAY_MORNING)
    line = Line(db, clock)
    app = app_for(db, hannah, clock)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            keys = Keys(pilot)
            await calm(pilot)
            # a call waiting in the queue shows on the header
            line.send(event="newCall", callId="q1", **{"from": "01890 000001"})
            clock.advance(seconds=30)
            await wait_until(
                pilot, lambda: "Waiting 1, longest 30 s" in (app.screen.sub_title or "")
            )
            await keys.type("12")
            await keys.press("enter")
            await keys.type("smith")
            await keys.press("enter")
            await calm(pilot)
            await keys.press("r")
            await keys.press("enter", "1", "ctrl+s")
            await calm(pilot)
            await wait_until(pilot, lambda: "typed" in _my_calls(app))
    finally:
        line.close()
    store = open_store(db)
    with store.read() as session:
        (row,) = session.exec(select(Contact)).all()
    store.close()
    assert (row.answer_source, row.answer_seconds) == ("typed", 12.0)
    assert row.received_at == MONDAY_MORNING + timedelta(seconds=30) - timedelta(seconds=12)


def _my_calls(app: FrontDeskApp) -> str:
    from textual.widgets import DataTable

    table = app.screen.query_one("#my-calls", DataTable)
    return " ".join(str(cell) for row in range(table.row_count) for cell in table.get_row_at(row))
