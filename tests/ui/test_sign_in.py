"""Signing in at the desk, and the first run that creates the first admin."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import Input, OptionList, Static

from console.desk import people
from console.desk.context import Actor
from console.rules.clock import FrozenClock
from console.store.engine import Store
from console.store.models import Event, Staff
from screens.app import FrontDeskApp
from screens.sign_in import SignInScreen
from tests.conftest import first_admin, settle

PIN = "2580"


@pytest.fixture
def team(seat: Store, clock: FrozenClock) -> Actor:
    """An admin and two handlers, each with a PIN; returns the admin."""
    admin, desk = first_admin(seat, clock)  # with Hamish Bell, PIN 2580
    people.add_staff(desk, "Isla Kerr", "ikerr", "reception", "4711", team="Front")
    return admin


def make_app(db: str, clock: FrozenClock) -> FrontDeskApp:
    return FrontDeskApp(db=db, clock=clock, actor=None, start="staff")


def message(app: FrontDeskApp) -> str:
    return str(app.screen.query_one("#sign-in-message", Static).render())


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def test_pick_a_name_and_sign_in(
    db: str, clock: FrozenClock, team: Actor, seat: Store
) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        names = screen.query_one("#staff-list", OptionList)
        assert [str(names.get_option_at_index(i).prompt).split("  ")[0] for i in range(3)] == [
            "Ada Admin",
            "Hamish Bell",
            "Isla Kerr",
        ]
        await pilot.press("h")  # type-ahead jumps to Hamish
        await pilot.press("enter")
        assert screen.focused is screen.query_one("#pin", Input)
        pin_box = screen.query_one("#pin", Input)
        assert pin_box.password
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await settle(pilot)
        assert app.desk is not None and app.desk.actor is not None
        assert app.desk.actor.login == "hbell"
        assert not isinstance(app.screen, SignInScreen)
    with seat.read() as session:
        last = session.exec(select(Event).where(Event.action == "signed_in")).all()[-1]
        assert last.staff_id == app.desk.actor.id


async def test_wrong_pins_then_locked(
    db: str, clock: FrozenClock, team: Actor, seat: Store
) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")  # Hamish Bell
        for left in (4, 3, 2, 1):
            await type_text(pilot, "9999")
            await pilot.press("enter")
            await settle(pilot)
            assert f"{left} tr" in message(app)
            assert app.screen.query_one("#pin", Input).value == ""  # cleared for the next try
        await type_text(pilot, "9999")
        await pilot.press("enter")
        await settle(pilot)
        assert "locked" in message(app) and "until 10:05:00" in message(app)
        await type_text(pilot, PIN)  # even the right PIN waits out the lock
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "until 10:05:00" in message(app)
    with seat.read() as session:
        row = session.exec(select(Staff).where(Staff.login == "hbell")).one()
        assert row.locked_until is not None


async def test_digits_in_the_list_go_to_the_pin(db: str, clock: FrozenClock, team: Actor) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        await pilot.press("i")  # Isla Kerr
        await type_text(pilot, "4711")
        await pilot.press("enter")
        await settle(pilot)
        assert app.desk is not None and app.desk.actor is not None
        assert app.desk.actor.login == "ikerr"


async def test_first_run_creates_the_admin(db: str, clock: FrozenClock, seat: Store) -> None:
    app = make_app(db, clock)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen) and screen.first_run
        await type_text(pilot, "Ann Smith")
        assert screen.query_one("#admin-login", Input).value == "asmith"
        await pilot.press("enter", "enter")  # name, login (suggested)
        await type_text(pilot, "1234")
        await pilot.press("enter")
        await type_text(pilot, "1234")
        await pilot.press("enter")
        assert "run of digits" in message(app)  # refused before anything is written
        for field in ("#admin-pin", "#admin-pin2"):
            screen.query_one(field, Input).value = ""
        screen.query_one("#admin-pin", Input).focus()
        await type_text(pilot, "7391")
        await pilot.press("enter")
        await type_text(pilot, "7390")
        await pilot.press("enter")
        assert "differ" in message(app)
        screen.query_one("#admin-pin2", Input).value = ""
        screen.query_one("#admin-pin2", Input).focus()
        await type_text(pilot, "7391")
        await pilot.press("ctrl+s")  # "Create admin"
        await settle(pilot)
        assert app.desk is not None and app.desk.actor is not None
        assert (app.desk.actor.login, app.desk.actor.role) == ("asmith", "admin")
    assert not people.first_run_needed(seat)
    assert people.sign_in(seat, "asmith", "7391", clock).name == "Ann Smith"


def test_sign_in_screen_snapshot(
    snap_compare: Any, db: str, clock: FrozenClock, team: Actor
) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await type_text(pilot, "99")

    assert snap_compare(make_app(db, clock), terminal_size=(100, 30), run_before=run_before)


def test_first_run_snapshot(snap_compare: Any, db: str, clock: FrozenClock) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await type_text(pilot, "Ann Smith")

    assert snap_compare(make_app(db, clock), terminal_size=(100, 34), run_before=run_before)


async def test_a_pin_typed_quickly_in_the_list_is_not_lost(
    db: str, clock: FrozenClock, team: Actor, seat: Store
) -> None:
    """The first digit moves focus to the PIN field, later: the digits after it go there too.

    Typed fast, the next digits are already on their way to the list of names when the
    focus moves; they reach the screen with the PIN field focused and must not be dropped.
    """
    from textual import events

    from console.rules.pins import hash_pin

    with seat.write() as session:  # 1234 is refused for a new PIN; an old one may be that
        session.add(
            Staff(name="Quick Typer", login="qtyper", role="handler", pin_hash=hash_pin("1234"))
        )
    app = make_app(db, clock)
    async with app.run_test(size=(100, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SignInScreen)
        names = screen.query_one("#staff-list", OptionList)
        pin = screen.query_one("#pin", Input)
        await pilot.press("q")  # Quick Typer
        assert screen.focused is names
        await pilot.press("1", "2", "3", "4")  # no pauses between the keys
        assert pin.value == "1234"
        await pilot.press("escape")  # back to the names, PIN cleared
        assert screen.focused is names and pin.value == ""
        await pilot.press("1")  # moves the focus to the PIN field...
        assert screen.focused is pin
        for digit in "234":  # ...while these were already sent on to the list
            key = events.Key(digit, digit)
            key._set_forwarded()  # as the app forwards a key to the focused widget
            names.post_message(key)
        await pilot.pause()
        assert pin.value == "1234"
        assert screen.focused is pin
        await pilot.press("enter")
        await settle(pilot)
        assert app.desk is not None and app.desk.actor is not None
        assert app.desk.actor.login == "qtyper"
