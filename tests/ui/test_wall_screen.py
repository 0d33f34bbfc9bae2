"""The wall display: read-only, refreshes itself, initials only, light before its first frame."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Digits, Static

from console.desk.context import Actor, Desk
from console.desk.tasks import open_task
from console.rules.clock import FrozenClock, local
from console.rules.profiles import Profile
from console.store.engine import Store, open_store
from console.store.models import Contact, Customer
from screens.desks.wall import WallApp, WallScreen
from tests.conftest import add_staff, settle

ROOT = Path(__file__).resolve().parents[2]


def fill(store: Store, profile: Profile, clock: FrozenClock, actor: Actor) -> None:
    """Two customers' tasks (one overdue, one assigned), three calls and two visitors today."""
    desk = Desk(store, profile, clock, actor)
    now = clock.now()
    with store.write() as session:
        brown = Customer(reference="BHA-0001", name="Mrs Jean Brown")
        mack = Customer(reference="BHA-0002", name="Alasdair Mackenzie")
        session.add_all([brown, mack])
        session.flush()
        open_task(
            desk,
            session,
            "callback-urgent",
            received_at=now - timedelta(days=4),
            customer_id=brown.id,
            title="Ring Jean Brown about the boiler",
        )
        open_task(
            desk,
            session,
            "callback-routine",
            received_at=now - timedelta(hours=1),
            customer_id=mack.id,
            assignee_id=actor.id,
        )
        open_task(desk, session, "reply-routine", received_at=now - timedelta(days=1))
        for minutes, answer in ((5, 8.0), (15, 25.0), (25, 12.0)):
            at = now - timedelta(minutes=minutes)
            session.add(
                Contact(
                    channel="call",
                    received_at=at,
                    day=local(at).date(),
                    answered_at=at + timedelta(seconds=answer),
                    answer_seconds=answer,
                    staff_id=actor.id,
                )
            )
        for minutes, served in ((12, 2), (4, None)):
            at = now - timedelta(minutes=minutes)
            session.add(
                Contact(
                    channel="visit",
                    received_at=at,
                    day=local(at).date(),
                    visitor_name="Jo Smith",
                    served_at=at + timedelta(minutes=served) if served else None,
                )
            )


def screen_text(app: WallApp) -> str:
    """Every text on the wall: the Statics (the task table is a Rich table), the digits."""
    screen = app.screen
    assert isinstance(screen, WallScreen)
    console = Console(width=200, record=True, file=io.StringIO())
    for widget in screen.query(Static):
        console.print(widget.content)
    return console.export_text() + "\n".join(d.value for d in screen.query(Digits))


async def test_wall_shows_the_queue_and_today_with_initials_only(
    store: Store, bha: Profile, clock: FrozenClock, handler: Actor
) -> None:
    fill(store, bha, clock, handler)
    app = WallApp(db=str(store.path), policy="bha", clock=clock, every=60)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.loads >= 1
        digits = {d.parent.parent.id: d.value for d in app.screen.query(Digits)}  # type: ignore[union-attr]
        assert digits["fig-open"] == "3"
        assert digits["fig-overdue"] == "1"
        assert digits["fig-calls"] == "67%"  # 2 of 3 offered answered within 20 s
        assert digits["fig-visitors"] == "2"
        assert digits["fig-wait"] == "4:00"  # the visitor still waiting
        assert app.screen.query_one("#fig-overdue").has_class("alert")
        shown = screen_text(app)
        assert "Berwickshire Housing Association · Monday 24 November · 10:00" in shown
        assert "Urgent call back" in shown and "overdue" in shown
        assert "Calls in 20s" in shown and "2 of 3 · 0 abandoned" in shown
        assert "JB" in shown and "AM" in shown and "HR" in shown
        for name in ("Jean", "Brown", "Mackenzie", "Alasdair", "boiler", "Hannah", "Reid", "Smith"):
            assert name not in shown, name


async def test_wall_refreshes_by_itself(
    store: Store, bha: Profile, clock: FrozenClock, handler: Actor
) -> None:
    app = WallApp(db=str(store.path), policy="bha", clock=clock, every=0.1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#fig-open").query_one(Digits).value == "0"
        fill(store, bha, clock, handler)  # another desk writes
        seen = app.loads
        for _ in range(200):  # waits for two more reads by the timer; no key pressed
            if app.loads >= seen + 2:
                break
            await pilot.pause(0.05)
        await settle(pilot)
        assert app.screen.query_one("#fig-open").query_one(Digits).value == "3"


async def test_r_reads_again_now(store: Store, clock: FrozenClock) -> None:
    app = WallApp(db=str(store.path), clock=clock, every=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        before = app.loads
        await pilot.press("r")
        await settle(pilot)
        assert app.loads == before + 1


async def test_unreadable_database_is_one_line_on_the_wall(
    tmp_path: Path, clock: FrozenClock
) -> None:
    app = WallApp(db=str(tmp_path / "missing" / "x.db"), clock=clock, every=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#wall-status", Static)
        text = str(status.content)
        assert text.startswith("Cannot read the queue: the folder")
        assert "does not exist" in text and "Trying again" in text
        assert status.has_class("error")
        assert "Traceback" not in app.export_screenshot()
        assert app.is_running


def test_wall_module_imports_only_textual_before_its_first_frame() -> None:
    code = (
        "import sys, screens.desks.wall\n"
        "heavy = [m for m in ('sqlalchemy', 'sqlmodel', 'alembic', 'holidays',"
        " 'console.store.engine',"
        " 'console.desk.wall', 'console.desk.queue') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""


def test_wall_snapshot(snap_compare: Any, db: str, clock: FrozenClock, bha: Profile) -> None:
    store = open_store(db)
    fill(store, bha, clock, add_staff(store, "Hannah Reid", "hreid", "handler"))
    store.close()

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)

    app = WallApp(db=db, policy="bha", clock=clock, every=3600)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)
