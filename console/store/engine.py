"""The store: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL.

Every write goes through `Store.write()`: one transaction that also bumps the
change revision, committed before the caller returns. Database failures become
`StoreError` with a message that says what to do.

Where the database is:

- `--db PATH` (or FRONTDESK_DB=PATH): an SQLite file; its folder must exist.
- `--db URL`: any SQLAlchemy URL, e.g. ``postgresql+psycopg://user:pw@host/frontdesk``.
- neither: ``frontdesk.db`` in the user's data folder (platformdirs), created on first run.

SQLite connections run in WAL mode with ``synchronous=FULL`` (a committed contact
survives a crash or power cut), foreign keys on and a busy timeout
(FRONTDESK_BUSY_TIMEOUT_MS, default 15 s), and writers take the write lock up
front (``BEGIN IMMEDIATE``) so two desks writing at once wait in turn instead of
failing. The file is created readable and writable by its owner only (0600).

PostgreSQL follows the same one-writer rule: every write transaction first takes
one transaction-scoped advisory lock (``pg_advisory_xact_lock``), waiting at most
the busy timeout (``lock_timeout``). Why one lock and not a row lock per use case:
every read-modify-write in the desks (claims, assignments, reception states,
customer references, the daily summary's cells, the next record number) is then
exclusive on both engines by one rule that new code cannot forget, with the same
meaning as SQLite's ``BEGIN IMMEDIATE``, so what the tests prove on one engine holds
on the other; no retry loops, no deadlocks between summary cells. The cost is that
writes queue: a write takes a few milliseconds, so a desk waits behind at most the
handful in flight. Reads never take it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from console.rules.errors import StoreError

# The newest migration: 0001 -> 0002 -> 0006 landlord -> 0007 aims -> 0005 customer import
# -> 0004 phone -> 0003 event guard
SCHEMA_HEAD = "0003"
BUSY_TIMEOUT_MS = 15_000  # default; FRONTDESK_BUSY_TIMEOUT_MS overrides it
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any constant: PostgreSQL sessions migrating at once queue on this advisory lock.
_PG_MIGRATION_LOCK = 0x46444553
# Another: every PostgreSQL write transaction takes it first (the one-writer rule, as SQLite).
_PG_WRITE_LOCK = 0x46445752


def busy_timeout_ms() -> int:
    """How long a connection waits for another desk's write lock (FRONTDESK_BUSY_TIMEOUT_MS)."""
    raw = os.environ.get("FRONTDESK_BUSY_TIMEOUT_MS", "").strip()
    if not raw:
        return BUSY_TIMEOUT_MS
    try:
        value = int(raw)
    except ValueError:
        raise StoreError(
            f"FRONTDESK_BUSY_TIMEOUT_MS is '{raw}': set it to a whole number of milliseconds"
        ) from None
    if value < 0:
        raise StoreError(f"FRONTDESK_BUSY_TIMEOUT_MS is {value}: it cannot be negative")
    return value


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("frontdesk", appauthor=False)) / "frontdesk.db"


def database_url(db: str | os.PathLike[str] | None) -> str:
    """A URL from `--db`: a URL as is, a path as an SQLite file, else FRONTDESK_DB or default."""
    if db is None or str(db) == "":
        db = os.environ.get("FRONTDESK_DB") or None
    if db is None:
        path = default_db_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise StoreError(
                f"cannot create the data folder {path.parent} ({exc.strerror}): "
                "use --db to choose where the database lives"
            ) from None
        return f"sqlite:///{path}"
    text_db = str(db)
    if "://" in text_db:
        return text_db
    return f"sqlite:///{Path(text_db).expanduser().resolve()}"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def _where(url: str) -> str:
    try:
        path = _sqlite_path(url)
        return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable URL)"


def describe(exc: BaseException, url: str, timeout_ms: int | None = None) -> str:
    """One sentence a person can act on, for a database failure."""
    where = _where(url)
    raw = str(getattr(exc, "orig", None) or exc).strip()
    low = raw.lower()
    first = raw.splitlines()[0] if raw else type(exc).__name__
    if "append-only" in low or "not authorized" in low:
        return f"refused by the database {where}: audit events cannot be changed or removed"
    if "readonly" in low or "read-only" in low or "read only" in low:
        return (
            f"the database {where} is read-only: check the file's permissions, "
            "or use --db to choose another"
        )
    if "locked" in low or "busy" in low or "lock timeout" in low:
        waited = busy_timeout_ms() if timeout_ms is None else timeout_ms
        return (
            f"the database {where} is locked by another program and stayed locked for "
            f"{waited / 1000:g} s: close the other program or try again"
        )
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return (
            f"the database {where} is damaged or not a Front Desk database: "
            "restore it from a backup"
        )
    if "unable to open" in low or "no such file" in low:
        return (
            f"the database {where} cannot be opened: check that its folder exists and is writable"
        )
    if ("disk" in low and "full" in low) or "no space" in low:
        return f"the disk holding {where} is full: free some space and try again"
    if "disk i/o" in low:
        return f"the disk holding {where} failed to read or write: check the disk, then try again"
    if "connection" in low or "could not connect" in low or "password" in low or "connect" in low:
        return f"cannot connect to the database server {where}: {first}"
    if "does not exist" in low and "database" in low:
        return f"the database {where} does not exist on the server: create it first ({first})"
    return f"the database {where} failed: {first}"


class Store:
    """An open database: an engine, sessions for reads, and `write()` for changes."""

    def __init__(self, url: str, engine: Engine, *, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        self.url = url
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        self.timeout_ms = timeout_ms
        self._writer = engine.execution_options(frontdesk_immediate=True)

    def __repr__(self) -> str:
        return f"Store({_where(self.url)})"

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return _sqlite_path(self.url)

    def error(self, exc: BaseException) -> StoreError:
        return StoreError(describe(exc, self.url, self.timeout_ms))

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session on one consistent snapshot; nothing it does is committed."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except DBAPIError as exc:  # the database failed; a caller's own .one() etc. pass through
            raise self.error(exc) from exc

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Wait for this desk's turn to write (SQLite files), on an OS file lock.

        SQLite's own lock is not a queue: a writer that finds it taken sleeps (1 ms, then
        longer, up to 100 ms) and tries again, so with several desks saving at once an
        unlucky one can lose many times over and wait seconds. Desks first queue on a
        `flock` of `<database>-writer.lock`, polled every half millisecond, so the lock
        passes on at once; SQLite's lock, taken next, is then free. PostgreSQL queues on
        its own advisory lock (see the module docstring).
        """
        path = self.path
        if path is None:
            yield
            return
        import fcntl
        import time

        try:
            fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            yield  # no lock file (a read-only folder): SQLite's own lock still holds
            return
        try:
            deadline = time.monotonic() + self.timeout_ms / 1000
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        break  # let SQLite's busy timeout say "locked", in its words
                    time.sleep(0.0005)
            yield
        finally:
            os.close(fd)  # releases the flock

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success (with the revision bumped), roll back on any error."""
        try:
            with self._turn(), Session(self._writer, expire_on_commit=False) as session:
                try:
                    yield session
                    session.execute(text("UPDATE revision SET value = value + 1 WHERE id = 1"))
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except SQLAlchemyError as exc:
            raise self.error(exc) from exc

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A Core connection in one write transaction (bulk loads); bumps the revision too."""
        try:
            with self._turn(), self._writer.begin() as conn:
                yield conn
                conn.execute(text("UPDATE revision SET value = value + 1 WHERE id = 1"))
        except SQLAlchemyError as exc:
            raise self.error(exc) from exc

    def revision(self) -> int:
        """The change revision: one indexed read, cheap enough to poll every second."""
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text("SELECT value FROM revision WHERE id = 1")).scalar()
        except SQLAlchemyError as exc:
            raise self.error(exc) from exc
        return int(value or 0)

    def schema(self) -> str | None:
        """The Alembic revision the database is at (None when it has no schema yet)."""
        try:
            return current_schema(self)
        except SQLAlchemyError as exc:
            raise self.error(exc) from exc

    def close(self) -> None:
        self.engine.dispose()


# Set while this thread runs migrations: only they may alter the audit table's schema.
_MIGRATING = threading.local()
_GUARD_TRIGGERS = ("event_no_update", "event_no_delete", "event_no_replace")


@contextmanager
def migrating() -> Iterator[None]:
    """Alembic's migrations run inside this (console/store/migrations/env.py)."""
    was = getattr(_MIGRATING, "on", False)
    _MIGRATING.on = True
    try:
        yield
    finally:
        _MIGRATING.on = was


def _authorize(
    action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None
) -> int:
    """SQLite's authorizer on every connection the app opens: no dropping or altering the
    audit table or its guard triggers, and no writable_schema, whatever SQL reaches the driver."""
    if getattr(_MIGRATING, "on", False):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_DROP_TABLE and (arg1 or "").lower() == "event":
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_ALTER_TABLE and (arg2 or "").lower() == "event":
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_DROP_TRIGGER and (arg1 or "").lower() in _GUARD_TRIGGERS:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() == "writable_schema":
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _configure_sqlite(engine: Engine, timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        dbapi_conn.set_authorizer(_authorize)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two desks wait in turn (busy_timeout)
        # instead of failing when a read transaction tries to upgrade.
        immediate = conn.get_execution_options().get("frontdesk_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _configure_postgresql(engine: Engine, timeout_ms: int) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # The one-writer rule (see the module docstring): writers queue on one lock,
        # taken before anything is read, so what they read is what they change.
        if conn.get_execution_options().get("frontdesk_immediate", False):
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(timeout_ms))}")
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def _create_sqlite_file(path: Path) -> None:
    if not path.parent.is_dir():
        raise StoreError(
            f"the folder {path.parent} does not exist: create it, or choose another --db"
        )
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file: choose a file name with --db")
    if path.exists() and not path.is_file():
        raise StoreError(
            f"{path} is not a database file (a device or other special file): "
            "choose a file name with --db"
        )
    if _read_only_fs(path.parent):
        raise StoreError(
            f"the database {path} is on a read-only file system: Front Desk writes to it even "
            "to show it (audit, progress updates); copy it to a writable folder, or remount"
        )
    if path.exists():
        if not os.access(path, os.R_OK):
            raise StoreError(f"the database {path} cannot be read: check the file's permissions")
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    except FileExistsError:
        return
    except PermissionError:
        raise StoreError(
            f"cannot create the database in {path.parent}: the folder is not writable"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot create the database {path}: {exc.strerror}") from None


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


QUICK_CHECK_MB = 512  # files up to this size are checked page by page at open


def _check_pages(store: Store) -> None:
    """SQLite's quick_check at open: a file with damaged pages is refused before a desk writes
    into it (writing on could spread the damage). Larger files skip it: FRONTDESK_QUICK_CHECK_MB
    sets the limit (0: never)."""
    path = store.path
    if path is None:
        return
    try:
        limit = float(os.environ.get("FRONTDESK_QUICK_CHECK_MB", QUICK_CHECK_MB))
    except ValueError:
        limit = QUICK_CHECK_MB
    try:
        size_mb = path.stat().st_size / 1e6
    except OSError:
        return
    if size_mb > limit:
        return
    try:
        with store.engine.connect() as conn:
            found = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(3)")]
    except SQLAlchemyError as exc:
        raise store.error(exc) from exc
    if found != ["ok"]:
        raise StoreError(
            f"the database {path} is damaged ({found[0][:120]}): nothing was written to it; "
            "restore it from a backup (or ask for help recovering it)"
        )


def wire() -> None:
    """What every commit does besides writing, installed once for the process.

    The append-only guard on the audit trail, and the daily summary kept in the
    same transaction as each contact and task. Both listen on SQLAlchemy's
    Session and Engine classes, so they hold for every store opened here.
    """
    from console.store import guard
    from console.store.summary import listeners

    guard.install()
    listeners.install()


def open_store(
    db: str | os.PathLike[str] | None = None, *, migrate: bool = True, writable: bool = True
) -> Store:
    """Open (and create, and migrate) the database named by `--db`, FRONTDESK_DB or the default.

    `writable=True` (every desk) refuses a database this process cannot write to,
    with one clear message, rather than failing at the first saved call.
    """
    wire()
    url = database_url(db)
    timeout_ms = busy_timeout_ms()
    try:
        path = _sqlite_path(url)
        if path is not None:
            _create_sqlite_file(path)
            engine = create_engine(
                url,
                connect_args={"timeout": timeout_ms / 1000, "check_same_thread": False},
                poolclass=NullPool if os.environ.get("FRONTDESK_NULLPOOL") else None,
            )
            _configure_sqlite(engine, timeout_ms)
        elif url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False})
            _configure_sqlite(engine, timeout_ms)
        else:
            args = (
                {"connect_timeout": 10} if make_url(url).get_backend_name() == "postgresql" else {}
            )
            engine = create_engine(url, pool_pre_ping=True, connect_args=args)
            if engine.dialect.name == "postgresql":
                _configure_postgresql(engine, timeout_ms)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"'{_where(url)}' is not a database this console can open ({exc}): "
            "give a file path or a postgresql+psycopg:// URL"
        ) from None
    store = Store(url, engine, timeout_ms=timeout_ms)
    try:
        if migrate:
            changed = upgrade(store)
        else:
            changed = False
            current_schema(store)  # proves it is a database we can read
        if writable and not changed:
            _check_writable(store)
        if writable:
            _check_pages(store)
            _restrict_mode(store)  # an existing file left readable by others is closed up
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        engine.dispose()
        raise StoreError(describe(exc, url, timeout_ms)) from exc
    return store


def _check_writable(store: Store) -> None:
    """Take the write lock and touch nothing: read-only files and held locks show up here."""
    if not store.is_sqlite:
        return
    try:
        with store._writer.connect() as conn:
            # DDL rolled back at once: needs the write lock and a writable file, changes nothing.
            conn.execute(text("CREATE TABLE frontdesk_write_probe (x INTEGER)"))
            conn.rollback()
    except SQLAlchemyError as exc:
        raise store.error(exc) from exc


def current_schema(store: Store) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    with store.engine.connect() as conn:
        return _schema_on(conn)


def _schema_on(conn: Connection) -> str | None:
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _known_revisions() -> set[str]:
    versions = MIGRATIONS / "versions"
    return {p.name.split("_", 1)[0] for p in versions.glob("[0-9]*_*.py")}


def upgrade(store: Store) -> bool:
    """Bring the schema to head with Alembic in one transaction; True when anything changed.

    A no-op (one read) when the database is already at head. Concurrent first runs
    wait in turn: SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock.
    """
    try:
        if current_schema(store) == SCHEMA_HEAD:
            return False
        from alembic import command
        from alembic.config import Config
        from alembic.util import CommandError

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
        with store._writer.begin() as conn:
            if store.dialect == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})"))
            found = _schema_on(conn)
            if found == SCHEMA_HEAD:
                return False
            if found is not None and found not in _known_revisions():
                raise StoreError(
                    f"the database {_where(store.url)} has schema {found}, newer than this "
                    f"Front Desk knows ({SCHEMA_HEAD}): upgrade Front Desk before opening it"
                )
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, "head")
            except CommandError as exc:
                raise StoreError(
                    f"cannot migrate the database {_where(store.url)}: {exc}"
                ) from None
            conn.execute(
                text(
                    "INSERT INTO revision (id, value) SELECT 1, 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM revision WHERE id = 1)"
                )
            )
    except SQLAlchemyError as exc:
        raise store.error(exc) from exc
    _restrict_mode(store)
    return True


def _restrict_mode(store: Store) -> None:
    """Personal data: the database file (and its WAL companions) for the owner only."""
    path = store.path
    if path is None:
        return
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(OSError):
            if p.exists() and p.stat().st_mode & 0o077:
                os.chmod(p, 0o600)
