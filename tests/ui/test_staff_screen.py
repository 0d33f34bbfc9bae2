"""Staff & audit (F7) driven the way an admin and a team lead drive it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.widgets import DataTable, Input, OptionList, Static, TabbedContent

from console.desk import customers, people
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import Store
from console.store.models import Event, Staff
from screens.app import FrontDeskApp
from screens.desks.staff import StaffScreen
from screens.dialogs.staff_add_dialog import StaffAddDialog
from screens.dialogs.staff_confirm_dialog import StaffConfirmDialog
from screens.dialogs.staff_pin_dialog import StaffPinDialog
from screens.dialogs.staff_role_dialog import StaffRoleDialog
from screens.dialogs.subject_access_dialog import SubjectAccessDialog
from tests.conftest import add_staff, first_admin, settle


@pytest.fixture
def admin(seat: Store, clock: FrozenClock) -> Actor:
    """Ada Admin, with Hamish Bell (handler, PIN 2580)."""
    return first_admin(seat, clock)[0]


@pytest.fixture
def lead(seat: Store) -> Actor:
    return add_staff(seat, "Leah Murray", "lmurray", "team_lead", "Customer Services")


def make_app(db: str, clock: FrozenClock, actor: Actor) -> FrontDeskApp:
    return FrontDeskApp(db=db, clock=clock, actor=actor, start="staff", poll_seconds=30)


def screen_of(app: FrontDeskApp) -> StaffScreen:
    for screen in app.screen_stack:
        if isinstance(screen, StaffScreen):
            return screen
    raise AssertionError(f"no staff screen in {app.screen_stack}")


def cells(app: FrontDeskApp, table_id: str) -> list[list[str]]:
    table = screen_of(app).query_one(table_id, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def staff_rows(store: Store) -> dict[str, Staff]:
    with store.read() as session:
        return {s.login: s for s in session.exec(select(Staff))}


async def type_text(pilot: Any, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def test_admin_adds_resets_changes_and_deactivates(
    db: str, clock: FrozenClock, admin: Actor, seat: Store
) -> None:
    app = make_app(db, clock, admin)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [r[:3] for r in cells(app, "#staff-table")] == [
            ["Ada Admin", "aadmin", "admin"],
            ["Hamish Bell", "hbell", "handler"],
        ]
        # a: add Zoe Adams as reception with her PIN
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, StaffAddDialog)
        await type_text(pilot, "Zoe Adams")
        await pilot.press("enter", "enter")  # name; login suggested (zadams)
        app.screen.query_one("#add-role").value = "reception"  # type: ignore[attr-defined]
        app.screen.query_one("#add-pin", Input).focus()
        await type_text(pilot, "4826")
        await pilot.press("enter")
        await type_text(pilot, "4826")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        assert ["Zoe Adams", "zadams", "reception", "", "active"] in cells(app, "#staff-table")
        assert people.sign_in(seat, "zadams", "4826", clock).role == "reception"

        # p: reset Hamish's PIN (second row)
        table = screen_of(app).query_one("#staff-table", DataTable)
        table.move_cursor(row=1)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, StaffPinDialog)
        await type_text(pilot, "3691")
        await pilot.press("enter")
        await type_text(pilot, "3691")
        await pilot.press("enter")
        await settle(pilot)
        assert people.sign_in(seat, "hbell", "3691", clock).login == "hbell"

        # r: Hamish becomes a team lead (handler -> reception -> team lead)
        table.move_cursor(row=1)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, StaffRoleDialog)
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert staff_rows(seat)["hbell"].role == "team_lead"

        # d: deactivate Hamish, confirming with y
        table.move_cursor(row=1)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, StaffConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert not staff_rows(seat)["hbell"].active
        assert cells(app, "#staff-table")[-1][0] == "Hamish Bell"  # inactive sink to the bottom
        assert cells(app, "#staff-table")[-1][4] == "deactivated"

    with seat.read() as session:
        actions = [
            e.action
            for e in session.exec(
                select(Event).where(Event.staff_id == admin.id).order_by(col(Event.id))
            )  # type: ignore[arg-type]
        ]
    assert actions[-4:] == ["created", "pin_reset", "role_changed", "deactivated"]


async def test_admin_cannot_deactivate_themselves(
    db: str, clock: FrozenClock, admin: Actor, seat: Store
) -> None:
    app = make_app(db, clock, admin)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")  # the cursor is on Ada Admin herself
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        notes = [n.message for n in app._notifications]
        assert any("cannot deactivate yourself" in m for m in notes)
    assert staff_rows(seat)["aadmin"].active


async def test_lead_sees_a_customers_trail_and_exports_it(
    db: str, clock: FrozenClock, seat: Store, lead: Actor, tmp_path: Path
) -> None:
    handler = add_staff(seat, "Hannah Reid", "hreid", "handler")
    hdesk = Desk(seat, load_profile("bha"), clock, handler)
    morag = customers.create(hdesk, "Morag Stewart")
    customers.create(hdesk, "Morag Brown")
    clock.advance(minutes=2)
    customers.open_record(hdesk, morag.reference)
    out = tmp_path / "out"
    out.mkdir()

    app = make_app(db, clock, lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        tabs = screen.query_one("#staff-tabs", TabbedContent)
        assert tabs.active == "audit-pane"
        # Team leads get no staff admin: the keys do nothing.
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert cells(app, "#audit-table")[0][1:3] == ["Hannah Reid", "opened"]
        await pilot.press("ctrl+f")
        await type_text(pilot, "morag")
        await pilot.press("enter")
        await settle(pilot)
        matches = screen.query_one("#audit-matches", OptionList)
        assert matches.display and matches.option_count == 2
        await pilot.press("down", "enter")  # Morag Stewart (sorted by name: Brown, Stewart)
        await settle(pilot)
        title = str(screen.query_one("#audit-title", Static).render())
        assert title.startswith(f"Audit trail: Morag Stewart ({morag.reference})")
        rows = cells(app, "#audit-table")
        assert [r[1:3] for r in rows] == [
            ["Leah Murray", "opened"],  # looking at the trail is itself recorded
            ["Hannah Reid", "opened"],
            ["Hannah Reid", "created"],
        ]
        assert rows[0][5] == "audit trail"

        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, SubjectAccessDialog)
        folder = app.screen.query_one("#export-folder", Input)
        folder.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)
        (made,) = list(out.iterdir())
        doc = json.loads((made / "export.json").read_text(encoding="utf-8"))
        assert doc["customer"]["name"] == "Morag Stewart"
        assert doc["export"]["exported_by"] == "Leah Murray"
        await settle(pilot)
        assert cells(app, "#audit-table")[0][1:3] == ["Leah Murray", "exported"]


async def test_handlers_are_told_this_desk_is_not_theirs(
    db: str, clock: FrozenClock, seat: Store
) -> None:
    handler = add_staff(seat, "Hannah Reid", "hreid", "handler")
    app = make_app(db, clock, handler)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "for team leads and admins" in str(
            screen.query_one("#staff-denied", Static).render()
        )
        assert not screen.query_one("#staff-tabs", TabbedContent).display
        await pilot.press("a", "ctrl+r", "ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, StaffScreen)


def test_staff_screen_snapshot(
    snap_compare: Any, db: str, clock: FrozenClock, admin: Actor, seat: Store
) -> None:
    desk = Desk(seat, load_profile("bha"), clock, admin)
    people.add_staff(desk, "Zoe Adams", "zadams", "reception", "4826", team="Front")
    people.deactivate(desk, "zadams")

    async def run_before(pilot: Any) -> None:
        await settle(pilot)

    assert snap_compare(make_app(db, clock, admin), terminal_size=(120, 30), run_before=run_before)


def test_audit_trail_snapshot(
    snap_compare: Any, db: str, clock: FrozenClock, admin: Actor, seat: Store
) -> None:
    desk = Desk(seat, load_profile("bha"), clock, admin)
    customers.create(desk, "Morag Stewart")
    clock.advance(minutes=1)

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)

    assert snap_compare(make_app(db, clock, admin), terminal_size=(120, 30), run_before=run_before)
