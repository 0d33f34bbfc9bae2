"""The wheel: built, installed into a fresh virtual environment, run from another folder.

What a housing association does with `pip install frontdesk`. It fails when
anything the console needs at run time (a package, a policy profile, a
migration, a stylesheet) is not in the wheel. One build and one environment
serve the whole session: installing the dependencies takes a while.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 1200  # seconds: the dependencies come from the package registry or its cache


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    home: Path  # an empty folder outside the repository: HOME and the working folder

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("FRONTDESK_", "PYTHON", "VIRTUAL_ENV"))
        }
        env.update(HOME=str(self.home), XDG_DATA_HOME=str(self.home / "data"), TERM="xterm")
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            argv,
            cwd=self.home,
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def frontdesk(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = self.run(str(self.bin / "frontdesk"), *args)
        assert "Traceback" not in done.stderr, done.stderr
        return done


def _build_leftovers() -> set[str]:
    """What a build could leave in the tree: build/, dist/, *.egg-info, files beside the code.

    Only these: other tests running at the same time (pytest-xdist) write caches and
    artifacts of their own elsewhere in the tree.
    """
    out = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    paths = {line[3:] for line in out.splitlines() if line[:2] in ("??", "!!")}
    return {
        p
        for p in paths
        if "__pycache__" not in p
        and (p.startswith(("build/", "dist/", "console/", "screens/", "data/")) or ".egg-info" in p)
    }


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    """One wheel and one environment for the whole run, shared by pytest-xdist workers."""
    import fcntl

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's folder, above every worker's own
    base = shared / "wheel"
    base.mkdir(exist_ok=True)
    with open(shared / "wheel.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker builds; the others wait, then reuse
        if not (base / "ready").exists():
            _build_and_install(base)
            (base / "ready").write_text("ok\n")
    (wheel,) = (base / "dist").glob("frontdesk-*.whl")
    home = base / f"elsewhere-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    home.mkdir(exist_ok=True)
    yield Installed(wheel, base / "venv", home)


def _build_and_install(base: Path) -> None:
    dist = base / "dist"
    before = _build_leftovers() if (ROOT / ".git").exists() else None
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert build.returncode == 0, build.stderr
    if before is not None:
        left = sorted(_build_leftovers() - before)
        assert left == [], f"building the wheel left files in the tree: {left}"
    (wheel,) = dist.glob("frontdesk-*.whl")
    venv = base / "venv"
    made = subprocess.run(
        [sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300
    )
    if made.returncode != 0:
        pytest.skip(f"cannot make a virtual environment here (python3-venv?): {made.stderr[-300:]}")
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert install.returncode == 0, install.stderr[-3000:]


def _source_files() -> set[str]:
    """What must ship: every module, stylesheet and migration file of console/ and screens/."""
    wanted: set[str] = set()
    for top in ("console", "screens"):
        for path in (ROOT / top).rglob("*"):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            if path.suffix in (".py", ".tcss", ".mako", ".ini", ".toml", ".html"):
                wanted.add(path.relative_to(ROOT).as_posix())
    for profile in (ROOT / "data" / "policies").glob("*.toml"):
        wanted.add(f"console/policies/{profile.name}")
    return wanted


def test_the_wheel_holds_every_module_profile_migration_and_stylesheet(
    installed: Installed,
) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    missing = sorted(_source_files() - names)
    assert missing == []
    assert "console/policies/bha.toml" in names and "console/policies/weslo.toml" in names
    assert any(n.startswith("console/store/migrations/versions/0001") for n in names)
    assert not any(n.startswith(("tests/", "bench/", "data/")) for n in names)


def test_it_runs_from_the_installed_package_not_the_source_tree(installed: Installed) -> None:
    done = installed.run(
        str(installed.bin / "python"),
        "-c",
        "import console, screens; print(console.__file__); print(screens.__file__)",
    )
    assert done.returncode == 0, done.stderr
    for line in done.stdout.splitlines():
        assert Path(line).is_relative_to(installed.venv), line


def test_help_lists_every_command(installed: Installed) -> None:
    done = installed.frontdesk("--help")
    assert done.returncode == 0, done.stderr
    from console.cli.main import COMMANDS

    for name, _module, _help in COMMANDS:
        assert name in done.stdout
    assert "not available in this build" not in installed.frontdesk("staff", "--help").stderr


def test_standards_and_due_read_the_shipped_profiles(installed: Installed) -> None:
    done = installed.frontdesk("standards", "--policy", "weslo")
    assert done.returncode == 0, done.stderr
    assert "Weslo" in done.stdout and "statutory-response" in done.stdout
    due = installed.frontdesk("due", "callback-routine", "2025-11-24T10:00")
    assert due.returncode == 0, due.stderr
    assert due.stdout.strip().startswith("2025-11-2")
    piped = installed.run(
        str(installed.bin / "frontdesk"),
        "due",
        "--stdin",
        "--policy",
        "weslo",
        stdin="callback\t2025-11-24T10:00\n",
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.count("\n") == 1 and piped.stdout.startswith("2025-")


def test_demo_then_the_queue_as_json(installed: Installed) -> None:
    db = installed.home / "demo.db"
    made = installed.frontdesk("--db", str(db), "demo", "--days", "3", "--until", "2025-11-21")
    assert made.returncode == 0, made.stderr
    assert "Demo data for" in made.stdout
    queue = installed.frontdesk("queue", "--json", "--at", "2025-11-21 12:00", "--db", str(db))
    assert queue.returncode == 0, queue.stderr
    rows = json.loads(queue.stdout)
    assert rows and {"id", "due", "kind", "title"} <= set(rows[0])
    # No --db: the default database in the (fresh) data folder is created and migrated.
    plain = installed.frontdesk("queue", "--json")
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout) == []
    assert list((installed.home / "data").rglob("frontdesk.db"))


def test_the_console_starts_headless_and_opens_every_desk(installed: Installed) -> None:
    db = installed.home / "console.db"
    assert installed.frontdesk("--db", str(db), "demo", "--days", "2").returncode == 0
    script = textwrap.dedent(
        f"""
        import asyncio
        from console.desk.context import Actor
        from console.desk.open import open_desk
        from console.desk.people import list_staff
        from screens.app import DESKS, FrontDeskApp
        from screens.desks.wall import WallApp

        desk = open_desk({str(db)!r})
        admin = next(s for s in list_staff(desk.with_actor(Actor(0, "t", "cli:t", "admin")))
                     if s.role == "admin")
        desk.store.close()

        async def main() -> None:
            app = FrontDeskApp(db={str(db)!r}, actor=Actor(admin.id, admin.name, admin.login,
                               admin.role, admin.team), poll_seconds=60)
            async with app.run_test(size=(80, 24)) as pilot:
                for _ in range(200):
                    await pilot.pause(0.05)
                    if app.desk is not None and app.current_mode == "calls" and app.screen_stack:
                        break
                assert app.desk is not None, "the desk never opened"
                for mode in DESKS:
                    app.switch_mode(mode)
                    await pilot.pause(0.2)
                    print(mode, type(app.screen).__name__)
                await pilot.press("ctrl+q")
            wall = WallApp(db={str(db)!r}, every=60)
            async with wall.run_test(size=(80, 24)) as pilot:
                for _ in range(200):
                    await pilot.pause(0.05)
                    if wall.loads:
                        break
                assert wall.loads, "the wall never read the queue"
            print("started")

        asyncio.run(main())
        """
    )
    done = installed.run(str(installed.bin / "python"), "-c", script)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert done.stdout.strip().endswith("started")
    assert "MissingScreen" not in done.stdout
    for mode in ("calls", "reception", "queue", "customers", "reports", "staff"):
        assert f"\n{mode} " in f"\n{done.stdout}"
