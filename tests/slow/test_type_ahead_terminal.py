"""Type-ahead in a real terminal: the console in tmux, a burst of keys, every CPU kept busy.

The Pilot tests (tests/ui/test_type_ahead.py) post keys inside the app; this one goes
through a terminal, Textual's driver and its input thread, as a handler's keyboard does.
tmux sends a voicemail, ctrl+t back to a call, and the call in one go (no pauses),
while one busy loop per core slows everything down. The saved records must be exactly
what was typed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from console.desk import customers
from console.desk.context import Desk
from console.rules.clock import LONDON, SystemClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Task
from tests.conftest import first_admin

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run)"),
]

FRONTDESK = Path(sys.executable).with_name("frontdesk")
PIN = "2580"  # Hamish Bell's, from first_admin


def busy_cpus() -> list[subprocess.Popen[bytes]]:
    loop = "while True: pass"
    return [
        subprocess.Popen([sys.executable, "-c", loop]) for _ in range(max(2, os.cpu_count() or 2))
    ]


class Tmux:
    def __init__(self, tmp: Path) -> None:
        self.socket = f"frontdesk-test-{os.getpid()}"
        self.session = "desk"
        self.tmp = tmp

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30
        )
        return done.stdout

    def start(self, command: list[str]) -> None:
        env = f"TERM=xterm-256color HOME={self.tmp} "
        self.run(
            "new-session", "-d", "-s", self.session, "-x", "120", "-y", "40",
            env + " ".join(command),
        )  # fmt: skip

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session)

    def wait_for(self, text: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if text in self.screen():
                return
            time.sleep(0.2)
        raise AssertionError(f"'{text}' never showed; the screen:\n{self.screen()}")

    def burst(self, *keys: str) -> None:
        """Every key in one tmux command: no pause between them. 'text' or a tmux key name."""
        args: list[str] = []
        for key in keys:
            if args:
                args.append(";")
            if key in ("Enter", "Tab") or key.startswith("C-"):
                args += ["send-keys", "-t", self.session, key]
            else:
                args += ["send-keys", "-t", self.session, "-l", key]
        self.run(*args)

    def stop(self) -> None:
        self.run("kill-server")


def left_at(hour: int, minute: int) -> datetime:
    """What "18:30" means for a voicemail now: today, or yesterday if 18:30 is still to come."""
    now = datetime.now(LONDON)
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at <= now else at - timedelta(days=1)


def test_a_burst_in_a_real_terminal_on_a_busy_machine(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    store = open_store(db)
    clock = SystemClock()
    _ada, admin_desk = first_admin(store, clock)  # type: ignore[arg-type]
    mary = customers.create(
        Desk(store, load_profile("bha"), clock, admin_desk.actor),
        "Mary Smith",
        phone="01890 123456",
        address="1 High St, Duns",
    )
    store.close()
    tmux = Tmux(tmp_path)
    hogs = busy_cpus()
    try:
        tmux.start([str(FRONTDESK), "--db", str(db), "--policy", "bha", "run", "--lock-after", "0"])
        tmux.wait_for("Who is at the desk?")
        tmux.wait_for("Hamish Bell")
        tmux.burst("h", "Enter", PIN, "Enter")
        tmux.wait_for("New call")
        tmux.burst(
            "C-t", "18:30", "Enter", "01890 123456", "Enter", "a",
            "Neighbour noise not urgent", "Enter", "2", "C-s",
            "C-t", "14", "Enter", "smith", "Enter", "r", "Asked about arrears", "Enter", "1",
            "C-s",
        )  # fmt: skip
        deadline = time.monotonic() + 120
        rows: list[Contact] = []
        while time.monotonic() < deadline:
            check = open_store(db)
            try:
                with check.read() as session:
                    rows = list(session.exec(select(Contact).order_by(col(Contact.id))))
                    tasks = list(session.exec(select(Task).order_by(col(Task.id))))
            finally:
                check.close()
            if len(rows) >= 2:
                break
            time.sleep(0.5)
        screen = tmux.screen()
        tmux.burst("C-q")
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()
        tmux.stop()
    assert len(rows) == 2, f"saved {len(rows)} of 2 records; the screen:\n{screen}"
    voicemail, call = rows
    assert (voicemail.channel, voicemail.customer_id, voicemail.category) == (
        "voicemail",
        mary.id,
        "anti-social-behaviour",
    )
    assert voicemail.notes == "Neighbour noise not urgent"
    assert voicemail.received_at == left_at(18, 30)
    assert (call.channel, call.customer_id, call.category, call.outcome) == (
        "call",
        mary.id,
        "rent",
        "resolved",
    )
    assert (call.notes, call.answer_seconds) == ("Asked about arrears", 14.0)
    assert [t.slug for t in tasks] == ["callback-urgent"]
    assert tasks[0].contact_id == voicemail.id
