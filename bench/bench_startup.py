"""Time to the first frame of `frontdesk run` on a real terminal (a pseudo-terminal).

Starts the console under a pty (120x40, TERM=xterm-256color), reads what it draws,
and notes when the first screen appears (the loading screen's "Opening the front
desk" or the header's "Front Desk") and when the desk is usable (the sign-in
screen: the store, the profile and the engine loaded in a worker). Compared with
the same start after importing sqlmodel and holidays first, as a naive app that
imports everything at the top would. DESIGN.md's budget: first frame < 250 ms.

Run from the repository root: ``python bench/bench_startup.py [--runs N]``.
Prints figures; no timed asserts. Every process it starts is ended by its own id.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = (b"Opening the front desk", b"Front Desk")
READY = (b"Who is at the desk", b"Welcome to Front Desk", b"Sign in")
TIMEOUT = 20.0


def _run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    """(ms to the first frame, ms to the sign-in screen or None) for one start."""
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the console
        try:
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen = b""
    first: float | None = None
    ready: float | None = None
    try:
        while time.perf_counter() - started < TIMEOUT:
            readable, _, _ = select.select([fd], [], [], 0.05)
            if not readable:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
            now = (time.perf_counter() - started) * 1000
            if first is None and any(marker in seen for marker in FIRST):
                first = now
            if ready is None and any(marker in seen for marker in READY):
                ready = now
                break
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    if first is None:
        tail = seen[-400:].decode("utf-8", "replace")
        raise RuntimeError(f"no first frame within {TIMEOUT:.0f} s; last output: {tail!r}")
    return first, ready


def measure(label: str, argv: list[str], env: dict[str, str], runs: int) -> None:
    _run_once(argv, env)  # warm the OS file cache (a desk starts the console every day)
    firsts, readies = [], []
    for _ in range(runs):
        first, ready = _run_once(argv, env)
        firsts.append(first)
        if ready is not None:
            readies.append(ready)
    ready_text = f"{statistics.median(readies):7.0f} ms" if readies else "    n/a"
    print(
        f"  {label:<46} first frame {statistics.median(firsts):6.0f} ms "
        f"(min {min(firsts):4.0f}, max {max(firsts):4.0f})   sign-in ready {ready_text}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="starts per variant (median shown)")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "startup.db")
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "COLUMNS": "120",
            "LINES": "40",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("TEXTUAL", None)
        # Create and migrate the database once: a desk opens an existing one.
        from console.store.engine import open_store

        open_store(db).close()
        cli = [python, "-m", "console", "--db", db, "run"]
        naive = [
            python,
            "-c",
            "import sqlmodel, holidays, sqlalchemy, alembic\n"
            "import sys\nfrom console.cli.main import main\n"
            f"sys.exit(main(['--db', {db!r}, 'run']))",
        ]
        bare = [
            python,
            "-c",
            "from textual.app import App\nfrom textual.widgets import Header, Static\n"
            "class A(App):\n    TITLE = 'Front Desk'\n"
            "    def compose(self):\n        yield Header()\n        yield Static('Sign in')\n"
            "A().run()",
        ]
        print(f"frontdesk run on a 120x40 pseudo-terminal, median of {args.runs} starts:")
        measure("floor: a bare Textual app with a header", bare, env, args.runs)
        measure("as shipped (Textual first, store in a worker)", cli, env, args.runs)
        measure("importing sqlmodel + holidays at the top", naive, env, args.runs)


if __name__ == "__main__":
    main()
