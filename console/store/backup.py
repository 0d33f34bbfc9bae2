"""Backups of a live database, and restoring one: `frontdesk backup` and `frontdesk restore`.

SQLite: SQLite's online backup API copies the database page by page in one read
transaction, so the copy is one consistent moment even while desks keep writing
(WAL mode: readers never block writers). The copy is checked before it is kept
(`PRAGMA integrity_check`, the migration version, row counts), written 0600 under
a name that sorts by time (``frontdesk-20261203T020000Z.db``), and only the
newest N are kept.

PostgreSQL: ``pg_dump --format=custom`` (``frontdesk-….dump``), checked with
``pg_restore --list``; without pg_dump the message says what to install.

Restore: the backup is checked first, copied into a temporary file, migrated to
this Front Desk's schema, and only then written over the target with the same
backup API (so the target is never half-written). A target that desks are using
is refused unless `force`: see `in_use`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from console.rules.errors import StoreError
from console.store.engine import (
    SCHEMA_HEAD,
    Store,
    _known_revisions,
    _sqlite_path,
    _where,
    database_url,
    open_store,
)

COUNTED = ("customer", "contact", "task", "staff", "event")
DEFAULT_KEEP = 14
_NAME = re.compile(r"^frontdesk-\d{8}T\d{6}(\d{6})?Z(-\d+)?\.(db|dump)$")


@dataclass(frozen=True)
class Checked:
    """What a database file holds: the proof a backup is whole and whose it is."""

    path: Path  # the file, or the server's URL as a path-like label
    schema: str
    counts: dict[str, int]
    newest_contact: datetime | None

    def summary(self) -> str:
        words = {"staff": "staff", "event": "audit events"}
        counts = ", ".join(f"{words.get(t, t + 's')} {self.counts.get(t, 0):,}" for t in COUNTED)
        newest = (
            f"newest contact {self.newest_contact:%Y-%m-%d %H:%M} UTC"
            if self.newest_contact
            else "no contacts"
        )
        return f"schema {self.schema}; {counts}; {newest}"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    checked: Checked | None  # None for a PostgreSQL dump (checked by pg_restore --list)
    removed: tuple[Path, ...]
    tables: int = 0


def backup_name(now: datetime, suffix: str = ".db") -> str:
    """A name that sorts by time: frontdesk-20261203T020000123456Z.db (UTC)."""
    return f"frontdesk-{now.astimezone(UTC):%Y%m%dT%H%M%S%f}Z{suffix}"


def default_folder(store: Store) -> Path:
    """Beside the database: <its folder>/backups; for a server, the user's data folder."""
    if store.path is not None:
        return store.path.parent / "backups"
    from console.store.engine import default_db_path

    return default_db_path().parent / "backups"


def _folder(folder: Path) -> Path:
    folder = folder.expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(f"cannot create the backup folder {folder} ({exc.strerror})") from None
    if not os.access(folder, os.W_OK):
        raise StoreError(f"the backup folder {folder} is not writable: choose another with --to")
    return folder


def _new_file(folder: Path, now: datetime, suffix: str) -> Path:
    name = backup_name(now, suffix)
    path = folder / name
    n = 1
    while path.exists():
        n += 1
        path = folder / name.replace(suffix, f"-{n}{suffix}")
    return path


def backup(store: Store, folder: Path | None = None, *, keep: int = DEFAULT_KEEP,
           now: datetime | None = None) -> BackupResult:  # fmt: skip
    """Copy the database into `folder`, check the copy, keep the newest `keep` backups."""
    if keep < 1:
        raise StoreError(f"--keep {keep}: keep at least 1 backup")
    now = now or datetime.now(UTC)
    if store.schema() is None:
        raise StoreError(
            f"the database {_where(store.url)} is empty (no Front Desk schema): nothing to back up"
        )
    folder = _folder(folder or default_folder(store))
    if store.dialect == "postgresql":
        path = _pg_dump(store, folder, now)
        return BackupResult(path, None, _prune(folder, keep, ".dump"))
    source = store.path
    if source is None:
        raise StoreError("only a database file or a PostgreSQL server can be backed up")
    final = _new_file(folder, now, ".db")
    partial = final.with_name(final.name + ".partial")
    try:
        _online_copy(source, partial)
        checked = check(partial)
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    checked = Checked(final, checked.schema, checked.counts, checked.newest_contact)
    return BackupResult(final, checked, _prune(folder, keep, ".db"))


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's backup API in one step: one read transaction, so one consistent moment."""
    fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        src = sqlite3.connect(_uri(source), uri=True, timeout=30)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot read the database {source} to back it up: {exc}") from None
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: everything in one step
            dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
            dst.commit()
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"the backup of {source} failed: {exc}") from None
    finally:
        src.close()
    os.chmod(target, 0o600)


def check(path: Path) -> Checked:
    """Refuse anything that is not a whole Front Desk database: says what is wrong."""
    if not path.is_file():
        raise StoreError(f"{path}: no such backup file")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"PGDMP"):
        raise StoreError(
            f"{path} is a PostgreSQL dump: restore it onto a server with "
            "frontdesk restore FILE --db postgresql+psycopg://…"
        )
    if head != b"SQLite format 3\x00":
        raise StoreError(f"{path} is not a Front Desk backup (not an SQLite database file)")
    try:
        conn = sqlite3.connect(_uri(path), uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened: {exc}") from None
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            said = " ".join(" ".join(problems).split())[:200]
            raise StoreError(f"{path} is damaged (integrity check: {said}): use an older backup")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables or not set(COUNTED) <= tables:
            raise StoreError(f"{path} is an SQLite file but not a Front Desk database")
        schema = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if schema is None:
            raise StoreError(f"{path} has no schema version: not a Front Desk backup")
        if schema[0] not in _known_revisions():
            raise StoreError(
                f"{path} has schema {schema[0]}, newer than this Front Desk knows "
                f"({SCHEMA_HEAD}): upgrade Front Desk first"
            )
        counts = {
            t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in COUNTED
        }
        newest = conn.execute("SELECT max(received_at) FROM contact").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"{path} is damaged or not a database ({exc}): use an older backup"
        ) from None
    finally:
        conn.close()
    newest_at = None
    if newest:
        newest_at = datetime.fromisoformat(str(newest)).replace(tzinfo=UTC)
    return Checked(path, str(schema[0]), counts, newest_at)


def _prune(folder: Path, keep: int, suffix: str) -> tuple[Path, ...]:
    """Delete all but the newest `keep` backups (by name, which sorts by time)."""
    ours = sorted(
        (p for p in folder.iterdir() if _NAME.match(p.name) and p.name.endswith(suffix)),
        key=lambda p: p.name,
    )
    old = ours[: max(0, len(ours) - keep)]
    for p in old:
        with contextlib.suppress(OSError):
            p.unlink()
    return tuple(old)


# --- PostgreSQL ----------------------------------------------------------------------------


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (it goes in PGPASSWORD, never on a command line)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        import glob

        versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        found = versions[-1] if versions else None
    if found is None:
        raise StoreError(
            f"{name} is not installed: install PostgreSQL's client tools "
            "(Debian/Ubuntu: apt-get install postgresql-client) and run the backup again"
        )
    return found


def _pg_dump(store: Store, folder: Path, now: datetime) -> Path:
    url, env = _libpq(store.url)
    final = _new_file(folder, now, ".dump")
    partial = final.with_name(final.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    try:
        done = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}", url],
            capture_output=True, text=True, env=env, timeout=6 * 3600,
        )  # fmt: skip
        if done.returncode != 0:
            raise StoreError(f"pg_dump failed: {_first_line(done.stderr)}")
        listed = subprocess.run(
            [_pg_tool("pg_restore"), "--list", str(partial)],
            capture_output=True, text=True, env=env, timeout=600,
        )  # fmt: skip
        if listed.returncode != 0 or "TABLE DATA public contact" not in listed.stdout:
            raise StoreError(
                f"the dump does not read back (pg_restore --list: {_first_line(listed.stderr)})"
            )
        os.chmod(partial, 0o600)
        os.replace(partial, final)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
    return final


def _first_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def pg_restore(dump: Path, url: str) -> None:
    """Restore a custom-format dump onto a PostgreSQL database (replacing what is there)."""
    with open(dump, "rb") as fh:
        if not fh.read(5) == b"PGDMP":
            raise StoreError(f"{dump} is not a PostgreSQL dump made by frontdesk backup")
    libpq, env = _libpq(url)
    done = subprocess.run(
        [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
         f"--dbname={libpq}", str(dump)],
        capture_output=True, text=True, env=env, timeout=6 * 3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise StoreError(f"pg_restore failed: {_first_line(done.stderr)}")


# --- restore -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InUse:
    """Who is using a database file: processes on this machine, and a live write-ahead log."""

    processes: tuple[str, ...]  # "1234 frontdesk"
    wal: bool

    def __bool__(self) -> bool:
        return bool(self.processes) or self.wal

    def words(self) -> str:
        said = []
        if self.processes:
            said.append("open in process " + ", ".join(self.processes))
        if self.wal:
            said.append("its write-ahead log (-wal file) is there, so a desk has it open "
                        "or stopped without closing it")  # fmt: skip
        return "; ".join(said)


def in_use(path: Path) -> InUse:
    """How restore tells that desks are using a database.

    Every desk keeps its database file open while it runs: any process on this
    machine holding the file (or its -wal) open is found in /proc. A desk on
    another machine (a shared folder) cannot be seen that way, but while any
    desk has the database open SQLite keeps a -wal file beside it (the last
    connection to close checkpoints and removes it).
    """
    names = {str(path.resolve()), str(path.resolve()) + "-wal"}
    found: list[str] = []
    me = os.getpid()
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) == me:
                continue
            try:
                fds = list((entry / "fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target in names:
                    try:
                        comm = (entry / "comm").read_text().strip()
                    except OSError:
                        comm = "?"
                    found.append(f"{entry.name} {comm}")
                    break
    wal = Path(f"{path}-wal")
    return InUse(tuple(found), wal.exists())


@dataclass(frozen=True)
class RestoreResult:
    target: str
    checked: Checked  # what the restored database holds, after migrating
    migrated_from: str


def restore(backup_file: Path, db: str | None, *, force: bool = False) -> RestoreResult:
    """Check the backup, migrate a copy of it, then write it over the target database."""
    backup_file = backup_file.expanduser()
    url = database_url(db)
    target = _sqlite_path(url)
    if target is None:
        return _restore_pg(backup_file, url, force=force)
    before = check(backup_file)
    if target.exists() and target.resolve() == backup_file.resolve():
        raise StoreError("the backup and the target are the same file: give another --db")
    if target.exists() and not force:
        using = in_use(target)
        if using:
            raise StoreError(
                f"the database {target} is in use ({using.words()}): close every desk first, "
                "or pass --force to overwrite it anyway"
            )
    if not target.parent.is_dir():
        raise StoreError(f"the folder {target.parent} does not exist: create it first")
    work = target.with_name(f".{target.name}.restoring")
    with contextlib.suppress(OSError):
        work.unlink()
    try:
        _online_copy(backup_file, work)
        staged = open_store(work)  # migrates it to this Front Desk's schema
        staged.close()
        after = check(work)
        _write_over(work, target)
    finally:
        for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
            with contextlib.suppress(OSError):
                p.unlink()
    # `after` is what was written: re-reading the target read-only would leave a -wal behind.
    return RestoreResult(str(target), after, before.schema)


def _restore_pg(dump: Path, url: str, *, force: bool) -> RestoreResult:
    if not dump.is_file():
        raise StoreError(f"{dump}: no such backup file")
    with open(dump, "rb") as fh:
        if fh.read(5) != b"PGDMP":
            raise StoreError(
                f"{dump} is not a PostgreSQL dump: to move an SQLite backup onto the server, "
                "restore it to a file, then run frontdesk --db FILE copy --to URL"
            )
    others = _pg_sessions(url)
    if others and not force:
        raise StoreError(
            f"the database is in use ({others} other session(s) connected, "
            "pg_stat_activity): close every desk first, or pass --force"
        )
    pg_restore(dump, url)
    plain = open_store(url, migrate=False, writable=False)
    try:
        found = plain.schema() or "none"
    finally:
        plain.close()
    store = open_store(url)  # migrates it to this Front Desk's schema
    try:
        return RestoreResult(_where(url), holdings(store), found)
    finally:
        store.close()


def _uri(path: Path, mode: str = "ro") -> str:
    from urllib.parse import quote

    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def _write_over(source: Path, target: Path) -> None:
    """Replace the target's content with the backup API: atomic for anyone with it open."""
    if not target.exists():
        fd = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
    src = sqlite3.connect(_uri(source), uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            dst.execute("PRAGMA journal_mode = WAL")
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise StoreError(f"cannot write the restored database over {target}: {exc}") from None
    finally:
        src.close()
    os.chmod(target, 0o600)


def holdings(store: Store) -> Checked:
    """Row counts and the newest contact of an open store (SQLite or PostgreSQL)."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        counts = {
            t: int(conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() or 0) for t in COUNTED
        }
        newest = conn.execute(text("SELECT max(received_at) FROM contact")).scalar()
    if isinstance(newest, str):
        newest = datetime.fromisoformat(newest)
    if isinstance(newest, datetime):
        newest = newest.replace(tzinfo=UTC) if newest.tzinfo is None else newest.astimezone(UTC)
    where = store.path or Path(_where(store.url))
    return Checked(where, store.schema() or "none", counts, newest)


def _pg_sessions(url: str) -> int:
    """Other sessions on that PostgreSQL database: desks connected to it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(url, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar()
                or 0
            )
    except SQLAlchemyError:
        return 0  # no such database yet: nobody is using it
    finally:
        engine.dispose()
