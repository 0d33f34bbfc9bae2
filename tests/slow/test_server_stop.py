"""A PostgreSQL server that crashes under an open desk: one clear message, and the desk recovers.

The test runs its own throwaway server (tests/pg.py's LocalServer), so crashing it
disturbs no other test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from textual.notifications import Notification

from console.rules.clock import FrozenClock
from console.store.engine import open_store
from screens.app import FrontDeskApp
from tests.conftest import MONDAY_MORNING, add_staff
from tests.pg import LocalServer, PgUnavailable

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def own_server() -> Iterator[tuple[LocalServer, str]]:
    try:
        server = LocalServer()
        url = server.start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")
    try:
        yield server, url
    finally:
        server.stop()


def errors(app: FrontDeskApp) -> list[Notification]:
    return [n for n in app._notifications if n.severity == "error"]


async def test_a_crashed_server_is_one_message_and_the_desk_recovers(
    own_server: tuple[LocalServer, str],
) -> None:
    server, url = own_server
    store = open_store(url)
    actor = add_staff(store, "Leah Murray", "lmurray", "team_lead")
    store.close()
    app = FrontDeskApp(
        db=url, clock=FrozenClock(MONDAY_MORNING), actor=actor, start="queue", poll_seconds=0.2
    )
    async with app.run_test(size=(120, 40)) as pilot:
        # polls every 0.2 s cancel each other (exclusive workers): wait for the desk itself
        deadline = time.monotonic() + 30
        while (app.desk is None or app.revision < 0) and time.monotonic() < deadline:
            await pilot.pause(0.2)
        await pilot.pause(0.5)
        assert errors(app) == []
        before = app.revision

        server.crash()
        await pilot.pause(4.0)  # about 20 polls against a dead server
        shown = errors(app)
        assert len(shown) == 1, [n.message for n in shown]
        assert "cannot connect to the database server" in shown[0].message
        assert "Traceback" not in shown[0].message

        server.resume()
        deadline = time.monotonic() + 30
        while app.store_down is not None and time.monotonic() < deadline:
            await pilot.pause(0.3)
        assert app.store_down is None
        assert any("database is back" in n.message for n in app._notifications)

        other = open_store(url)  # another desk writes: this desk sees it again
        try:
            add_staff(other, "Hannah Reid", "hreid", "handler")
        finally:
            other.close()
        deadline = time.monotonic() + 10
        while app.revision <= before and time.monotonic() < deadline:
            await pilot.pause(0.3)
        assert app.revision > before
        assert len(errors(app)) == 1
        assert app.is_running
