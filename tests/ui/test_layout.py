"""Every desk at 80×24 (the smallest terminal a front desk PC opens) and at 200×60.

Demo data (seed 1) with the clock frozen at Monday 24 November 2025, 2:30pm; each desk
signed in as the demo staff member who uses it. Besides the pictures, the assertions
say what must be readable at 80×24: the focused field, reception's "where they are",
the queue's customer column, the team lead's load.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import DataTable

from console.demo.build import fill
from console.desk.context import Actor
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Staff
from screens.app import FrontDeskApp
from tests.conftest import settle
from tests.ui.make_screenshots import NOW, steady_cursors

# desk -> the demo login who uses it, and keys pressed before the picture
USERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "calls": ("hreid", ()),
    "reception": ("klauder", ()),
    "queue": ("melliot", ()),
    "customers": ("melliot", (*"rutherford", "enter")),
    "reports": ("melliot", ()),
    "staff": ("gturnbull", ()),
}
SIZES = {"small": (80, 24), "large": (200, 60)}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(str(path))
    fill(store, load_profile("bha"), now=NOW, days=20, seed=1)
    store.close()
    return path


def desk_app(demo_db: Path, tmp_path: Path, desk: str) -> FrontDeskApp:
    """The desk on a copy of the demo (a desk may write: progress updates, audit)."""
    db = tmp_path / "desk.db"
    shutil.copy(demo_db, db)
    store = open_store(str(db))
    try:
        with store.read() as session:
            s = session.exec(select(Staff).where(Staff.login == USERS[desk][0])).one()
            assert s.id is not None
            actor = Actor(s.id, s.name, s.login, s.role, s.team)
    finally:
        store.close()
    return FrontDeskApp(
        db=str(db), clock=FrozenClock(NOW), actor=actor, start=desk, poll_seconds=3600
    )


async def keys_then_settle(pilot: Pilot[Any], desk: str) -> None:
    await settle(pilot)
    for key in USERS[desk][1]:
        await pilot.press(key)
        await settle(pilot)
    steady_cursors(pilot.app)
    await pilot.pause(0.3)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("desk", USERS)
def test_desk_snapshot(
    demo_db: Path, tmp_path: Path, desk: str, size: str, snap_compare: Any
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await keys_then_settle(pilot, desk)

    app = desk_app(demo_db, tmp_path, desk)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_queue_snapshot_for_a_team_lead_at_140x45(
    demo_db: Path, tmp_path: Path, snap_compare: Any
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await keys_then_settle(pilot, "queue")

    app = desk_app(demo_db, tmp_path, "queue")
    assert snap_compare(app, terminal_size=(140, 45), run_before=run_before)


def lines(app: FrontDeskApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


@pytest.mark.parametrize("size", [(80, 24), (140, 45), (200, 60)])
async def test_the_team_leads_load_is_on_screen(
    demo_db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    app = desk_app(demo_db, tmp_path, "queue")
    async with app.run_test(size=size) as pilot:
        await keys_then_settle(pilot, "queue")
        screen = "\n".join(lines(app))
        assert "Load: " in screen
        if size[0] >= 140:
            counts = getattr(app.screen, "counts", None)
            assert counts is not None and counts.by_handler
            for handler in counts.by_handler:  # every handler's load, none cut off
                assert f"{handler.name} {handler.open:,}" in " ".join(screen.split())


async def test_the_queue_customer_column_is_readable_at_80(demo_db: Path, tmp_path: Path) -> None:
    app = desk_app(demo_db, tmp_path, "queue")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "queue")
        table = app.screen.query_one("#queue-table", DataTable)
        widths = {str(k.value): c.width for k, c in table.columns.items()}
        assert widths["customer"] >= 14
        assert sum(w + 2 for w in widths.values()) <= 80
        screen = "\n".join(lines(app))
        assert "Margaret Gibson" in screen  # the first row's customer, in full


async def test_reception_keeps_where_they_are_at_80(demo_db: Path, tmp_path: Path) -> None:
    app = desk_app(demo_db, tmp_path, "reception")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "reception")
        screen = "\n".join(lines(app))
        assert "Where they are" in screen
        assert "waiting" in screen and "served by" in screen


async def test_the_focused_call_field_is_always_on_screen_at_80x24(
    demo_db: Path, tmp_path: Path
) -> None:
    app = desk_app(demo_db, tmp_path, "calls")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "calls")
        # answer time, caller (anonymous), enquiry, into the notes, then the outcome
        for key in ("1", "2", "enter", "f8", "r", "tab"):
            await pilot.press(key)
            await settle(pilot)
            focused = app.focused
            assert focused is not None
            region = focused.region
            assert region.height > 0 and app.screen.region.contains_region(region), focused
        assert app.focused is not None and app.focused.id in ("notes", "outcome")


async def test_a_long_prompt_wraps_instead_of_being_cut(demo_db: Path, tmp_path: Path) -> None:
    app = desk_app(demo_db, tmp_path, "queue")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "queue")
        await pilot.press("w")
        await settle(pilot)
        screen = " ".join(" ".join(lines(app)).replace("█", " ").split())
        assert "(empty or 'now' for now)" in screen


async def test_messages_do_not_cover_the_task_pane(demo_db: Path, tmp_path: Path) -> None:
    from textual.widgets._toast import Toast

    app = desk_app(demo_db, tmp_path, "queue")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await keys_then_settle(pilot, "queue")
        await pilot.press("c")  # claim: "Task #… is yours"
        await settle(pilot)
        assert [n.message for n in app._notifications]
        await pilot.pause(0.3)
        toasts = list(app.screen.query(Toast))
        assert toasts, [n.message for n in app._notifications]
        pane = app.screen.query_one("#queue-detail").region
        for toast in toasts:
            assert not toast.region.overlaps(pane)


@pytest.mark.parametrize("size", SIZES)
def test_wall_snapshot(demo_db: Path, tmp_path: Path, size: str, snap_compare: Any) -> None:
    from screens.desks.wall import WallApp

    db = tmp_path / "wall.db"
    shutil.copy(demo_db, db)
    app = WallApp(db=str(db), policy="bha", clock=FrozenClock(NOW), every=3600)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.pause(0.3)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


async def test_the_customer_timeline_keeps_its_status_at_80(demo_db: Path, tmp_path: Path) -> None:
    app = desk_app(demo_db, tmp_path, "customers")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "customers")
        header = next(line for line in lines(app) if "When" in line and "What" in line)
        assert "Status" in header


@pytest.mark.parametrize("desk", USERS)
async def test_the_footer_shows_the_desks_own_keys_first(
    demo_db: Path, tmp_path: Path, desk: str
) -> None:
    from textual.widgets._footer import FooterKey

    app = desk_app(demo_db, tmp_path, desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, desk)
        actions = [k.action for k in app.screen.query(FooterKey)]
        own = {b.action for _, b in app.screen._bindings if b.show}
        app_wide = [i for i, a in enumerate(actions) if a.startswith("desk(") or a == "quit"]
        mine = [i for i, a in enumerate(actions) if a in own]
        assert mine and app_wide and max(mine) < min(app_wide), actions


async def test_my_calls_keep_the_answer_verdict_at_80(demo_db: Path, tmp_path: Path) -> None:
    app = desk_app(demo_db, tmp_path, "calls")
    async with app.run_test(size=(80, 24)) as pilot:
        await keys_then_settle(pilot, "calls")
        header = next(line for line in lines(app) if "Time" in line and "Caller" in line)
        assert "Answer" in header
        assert any("✓" in line or "✗" in line for line in lines(app))
