"""A real SIP call flow: Kamailio posts CTI events to `frontdesk phone listen`; SIPp calls.

Kamailio (tests/slow/sip/kamailio.cfg) runs on loopback as the switchboard: each
INVITE rings the agent phone named in its request URI and each step is posted to
the listener with Kamailio's http_client module, as a Zammad CTI bridge does.
Agents are SIPp UAS processes that ring for a scripted time and answer (or get a
CANCEL); callers are SIPp UAC processes. Five calls run at once: answered after
4 s, 12 s and 30 s, cancelled by the caller after 3 s and 40 s.

Checked: the stored answer times are the scripted ring times within 0.3 s; the
cancelled calls are abandoned and open the profile's missed call promise; each
answering handler's desk pops the right customer. FRONTDESK_SIP_SCALE=0.25 runs
the same flow four times faster. Skips, saying why, where Kamailio, its
http_client module or SIPp is missing (.ci/run installs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from console.desk.context import Actor, Desk
from console.desk.customers import search_text
from console.desk.phone import screen_pop
from console.rules.clock import SystemClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Customer, PhoneCall, Staff, Task

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent / "sip"
TOKEN = "sip-test-token-1234"
SCALE = float(os.environ.get("FRONTDESK_SIP_SCALE", "1") or 1)
TOLERANCE = 0.3  # seconds, between the scripted ring and the stored answer time


@dataclass(frozen=True)
class Call:
    name: str
    caller: str  # the caller's number; one customer has it
    ring: float  # seconds the agent's phone rings before it answers
    cancel: float | None = None  # seconds after which the caller gives up


CALLS = (
    Call("Aileen Answered-Four", "01315550104", 4.0),
    Call("Bruce Answered-Twelve", "01315550112", 12.0),
    Call("Catriona Answered-Thirty", "01315550130", 30.0),
    Call("Donald Cancels-Three", "01315550203", 60.0, cancel=3.0),
    Call("Euan Cancels-Forty", "01315550240", 60.0, cancel=40.0),
)


def _missing() -> str:
    if shutil.which("kamailio") is None:
        return "Kamailio is not installed (apt-get install kamailio; .ci/run does)"
    if not glob.glob("/usr/lib/*/kamailio/modules/http_client.so"):
        return "Kamailio's http_client module is missing (apt-get install kamailio-utils-modules)"
    if shutil.which("sipp") is None:
        return "SIPp is not installed (apt-get install sip-tester; .ci/run does)"
    return ""


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(args: list[str], log: Path, **kwargs: object) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,  # type: ignore[call-overload]
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the group this test started: Kamailio's workers
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got = log.read_text(errors="replace")
        if text in got:
            return got
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"{log.name}: never said {text!r}:\n{log.read_text(errors='replace')}")


@pytest.fixture
def switchboard(tmp_path: Path) -> Iterator[tuple[str, int, Path, list[subprocess.Popen[bytes]]]]:
    """The database, Kamailio's port, the folder for logs, and the processes started."""
    why = _missing()
    if why:
        pytest.skip(why)
    db = str(tmp_path / "f.db")
    store = open_store(db)
    with store.write() as session:
        for call in CALLS:
            c = Customer(reference=call.caller[-3:], name=call.name, phone=call.caller)
            c.search_text = search_text(c)
            session.add(c)
    store.close()
    started: list[subprocess.Popen[bytes]] = []
    (tmp_path / "token").write_text(TOKEN)
    listener_log = tmp_path / "listener.log"
    listener = spawn(
        [sys.executable, "-m", "console", "phone", "listen", "--db", db,
         "--token-file", str(tmp_path / "token"), "--port", "0"],
        listener_log, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    started.append(listener)
    said = wait_for(listener_log, "listening on", listener)
    http_port = int(said.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
    sip_port = free_port()
    modules = os.path.dirname(glob.glob("/usr/lib/*/kamailio/modules/http_client.so")[0]) + "/"
    config = (HERE / "kamailio.cfg").read_text()
    config = (
        config.replace("__PORT__", str(sip_port))
        .replace("__MODULES__", modules)
        .replace("__CTI__", f"http://127.0.0.1:{http_port}/api/v1/cti/{TOKEN}")
    )
    (tmp_path / "kamailio.cfg").write_text(config)
    (tmp_path / "run").mkdir()
    kamailio_log = tmp_path / "kamailio.log"
    kamailio = spawn(
        ["kamailio", "-f", str(tmp_path / "kamailio.cfg"), "-DD", "-E", "-Y",
         str(tmp_path / "run"), "-m", "64", "-M", "8"],
        kamailio_log,
    )  # fmt: skip
    started.append(kamailio)
    wait_for(kamailio_log, "SO_RCVBUF is finally", kamailio, 30)
    time.sleep(0.5)
    try:
        yield db, sip_port, tmp_path, started
    finally:
        for process in reversed(started):
            stop(process)


def sipp(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return spawn(["sipp", *args, "-i", "127.0.0.1", "-m", "1", "-nostdin", "-trace_err",
                  "-error_file", str(log.with_suffix(".err"))], log)  # fmt: skip


def test_calls_over_sip(switchboard: tuple[str, int, Path, list[subprocess.Popen[bytes]]]) -> None:
    db, sip_port, folder, started = switchboard
    agents: dict[str, int] = {}
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    for i, call in enumerate(CALLS):
        port = free_port()
        agents[call.caller] = port
        ring_ms = int(call.ring * SCALE * 1000)
        scenario = folder / f"agent{i}.xml"
        scenario.write_text((HERE / "agent.xml").read_text().replace("__RING__", str(ring_ms)))
        agent = sipp(["-sf", str(scenario), "-p", str(port)], folder / f"agent{i}.log")
        started.append(agent)
        processes.append((f"agent of {call.name}", agent))
    store = open_store(db)
    with store.write() as session:
        for i, call in enumerate(CALLS):
            session.add(Staff(name=f"Agent {i}", login=f"agent{i}", role="handler",
                              extension=str(agents[call.caller])))  # fmt: skip
    time.sleep(1.0)  # the agents' phones are up
    for i, call in enumerate(CALLS):
        if call.cancel is None:
            scenario = HERE / "caller_answered.xml"
        else:
            scenario = folder / f"caller{i}.xml"
            wait_ms = str(int(call.cancel * SCALE * 1000))
            scenario.write_text(
                (HERE / "caller_cancels.xml").read_text().replace("__WAIT__", wait_ms)
            )
        caller = sipp(
            ["-sf", str(scenario), f"127.0.0.1:{sip_port}", "-s", str(agents[call.caller]),
             "-key", "caller", call.caller, "-p", str(free_port())],
            folder / f"caller{i}.log",
        )  # fmt: skip
        started.append(caller)
        processes.append((f"caller {call.name}", caller))
    limit = time.monotonic() + 60 * SCALE + 60
    for name, process in processes:
        try:
            status = process.wait(timeout=max(1.0, limit - time.monotonic()))
        except subprocess.TimeoutExpired:
            status = -1
        log = folder / f"{'agent' if name.startswith('agent') else 'caller'}"
        assert status == 0, f"SIPp {name} failed ({status}); see {log}*.log and .err"
    time.sleep(1.0)  # the last hangups reach the listener

    bha = load_profile("bha")
    with store.read() as session:
        calls = {c.number: c for c in session.exec(select(PhoneCall))}
        contacts = {c.id: c for c in session.exec(select(Contact))}
        tasks = {t.id: t for t in session.exec(select(Task))}
        staff = {s.extension: s for s in session.exec(select(Staff))}
    assert set(calls) == {call.caller for call in CALLS}
    for call in CALLS:
        row = calls[call.caller]
        assert row.offered_at is not None
        if call.cancel is None:
            assert row.state == "ended", f"{call.name}: {row.state} ({row.cause})"
            contact = contacts[row.contact_id or 0]
            assert contact.answer_source == "phone"
            scripted = call.ring * SCALE
            assert contact.answer_seconds is not None
            assert abs(contact.answer_seconds - scripted) <= TOLERANCE, (
                f"{call.name}: stored {contact.answer_seconds:.3f} s, scripted {scripted:.3f} s"
            )
            handler = staff[str(agents[call.caller])]
            assert contact.staff_id == handler.id
            assert handler.id is not None
            desk = Desk(store, bha, SystemClock(), Actor(handler.id, handler.name, handler.login,
                                                         "handler"))  # fmt: skip
            pop = screen_pop(desk)
            assert pop is not None and [c.name for c in pop.callers] == [call.name]
            assert pop.answer_seconds == contact.answer_seconds
        else:
            assert (row.state, row.cause) == ("abandoned", "cancel"), call.name
            assert row.ended_at is not None
            waited = (row.ended_at - row.offered_at).total_seconds()
            assert abs(waited - call.cancel * SCALE) <= 1.0, f"{call.name}: waited {waited:.2f} s"
            task = tasks[row.missed_task_id or 0]
            assert (task.status, task.slug) == ("open", "callback-routine")
            assert task.title == f"Missed call from {call.caller} ({call.name})"
    store.close()
