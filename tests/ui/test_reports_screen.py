"""The reports screen driven the way a team lead drives it, with the clock frozen.

The data set is the one tests/unit/test_reports.py works out by hand (BHA, November 2025
to Monday 24 November 10:00).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.widgets import DataTable, Static, TabbedContent

from console.desk.context import Actor
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import Store, open_store
from console.store.models import Event
from screens.app import FrontDeskApp
from screens.desks.reports import ReportsScreen
from screens.messages import DataChanged
from tests.conftest import add_staff, settle
from tests.unit.test_reports import build_data


@pytest.fixture
def people(seat: Store) -> dict[str, Actor]:
    found = {
        "hannah": add_staff(seat, "Hannah Reid", "hreid", "handler", "Customer Services"),
        "bob": add_staff(seat, "Bob Kerr", "bkerr", "handler", "Repairs"),
        "leah": add_staff(seat, "Leah Murray", "lmurray", "team_lead", "Customer Services"),
    }
    build_data(seat, load_profile("bha"), found["hannah"].id, found["bob"].id)
    return found


def make_app(db: str, clock: FrozenClock, actor: Actor) -> FrontDeskApp:
    return FrontDeskApp(db=db, policy="bha", clock=clock, actor=actor, start="reports")


def screen(app: FrontDeskApp) -> ReportsScreen:
    found = app.screen
    assert isinstance(found, ReportsScreen)
    return found


def cells(app: FrontDeskApp, table: str) -> list[list[str]]:
    t = screen(app).query_one(f"#t-{table}", DataTable)
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


def column(app: FrontDeskApp, table: str, name: str) -> list[str]:
    t = screen(app).query_one(f"#t-{table}", DataTable)
    names = [str(c.label) for c in t.columns.values()]
    i = names.index(name)
    return [row[i] for row in cells(app, table)]


async def test_the_figures_a_lead_sees(
    db: str, people: dict[str, Actor], clock: FrozenClock
) -> None:
    app = make_app(db, clock, people["leah"])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        period = str(screen(app).query_one("#period", Static).render())
        assert "Sat 01 Nov 2025 to Mon 24 Nov 2025" in period
        assert cells(app, "telephone") == [
            ["6", "5", "1", "3", "50%", "23.5 s", "1m 00s", "3", "60%"]
        ]
        routine = next(r for r in cells(app, "commitments") if r[0] == "routine call back")
        assert routine[2:8] == ["3", "1", "2", "1", "0", "33.3%"]
        shown = {r[0] for t in ("commitments", "open_now") for r in cells(app, t)}
        assert "urgent call back" in shown  # words, not slugs
        assert not shown & set(load_profile("bha").commitments)
        await pilot.press("4")
        assert screen(app).query_one("#tabs", TabbedContent).active == "complaints"
        stage1 = cells(app, "complaints")[0]
        assert stage1[:7] == ["stage 1", "5", "1", "0", "4", "3 (75%)", "4 (100%)"]
        assert column(app, "repairs", "Average") == [
            "6.2 hours",
            "5.7 working days",
            "3 working days",
            "7 working days",
        ]


async def test_breakdown_and_months_by_key(
    db: str, people: dict[str, Actor], clock: FrozenClock
) -> None:
    app = make_app(db, clock, people["leah"])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await settle(pilot)
        assert column(app, "telephone", "Handler") == ["Bob Kerr", "Hannah Reid", "nobody", "all"]
        assert column(app, "telephone", "Offered") == ["2", "3", "1", "6"]
        await pilot.press("b")  # by week
        await settle(pilot)
        assert column(app, "telephone", "Week of")[0] == "2025-10-27"
        await pilot.press("b", "b")  # by month, then whole again
        await settle(pilot)
        await pilot.press("left_square_bracket")  # October
        await settle(pilot)
        assert "Wed 01 Oct 2025 to Fri 31 Oct 2025" in str(
            screen(app).query_one("#period", Static).render()
        )
        assert column(app, "telephone", "Offered") == ["1"]  # the call on Friday 31 October
        await pilot.press("right_square_bracket", "right_square_bracket")  # December: not yet
        await settle(pilot)
        assert column(app, "telephone", "Offered") == ["6"]  # November, up to today
        await pilot.press("y")
        await settle(pilot)
        assert "Mon 25 Nov 2024 to Mon 24 Nov 2025" in str(
            screen(app).query_one("#period", Static).render()
        )


async def test_reload_keeps_the_cursor(
    db: str, people: dict[str, Actor], clock: FrozenClock
) -> None:
    app = make_app(db, clock, people["leah"])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = screen(app).query_one("#t-commitments", DataTable)
        await pilot.press("down", "down", "down", "right")
        before = table.cursor_coordinate
        screen(app).post_message(DataChanged(99))
        await settle(pilot)
        assert table.cursor_coordinate == before


async def test_export_writes_every_table_and_is_audited(
    db: str,
    seat: Store,
    people: dict[str, Actor],
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ReportsScreen, "export_root", tmp_path / "out")
    app = make_app(db, clock, people["leah"])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
    folder = tmp_path / "out" / "report-2025-11-01-to-2025-11-24"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{n}.csv"
        for n in (
            "commitments",
            "open_now",
            "telephone",
            "reception",
            "complaints",
            "repairs",
            "hours",
            "weekly",
        )
    )
    assert (folder / "telephone.csv").read_text().splitlines()[1].startswith("all,6,5,1,3,0.5,")
    with seat.read() as session:
        event = session.exec(select(Event).where(Event.entity == "report")).one()
    assert (event.action, event.staff_id) == ("exported", people["leah"].id)
    assert event.detail == "csv files 2025-11-01..2025-11-24"


async def test_a_handler_is_told_reports_are_for_leads(
    db: str, people: dict[str, Actor], clock: FrozenClock
) -> None:
    app = make_app(db, clock, people["hannah"])
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        period = str(screen(app).query_one("#period", Static).render())
        assert "Reports are for team leads and admins" in period
        assert screen(app).report is None


def test_reports_snapshot(snap_compare: Any, db: str, clock: FrozenClock) -> None:
    store = open_store(db)
    hannah = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    bob = add_staff(store, "Bob Kerr", "bkerr", "handler", "Repairs")
    leah = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    build_data(store, load_profile("bha"), hannah.id, bob.id)
    store.close()

    async def run_before(pilot: Any) -> None:
        await settle(pilot)

    assert snap_compare(make_app(db, clock, leah), terminal_size=(140, 44), run_before=run_before)


def test_charts_snapshot(snap_compare: Any, db: str, clock: FrozenClock) -> None:
    store = open_store(db)
    hannah = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    bob = add_staff(store, "Bob Kerr", "bkerr", "handler", "Repairs")
    leah = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    build_data(store, load_profile("bha"), hannah.id, bob.id)
    store.close()

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(make_app(db, clock, leah), terminal_size=(140, 44), run_before=run_before)
