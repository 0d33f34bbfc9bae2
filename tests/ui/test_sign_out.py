"""Signing out, switching user and the idle lock on a shared front desk (issue 13 §3).

The unsaved form stays with the person who typed it: it comes back when they sign in
again and is never on show to anyone else.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlmodel import col, select
from textual.widgets import Input

from console.desk import customers, people
from console.desk.context import Actor
from console.rules.clock import FrozenClock
from console.store.engine import Store
from console.store.models import Contact, Event
from screens.app import FrontDeskApp
from screens.sign_in import SignInScreen
from screens.widgets.customer_picker import CustomerPicker
from screens.widgets.key_choice import KeyChoice
from tests.conftest import first_admin, settle

HAMISH_PIN = "2580"
ADA_PIN = "7391"
DESK_KEYS = {"calls": "f2", "reception": "f3", "queue": "f4", "customers": "f5"}


class FakeIdle:
    """The idle lock's clock, moved by hand (no waiting in tests)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def team(seat: Store, clock: FrozenClock) -> tuple[Actor, Actor]:
    """Ada Admin (PIN 7391) and Hamish Bell, a handler (PIN 2580); Mary Smith, a customer."""
    ada, desk = first_admin(seat, clock)
    customers.create(desk, "Mary Smith", phone="01890 123456", address="1 High St, Duns")
    hamish = people.sign_in(seat, "hbell", HAMISH_PIN, clock)
    return ada, hamish


def events(seat: Store, action: str) -> list[Event]:
    with seat.read() as session:
        return list(
            session.exec(select(Event).where(Event.action == action).order_by(col(Event.id)))
        )


async def sign_in(pilot: Any, first_letter: str, pin: str) -> None:
    await settle(pilot)
    assert isinstance(pilot.app.screen, SignInScreen)
    await pilot.press(first_letter, "enter", *pin, "enter")
    await settle(pilot)


def screen_text(app: FrontDeskApp) -> str:
    """Everything on screen as plain text (the screenshot without its SVG markup)."""
    svg = app.export_screenshot()
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


async def test_sign_out_is_a_key_on_every_desk(
    db: str, clock: FrozenClock, team: tuple[Actor, Actor], seat: Store
) -> None:
    ada, _hamish = team
    app = FrontDeskApp(db=db, clock=clock, actor=ada, start="calls", poll_seconds=30)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for desk, key in DESK_KEYS.items():
            await pilot.press(key)
            await settle(pilot)
            assert app.desk_on_show == desk
            shown = {b.binding.action for b in app.screen.active_bindings.values()}
            assert {"sign_out", "lock"} <= shown, desk
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert app.locked and app.desk is not None and app.desk.actor is None
        assert app.desk_on_show == ""
    (out,) = events(seat, "signed_out")
    assert (out.staff_id, out.detail) == (ada.id, "signed out")


async def test_switch_user_in_two_steps_keeps_each_form_with_its_typist(
    db: str, clock: FrozenClock, team: tuple[Actor, Actor], seat: Store
) -> None:
    ada, hamish = team
    app = FrontDeskApp(db=db, clock=clock, actor=None, start="calls", poll_seconds=30)
    async with app.run_test(size=(120, 40)) as pilot:
        await sign_in(pilot, "h", HAMISH_PIN)
        assert app.desk is not None and app.desk.actor is not None
        assert app.desk.actor.login == "hbell"
        # Hamish starts a call and leaves it unsaved.
        await pilot.press(*"12", "enter", *"smith", "enter")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert "Mary Smith" in screen_text(app)
        # Step 1: sign out. Step 2: Ada signs in.
        await pilot.press("f9")
        await settle(pilot)
        assert "Mary Smith" not in screen_text(app)
        await sign_in(pilot, "a", ADA_PIN)
        assert app.desk is not None and app.desk.actor is not None
        assert app.desk.actor.login == "aadmin"
        assert app.desk_on_show == "calls"
        assert app.screen.query_one("#answer", Input).value == ""
        assert not app.screen.query_one("#picker", CustomerPicker).picked
        assert "Mary Smith" not in screen_text(app)
        for key in DESK_KEYS.values():  # none of Ada's desks shows Hamish's call
            await pilot.press(key)
            await settle(pilot)
            assert "Mary Smith" not in screen_text(app)
        await pilot.press("f9")
        await settle(pilot)
        # Hamish is back: his call as he left it, and he finishes it.
        await sign_in(pilot, "h", HAMISH_PIN)
        assert app.desk_on_show == "calls"
        screen = app.screen
        assert screen.query_one("#answer", Input).value == "12"
        picker = screen.query_one("#picker", CustomerPicker)
        assert picker.picked and picker.customer is not None
        assert picker.customer.name == "Mary Smith"
        assert screen.query_one("#category", KeyChoice).value == "rent"
        await pilot.press(*"Arrears", "enter", "1", "ctrl+s")
        await settle(pilot)
    with seat.read() as session:
        (call,) = session.exec(select(Contact)).all()
    assert (call.staff_id, call.category, call.notes, call.answer_seconds) == (
        hamish.id,
        "rent",
        "Arrears",
        12.0,
    )
    assert [e.staff_id for e in events(seat, "signed_out")] == [hamish.id, ada.id]


async def test_idle_lock_hides_the_customer_and_keeps_the_form(
    db: str, clock: FrozenClock, team: tuple[Actor, Actor], seat: Store
) -> None:
    _ada, hamish = team
    idle = FakeIdle()
    app = FrontDeskApp(
        db=db, clock=clock, actor=hamish, start="calls", poll_seconds=30, lock_minutes=10
    )
    app.idle_clock = idle
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.last_input = idle.now
        await pilot.press(*"12", "enter", *"smith", "enter")
        await settle(pilot)
        app.notify("Saved: call from Mary Smith")  # a toast naming a customer
        idle.now += 9 * 60
        app.lock_if_idle()
        assert not app.locked
        await pilot.press("p")  # a key: the idle time starts again
        idle.now += 9 * 60
        app.lock_if_idle()
        assert not app.locked
        idle.now += 60
        app.lock_if_idle()
        await settle(pilot)
        assert app.locked and isinstance(app.screen, SignInScreen)
        assert "Mary Smith" not in screen_text(app)
        assert not list(app._notifications)
        await sign_in(pilot, "h", HAMISH_PIN)
        assert not app.locked
        screen = app.screen
        assert screen.query_one("#answer", Input).value == "12"
        assert screen.query_one("#category", KeyChoice).value == "repairs"
    (locked,) = events(seat, "desk_locked")
    assert (locked.staff_id, locked.detail) == (hamish.id, "desk locked after 10 minutes idle")


async def test_no_idle_lock_when_switched_off(
    db: str, clock: FrozenClock, team: tuple[Actor, Actor]
) -> None:
    _ada, hamish = team
    idle = FakeIdle()
    app = FrontDeskApp(db=db, clock=clock, actor=hamish, start="calls", lock_minutes=0)
    app.idle_clock = idle
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        idle.now += 24 * 3600
        app.lock_if_idle()
        await settle(pilot)
        assert not app.locked and not isinstance(app.screen, SignInScreen)
