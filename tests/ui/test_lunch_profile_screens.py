"""A landlord that closes for lunch and sets aims, on the calls desk and the queue.

tests/data/lunch.toml: 09:00-12:30 and 13:30-17:00; the call back has an aim of 3
working hours inside its promise of 1 working day.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from textual.widgets import Static

from console.desk import tasks
from console.desk.context import Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from screens.app import FrontDeskApp
from screens.desks.queue import QueueScreen
from tests.conftest import add_staff, settle

LUNCH = Path(__file__).resolve().parents[1] / "data" / "lunch.toml"


def at(d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, d, hh, mm, tzinfo=LONDON)


async def test_the_calls_desk_says_closed_for_lunch_and_when_it_reopens(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    store = open_store(db)
    actor = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    store.close()
    app = FrontDeskApp(
        db=str(db),
        policy=str(LUNCH),
        clock=FrozenClock(at(23, 12, 45)),
        actor=actor,
        start="calls",
        poll_seconds=30,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        banner = str(app.screen.query_one("#ooh-banner", Static).render())
        assert app.screen.has_class("-out-of-hours")
        assert banner.startswith("Closed for lunch: the office re-opens today at 1:30pm.")


async def test_the_queue_shows_the_aim_and_past_the_aim_is_not_overdue(tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    store = open_store(db)
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    clock = FrozenClock(at(23, 16))
    desk = Desk(store, load_profile(LUNCH), clock, lead)
    with store.write() as session:
        task = tasks.open_task(desk, session, "callback", received_at=at(23, 16))
        assert task.id is not None
    store.close()
    clock.set(at(24, 11, 30))  # past the aim (11:00), not yet due (17:00)
    app = FrontDeskApp(db=str(db), policy=str(LUNCH), clock=clock, actor=lead, start="queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        q = app.screen
        assert isinstance(q, QueueScreen)
        detail = str(q.query_one("#queue-detail", Static).render())
        assert "due today at 5pm · 5h 30m" in detail
        assert "aim today at 11am (past the aim, not overdue)" in detail
        counts = str(q.query_one("#queue-counts", Static).render())
        assert counts.splitlines()[0] == "Open: 1   overdue: 0"
        left = q.table.get_row_at(0)[1]
        assert str(left.style).startswith(str(app.current_theme.warning))


async def test_the_reception_board_says_closed_for_lunch(tmp_path: Path) -> None:
    db = tmp_path / "r.db"
    store = open_store(db)
    actor = add_staff(store, "Rita Reid", "rreid", "reception", "Customer Services")
    store.close()
    clock = FrozenClock(at(23, 12, 45))
    app = FrontDeskApp(db=str(db), policy=str(LUNCH), clock=clock, actor=actor, start="reception")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        today = str(app.screen.query_one("#today", Static).render())
        assert today.splitlines()[-1] == "Closed for lunch: the office re-opens today at 1:30pm."
        clock.set(at(23, 13, 30))
        await pilot.pause(1.2)  # the board ticks every second
        today = str(app.screen.query_one("#today", Static).render())
        assert "Closed" not in today
