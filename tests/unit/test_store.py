"""The store: engine settings, migrations on SQLite and PostgreSQL, and the clear failures."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import select

from console.rules.errors import InputError, StoreError
from console.store.engine import SCHEMA_HEAD, Store, database_url, default_db_path, open_store
from console.store.models import Contact, Customer, Task

pytest_plugins = ["tests.pg"]  # pg_url, pg_database, any_store (one PostgreSQL server per run)

ROOT = Path(__file__).resolve().parents[2]
AT = datetime(2025, 11, 24, 10, 0, 3, tzinfo=UTC)


def cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`frontdesk ...` in a fresh process, as a user would run it."""
    return subprocess.run(
        [sys.executable, "-m", "console", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Non-zero exit, one line on stderr naming the problem, and never a traceback."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


# -- engine settings (SQLite) ------------------------------------------------------------------


def test_sqlite_pragmas_take_effect_on_every_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_BUSY_TIMEOUT_MS", "4321")
    store = open_store(tmp_path / "fd.db")
    try:
        for session_of in (store.read, store.write):
            with session_of() as session:
                conn = session.connection()
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 4321
    finally:
        store.close()


def test_default_busy_timeout_is_fifteen_seconds(store: Store) -> None:
    with store.read() as session:
        assert session.connection().exec_driver_sql("PRAGMA busy_timeout").scalar() == 15_000


def test_bad_busy_timeout_setting_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_BUSY_TIMEOUT_MS", "soon")
    with pytest.raises(StoreError, match="FRONTDESK_BUSY_TIMEOUT_MS"):
        open_store(tmp_path / "fd.db")


def test_writers_take_the_write_lock_up_front(store: Store) -> None:
    with store.write() as session:
        raw = session.connection().connection.dbapi_connection
        assert isinstance(raw, sqlite3.Connection)
        assert raw.in_transaction  # BEGIN IMMEDIATE ran before any statement of ours
        other = sqlite3.connect(str(store.path), timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_foreign_keys_are_enforced(store: Store) -> None:
    with pytest.raises(StoreError, match="FOREIGN KEY"), store.write() as session:
        session.add(Contact(channel="call", customer_id=999_999, received_at=AT, day=AT.date()))
        session.flush()


def test_file_and_wal_companions_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "fd.db"
    old = os.umask(0o022)
    try:
        store = open_store(path)
        with store.write() as session:
            session.add(Customer(reference="C1", name="Ann"))
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert p.exists(), p
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
        store.close()
    finally:
        os.umask(old)


def test_existing_loose_file_is_tightened_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "fd.db"
    sqlite3.connect(path).close()
    os.chmod(path, 0o644)
    open_store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# -- where the database is ----------------------------------------------------------------------


def test_default_database_lives_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FRONTDESK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "frontdesk" / "frontdesk.db"
    assert default_db_path() == expected
    store = open_store(None)
    try:
        assert store.path == expected
        assert expected.exists()
        assert stat.S_IMODE(expected.parent.stat().st_mode) == 0o700
        assert store.schema() == SCHEMA_HEAD
    finally:
        store.close()


def test_frontdesk_db_and_db_option_override_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.cli.main import main

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    env_db = tmp_path / "from-env.db"
    opt_db = tmp_path / "from-option.db"
    monkeypatch.setenv("FRONTDESK_DB", str(env_db))
    assert database_url(None) == f"sqlite:///{env_db}"
    assert main(["migrate"]) == 0
    assert env_db.exists()
    assert main(["--db", str(opt_db), "migrate"]) == 0
    assert opt_db.exists()
    assert not (tmp_path / "data" / "frontdesk" / "frontdesk.db").exists()
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_migrate_command_reports_the_schema_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli.main import main

    db = str(tmp_path / "fd.db")
    assert main(["--db", db, "migrate", "--check"]) == 1
    assert "none" in capsys.readouterr().out
    assert main(["--db", db, "migrate"]) == 0
    assert f"upgraded from none to {SCHEMA_HEAD}" in capsys.readouterr().out
    assert main(["--db", db, "migrate"]) == 0
    assert f"schema {SCHEMA_HEAD} (up to date)" in capsys.readouterr().out
    assert main(["--db", db, "migrate", "--check"]) == 0


def test_a_schema_newer_than_this_build_is_refused(store: Store) -> None:
    with store.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer than this Front Desk"):
        open_store(store.path)


# -- failures a user can meet: one message, non-zero exit, no traceback ------------------------


def test_missing_folder(tmp_path: Path) -> None:
    db = tmp_path / "no" / "such" / "folder" / "fd.db"
    with pytest.raises(StoreError, match="does not exist"):
        open_store(db)
    assert_clean_failure(cli("--db", str(db), "migrate"), "does not exist", str(db.parent))


def test_corrupt_file(tmp_path: Path) -> None:
    db = tmp_path / "fd.db"
    db.write_bytes(os.urandom(16_384))
    with pytest.raises(StoreError, match="damaged"):
        open_store(db)
    assert_clean_failure(cli("--db", str(db), "migrate"), "damaged", str(db))


def test_locked_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "fd.db"
    open_store(db).close()
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        monkeypatch.setenv("FRONTDESK_BUSY_TIMEOUT_MS", "200")
        with pytest.raises(
            StoreError, match=r"locked by another program and stayed locked for 0\.2 s"
        ):
            open_store(db)
        result = cli("--db", str(db), "migrate", env={"FRONTDESK_BUSY_TIMEOUT_MS": "200"})
        assert_clean_failure(result, "locked", str(db))
    finally:
        holder.close()


def test_a_write_held_past_the_busy_timeout_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FRONTDESK_BUSY_TIMEOUT_MS", "150")
    store = open_store(tmp_path / "fd.db")
    other = sqlite3.connect(str(store.path), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"), store.write() as session:
            session.add(Customer(reference="C1", name="Ann"))
        other.execute("ROLLBACK")
        with store.write() as session:  # once the other desk lets go, writing works again
            session.add(Customer(reference="C1", name="Ann"))
    finally:
        other.close()
        store.close()


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file really read-only for this process: chmod for a user, chattr +i for root."""
    if os.geteuid() != 0:
        os.chmod(path, 0o400)
        try:
            yield
        finally:
            os.chmod(path, 0o600)
        return
    chattr = shutil.which("chattr")
    if chattr is None:
        pytest.skip("running as root (which ignores file modes) and chattr is not installed")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"running as root and chattr +i failed here: {done.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(path)], check=True)


def test_read_only_file(tmp_path: Path) -> None:
    db = tmp_path / "fd.db"
    open_store(db).close()
    with read_only(db):
        with pytest.raises(StoreError, match="read-only"):
            open_store(db)
        assert_clean_failure(cli("--db", str(db), "migrate"), "read-only", str(db))
        # a reader that asks for no writing (a wall display) still opens it
        viewer = open_store(db, writable=False)
        assert viewer.revision() == 0
        viewer.close()


def test_unknown_url_and_unreachable_server_are_clear(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database this console can open"):
        open_store("nosuchdb://somewhere/x")
    with pytest.raises(StoreError, match="cannot connect to the database server"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/frontdesk")


# -- the same on SQLite and PostgreSQL ------------------------------------------------------------


def test_migrations_apply(any_store: Store) -> None:
    from sqlalchemy import inspect

    assert any_store.schema() == SCHEMA_HEAD
    tables = set(inspect(any_store.engine).get_table_names())
    assert {"staff", "customer", "contact", "task", "event", "revision", "daily_summary"} <= tables
    again = open_store(any_store.url)  # opening again is a no-op
    assert again.schema() == SCHEMA_HEAD
    again.close()


def test_every_write_bumps_the_revision_and_failures_do_not(any_store: Store) -> None:
    start = any_store.revision()
    with any_store.write() as session:
        session.add(Customer(reference="C1", name="Ann Hall"))
    assert any_store.revision() == start + 1
    with pytest.raises(InputError), any_store.write() as session:
        session.add(Customer(reference="C2", name="Bob"))
        session.flush()
        raise InputError("changed my mind")
    assert any_store.revision() == start + 1
    with any_store.read() as session:
        assert [c.reference for c in session.exec(select(Customer))] == ["C1"]


def test_open_task_partial_index_exists(any_store: Store) -> None:
    with any_store.read() as session:
        conn = session.connection()
        if any_store.is_sqlite:
            sql = conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'ix_task_open_due'"
            ).scalar()
        else:
            sql = conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_task_open_due'"
            ).scalar()
        assert sql is not None
        assert "WHERE" in sql.upper() and "open" in sql
        names = {
            row[0]
            for row in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                if any_store.is_sqlite
                else "SELECT indexname FROM pg_indexes"
            )
        }
        assert "ix_contact_channel_day" in names


def test_aware_utc_timestamps_and_json_details_round_trip(any_store: Store) -> None:
    edinburgh_summer = timezone(timedelta(hours=1))
    received = datetime(2025, 7, 1, 9, 30, 15, 250_000, tzinfo=edinburgh_summer)
    details = {
        "priority": "urgent",
        "stage": 2,
        "notes": ["boiler", "ÿ → ok"],
        "nested": {"a": None},
    }
    with any_store.write() as session:
        customer = Customer(reference="C1", name="Ann Hall")
        session.add(customer)
        session.flush()
        contact = Contact(
            channel="call",
            customer_id=customer.id,
            received_at=received,
            day=date(2025, 7, 1),
            answered_at=received + timedelta(seconds=12),
            details=details,
        )
        session.add(contact)
        session.flush()
        session.add(
            Task(
                slug="repair-urgent",
                contact_id=contact.id,
                received_at=received,
                due_at=AT,
                details=details,
            )
        )
    with any_store.read() as session:
        got = session.exec(select(Contact)).one()
        task = session.exec(select(Task)).one()
    assert got.received_at == received
    assert got.received_at is not None and got.received_at.tzinfo is not None
    assert got.received_at.utcoffset() == timedelta(0)
    assert got.received_at.hour == 8  # 09:30 at +01:00 is 08:30 UTC
    assert got.answered_at == received + timedelta(seconds=12)
    assert got.details == details
    assert task.due_at == AT and task.details == details


def test_naive_timestamps_are_refused(store: Store) -> None:
    with pytest.raises((ValueError, StoreError)), store.write() as session:
        session.add(
            Contact(channel="call", received_at=datetime(2025, 1, 1, 9), day=date(2025, 1, 1))
        )
        session.flush()


def test_top_open_tasks_query_uses_the_partial_index(store: Store) -> None:
    with store.write() as session:
        rows: list[dict[str, Any]] = [
            {
                "slug": "callback-routine",
                "received_at": AT,
                "due_at": AT + timedelta(minutes=i),
                "status": "open" if i % 10 == 0 else "done",
                "details": {},
                "title": "",
                "team": "",
                "outcome": "",
                "note": "",
                "extended_reason": "",
                "anonymised": False,
            }
            for i in range(2_000)
        ]
        from sqlalchemy import insert

        session.execute(insert(Task), rows)
        session.execute(text("ANALYZE"))
    query = select(Task).where(Task.status == "open").order_by(Task.due_at, Task.id).limit(200)  # type: ignore[arg-type]
    with store.read() as session:
        compiled = query.compile(dialect=store.engine.dialect)
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        found = session.exec(query).all()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_task_open_due" in detail, detail
    assert "TEMP B-TREE" not in detail.upper(), detail  # read in index order: no sort
    assert len(found) == 200
    dues = [t.due_at for t in found if t.due_at is not None]
    assert len(dues) == 200 and dues == sorted(dues)


def test_scaled_benchmark_database_builds_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench.bench_store.build_scaled, shrunk: the rows, the indexes, reuse, the summary."""
    pytest.importorskip("numpy")
    from bench import bench_store
    from console.store.summary.rebuild import check_summary

    monkeypatch.setattr(bench_store, "CONTACTS", 3_000)
    monkeypatch.setattr(bench_store, "TASKS", 2_000)
    monkeypatch.setattr(bench_store, "OPEN", 100)
    path = tmp_path / "scaled.db"
    assert bench_store.build_scaled(path)  # built: timings returned
    assert bench_store.is_built(path) and not bench_store.is_built(path, summary=True)
    assert bench_store.build_scaled(path) == {}  # already there: nothing to do
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM task),"
            " (SELECT count(*) FROM task WHERE status = 'open')"
        ).fetchone()
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
    finally:
        conn.close()
    assert counts == (3_000, 2_000, 100)
    assert {"ix_task_open_due", "ix_contact_channel_day"} <= indexes
    store = open_store(path)
    try:
        with store.read() as session:
            first = session.exec(
                select(Task).where(Task.status == "open").order_by(Task.due_at).limit(1)  # type: ignore[arg-type]
            ).one()
            contact = session.exec(select(Contact).limit(1)).one()
        assert first.due_at is not None and first.due_at.tzinfo is not None
        assert contact.received_at is not None and contact.day is not None
    finally:
        store.close()
    assert bench_store.build_scaled(path, summary=True)["summary"] >= 0
    assert bench_store.is_built(path, summary=True)
    store = open_store(path)
    try:
        assert check_summary(store) == []
    finally:
        store.close()


def test_migrations_match_the_models(any_store: Store) -> None:
    """Alembic finds nothing to add: the tables the code uses are the tables migrations make."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    with any_store.engine.connect() as conn:
        # customer_search (SQLite's trigram index for the finder, migration 0005) and its
        # shadow tables are a virtual table kept by triggers, not a model.
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": False,
                "include_name": lambda name, kind, _parent: (
                    not (kind == "table" and (name or "").startswith("customer_search"))
                ),
            },
        )
        diffs = compare_metadata(context, SQLModel.metadata)
    assert diffs == []
