"""Save an SVG of each main screen into docs/screenshots/ for the README.

    python tests/ui/make_screenshots.py            (from the repository root)

Demo data (`console.demo.build.fill`, seed 1) goes into a temporary database with the
clock frozen at Monday 24 November 2025, 2:30pm, so the pictures are the same
on every run. Each desk is opened signed in as the demo staff member who would
use it, through `App.run_test()`, and saved with `app.save_screenshot()`. Not a
test (no `test_` prefix): pytest does not collect it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.demo.build import fill  # noqa: E402
from console.desk.context import Actor  # noqa: E402
from console.rules.clock import LONDON, FrozenClock  # noqa: E402
from console.rules.profiles import load_profile  # noqa: E402
from console.store.engine import open_store  # noqa: E402
from console.store.models import Staff  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SIZE = (140, 42)
NOW = datetime(2025, 11, 24, 14, 30, tzinfo=LONDON)
# file name -> (desk, login of the demo staff member who uses it, keys pressed before the shot)
DESKS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "calls": ("calls", "hreid", ()),
    "reception": ("reception", "klauder", ()),
    "queue": ("queue", "melliot", ()),
    "customers": ("customers", "melliot", (*"rutherford", "enter")),
    "reports": ("reports", "melliot", ()),
    "staff": ("staff", "gturnbull", ()),
}


async def settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def steady_cursors(app: Any) -> None:
    """A blinking cursor would make each run's picture differ: hold it on."""
    from textual.widgets import Input, TextArea

    for widget in app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False


def actor(db: str, login: str) -> Actor:
    from sqlmodel import select

    store = open_store(db)
    try:
        with store.read() as session:
            s = session.exec(select(Staff).where(Staff.login == login)).one()
            assert s.id is not None
            return Actor(s.id, s.name, s.login, s.role, s.team)
    finally:
        store.close()


async def shoot_desk(
    db: str, name: str, desk: str, login: str, keys: tuple[str, ...]
) -> Path | None:
    from screens.app import DESKS as APP_DESKS
    from screens.app import FrontDeskApp, MissingScreen

    app = FrontDeskApp(
        db=db,
        policy="bha",
        clock=FrozenClock(NOW),
        actor=actor(db, login),
        start=desk,
        poll_seconds=3600,
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        if isinstance(app.screen, MissingScreen):
            print(f"  {name}: skipped ({APP_DESKS[desk][2]} is not in this build)")
            return None
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        steady_cursors(app)
        await pilot.pause(1.0)  # timers and layout that follow the last worker
        await settle(pilot)
        app.title = f"Front Desk · {APP_DESKS[desk][2]}"
        return Path(app.save_screenshot(f"{name}.svg", path=str(OUT)))


async def shoot_wall(db: str) -> Path:
    from screens.desks.wall import WallApp

    app = WallApp(db=db, policy="bha", clock=FrozenClock(NOW), every=3600)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        return Path(app.save_screenshot("wall.svg", path=str(OUT)))


async def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "demo.db")
        store = open_store(db)
        result = fill(store, load_profile("bha"), now=NOW, days=20, seed=1)
        store.close()
        print(f"demo: {result.tasks} tasks ({result.open_tasks} open) for {result.organisation}")
        saved = [await shoot_desk(db, name, *spec) for name, spec in DESKS.items()]
        saved.append(await shoot_wall(db))
    for path in saved:
        if path is not None:
            print(f"  saved {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
