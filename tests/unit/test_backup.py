"""`frontdesk backup`, `restore` and `copy`: a live database under write load, real files."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import select

from console.cli.main import main
from console.desk import calls, customers
from console.desk.context import Desk
from console.rules.clock import FrozenClock
from console.rules.errors import StoreError
from console.rules.profiles import Profile
from console.store.backup import backup, check, in_use, restore
from console.store.copy import copy_database
from console.store.engine import SCHEMA_HEAD, Store, open_store
from console.store.models import Contact, Customer, Staff
from tests.conftest import add_staff

pytest_plugins = ["tests.pg"]  # pg_url, pg_database, any_store (one PostgreSQL server per run)

ROOT = Path(__file__).resolve().parents[2]


def fill(store: Store, bha: Profile, clock: FrozenClock, n_calls: int = 5) -> Desk:
    actor = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    desk = Desk(store, bha, clock, actor)
    c = customers.create(desk, "Morag Brown", phone="01361 882000", reference="T1")
    for i in range(n_calls):
        calls.log_call(desk, answer=str(5 + i), category="other", customer_id=c.id)
    return desk


class Writer(threading.Thread):
    """A desk logging calls as fast as it can through its own store, until told to stop."""

    def __init__(self, path: Path, bha: Profile, clock: FrozenClock) -> None:
        super().__init__(daemon=True)
        self.store = open_store(path)
        with self.store.read() as session:
            actor_row = session.exec(select(Staff)).first()
        assert actor_row is not None and actor_row.id is not None
        from console.desk.people import actor_of

        self.desk = Desk(self.store, bha, clock, actor_of(actor_row))
        self.committed: list[int] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                logged = calls.log_call(self.desk, answer="7", category="other")
                with self.lock:
                    self.committed.append(logged.contact_id)
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.store.close()

    def snapshot(self) -> set[int]:
        with self.lock:
            return set(self.committed)


def test_backup_while_desks_write_holds_every_call_committed_before_it_began(
    tmp_path: Path, bha: Profile, clock: FrozenClock
) -> None:
    path = tmp_path / "live.db"
    store = open_store(path)
    fill(store, bha, clock, n_calls=200)
    writers = [Writer(path, bha, clock) for _ in range(2)]
    for w in writers:
        w.start()
    try:
        while sum(len(w.snapshot()) for w in writers) < 50:
            for w in writers:
                assert w.error is None, w.error
            threading.Event().wait(0.01)
        before = set().union(*(w.snapshot() for w in writers))
        result = backup(store, tmp_path / "backups", keep=3)
        during = sum(len(w.snapshot()) for w in writers)
        while sum(len(w.snapshot()) for w in writers) < during + 20:  # desks still at work
            for w in writers:
                assert w.error is None, w.error
            threading.Event().wait(0.01)
    finally:
        for w in writers:
            w.stop.set()
        for w in writers:
            w.join(30)
    assert all(w.error is None for w in writers), [w.error for w in writers]
    assert result.checked is not None and result.checked.schema == SCHEMA_HEAD
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.path.name.startswith("frontdesk-") and result.path.suffix == ".db"
    conn = sqlite3.connect(result.path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = {r[0] for r in conn.execute("SELECT id FROM contact")}
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one whole file
    finally:
        conn.close()
    assert before <= saved  # every call committed before the backup began
    assert result.checked.counts["contact"] == len(saved) >= 200 + 50
    store.close()

    restored = tmp_path / "restored.db"
    done = restore(result.path, str(restored))
    assert done.checked.counts["contact"] == len(saved)
    assert done.checked.newest_contact is not None
    again = open_store(restored)
    try:
        with again.read() as session:
            ids = set(session.exec(select(Contact.id)))
            assert before <= ids
            ok = session.connection().exec_driver_sql("PRAGMA integrity_check").scalar()
        assert ok == "ok"
    finally:
        again.close()


def test_keep_n_deletes_the_oldest_by_name(
    tmp_path: Path, store: Store, bha: Profile, clock: FrozenClock
) -> None:
    fill(store, bha, clock)
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a backup: left alone")
    start = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    made = [backup(store, folder, keep=3, now=start + timedelta(days=i)).path for i in range(5)]
    kept = sorted(p.name for p in folder.glob("frontdesk-*.db"))
    assert kept == sorted(p.name for p in made[2:])
    assert kept[0].startswith("frontdesk-20261203T020000")
    assert (folder / "notes.txt").exists()
    with pytest.raises(StoreError, match="keep at least 1"):
        backup(store, folder, keep=0)


def test_a_corrupted_backup_is_refused_and_the_database_left_alone(
    tmp_path: Path, store: Store, bha: Profile, clock: FrozenClock
) -> None:
    fill(store, bha, clock)
    good = backup(store, tmp_path / "b").path
    target = tmp_path / "desk.db"
    restore(good, str(target))
    before = target.read_bytes()

    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(good.read_bytes()[: 3 * 4096])
    scribbled = tmp_path / "scribbled.db"
    data = bytearray(good.read_bytes())
    for page in range(1, len(data) // 4096):  # scribble on every b-tree page header but the first
        data[page * 4096 : page * 4096 + 8] = b"\x0d\xff\xff\xff\xff\xff\xff\xff"
    scribbled.write_bytes(bytes(data))
    stranger = tmp_path / "stranger.db"
    sqlite3.connect(stranger).execute("CREATE TABLE t (x)").connection.commit()
    not_sqlite = tmp_path / "photo.db"
    not_sqlite.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    for bad, said in (
        (truncated, "damaged"),
        (scribbled, "damaged"),
        (stranger, "not a Front Desk database"),
        (not_sqlite, "not an SQLite database file"),
        (tmp_path / "missing.db", "no such backup file"),
    ):
        with pytest.raises(StoreError, match=said):
            restore(bad, str(target))
        assert target.read_bytes() == before, bad


def test_restore_refuses_a_database_in_use_unless_forced(
    tmp_path: Path, store: Store, bha: Profile, clock: FrozenClock
) -> None:
    fill(store, bha, clock)
    good = backup(store, tmp_path / "b").path
    assert store.path is not None
    with store.read() as session:  # this desk has the database open
        session.exec(select(Customer)).all()
    # Another process (a desk) holds the file open:
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('select 1 from staff');"
         " print('open', flush=True); sys.stdin.read()", str(store.path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        using = in_use(store.path)
        assert using and f"{holder.pid} " in using.words()
        with pytest.raises(StoreError, match=r"is in use \(open in process .*--force"):
            restore(good, str(store.path))
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
    customers.create(Desk(store, bha, clock, add_staff(store, "A B", "ab", "handler")), "Late")
    done = restore(good, str(store.path), force=True)
    assert done.checked.counts["customer"] == 1  # the one before the backup; "Late" is gone
    with store.read() as session:  # the desk that was open reads the restored database
        assert [c.name for c in session.exec(select(Customer))] == ["Morag Brown"]


def test_a_desk_on_another_machine_shows_by_its_wal_file(
    tmp_path: Path, store: Store, bha: Profile, clock: FrozenClock
) -> None:
    fill(store, bha, clock)
    good = backup(store, tmp_path / "b").path
    target = tmp_path / "desk.db"
    restore(good, str(target))
    assert not in_use(target)  # nobody has it open: no -wal beside it
    Path(f"{target}-wal").write_bytes(b"")  # what a desk elsewhere keeps while it has it open
    with pytest.raises(StoreError, match=r"write-ahead log \(-wal file\) is there"):
        restore(good, str(target))


def test_restore_migrates_an_older_backup(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    subprocess.run(
        [sys.executable, "-c",
         "import sys; from alembic import command; from alembic.config import Config;"
         "from console.store.engine import MIGRATIONS;"
         "c = Config(); c.set_main_option('script_location', str(MIGRATIONS));"
         "c.set_main_option('sqlalchemy.url', 'sqlite:///' + sys.argv[1]);"
         "command.upgrade(c, '0002')", str(old)],
        check=True, cwd=ROOT,
    )  # fmt: skip
    conn = sqlite3.connect(old)
    conn.execute("INSERT INTO customer (reference, name, address, phone, phone_alt, email,"
                 " interpreter_language, bsl_signer, large_print, audio, other_language,"
                 " induction_loop, preferred_contact, restriction, restriction_reason,"
                 " consent_to_share, anonymised, search_text)"
                 " VALUES ('T9', 'Old Timer', '', '', '', '', '', 0, 0, 0, '', 0, '', '', '',"
                 " 0, 0, 'old timer')")  # fmt: skip
    conn.commit()
    conn.close()
    assert check(old).schema == "0002"
    done = restore(old, str(tmp_path / "new.db"))
    assert (done.migrated_from, done.checked.schema) == ("0002", SCHEMA_HEAD)
    assert done.checked.counts["customer"] == 1


def test_cli_backup_and_restore(
    tmp_path: Path, bha: Profile, clock: FrozenClock, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "f.db"
    store = open_store(db)
    fill(store, bha, clock)
    store.close()
    assert main(["--db", str(db), "backup", "--to", str(tmp_path / "b"), "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert "backed up to" in out and "integrity ok" in out and "contacts 5" in out
    made = next((tmp_path / "b").glob("frontdesk-*.db"))
    assert main(["--db", str(tmp_path / "r.db"), "restore", str(made)]) == 0
    out = capsys.readouterr().out
    assert "customers 1, contacts 5" in out and "newest contact" in out
    missing = tmp_path / "missing.db"
    assert main(["--db", str(missing), "backup", "--to", str(tmp_path / "b")]) == 2
    assert "there is no database at" in capsys.readouterr().err and not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    assert main(["--db", str(empty), "backup", "--to", str(tmp_path / "b")]) == 2
    assert "is empty (no Front Desk schema): nothing to back up" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    assert main(["--db", str(tmp_path / "r.db"), "restore", str(junk)]) == 2
    assert "frontdesk restore: " in capsys.readouterr().err


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_copy_onto_an_empty_postgresql_database(
    tmp_path: Path, pg_database: str, bha: Profile, clock: FrozenClock,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    path = tmp_path / "desk.db"
    store = open_store(path)
    desk = fill(store, bha, clock, n_calls=30)
    with store.read() as session:
        here = {
            t: session.connection().exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar()
            for t in ("staff", "customer", "contact", "task", "event", "daily_summary")
        }
    result = copy_database(store, pg_database)
    assert {t: result.counts[t] for t in here} == here
    with pytest.raises(StoreError, match="is not empty"):
        copy_database(store, pg_database)
    store.close()
    server = open_store(pg_database)
    try:
        with server.read() as session:
            there = {
                t: session.connection().execute(text(f'SELECT count(*) FROM "{t}"')).scalar()
                for t in here
            }
            assert there == here
            got = session.exec(select(Contact).order_by(Contact.id)).first()
            assert got is not None and got.received_at is not None
            assert got.received_at.tzinfo is not None
        # the sequences start after the copied ids: a new desk record does not collide
        moved = Desk(server, bha, clock, desk.actor)
        new = customers.create(moved, "New Person")
        assert new.id > max(1, here["customer"])
        calls.log_call(moved, answer="4", category="other", customer_id=new.id)
    finally:
        server.close()
    assert main(["--db", str(path), "copy", "--to", pg_database]) == 2
    assert "is not empty" in capsys.readouterr().err


@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(
    tmp_path: Path, pg_database: str, bha: Profile, clock: FrozenClock
) -> None:
    from console.store.backup import _pg_tool

    try:
        _pg_tool("pg_dump")
    except StoreError as exc:
        pytest.skip(str(exc))
    store = open_store(pg_database)
    try:
        fill(store, bha, clock, n_calls=7)
        result = backup(store, tmp_path / "b", keep=2)
        assert result.path.suffix == ".dump" and result.path.read_bytes()[:5] == b"PGDMP"
        assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
        with store.write() as session:
            session.exec(select(Customer)).all()
            session.connection().execute(text("DELETE FROM task"))
            session.connection().execute(text("DELETE FROM contact"))
    finally:
        store.close()
    done = restore(result.path, pg_database, force=True)
    assert done.checked.counts["contact"] == 7
    assert done.checked.schema == SCHEMA_HEAD


def test_backup_on_postgresql_says_what_to_install_without_pg_dump(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from console.store import backup as module

    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    monkeypatch.setattr("glob.glob", lambda pattern: [])
    with pytest.raises(StoreError, match="pg_dump is not installed: install PostgreSQL's client"):
        module._pg_tool("pg_dump")
