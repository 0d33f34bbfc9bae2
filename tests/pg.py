"""A throwaway PostgreSQL server for the store's tests, and the `any_store` fixture.

`pg_url` (session-wide): FRONTDESK_TEST_PG when set (a server URL such as
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``), else a server this
module starts itself: ``initdb`` into a temporary folder (as the ``postgres``
system user when the tests run as root, since initdb refuses root), ``pg_ctl
start`` on a free loopback port, stopped and deleted when the tests end. Where
neither works the PostgreSQL tests skip and say why.

`pg_database`: a fresh, empty database on that server for one test, dropped after.
`pg_template`: a database migrated to head, made once per test process; `any_store`
copies it for each test (``CREATE DATABASE … TEMPLATE …``) instead of migrating again.
`any_store`: a migrated store on SQLite and on PostgreSQL (parametrised).

Use them from a test module with::

    pytest_plugins = ["tests.pg"]

(a plugin, so the server is started once per run however many modules use it).
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.store.engine import Store, open_store

ENV_URL = "FRONTDESK_TEST_PG"


class PgUnavailable(Exception):
    """Why no PostgreSQL server could be had (becomes the skip reason)."""


def pg_bin_dir() -> Path | None:
    """The folder holding pg_ctl and initdb: PATH first, then Debian's versioned folders."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres_user() -> list[str]:
    """The prefix that runs a command as the postgres system user (initdb refuses root)."""
    if os.geteuid() != 0:
        return []
    try:
        import pwd

        pwd.getpwnam("postgres")
    except KeyError:
        raise PgUnavailable(
            "running as root and there is no 'postgres' system user to run initdb as"
        ) from None
    if shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--"]
    if shutil.which("setpriv"):
        import pwd

        pw = pwd.getpwnam("postgres")
        return ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}", "--init-groups", "--"]
    raise PgUnavailable("running as root and neither runuser nor setpriv is available")


class LocalServer:
    """One PostgreSQL cluster in a temporary folder, on a free loopback port."""

    def __init__(self) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise PgUnavailable(
                "PostgreSQL is not installed (no pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
                "run .ci/run, install postgresql, or set FRONTDESK_TEST_PG to a server URL"
            )
        self.bin = bin_dir
        self.prefix = _as_postgres_user()
        self.root = Path(tempfile.mkdtemp(prefix="frontdesk-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self.started = False
        if self.prefix:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)

    def _run(self, *cmd: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"},
        )

    def start(self) -> str:
        init = self._run(
            str(self.bin / "initdb"),
            "-D", str(self.data),
            "-U", "postgres",
            "-A", "trust",
            "-E", "UTF8",
            "--no-sync",
        )  # fmt: skip
        if init.returncode != 0:
            raise PgUnavailable(f"initdb failed: {_tail(init.stderr or init.stdout)}")
        options = (
            f"-k {self.root} -h 127.0.0.1 -p {self.port} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        started = self._run(
            str(self.bin / "pg_ctl"),
            "-D", str(self.data),
            "-l", str(self.log),
            "-w", "-t", "60",
            "-o", options,
            "start",
        )  # fmt: skip
        if started.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise PgUnavailable(
                f"pg_ctl start failed: {_tail(started.stderr + started.stdout + log)}"
            )
        self.started = True
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def crash(self) -> None:
        """Stop the server the way a crash does (immediate: no checkpoint, connections cut)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start the crashed server again on the same port (it recovers from its WAL)."""
        options = f"-k {self.root} -h 127.0.0.1 -p {self.port}"
        started = self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
            "-w", "-t", "60", "-o", options, "start",
        )  # fmt: skip
        if started.returncode != 0:
            raise PgUnavailable(f"pg_ctl start failed: {_tail(started.stderr + started.stdout)}")

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(Exception):
                self._run(
                    str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
                )
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)


def _tail(text: str, lines: int = 3) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return " | ".join(kept) or "(no output)"


# One server per test process, however many modules import the fixtures.
_SERVER: dict[str, object] = {}


def server_url() -> str:
    """The admin URL of a server for the tests; raises PgUnavailable with the reason."""
    if "url" in _SERVER:
        return str(_SERVER["url"])
    if "error" in _SERVER:
        raise PgUnavailable(str(_SERVER["error"]))
    env = os.environ.get(ENV_URL, "").strip()
    try:
        if env:
            url = env if "://" in env else f"postgresql+psycopg://{env}"
            _check(url)
        else:
            server, url = _start_local()
            atexit.register(server.stop)
            _SERVER["server"] = server
            _check(url)
    except PgUnavailable as exc:
        _SERVER["error"] = str(exc)
        raise
    except (OSError, subprocess.SubprocessError) as exc:
        _SERVER["error"] = f"cannot start PostgreSQL: {exc}"
        raise PgUnavailable(_SERVER["error"]) from None
    _SERVER["url"] = url
    return url


def _start_local(attempts: int = 3) -> tuple[LocalServer, str]:
    """Start a throwaway server; a port another test process took in the meantime (xdist
    workers each start their own) means another free port and another try."""
    for attempt in range(attempts):
        server = LocalServer()
        try:
            return server, server.start()
        except PgUnavailable:
            server.stop()
            if attempt == attempts - 1:
                raise
        except BaseException:
            server.stop()
            raise
    raise AssertionError("unreachable")


def _check(url: str) -> None:
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 10})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        raise PgUnavailable(
            f"cannot connect to PostgreSQL at {url}: {str(exc).splitlines()[0]}"
        ) from None


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


@contextlib.contextmanager
def fresh_database(admin_url: str, template: str | None = None) -> Iterator[str]:
    """CREATE a uniquely named database (a copy of `template`, when given), yield its URL,
    DROP it afterwards."""
    from sqlalchemy import create_engine, text

    name = f"fd_test_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        yield _with_database(admin_url, name)
    finally:
        with contextlib.suppress(Exception), admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The admin URL of a PostgreSQL server (FRONTDESK_TEST_PG or a throwaway one)."""
    try:
        return server_url()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL tests skipped: {exc}")


@pytest.fixture
def pg_database(pg_url: str) -> Iterator[str]:
    """A fresh empty database for one test."""
    with fresh_database(pg_url) as url:
        yield url


@pytest.fixture(scope="session")
def pg_template(pg_url: str) -> Iterator[str]:
    """The name of a database migrated to head, made once per test process (xdist worker)."""
    from sqlalchemy.engine import make_url

    with fresh_database(pg_url) as url:
        open_store(url).close()  # migrates; no connection may stay open on a template
        yield str(make_url(url).database)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated store, on SQLite and on PostgreSQL (each a copy of a template)."""
    if request.param == "sqlite":
        from tests.conftest import copy_database

        template = request.getfixturevalue("migrated_template")
        store = open_store(copy_database(template, tmp_path / "frontdesk.db"))
        yield store
        store.close()
        return
    pg_url = request.getfixturevalue("pg_url")
    template = request.getfixturevalue("pg_template")
    with fresh_database(pg_url, template) as url:
        store = open_store(url)
        yield store
        store.close()
