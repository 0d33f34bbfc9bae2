"""The web seat's server: textual-serve, refusing other web sites' pages, with every seat
ended at once on shutdown.

The page is Front Desk's own copy of textual-serve's (screens/templates/app_index.html):
it has a <title> and takes its font from textual-serve's static folder, never from the
internet.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, lower case, default ports dropped (as browsers send it)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def allowed_origins(public_url: str, host: str, port: int) -> set[str]:
    """The pages that may open a seat: the public URL's, and on loopback this machine's names."""
    allowed = {origin_of(public_url)}
    try:
        loopback = host in ("localhost", "") or ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        allowed |= {f"http://127.0.0.1:{port}", f"http://localhost:{port}", f"http://[::1]:{port}"}
    return allowed


def seat_address(remote: str | None, forwarded_for: str | None) -> str:
    """The browser's address: the peer's, or the proxy's X-Forwarded-For when the peer is a
    proxy on this machine (a proxy elsewhere cannot be told from a client making it up)."""
    peer = remote or "unknown"
    try:
        local_proxy = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local_proxy = False
    if local_proxy and forwarded_for:
        peer = forwarded_for.split(",")[-1].strip() or peer
    return f"web {peer}"[:80]


TEMPLATES = Path(__file__).resolve().parent / "templates"


def server_class() -> type:
    """textual-serve's Server, ending every seat at once on Ctrl+C.

    Left alone, aiohttp waits for each open browser tab's websocket to wind down
    (half a minute with a seat open); here the shutdown cancels the tabs'
    handlers, which close their sockets and tell their consoles to quit.
    """
    import asyncio

    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server, to_int  # heavy (aiohttp): only when serving

    class SeatService(AppService):
        """One browser tab's console, told where the browser is (for the PIN lock-out)."""

        def __init__(self, *args: Any, seat: str, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.seat = seat

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            env = super()._build_environment(width=width, height=height)
            env["FRONTDESK_SEAT"] = self.seat
            return env

    class FrontDeskServer(Server):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("templates_path", str(TEMPLATES))
            super().__init__(*args, **kwargs)
            self.seats: set[asyncio.Task[Any]] = set()
            self.origins = allowed_origins(self.public_url, self.host, self.port)

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # A browser always sends Origin on a web socket: a page from any other site
            # (that could otherwise drive a seat in a staff member's browser) is refused.
            origin = request.headers.get("Origin")
            if origin is not None and origin_of(origin) not in self.origins:
                raise web.HTTPForbidden(
                    text=f"Front Desk refuses seats opened from {origin[:100]}: "
                    f"open {self.public_url} instead\n"
                )
            task = asyncio.current_task()
            if task is not None:
                self.seats.add(task)
            try:
                return await self._seat(request)
            finally:
                if task is not None:
                    self.seats.discard(task)

        async def _seat(self, request: web.Request) -> web.WebSocketResponse:
            """textual-serve's handler, with the browser's address passed to the console."""
            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            seat = seat_address(request.remote, request.headers.get("X-Forwarded-For"))
            app_service: AppService | None = None
            try:
                await websocket.prepare(request)
                app_service = SeatService(
                    self.command,
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=websocket.close,
                    download_manager=self.download_manager,
                    debug=self.debug,
                    seat=seat,
                )
                await app_service.start(width, height)
                try:
                    await self._process_messages(websocket, app_service)
                finally:
                    await app_service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            except Exception:  # as textual-serve: a broken tab must not stop the server
                import logging

                logging.getLogger("textual-serve").exception("seat failed")
            finally:
                if app_service is not None:
                    await app_service.stop()
            return websocket

        async def on_shutdown(self, app: web.Application) -> None:
            for task in list(self.seats):
                task.cancel()
            if self.seats:
                await asyncio.wait(list(self.seats), timeout=10)

    return FrontDeskServer
