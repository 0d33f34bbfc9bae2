"""`POST /api/v1/cti/<token>`: the generic CTI endpoint PBX bridges already post to Zammad.

Form-encoded (``from=...&user[]=...``) or JSON bodies; fields ``event``
(newCall, answer, hangup), ``from``, ``to``, ``direction``, ``callId``,
``user[]``, ``queue``, ``answeringNumber`` and, on hangup, ``cause``.

Replies: 200 with what the event did (also for a repeat, which changes nothing);
400 malformed, 409 out of order (both with the reason; nothing written), 401 a
wrong token (nothing written, nothing logged), 413 a body over 64 KiB, 415 another
content type, 503 when the database cannot be written. Events are applied in the
order they arrive by one writer thread, so the server keeps answering while the
database works; the events that arrive while one transaction commits go together
in the next (group commit: one disk flush for many), each in its own savepoint,
and nobody gets a reply before the commit holding their event. The instant an
event arrived is its time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO
from urllib.parse import parse_qsl

from aiohttp import web

from console.desk.context import Desk
from console.desk.phone import CallEvent, OutOfOrder, Taken, check_event, take_events
from console.rules.clock import local
from console.rules.errors import FrontDeskError, InputError, StoreError

MAX_BODY = 64 * 1024  # a CTI event is a few hundred bytes
MAX_BATCH = 200  # events written in one transaction at most
PATH = "/api/v1/cti/{token}"


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """The fields of a form-encoded or JSON body; InputError where it is neither."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the body is not UTF-8 text") from None
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"the body is not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise InputError("the JSON body must be an object of fields")
        return data
    if kind in ("application/x-www-form-urlencoded", ""):
        fields: dict[str, Any] = {}
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise InputError("the form is not UTF-8 text") from None
        for key, value in pairs:
            if key in ("user[]", "user"):
                fields.setdefault("user[]", []).append(value)
            elif key in fields:
                raise InputError(f"{key} is given twice")
            else:
                fields[key] = value
        return fields
    raise UnsupportedBody(f"send application/x-www-form-urlencoded or application/json, not {kind}")


class UnsupportedBody(InputError):
    """A content type the endpoint does not read (415)."""


class Listener:
    """The endpoint's state: the desk it writes through, its token, its one writer thread."""

    def __init__(
        self, desk: Desk, token: str, *, out: TextIO | None = None, quiet: bool = False
    ) -> None:
        self.desk = desk
        self.token = token.encode()
        self.out = out or sys.stdout
        self.quiet = quiet
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cti-writer")
        self.pending: asyncio.Queue[tuple[CallEvent, asyncio.Future[Taken]]] = asyncio.Queue()
        self.consumer: asyncio.Task[None] | None = None
        self.taken = 0

    def log(self, text: str) -> None:
        if not self.quiet:
            print(f"{local(self.desk.now()):%H:%M:%S} {text}", file=self.out, flush=True)

    async def handle(self, request: web.Request) -> web.Response:
        given = request.match_info.get("token", "").encode()
        if not hmac.compare_digest(given, self.token):
            return web.json_response({"error": "wrong token"}, status=401)
        arrived = self.desk.now()
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _error(413, f"the body is {request.content_length} bytes: at most {MAX_BODY}")
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return _error(413, f"the body is over {MAX_BODY} bytes")
        try:
            fields = parse_body(body, request.headers.get("Content-Type", ""))
            event = check_event(fields, at=arrived)
        except InputError as exc:
            self.log(f"refused: {exc}")
            return _error(415 if isinstance(exc, UnsupportedBody) else 400, str(exc))
        try:
            taken = await self.submit(event)
        except OutOfOrder as exc:
            self.log(f"refused {event.event} {event.call_id}: {exc}")
            return _error(409, str(exc))
        except InputError as exc:
            self.log(f"refused {event.event} {event.call_id}: {exc}")
            return _error(400, str(exc))
        except StoreError as exc:
            self.log(f"database: {exc}")
            return _error(503, str(exc))
        except FrontDeskError as exc:
            self.log(f"failed {event.event} {event.call_id}: {exc}")
            return _error(500, str(exc))
        self.taken += 1
        self.log(("repeat: " if taken.repeat else "") + taken.message)
        return web.json_response(
            {
                "ok": True,
                "callId": taken.call_id,
                "event": taken.event,
                "state": taken.state,
                "repeat": taken.repeat,
                "message": taken.message,
                "contact": taken.contact_id,
                "missedTask": taken.missed_task_id,
            }
        )

    async def submit(self, event: CallEvent) -> Taken:
        """Queue the event for the writer; its result once the batch holding it is committed."""
        loop = asyncio.get_running_loop()
        if self.consumer is None:
            self.consumer = loop.create_task(self._consume())
        future: asyncio.Future[Taken] = loop.create_future()
        self.pending.put_nowait((event, future))
        return await future

    async def _consume(self) -> None:
        """Group commit: what arrived while the last batch was written goes in the next one."""
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self.pending.get()]
            while not self.pending.empty() and len(batch) < MAX_BATCH:
                batch.append(self.pending.get_nowait())
            results: list[Any]
            try:
                results = await loop.run_in_executor(
                    self.writer, take_events, self.desk, [e for e, _ in batch]
                )
            except Exception as exc:  # the whole batch failed: nothing of it was written
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.cancel()
        self.writer.shutdown(wait=True)


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)


@web.middleware
async def _no_tracebacks(
    request: web.Request, handler: Callable[[web.Request], Any]
) -> web.StreamResponse:
    """Anything unexpected is a 500 with one line, and the server keeps serving."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except web.HTTPException:
        raise
    except Exception as exc:  # the listener must keep serving
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return _error(500, "internal error: the event was not recorded; see the listener's log")


def make_app(listener: Listener) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_no_tracebacks])
    app.router.add_post(PATH, listener.handle)
    app.on_cleanup.append(_closer(listener))
    return app


def _closer(listener: Listener) -> Callable[[web.Application], Any]:
    async def close(_app: web.Application) -> None:
        listener.close()

    return close


async def serve(
    listener: Listener, host: str, port: int, *, ready: Callable[[int], None] | None = None
) -> None:
    """Serve until cancelled (Ctrl-C, SIGTERM)."""
    import signal

    runner = web.AppRunner(make_app(listener), access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except (OSError, OverflowError) as exc:
        await runner.cleanup()
        why = getattr(exc, "strerror", None) or exc
        raise InputError(f"cannot listen on {host}:{port}: {why}") from None
    bound = port
    sockets = getattr(site._server, "sockets", None)
    if sockets:
        bound = sockets[0].getsockname()[1]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # not the main thread, or Windows: Ctrl-C still ends asyncio.run
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if ready is not None:
        ready(bound)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
