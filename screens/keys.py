"""Exact type-ahead: each key is applied after everything the key before it set moving.

Textual hands a key to whichever widget has focus *when the app reads it*, and
each widget handles its keys in its own task. Keys typed in a burst (a fast
handler, a busy PC) are therefore all handed to the field that had focus before
the first of them: Enter in the caller finder moves focus to the enquiry, but the
enquiry letter typed straight after it has already gone to the finder.

`KeyGate` puts the keys in a line. The app gives each key (and each paste) to the
gate; the gate lets the first through, waits until every message queue of the
app and of its screens is empty (the key's handler ran, the messages it posted
bubbled up and were handled, the focus change it asked for has happened, a dialog
it opened has mounted and focused its first field), and only then lets the next
key through. A screen that moves focus only after a worker (the finder's search
still running when Enter is pressed; a save) `hold`s the line until it has.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

from textual import events

if TYPE_CHECKING:
    from textual.app import App

# Consecutive turns of the event loop with every queue empty that count as "settled".
QUIET_TURNS = 3
# A queue that never empties (it should not happen) stops holding keys after this long.
MAX_SETTLE_SECONDS = 2.0
# A hold whose worker never reports (it should not happen) lapses after this long.
MAX_HOLD_SECONDS = 15.0


class KeyGate:
    """Feeds typed keys to the app one at a time, each once the last one has settled."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._waiting: deque[events.Key | events.Paste] = deque()
        self._let_through: set[int] = set()
        self._holds: dict[int, str] = {}
        self._ids = count(1)
        self._task: asyncio.Task[None] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self.keys_applied = 0

    # -- the app's side ------------------------------------------------------------

    def admit(self, event: events.Key | events.Paste) -> bool:
        """True: handle this key now. False: the gate keeps it and posts it again in turn."""
        if id(event) in self._let_through:
            self._let_through.discard(id(event))
            return True
        self._waiting.append(event)
        self._idle.clear()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._feed(), name="type-ahead")
        return False

    def hold(self, why: str) -> Callable[[], None]:
        """Hold the keys typed from now on until the returned function is called."""
        token = next(self._ids)
        self._holds[token] = why

        def release() -> None:
            self._holds.pop(token, None)

        return release

    @property
    def holding(self) -> list[str]:
        return list(self._holds.values())

    async def drained(self) -> None:
        """Wait until every key typed so far has been applied and has settled (for tests)."""
        await self._idle.wait()
        await self._settle()

    # -- the line ------------------------------------------------------------------

    async def _feed(self) -> None:
        try:
            while self._waiting:
                await self._settle()
                if not self._waiting:
                    break
                key = self._waiting.popleft()
                self._let_through.add(id(key))
                if not self.app.post_message(key):
                    self._let_through.discard(id(key))
                    continue
                self.keys_applied += 1
        finally:
            if not self._waiting:
                self._idle.set()

    async def _settle(self) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        busy_since: float | None = None
        quiet = 0
        while quiet < QUIET_TURNS:
            await asyncio.sleep(0.002 if self._holds else 0)
            now = loop.time()
            if self._holds:
                quiet = 0
                if now - started > MAX_HOLD_SECONDS:
                    self._holds.clear()  # a lapsed hold must not stop the keyboard for good
                continue
            if self._busy():
                quiet = 0
                busy_since = now if busy_since is None else busy_since
                if now - busy_since > MAX_SETTLE_SECONDS:
                    return
                continue
            busy_since = None
            quiet += 1

    def _busy(self) -> bool:
        app = self.app
        if app.message_queue_size:
            return True
        for screen in app.screen_stack:
            for node in screen.walk_children(with_self=True):
                if node.message_queue_size:
                    return True
        return False
