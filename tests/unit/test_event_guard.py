"""The database itself refuses changes to audit events (migration 0003), on SQLite and PostgreSQL.

Every attempt goes through a plain database connection (the `sqlite3` module, `psycopg`), not
the app's session, so the app-level guard (console/store/guard.py) is not what refuses it; the
attempts through the app's own engine and raw driver cursor are checked separately.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from console.desk import calls, customers
from console.desk.context import Desk
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import SCHEMA_HEAD, Store, open_store
from console.store.guard import tampers_with_events
from tests.conftest import MONDAY_MORNING, add_staff

pytest_plugins = ["tests.pg"]

# The attempts that went through before (issue 14), and their neighbours.
ATTEMPTS = {
    "update": "UPDATE event SET detail = 'rewritten'",
    "delete": "DELETE FROM event",
    "delete one": "DELETE FROM event WHERE id = 1",
    "comment first": "/* tidy */ UPDATE event SET detail = 'rewritten'",
    "line comment first": "-- tidy\nDELETE FROM event",
    "with update": "WITH x AS (SELECT 1) UPDATE event SET detail = 'rewritten'",
    "with delete": "WITH x AS (SELECT 1) DELETE FROM event",
    "upsert": (
        "INSERT INTO event (id, at, action, entity, detail) "
        "SELECT id, at, action, entity, 'rewritten' FROM event WHERE true "
        "ON CONFLICT (id) DO UPDATE SET detail = 'rewritten'"
    ),
}
SQLITE_ONLY = {
    "insert or replace": (
        "INSERT OR REPLACE INTO event (id, at, action, entity, detail) "
        "SELECT id, at, action, entity, 'rewritten' FROM event"
    ),
    "replace into": (
        "REPLACE INTO event (id, at, action, entity, detail) "
        "SELECT id, at, action, entity, 'rewritten' FROM event"
    ),
}
POSTGRES_ONLY = {"truncate": "TRUNCATE event", "truncate cascade": "TRUNCATE TABLE event CASCADE"}
# Schema changes: refused on the app's own connections (SQLite's authorizer) and to the
# PostgreSQL application role (it owns nothing); the file's owner / the table's owner can.
SCHEMA = {
    "drop table": "DROP TABLE event",
    "alter rename": "ALTER TABLE event RENAME TO event_old",
    "alter add column": "ALTER TABLE event ADD COLUMN extra TEXT",
}


def with_events(store: Store) -> list[tuple[Any, ...]]:
    """A few real events (a customer created, a call logged); the trail as it stands."""
    actor = add_staff(store, "Hannah Reid", "hreid", "handler")
    desk = Desk(store, load_profile("bha"), FrozenClock(MONDAY_MORNING), actor)
    made = customers.create(desk, "Morag Stewart", address="1 Main Street")
    calls.log_call(desk, answer="5", category="rent", customer_id=made.id)
    return trail(store)


def trail(store: Store) -> list[tuple[Any, ...]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, at, staff_id, action, entity, entity_id, detail FROM event ORDER BY id"
            )
        )
        return [tuple(r) for r in rows]


@contextmanager
def plain(store: Store, url: str | None = None) -> Iterator[Callable[[str], None]]:
    """Run SQL through the bare driver (no SQLAlchemy, no Front Desk code), one transaction each."""
    if store.is_sqlite:
        assert store.path is not None
        conn = sqlite3.connect(store.path, isolation_level=None)

        def run(sql: str) -> None:
            conn.execute("BEGIN")
            try:
                conn.execute(sql)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

        try:
            yield run
        finally:
            conn.close()
        return
    import psycopg

    u = make_url(url or store.url)
    pconn = psycopg.connect(
        host=u.host, port=u.port, user=u.username, password=u.password, dbname=u.database
    )

    def run_pg(sql: str) -> None:
        with pconn.transaction():
            pconn.execute(sql)  # type: ignore[arg-type]  # our own literal SQL

    try:
        yield run_pg
    finally:
        pconn.close()


def refused(run: Callable[[str], None], sql: str) -> str:
    try:
        run(sql)
    except Exception as exc:
        return str(exc)
    pytest.fail(f"the database accepted: {sql}")


def test_the_schema_is_at_the_guard_migration(any_store: Store) -> None:
    assert SCHEMA_HEAD >= "0003"
    assert any_store.schema() == SCHEMA_HEAD


def test_a_plain_connection_cannot_change_or_remove_events(any_store: Store) -> None:
    before = with_events(any_store)
    assert len(before) >= 2
    attempts = dict(ATTEMPTS)
    attempts.update(SQLITE_ONLY if any_store.is_sqlite else POSTGRES_ONLY)
    with plain(any_store) as run:
        for name, sql in attempts.items():
            message = refused(run, sql)
            assert "append-only" in message, (name, message)
    assert trail(any_store) == before


def test_new_events_can_still_be_added_by_a_plain_connection(any_store: Store) -> None:
    before = with_events(any_store)
    with plain(any_store) as run:
        run(
            "INSERT INTO event (at, action, entity, detail) "
            "VALUES ('2025-11-24 10:00:00', 'noted', 'staff', 'appended')"
        )
    assert trail(any_store)[: len(before)] == before
    assert len(trail(any_store)) == len(before) + 1


def test_the_apps_raw_driver_cursor_is_refused_too(any_store: Store) -> None:
    """Below SQLAlchemy (no app guard): the database's triggers refuse it."""
    before = with_events(any_store)
    for sql in ATTEMPTS.values():
        raw = any_store.engine.raw_connection()
        try:
            with pytest.raises(Exception, match="append-only"):
                raw.cursor().execute(sql)
            raw.rollback()
        finally:
            raw.close()
    assert trail(any_store) == before


def test_the_apps_connections_refuse_schema_changes_on_sqlite(store: Store) -> None:
    before = with_events(store)
    for sql in [
        *SCHEMA.values(),
        "DROP TRIGGER event_no_update",
        "DROP TRIGGER event_no_delete",
        "PRAGMA writable_schema = ON",
    ]:
        raw = store.engine.raw_connection()  # below SQLAlchemy: only the authorizer stands here
        try:
            with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
                raw.cursor().execute(sql)
        finally:
            raw.close()
    assert trail(store) == before


def test_the_app_guard_reads_past_comments_and_with() -> None:
    for sql in [*ATTEMPTS.values(), *SQLITE_ONLY.values(), *POSTGRES_ONLY.values()]:
        assert tampers_with_events(sql), sql
    for sql in SCHEMA.values():
        assert tampers_with_events(sql), sql
    for fine in [
        "INSERT INTO event (at, action, entity, detail) VALUES (1, 'a', 'b', 'c')",
        "SELECT * FROM event WHERE detail = 'UPDATE'",
        "UPDATE task SET note = 'an event' WHERE id = 1",
        "DELETE FROM event_archive",
        "UPDATE revision SET value = value + 1 WHERE id = 1",
    ]:
        assert not tampers_with_events(fine), fine


APP_ROLE_SETUP = [
    "CREATE ROLE {role} LOGIN",
    "GRANT CONNECT ON DATABASE {db} TO {role}",
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE, TRUNCATE ON event FROM {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
]


@pytest.mark.postgres
def test_postgres_application_role_cannot_drop_alter_or_truncate(pg_database: str) -> None:
    """The README's set-up: the owner migrates, the desks connect as a role that owns nothing."""
    import uuid

    owner = open_store(pg_database)  # migrates as the owner
    before = with_events(owner)
    role = f"fd_app_{uuid.uuid4().hex[:8]}"
    db = make_url(pg_database).database
    with owner.engine.begin() as conn:
        for step in APP_ROLE_SETUP:
            conn.execute(text(step.format(role=role, db=f'"{db}"')))
    app_url = make_url(pg_database).set(username=role).render_as_string(hide_password=False)
    try:
        app = open_store(app_url)  # a desk works as the application role
        try:
            actor = add_staff(app, "Leah Murray", "lmurray", "team_lead")
            desk = Desk(app, load_profile("bha"), FrozenClock(MONDAY_MORNING), actor)
            calls.log_call(desk, answer="7", category="rent")
        finally:
            app.close()
        with plain(owner, app_url) as run:
            for name, sql in {**ATTEMPTS, **POSTGRES_ONLY, **SCHEMA}.items():
                message = refused(run, sql)
                assert (
                    "append-only" in message
                    or "permission denied" in message
                    or "must be owner" in message
                ), (name, message)
            refused(run, "DROP TRIGGER event_no_update ON event")
            refused(run, "DROP FUNCTION frontdesk_event_append_only() CASCADE")
        after = trail(owner)
        assert after[: len(before)] == before
    finally:
        with owner.engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE "{role}"'))
        owner.close()
