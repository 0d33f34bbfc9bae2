"""The web seat's server: textual-serve, with every seat ended at once on shutdown.

The page is Front Desk's own copy of textual-serve's (screens/templates/app_index.html):
it has a <title> and takes its font from textual-serve's static folder, never from the
internet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).resolve().parent / "templates"


def server_class() -> type:
    """textual-serve's Server, ending every seat at once on Ctrl+C.

    Left alone, aiohttp waits for each open browser tab's websocket to wind down
    (half a minute with a seat open); here the shutdown cancels the tabs'
    handlers, which close their sockets and tell their consoles to quit.
    """
    import asyncio

    from aiohttp import web
    from textual_serve.server import Server  # heavy (aiohttp): only when serving

    class FrontDeskServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("templates_path", str(TEMPLATES))
            super().__init__(*args, **kwargs)
            self.seats: set[asyncio.Task[Any]] = set()

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            task = asyncio.current_task()
            if task is not None:
                self.seats.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                if task is not None:
                    self.seats.discard(task)

        async def on_shutdown(self, app: web.Application) -> None:
            for task in list(self.seats):
                task.cancel()
            if self.seats:
                await asyncio.wait(list(self.seats), timeout=10)

    return FrontDeskServer
