"""Shared fixtures: a fresh SQLite store, a frozen clock, a desk with a signed-in actor.

Every test gets its own database, but none migrates one: each test process migrates
one template database once (`migrated_template`) and every test starts from a copy
of that file, which takes about a millisecond where a migration takes 150–200 ms.

Tests are marked by kind from their folder (`unit`, `ui`, `slow`), so a developer can
run ``pytest -m "unit or ui"`` (``make test-fast``) or ``pytest -m "not slow"``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.profiles import Profile, load_profile
from console.store.engine import Store, open_store
from console.store.models import Staff

# Monday 24 November 2025, 10:00 in Scotland: a working morning at both landlords.
MONDAY_MORNING = datetime(2025, 11, 24, 10, 0, tzinfo=LONDON)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_MORNING)


TESTS = Path(__file__).resolve().parent
KINDS = ("unit", "ui", "slow")  # the folders under tests/, each a marker of the same name


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test by the folder it lives in, so `-m unit`, `-m ui`, `-m slow` select;
    a test marked with a kind itself (a Pilot test among unit tests) keeps its own."""
    for item in items:
        if any(item.get_closest_marker(kind) for kind in KINDS):
            continue
        try:
            kind = item.path.resolve().relative_to(TESTS).parts[0]
        except ValueError:
            continue
        if kind in KINDS:
            item.add_marker(getattr(pytest.mark, kind))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated to head, made once per test process (xdist worker)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    open_store(path).close()
    # Fold the write-ahead log into the file, so the one file is the whole database.
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        companion.unlink(missing_ok=True)
    return path


def copy_database(template: Path, path: Path) -> Path:
    """A new database at `path`, a copy of `template` (owner-only, as open_store makes it)."""
    shutil.copyfile(template, path)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def store(migrated_template: Path, tmp_path: Path) -> Iterator[Store]:
    s = open_store(copy_database(migrated_template, tmp_path / "frontdesk.db"))
    yield s
    s.close()


@pytest.fixture
def db(migrated_template: Path, tmp_path: Path) -> str:
    """The path of a new, empty, migrated database for an app under test (the app opens its
    own store on it)."""
    return str(copy_database(migrated_template, tmp_path / "f.db"))


@pytest.fixture
def seat(db: str) -> Iterator[Store]:
    """The store at `db` as another desk seat (or the test) sees it."""
    s = open_store(db)
    yield s
    s.close()


@pytest.fixture
def bha() -> Profile:
    return load_profile("bha")


@pytest.fixture
def weslo() -> Profile:
    return load_profile("weslo")


def add_staff(store: Store, name: str, login: str, role: str, team: str = "") -> Actor:
    """A staff member straight into the store (no PIN): for tests that need an actor."""
    with store.write() as session:
        row = Staff(name=name, login=login, role=role, team=team)
        session.add(row)
        session.flush()
        assert row.id is not None
        return Actor(row.id, name, login, role, team)


def first_admin(store: Store, clock: FrozenClock) -> tuple[Actor, Desk]:
    """Ada Admin (PIN 7391) signs up as the first admin and adds Hamish Bell, a Calls handler
    (PIN 2580); returns her and her desk, for adding more staff."""
    from console.desk import people

    admin = people.create_first_admin(store, "Ada Admin", "aadmin", "7391", clock)
    desk = Desk(store, load_profile("bha"), clock, admin)
    people.add_staff(desk, "Hamish Bell", "hbell", "handler", "2580", team="Calls")
    return admin, desk


@pytest.fixture
def handler(store: Store) -> Actor:
    return add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")


@pytest.fixture
def lead(store: Store) -> Actor:
    return add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")


@pytest.fixture
def desk(store: Store, bha: Profile, clock: FrozenClock, handler: Actor) -> Desk:
    return Desk(store, bha, clock, handler)


@pytest.fixture
def weslo_desk(store: Store, weslo: Profile, clock: FrozenClock, handler: Actor) -> Desk:
    return Desk(store, weslo, clock, handler)


async def settle(pilot: object) -> None:
    """Let thread workers finish and their messages land before asserting."""
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()
    await workers_done(pilot.app)
    await pilot.pause()


async def workers_done(app: Any) -> None:
    """Wait for every worker of the app, as `app.workers.wait_for_complete()` does, except
    that a load cancelled because a newer one of its exclusive group replaced it (a reload
    over a reload, as a busy machine's timing may give) waits for the newer one instead of
    failing. Any other cancel (e.g. a worker cancelled by its screen closing) still fails.
    A service's refusal (a FrontDeskError: the screen shows it as one line, and tests assert
    on that line) is an outcome, not a failure of the test; any other error still fails."""
    from textual.worker import WorkerCancelled, WorkerFailed

    from console.rules.errors import FrontDeskError

    pending = list(app.workers)
    while pending:
        worker = pending.pop(0)
        try:
            await worker.wait()
        except WorkerCancelled:
            newer = [w for w in app.workers if w is not worker and w.group == worker.group]
            if not newer:
                raise
            pending.extend(w for w in newer if w not in pending)
        except WorkerFailed as failed:
            if not isinstance(failed.error, FrontDeskError):
                raise


# CI replays the same examples on every run, so a submission never lands or fails by chance;
# on a developer's machine hypothesis keeps exploring new ones.
if os.environ.get("CI"):
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
    _hypothesis_settings.load_profile("ci")
