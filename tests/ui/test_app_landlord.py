"""The console and the wall open their desk through open_desk(): the database's landlord."""

from __future__ import annotations

from pathlib import Path

from console.desk.open import open_desk
from console.rules.clock import FrozenClock
from screens.app import FrontDeskApp
from screens.desks.wall import WallApp
from tests.conftest import MONDAY_MORNING, add_staff, settle


async def test_the_console_reads_a_database_under_the_landlord_it_records(
    tmp_path: Path,
) -> None:
    db = tmp_path / "weslo.db"
    desk = open_desk(db, "weslo")
    actor = add_staff(desk.store, "Hannah Reid", "hreid", "handler")
    desk.store.close()
    app = FrontDeskApp(db=str(db), clock=FrozenClock(MONDAY_MORNING), actor=actor)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.desk is not None and app.desk.profile.key == "weslo"
        assert "Weslo" in app.sub_title
    wall = WallApp(db=str(db), clock=FrozenClock(MONDAY_MORNING), every=3600)
    async with wall.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert wall.desk is not None and wall.desk.profile.key == "weslo"


async def test_another_landlords_policy_is_one_line_and_opens_nothing(tmp_path: Path) -> None:
    db = tmp_path / "weslo.db"
    open_desk(db, "weslo").store.close()
    app = FrontDeskApp(db=str(db), policy="bha", clock=FrozenClock(MONDAY_MORNING))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert len(messages) == 1, messages
        assert "belongs to 'weslo', not 'bha'" in messages[0]
        assert "landlord set bha --confirm" in messages[0]
        assert app.is_running and app.desk is None
