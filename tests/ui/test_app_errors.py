"""A failing worker on any screen shows one readable line; the app keeps running."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.rules.clock import FrozenClock
from console.rules.errors import InputError
from console.store.engine import open_store
from screens.app import FrontDeskApp
from screens.base import DeskScreen
from tests.conftest import MONDAY_MORNING, add_staff, settle


@pytest.mark.parametrize("start", ["calls", "queue"])
async def test_worker_error_on_a_screen_is_shown_once_not_raised(db: str, start: str) -> None:
    store = open_store(db)
    actor = add_staff(store, "Hannah Reid", "hreid", "handler")
    store.close()
    app = FrontDeskApp(db=str(db), clock=FrozenClock(MONDAY_MORNING), actor=actor, start=start)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)

        screen = app.screen
        assert isinstance(screen, DeskScreen)

        def fail(_desk: object) -> None:
            raise InputError("the letter's date is in the future: use today or an earlier day")

        screen.run_service(fail, doing="save the letter")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("letter's date is in the future" in m for m in messages), messages
        assert app.is_running
        assert app.return_code is None

        def crash(_desk: object) -> None:
            raise RuntimeError("disk on fire")

        screen.run_service(crash, doing="read the board")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("while trying to read the board" in m and "disk on fire" in m for m in messages)
        assert sum("disk on fire" in m for m in messages) == 1, messages
        assert not any("Traceback" in m for m in messages)
        assert app.is_running

        # A worker started some other way still ends as one line, never a crash.
        def stray() -> None:
            raise RuntimeError("stray failure")

        screen.run_worker(stray, thread=True, name="do a stray thing", exit_on_error=False)
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("do a stray thing" in m and "stray failure" in m for m in messages), messages
        assert app.is_running


async def test_a_damaged_database_is_one_clear_message(tmp_path: Path) -> None:
    db = tmp_path / "damaged.db"
    db.write_bytes(b"this is not a database at all" * 100)
    app = FrontDeskApp(db=str(db), clock=FrozenClock(MONDAY_MORNING), start="calls")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1, messages
        assert "damaged or not a Front Desk database" in messages[0]
        assert app.is_running and app.desk is None
    assert db.read_bytes() == b"this is not a database at all" * 100  # nothing touched
