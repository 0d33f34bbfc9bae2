"""`frontdesk phone asterisk` against a recorded AMI session replayed over a real TCP socket.

The server below speaks the AMI wire format (a banner, ``Key: value`` lines, a blank
line ends a message), answers every action with its ActionID, and replays the
events of a queue call, an abandon and an agent hangup, in the format Asterisk
documents for them. It then drops the connection once, so the client must say so
and reconnect, and replays the rest.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from console.desk.context import Desk
from console.desk.importer import import_calls
from console.phone.ami import run, to_event
from console.rules.clock import SystemClock
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Contact, PhoneCall, Staff, Task

BANNER = "Asterisk Call Manager/7.0.3\r\n"

# A call joins the queue, waits 7 s, Hannah (PJSIP/201) answers, the caller hangs up.
FIRST_SESSION = [
    {"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"},
    {
        "Event": "QueueCallerJoin",
        "Privilege": "agent,all",
        "Channel": "PJSIP/trunk-00000001",
        "ChannelState": "6",
        "ChannelStateDesc": "Up",
        "CallerIDNum": "07700900123",
        "CallerIDName": "MOIRA WILSON",
        "ConnectedLineNum": "<unknown>",
        "Exten": "800",
        "Context": "from-trunk",
        "Priority": "3",
        "Uniqueid": "1763978400.1",
        "Linkedid": "1763978400.1",
        "Queue": "housing",
        "Position": "1",
        "Count": "1",
    },
    {
        "Event": "AgentConnect",
        "Privilege": "agent,all",
        "Channel": "PJSIP/trunk-00000001",
        "CallerIDNum": "07700900123",
        "Uniqueid": "1763978400.1",
        "Linkedid": "1763978400.1",
        "DestChannel": "PJSIP/201-00000002",
        "DestCallerIDNum": "201",
        "DestUniqueid": "1763978407.2",
        "Queue": "housing",
        "Interface": "PJSIP/201",
        "MemberName": "Hannah Reid",
        "HoldTime": "7",
        "RingTime": "3",
    },
    {
        "Event": "Hangup",
        "Privilege": "call,all",
        "Channel": "PJSIP/201-00000002",
        "Uniqueid": "1763978407.2",
        "Cause": "16",
        "Cause-txt": "Normal Clearing",
    },
    {
        "Event": "AgentComplete",
        "Privilege": "agent,all",
        "Channel": "PJSIP/trunk-00000001",
        "CallerIDNum": "07700900123",
        "Uniqueid": "1763978400.1",
        "Queue": "housing",
        "Interface": "PJSIP/201",
        "MemberName": "Hannah Reid",
        "HoldTime": "7",
        "TalkTime": "95",
        "Reason": "agent",
    },
    {
        "Event": "Hangup",
        "Privilege": "call,all",
        "Channel": "PJSIP/trunk-00000001",
        "Uniqueid": "1763978400.1",
        "CallerIDNum": "07700900123",
        "Cause": "16",
        "Cause-txt": "Normal Clearing",
    },
]
# After the reconnect: a caller gives up after 40 s; a withheld caller gives up too.
SECOND_SESSION = [
    {"Event": "FullyBooted", "Privilege": "system,all", "Status": "Fully Booted"},
    {"Event": "QueueCallerJoin", "Channel": "PJSIP/trunk-00000003", "CallerIDNum":
     "+44 131 496 0000", "Uniqueid": "1763978500.3", "Queue": "housing", "Position": "1",
     "Count": "1", "Exten": "800"},
    {"Event": "QueueCallerAbandon", "Channel": "PJSIP/trunk-00000003", "CallerIDNum":
     "+44 131 496 0000", "Uniqueid": "1763978500.3", "Queue": "housing", "Position": "1",
     "OriginalPosition": "1", "HoldTime": "40"},
    {"Event": "Hangup", "Channel": "PJSIP/trunk-00000003", "Uniqueid": "1763978500.3",
     "Cause": "16", "Cause-txt": "Normal Clearing"},
    {"Event": "QueueCallerJoin", "Channel": "PJSIP/trunk-00000004", "CallerIDNum":
     "<unknown>", "Uniqueid": "1763978600.4", "Queue": "housing", "Position": "1"},
    {"Event": "Hangup", "Channel": "PJSIP/trunk-00000004", "Uniqueid": "1763978600.4",
     "Cause": "16"},
]  # fmt: skip


def wire(message: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in message.items()) + "\r\n").encode()


class FakeAsterisk:
    """A real TCP server speaking AMI: one recorded session per connection, then it hangs up."""

    def __init__(self, sessions: list[list[dict[str, str]]], secret: str = "s3cret") -> None:
        self.sessions = list(sessions)
        self.secret = secret
        self.logins = 0
        self.port = 0
        self.ready = threading.Event()
        self.done = threading.Event()
        self.loop = asyncio.new_event_loop()

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(BANNER.encode())
        events = self.sessions.pop(0) if self.sessions else []
        last = not self.sessions
        try:
            while True:
                action = await self.read_message(reader)
                if action is None:
                    return
                reply = {"Response": "Success", "ActionID": action.get("ActionID", "")}
                if action.get("Action", "").lower() == "login":
                    if action.get("Secret") != self.secret:
                        reply = {
                            "Response": "Error",
                            "ActionID": reply["ActionID"],
                            "Message": "Authentication failed",
                        }
                        writer.write(wire(reply))
                        await writer.drain()
                        continue
                    self.logins += 1
                    reply["Message"] = "Authentication accepted"
                    writer.write(wire(reply))
                    for event in events:
                        writer.write(wire(event))
                        await writer.drain()
                        await asyncio.sleep(0.05)
                    if not last:
                        return  # drop the connection: the client must reconnect
                    self.done.set()
                    continue
                writer.write(wire(reply))
                await writer.drain()
        finally:
            writer.close()

    @staticmethod
    async def read_message(reader: asyncio.StreamReader) -> dict[str, str] | None:
        message: dict[str, str] = {}
        while True:
            line = await reader.readline()
            if not line:
                return None
            text = line.decode().strip()
            if not text:
                if message:
                    return message
                continue
            key, _, value = text.partition(":")
            message[key.strip()] = value.strip()

    def serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self.session, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        server.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def asterisk() -> Iterator[FakeAsterisk]:
    fake = FakeAsterisk([FIRST_SESSION, SECOND_SESSION])
    thread = threading.Thread(target=fake.serve, daemon=True)
    thread.start()
    assert fake.ready.wait(10)
    yield fake
    fake.stop()
    thread.join(10)


def live_desk(store: Store, bha: Profile) -> Desk:
    with store.write() as session:
        session.add(Staff(name="Hannah Reid", login="hreid", role="handler", extension="201",
                          agent="Hannah Reid"))  # fmt: skip
    return Desk(store, bha, SystemClock())


async def follow_until(
    desk: Desk, port: int, secret: str, until: threading.Event
) -> tuple[int, str]:
    out = io.StringIO()
    stop = asyncio.Event()

    async def watch() -> None:
        for _ in range(600):
            if stop.is_set():
                return
            if until.is_set():
                await asyncio.sleep(0.5)  # let the last events be written
                break
            await asyncio.sleep(0.05)
        stop.set()

    watcher = asyncio.ensure_future(watch())
    status = await run(desk, "127.0.0.1", port, "frontdesk", secret, out=out, stop=stop,
                       reconnect_seconds=1)  # fmt: skip
    await watcher
    return status, out.getvalue()


def test_replayed_ami_session(store: Store, bha: Profile, asterisk: FakeAsterisk) -> None:
    desk = live_desk(store, bha)
    status, said = asyncio.run(follow_until(desk, asterisk.port, "s3cret", asterisk.done))
    assert status == 0
    assert said.count("connected to Asterisk at") == 2
    assert "lost the connection to Asterisk" in said and "reconnecting every 1 s" in said
    assert asterisk.logins == 2
    with store.read() as session:
        calls = {c.call_id: c for c in session.exec(select(PhoneCall))}
        contacts = {c.external_id: c for c in session.exec(select(Contact))}
        tasks = session.exec(select(Task)).all()
        hannah = session.exec(select(Staff)).one()
    assert set(calls) == {"1763978400.1", "1763978500.3", "1763978600.4"}  # agent legs ignored
    answered = contacts["asterisk:1763978400.1"]
    assert answered.answer_seconds == 7 and answered.answer_source == "phone"
    assert answered.staff_id == hannah.id and answered.ended_at is not None
    assert calls["1763978400.1"].state == "ended"
    assert calls["1763978500.3"].state == "abandoned" and calls["1763978500.3"].cause == "cancel"
    assert calls["1763978600.4"].number == "anonymous"
    assert [t.title for t in tasks] == ["Missed call from 01314960000"]  # none for withheld

    # the CDR imported afterwards does not count the calls twice
    cdr = ",".join(['""', '"07700900123"', '"800"', '"from-trunk"', '""', '"PJSIP/trunk-1"',
                    '"PJSIP/201-2"', '"Queue"', '"housing"', '"2025-11-24 10:00:00"',
                    '"2025-11-24 10:00:01"', '"2025-11-24 10:02:00"', "120", "119",
                    '"ANSWERED"', '"DOCUMENTATION"', '"1763978400.1"', '""'])  # fmt: skip
    result = import_calls(store, cdr + "\n", now=desk.now())
    assert (result.imported, result.duplicates) == (0, 1)


def test_refused_login_stops_with_a_reason(
    store: Store, bha: Profile, asterisk: FakeAsterisk
) -> None:
    desk = live_desk(store, bha)
    never = threading.Event()
    status, said = asyncio.run(follow_until(desk, asterisk.port, "wrong", never))
    assert status == 2
    assert "refused the login for frontdesk: Authentication failed; check the secret" in said


def test_unreachable_asterisk_is_said_and_retried(store: Store, bha: Profile) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    desk = live_desk(store, bha)
    gone = threading.Event()
    threading.Timer(2.5, gone.set).start()
    status, said = asyncio.run(follow_until(desk, port, "s3cret", gone))
    assert status == 0
    assert said.count(f"cannot reach Asterisk at 127.0.0.1:{port}") >= 1


def test_ami_messages_map_to_cti_events() -> None:
    join = to_event(FIRST_SESSION[1])
    assert join is not None and (join.event, join.from_number) == ("newCall", "07700900123")
    connect = to_event(FIRST_SESSION[2])
    assert connect is not None and connect.wait_seconds == 7
    assert connect.users == ("Hannah Reid", "PJSIP/201")
    assert to_event(FIRST_SESSION[0]) is None
    busy = to_event({"Event": "Hangup", "Uniqueid": "9.9", "Cause": "17"})
    assert busy is not None and busy.cause == "busy"
    weird = to_event({"Event": "QueueCallerJoin", "Uniqueid": "9.8", "CallerIDNum": "SIP-UA"})
    assert weird is not None and weird.from_number == "anonymous"


def test_cli_refuses_an_empty_secret_file(tmp_path: Path) -> None:
    from console.cli.main import main

    (tmp_path / "secret").write_text("")
    assert main(["--db", str(tmp_path / "f.db"), "phone", "asterisk", "--host", "127.0.0.1",
                 "--user", "fd", "--secret-file", str(tmp_path / "secret")]) == 2  # fmt: skip
