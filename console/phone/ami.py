"""`frontdesk phone asterisk`: follow the Asterisk Manager Interface (AMI) with panoramisk.

Asterisk's queue events map onto the same calls as the generic CTI endpoint:

- ``QueueCallerJoin``: a call offered (waiting in the queue), ``newCall``.
- ``AgentConnect``: a person answered; its ``HoldTime`` is the wait, ``answer``.
- ``QueueCallerAbandon``: the caller gave up in the queue, ``hangup`` (cancel).
- ``AgentComplete``: an answered call ended, ``hangup`` (normalClearing).
- ``Hangup``: any other end of a call already offered (the Q.850 cause as a CTI
  cause); a hangup of a channel that never joined a queue is ignored.

The call id is the caller's channel ``Uniqueid``, the same id Asterisk's CDR and
queue_log carry, so a later `frontdesk import calls` does not count a call twice.
The connection is kept: when Asterisk goes away the client says so and reconnects
every few seconds until it is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TextIO

from console.desk.context import Desk
from console.desk.phone import CallEvent, OutOfOrder, check_event, take_event
from console.rules.clock import local
from console.rules.errors import FrontDeskError, InputError

# Q.850 cause codes (AMI Hangup "Cause") as generic CTI causes
Q850 = {1: "notFound", 16: "normalClearing", 17: "busy", 18: "noAnswer", 19: "noAnswer",
        21: "cancel", 34: "congestion", 38: "congestion", 127: "normalClearing"}  # fmt: skip
WATCHED = ("QueueCallerJoin", "AgentConnect", "QueueCallerAbandon", "AgentComplete", "Hangup")


def _get(message: Mapping[str, Any], *names: str) -> str:
    for name in names:
        value = message.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _seconds(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 <= value <= 12 * 3600 else None


def to_event(message: Mapping[str, Any]) -> CallEvent | None:
    """The CTI event an AMI event stands for, or None for one that says nothing about a call."""
    name = _get(message, "Event")
    call_id = _get(message, "Uniqueid", "UniqueID")
    if name not in WATCHED or not call_id:
        return None
    number = _get(message, "CallerIDNum") or "anonymous"
    if number.lower() in ("<unknown>", "unknown"):
        number = "anonymous"
    fields: dict[str, Any] = {"callId": call_id, "direction": "in", "from": number}
    fields["to"] = _get(message, "Exten")
    fields["queue"] = _get(message, "Queue")
    wait: float | None = None
    if name == "QueueCallerJoin":
        fields["event"] = "newCall"
    elif name == "AgentConnect":
        fields["event"] = "answer"
        agents = [_get(message, "MemberName"), _get(message, "Interface")]
        fields["user[]"] = [a for a in agents if a]
        fields["answeringNumber"] = _get(message, "DestCallerIDNum")
        wait = _seconds(_get(message, "HoldTime"))
    elif name == "QueueCallerAbandon":
        fields.update(event="hangup", cause="cancel")
    elif name == "AgentComplete":
        fields.update(event="hangup", cause="normalClearing")
    else:  # Hangup
        try:
            code = int(_get(message, "Cause") or 16)
        except ValueError:
            code = 16
        fields.update(event="hangup", cause=Q850.get(code, "normalClearing"))
    try:
        event = check_event(fields, source="ami")
    except InputError:
        if number == "anonymous":
            raise
        fields["from"] = "anonymous"  # a caller id that is not a number: the call still counts
        event = check_event(fields, source="ami")
    if wait is not None:
        event = CallEvent(**{**event.__dict__, "wait_seconds": wait})
    return event


class Follower:
    """Applies AMI events one at a time, in order, on a writer thread."""

    def __init__(self, desk: Desk, out: TextIO | None = None) -> None:
        self.desk = desk
        self.out = out or sys.stdout
        self.queue: asyncio.Queue[Mapping[str, Any]] = asyncio.Queue()
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ami-writer")
        self.taken = 0

    def say(self, text: str) -> None:
        print(f"{local(self.desk.now()):%H:%M:%S} {text}", file=self.out, flush=True)

    def on_event(self, _manager: Any, message: Mapping[str, Any]) -> None:
        self.queue.put_nowait(dict(message))

    async def consume(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message = await self.queue.get()
            await loop.run_in_executor(self.writer, self.apply, message)

    def apply(self, message: Mapping[str, Any]) -> None:
        try:
            event = to_event(message)
        except InputError as exc:
            self.say(f"skipped {message.get('Event')}: {exc}")
            return
        if event is None:
            return
        try:
            taken = take_event(self.desk, event)
        except OutOfOrder as exc:
            if event.event == "hangup" and "never offered" in str(exc):
                return  # an agent's or internal channel hanging up: not a queue call
            self.say(f"refused {message.get('Event')} {event.call_id}: {exc}")
            return
        except FrontDeskError as exc:
            self.say(f"failed {message.get('Event')} {event.call_id}: {exc}")
            return
        if not taken.repeat:
            self.taken += 1
            self.say(taken.message)

    def close(self) -> None:
        self.writer.shutdown(wait=True)


class _Said(logging.Handler):
    """panoramisk's own connection warnings, said once in the follower's words."""

    def __init__(self, say: Callable[[str], None], where: str) -> None:
        super().__init__(logging.WARNING)
        self.say = say
        self.where = where
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if "connect" in text.lower() and text != self.last:
            self.say(f"cannot reach Asterisk at {self.where}: trying again every few seconds")
        self.last = text


async def run(
    desk: Desk,
    host: str,
    port: int,
    user: str,
    secret: str,
    *,
    out: TextIO | None = None,
    stop: asyncio.Event | None = None,
    reconnect_seconds: int = 2,
) -> int:
    """Follow AMI until `stop` is set (or SIGINT/SIGTERM); 2 when Asterisk refuses the login."""
    from panoramisk import Manager

    follower = Follower(desk, out)
    stop = stop or asyncio.Event()
    refused: list[str] = []
    where = f"{host}:{port}"
    log = logging.getLogger(f"frontdesk.ami.{id(follower)}")
    log.propagate = False
    log.addHandler(_Said(follower.say, where))
    loop = asyncio.get_running_loop()

    def on_connect(manager: Any) -> None:
        follower.say(f"connected to Asterisk at {where}")
        future = getattr(manager, "authenticated_future", None)
        if future is not None:
            future.add_done_callback(on_login_result)

    def on_login_result(future: asyncio.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        if not bool(getattr(future.result(), "success", False)):
            refused.append(str(future.result().get("Message", "login refused")))
            stop.set()

    def on_login(_manager: Any) -> None:
        follower.say(f"signed in as {user}; following queue calls")

    def on_disconnect(_manager: Any, exc: BaseException | None) -> None:
        why = f" ({exc})" if exc else ""
        follower.say(
            f"lost the connection to Asterisk{why}: reconnecting every {reconnect_seconds} s"
        )

    manager = Manager(
        loop=loop,
        host=host,
        port=port,
        username=user,
        secret=secret,
        reconnect_timeout=reconnect_seconds,
        on_connect=on_connect,
        on_login=on_login,
        on_disconnect=on_disconnect,
        log=log,
    )
    for name in WATCHED:
        manager.register_event(name, follower.on_event)
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    consumer = asyncio.ensure_future(follower.consume())
    manager.connect()
    try:
        await stop.wait()
        while not follower.queue.empty():  # what already arrived is still recorded
            await asyncio.sleep(0.05)
    finally:
        consumer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await consumer
        manager.close()
        manager.connection_lost = lambda exc: None  # closing on purpose: no reconnect
        follower.close()
    if refused:
        follower.say(f"Asterisk refused the login for {user}: {refused[0]}; check the secret")
        return 2
    follower.say(f"stopped after {follower.taken} events")
    return 0


def follow(desk: Desk, host: str, port: int, user: str, secret: str) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(run(desk, host, port, user, secret))
    return 0
