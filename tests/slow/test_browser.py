"""`frontdesk serve` in a real browser: Debian's headless Chromium driven by Playwright.

The server runs as a subprocess on a free loopback port against a temporary
database holding one admin (with a PIN) and one open task. Two checks:

- the wall (`serve --wall`, no sign-in) lists that task, initials only;
- a seat (`serve`) shows the sign-in page, signs in by typing the PIN like a
  person would, and shows the console with the task on the queue desk.

How the page is read: textual-serve draws the terminal with xterm.js (WebGL or
canvas, so the DOM holds no text). Its page script keeps the xterm `Terminal`
in a closure, but its constructor assigns `this.fitAddon = ...` on the object
that also holds `this.terminal`; an init script puts a one-shot setter for
`fitAddon` on Object.prototype that stores that object on `window`, and the test
reads the terminal's own buffer (`terminal.buffer.active.getLine(i)
.translateToString()`): exactly the characters xterm.js has drawn.

Screenshots go to tests/artifacts/ (git-ignored). Skips, saying why, when
/usr/bin/chromium is missing (.ci/run installs it with apt).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from console.cli.main import main
from console.cli.serve import child_command, is_loopback, public_url
from console.rules.clock import SystemClock
from console.rules.pins import hash_pin
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Customer, Staff

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PIN = "2468"
ADMIN = "Morag Lennox"
CUSTOMER = "Fiona Dalgleish"

# Runs before the page's own script: catch textual-serve's terminal wrapper, and
# offer a function that returns the terminal's text, one line per row.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (this.terminal && !window.__frontdeskSeat) window.__frontdeskSeat = this;
  },
});
window.__frontdeskScreen = () => {
  const seat = window.__frontdeskSeat;
  if (!seat || !seat.terminal) return "";
  const buffer = seat.terminal.buffer.active;
  const lines = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
};
"""


# --------------------------------------------------------------------------- no browser


def test_loopback_addresses() -> None:
    for host in ("127.0.0.1", "127.9.9.9", "localhost", "::1", "[::1]"):
        assert is_loopback(host), host
    for host in ("0.0.0.0", "::", "192.168.1.20", "frontdesk.example.org", ""):
        assert not is_loopback(host), host


def test_each_tab_runs_the_console_on_the_same_database(tmp_path: Path) -> None:
    import argparse

    args = argparse.Namespace(
        db=str(tmp_path / "desk.db"), policy="weslo", wall=False, desk="queue"
    )
    command, env = child_command(args)
    assert command.startswith(sys.executable)
    assert f"--db {tmp_path / 'desk.db'}" in command
    assert command.endswith("--policy weslo run --desk queue")
    assert env == {}
    args.wall = True
    assert child_command(args)[0].endswith("--policy weslo wall")
    # A server URL (with its password) goes through the environment, not the process list.
    args.db = "postgresql+psycopg://desk:secret@db.example.org/frontdesk"
    command, env = child_command(args)
    assert "secret" not in command
    assert env == {"FRONTDESK_DB": args.db}


def test_public_url() -> None:
    assert public_url("127.0.0.1", 8000, None) == "http://127.0.0.1:8000"
    assert public_url("::1", 8000, None) == "http://[::1]:8000"
    assert public_url("0.0.0.0", 8000, "https://desk.example.org/") == "https://desk.example.org"
    assert not public_url("0.0.0.0", 8000, None).startswith("http://0.0.0.0")


def test_serve_refuses_a_taken_port_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["--db", str(tmp_path / "x.db"), "serve", "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith(f"frontdesk serve: cannot listen on 127.0.0.1:{port}")
    assert "choose another --port" in err
    assert "Traceback" not in err


def test_serve_warns_when_not_on_loopback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A taken port on all addresses stops it right after the warning: nothing is served.
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = ["--db", str(tmp_path / "x.db"), "serve", "--host", "0.0.0.0", "--port", str(port)]
        status = main(argv)
    err = capsys.readouterr().err
    assert "Warning: listening on 0.0.0.0: anyone who can reach this machine" in err
    assert "sign-in page" in err
    assert status == 2


def test_wall_rejects_silly_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(tmp_path / "x.db"), "wall", "--rows", "0"]) == 2
    err = capsys.readouterr().err
    assert "--rows 0" in err and "Traceback" not in err


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def served_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One admin who can sign in, one customer, one open urgent call back (overdue)."""
    from console.desk.context import Actor, Desk
    from console.desk.tasks import open_task

    db = tmp_path_factory.mktemp("browser") / "frontdesk.db"
    store = open_store(db)
    with store.write() as session:
        admin = Staff(name=ADMIN, login="mlennox", role="admin", pin_hash=hash_pin(PIN))
        customer = Customer(reference="BHA-0042", name=CUSTOMER, address="3 Castle Terrace")
        session.add_all([admin, customer])
        session.flush()
        assert admin.id is not None
        actor = Actor(admin.id, admin.name, admin.login, admin.role)
        desk = Desk(store, load_profile("bha"), SystemClock(), actor)
        open_task(
            desk,
            session,
            "callback-urgent",
            received_at=desk.now() - timedelta(days=6),
            customer_id=customer.id,
            assignee_id=admin.id,
        )
    store.close()
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A `frontdesk serve` subprocess on a free loopback port (in its own process group)."""

    def __init__(self, db: Path, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = ARTIFACTS / f"serve-{self.port}.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [
                    *(sys.executable, "-m", "console", "--db", str(db), "--policy", "bha"),
                    *("serve", "--host", "127.0.0.1", "--port", str(self.port), *extra),
                ],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_listening(self, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"frontdesk serve exited {self.proc.returncode}:\n{self.log.read_text()}"
                )
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"frontdesk serve did not listen in {timeout_s:g} s:\n"
                        + self.log.read_text()
                    )
                time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM to the server and the consoles it started (nothing else)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)

    def wait(self) -> None:
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Debian's headless Chromium is not installed at {CHROMIUM}: "
            "install it with `apt-get install chromium` (.ci/run does)"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def servers(browser: Any, served_db: Path) -> Iterator[dict[str, str]]:
    """The wall and the console served side by side on the same database (started together)."""
    started = {"wall": Served(served_db, "--wall"), "seat": Served(served_db, "--desk", "queue")}
    try:
        for server in started.values():
            server.wait_listening()
        yield {name: server.url for name, server in started.items()}
    finally:
        for server in started.values():
            server.stop()
        for server in started.values():
            server.wait()


@contextmanager
def opened(browser: Any, url: str, name: str) -> Iterator[Any]:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.add_init_script(CATCH_TERMINAL)
    page.goto(url)
    try:
        yield page
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / f"{name}-failed.png"))
        raise
    finally:
        page.close()


def screen(page: Any) -> str:
    return str(page.evaluate("window.__frontdeskScreen()"))


def wait_for(page: Any, *needles: str, timeout_s: float = 20) -> str:
    """Until the terminal shows every needle; on a timeout, fail showing what it does show."""
    try:
        page.wait_for_function(
            "(needles) => { const s = window.__frontdeskScreen(); "
            "return needles.every((n) => s.includes(n)); }",
            arg=list(needles),
            timeout=timeout_s * 1000,
        )
    except Exception as exc:
        caught = page.evaluate("Boolean(window.__frontdeskSeat)")
        pytest.fail(
            f"the page never showed {needles!r} ({type(exc).__name__}); "
            f"terminal caught: {caught}; it shows:\n{screen(page)}"
        )
    return screen(page)


def wait_for_dots(page: Any, count: int, timeout_s: float = 10) -> None:
    """Until the PIN field shows `count` dots (the terminal shows a password that way)."""
    try:
        page.wait_for_function(
            "(n) => (window.__frontdeskScreen().match(/•/g) || []).length === n",
            arg=count,
            timeout=timeout_s * 1000,
        )
    except Exception as exc:
        pytest.fail(
            f"the PIN field never showed {count} dots ({type(exc).__name__}):\n{screen(page)}"
        )


@pytest.mark.browser
def test_wall_in_the_browser_lists_the_task(browser: Any, servers: dict[str, str]) -> None:
    with opened(browser, servers["wall"], "browser-wall") as page:
        shown = wait_for(page, "Urgent call back", "Open tasks")
        page.screenshot(path=str(ARTIFACTS / "browser-wall.png"))
    row = next(line for line in shown.splitlines() if "Urgent call back" in line)
    assert "overdue" in row
    assert " FD " in row and " ML" in row  # customer and assignee, initials only
    assert "Berwickshire Housing Association" in shown
    for name in ("Fiona", "Dalgleish", "Morag", "Lennox", "Castle"):
        assert name not in shown


@pytest.mark.browser
def test_seat_in_the_browser_signs_in_and_shows_the_queue(
    browser: Any, servers: dict[str, str]
) -> None:
    with opened(browser, servers["seat"], "browser-seat") as page:
        wait_for(page, "Who is at the desk?", ADMIN)
        page.screenshot(path=str(ARTIFACTS / "browser-sign-in.png"))
        page.focus("textarea.xterm-helper-textarea")
        # A digit on the list of names jumps to the PIN field with it; the rest go once
        # the field shows that first digit (as a dot), then Enter signs in.
        page.keyboard.type(PIN[0])
        wait_for_dots(page, 1)
        page.keyboard.type(PIN[1:])
        wait_for_dots(page, len(PIN))
        page.keyboard.press("Enter")
        shown = wait_for(page, f"Berwickshire Housing Association · {ADMIN}", CUSTOMER)
        page.screenshot(path=str(ARTIFACTS / "browser-seat.png"))
    assert "Who is at the desk?" not in shown
    row = next(line for line in shown.splitlines() if CUSTOMER in line)
    assert "overdue" in row


# --------------------------------------------------------------------------- origins (issue 14)


def test_origin_rules() -> None:
    from screens.web import allowed_origins, origin_of, seat_address

    assert origin_of("HTTPS://Desk.Example.org:443/path") == "https://desk.example.org"
    assert origin_of("http://10.0.0.5:8000") == "http://10.0.0.5:8000"
    loop = allowed_origins("http://127.0.0.1:8000", "127.0.0.1", 8000)
    assert "http://localhost:8000" in loop and "http://attacker.example" not in loop
    behind = allowed_origins("https://desk.example.org", "127.0.0.1", 8000)
    assert "https://desk.example.org" in behind
    lan = allowed_origins("http://frontdesk.lan:8000", "0.0.0.0", 8000)
    assert lan == {"http://frontdesk.lan:8000"}
    assert seat_address("127.0.0.1", "198.51.100.7") == "web 198.51.100.7"  # a local proxy
    assert seat_address("203.0.113.9", "127.0.0.1") == "web 203.0.113.9"  # not believed


def test_a_page_from_another_site_cannot_open_a_seat(served_db: Path) -> None:
    """Before: `Origin: http://attacker.example` reached the sign-in page with every name."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    import aiohttp

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    served = Served(served_db, "--desk", "queue")
    try:
        served.wait_listening()

        async def attempt(origin: str | None) -> int | str:
            headers = {"Origin": origin} if origin else {}
            async with aiohttp.ClientSession() as session:
                try:
                    async with session.ws_connect(
                        f"ws://127.0.0.1:{served.port}/ws?width=80&height=24", headers=headers
                    ) as ws:
                        await ws.close()
                        return "open"
                except aiohttp.WSServerHandshakeError as exc:
                    return exc.status

        def tried(origin: str | None) -> int | str:
            # In a thread of its own: the browser tests' Playwright keeps a loop running here.
            with ThreadPoolExecutor(max_workers=1) as pool:
                return pool.submit(asyncio.run, attempt(origin)).result(timeout=60)

        assert tried("http://attacker.example") == 403
        assert tried(f"http://127.0.0.1.attacker.example:{served.port}") == 403
        assert tried(f"http://127.0.0.1:{served.port}") == "open"
        assert tried(f"http://localhost:{served.port}") == "open"
    finally:
        served.stop()
        served.wait()
