"""The store: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL.

Every write goes through `Store.write()`: one transaction that also bumps the
change revision, committed before the caller returns. Database failures become
`StoreError` with a message that says what to do.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from console.errors import StoreError

SCHEMA_HEAD = "0001"  # the newest migration in console/migrations/versions
BUSY_TIMEOUT_MS = 15_000
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_db_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("frontdesk", appauthor=False)) / "frontdesk.db"


def database_url(db: str | os.PathLike[str] | None) -> str:
    """A URL from `--db`: a URL as it is, a path as an SQLite file, nothing as the default file."""
    if db is None or str(db) == "":
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return f"sqlite:///{path}"
    text_db = str(db)
    if "://" in text_db:
        return text_db
    return f"sqlite:///{Path(text_db).expanduser().resolve()}"


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def describe(exc: BaseException, url: str) -> str:
    """One sentence a person can act on, for a database failure."""
    where = _sqlite_path(url) or make_url(url).render_as_string(hide_password=True)
    raw = str(getattr(exc, "orig", None) or exc).lower()
    if "readonly" in raw or "read-only" in raw or "read only" in raw:
        return f"the database {where} is read-only: check the file's permissions, or use --db to choose another"
    if "locked" in raw or "busy" in raw:
        return (
            f"the database {where} is locked by another program and stayed locked for "
            f"{BUSY_TIMEOUT_MS // 1000} s: close the other program or try again"
        )
    if "not a database" in raw or "malformed" in raw or "corrupt" in raw:
        return f"the database {where} is damaged or not a Front Desk database: restore it from a backup"
    if "unable to open" in raw or "no such file" in raw:
        return f"the database {where} cannot be opened: check that its folder exists and is writable"
    if "disk" in raw and "full" in raw:
        return f"the disk holding {where} is full: free some space and try again"
    if "connection" in raw or "could not connect" in raw or "password" in raw:
        return f"cannot connect to the database server {where}: {raw.splitlines()[0]}"
    return f"the database {where} failed: {raw.splitlines()[0] if raw else type(exc).__name__}"


class Store:
    """An open database: an engine, sessions for reads, and `write()` for changes."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._writer = engine.execution_options(frontdesk_immediate=True)

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)})"

    @contextmanager
    def read(self) -> Iterator[Session]:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(describe(exc, self.url)) from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit on success (with the revision bumped), roll back on any error."""
        try:
            with Session(self._writer, expire_on_commit=False) as session:
                try:
                    yield session
                    session.execute(text("UPDATE revision SET value = value + 1 WHERE id = 1"))
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(describe(exc, self.url)) from exc
        except SQLAlchemyError as exc:
            raise StoreError(describe(exc, self.url)) from exc

    def revision(self) -> int:
        """The change revision: one indexed read, cheap enough to poll every second."""
        try:
            with self.engine.connect() as conn:
                value = conn.execute(text("SELECT value FROM revision WHERE id = 1")).scalar()
        except (OperationalError, DBAPIError) as exc:
            raise StoreError(describe(exc, self.url)) from exc
        return int(value or 0)

    def close(self) -> None:
        self.engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two desks wait in turn (busy_timeout)
        # instead of failing when a read transaction tries to upgrade.
        immediate = conn.get_execution_options().get("frontdesk_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_sqlite_file(path: Path) -> None:
    if not path.parent.is_dir():
        raise StoreError(f"the folder {path.parent} does not exist: create it, or choose another --db")
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
        raise StoreError(f"cannot create the database in {path.parent}: the folder is not writable") from None
    except OSError as exc:
        raise StoreError(f"cannot create the database {path}: {exc.strerror}") from None


def open_store(db: str | os.PathLike[str] | None = None, *, migrate: bool = True) -> Store:
    """Open (and create, and migrate) the database named by `--db`, FRONTDESK_DB or the default."""
    url = database_url(db)
    path = _sqlite_path(url)
    if path is not None:
        _create_sqlite_file(path)
        engine = create_engine(
            url,
            connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            poolclass=NullPool if os.environ.get("FRONTDESK_NULLPOOL") else None,
        )
        _configure_sqlite(engine)
    elif url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = Store(url, engine)
    try:
        if migrate:
            upgrade(store)
        else:
            store.revision()
    except StoreError:
        engine.dispose()
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        engine.dispose()
        raise StoreError(describe(exc, url)) from exc
    return store


def current_schema(store: Store) -> str | None:
    with store.engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, DBAPIError):
            conn.rollback()
            return None


def upgrade(store: Store) -> None:
    """Bring the schema to head with Alembic; a no-op (one read) when it is already there."""
    try:
        if current_schema(store) == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.set_main_option("sqlalchemy.url", store.url.replace("%", "%%"))
        with store.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        with store.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO revision (id, value) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM revision WHERE id = 1)")
            )
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(describe(exc, store.url)) from exc
    if store.is_sqlite:
        path = _sqlite_path(store.url)
        if path is not None:
            with suppress(OSError):
                os.chmod(path, 0o600)
