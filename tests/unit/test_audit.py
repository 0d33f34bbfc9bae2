"""The audit trail: append-only at every level, and readable by team leads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, text, update
from sqlmodel import func, select

from console.desk import audit, context, customers, people
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.store.engine import Store
from console.store.guard import AppendOnlyViolation
from console.store.models import Event

ROOT = Path(__file__).resolve().parents[2]


def count_events(store: Store) -> int:
    with store.read() as session:
        return int(session.exec(select(func.count()).select_from(Event)).one())


@pytest.fixture
def one_event(desk: Desk) -> int:
    c = customers.create(desk, "Morag Stewart", phone="0141 496 0000")
    with desk.store.read() as session:
        ev = session.exec(select(Event).where(Event.customer_id == c.id)).one()
        assert ev.id is not None
        return ev.id


# --- append-only ----------------------------------------------------------------------


def test_changing_an_event_in_a_session_is_refused(store: Store, one_event: int) -> None:
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        ev = session.get(Event, one_event)
        assert ev is not None
        ev.detail = "tampered"
        session.add(ev)
    with store.read() as session:
        assert session.get(Event, one_event).detail == ""  # type: ignore[union-attr]


def test_deleting_an_event_in_a_session_is_refused(store: Store, one_event: int) -> None:
    before = count_events(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.delete(session.get(Event, one_event))
    assert count_events(store) == before


@pytest.mark.parametrize(
    "statement",
    [
        update(Event).values(detail="x"),
        delete(Event),
        update(Event).where(Event.id == 1).values(staff_id=None),  # type: ignore[arg-type]
    ],
    ids=["orm-update", "orm-delete", "orm-update-where"],
)
def test_orm_bulk_statements_are_refused(store: Store, one_event: int, statement: object) -> None:
    before = count_events(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.exec(statement)  # type: ignore[call-overload]
    assert count_events(store) == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE event SET detail = 'x'",
        "update  \"event\" set detail = 'x' where id = 1",
        "DELETE FROM event",
        "delete from main.event where id = 1",
        "INSERT OR REPLACE INTO event (id, at, action, entity, detail) "
        "VALUES (1, '2025-01-01', 'a', 'b', '')",
    ],
)
def test_raw_sql_is_refused(store: Store, one_event: int, sql: str) -> None:
    before = count_events(store)
    with pytest.raises(AppendOnlyViolation), store.write() as session:
        session.execute(text(sql))
    assert count_events(store) == before
    with pytest.raises(AppendOnlyViolation), store.engine.begin() as conn:
        conn.execute(text(sql))
    assert count_events(store) == before


def test_other_tables_and_inserts_are_untouched(store: Store, one_event: int) -> None:
    with store.write() as session:
        session.execute(text("UPDATE customer SET address = 'somewhere'"))
        session.execute(text("UPDATE revision SET value = value"))  # not "event"
    assert count_events(store) == 1


# Patterns that would change or remove audit rows, looked for in every core module.
FORBIDDEN = [
    re.compile(r"\b(update|delete)\s*\(\s*(models\.)?Event\b"),
    re.compile(r"(UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"'`]?event\b", re.IGNORECASE),
    re.compile(r"Event\.__table__\.(update|delete)"),
    re.compile(r"\.query\(\s*Event\s*\)[^\n]*\.(update|delete)\("),
    re.compile(r"drop_table\(\s*[\"']event[\"']"),
]


def test_no_core_code_updates_or_deletes_events() -> None:
    offenders = []
    for path in sorted((ROOT / "console").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "console/store/guard.py" or "/migrations/" in rel:
            continue  # the guard names what it refuses; migrations build the schema
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if any(p.search(line) for p in FORBIDDEN):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_the_grep_patterns_catch_what_they_should() -> None:
    bad = [
        "session.exec(update(Event).values(detail=''))",
        "session.execute(delete(Event))",
        'conn.execute(text("DELETE FROM event WHERE id = 3"))',
        "conn.execute(text('update event set detail = 1'))",
    ]
    assert all(any(p.search(line) for p in FORBIDDEN) for line in bad)
    assert not any(p.search("session.add(Event(at=now))") for p in FORBIDDEN)
    assert not any(p.search('text("UPDATE revision SET value = value + 1")') for p in FORBIDDEN)


def test_opening_a_store_installs_the_guard(tmp_path: Path) -> None:
    """The guard is wired where a reader finds it: open_store, not an import side effect."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.engine import Engine

    from console.store import guard
    from console.store.engine import open_store

    open_store(tmp_path / "g.db").close()
    assert sa_event.contains(Engine, "before_cursor_execute", guard._before_cursor_execute)


# --- reading the trail ----------------------------------------------------------------


def test_team_leads_see_a_customers_trail(desk: Desk, lead: Actor, clock: FrozenClock) -> None:
    c = customers.create(desk, "Morag Stewart")
    other = customers.create(desk, "Someone Else")
    clock.advance(minutes=5)
    customers.open_record(desk, c.reference)
    lead_desk = desk.with_actor(lead)
    clock.advance(minutes=1)
    trail = audit.for_customer(lead_desk, c.reference)
    # Looking at the trail is itself on the trail, first (once, not on reloads).
    assert [(e.action, e.staff_name, e.detail) for e in trail] == [
        ("opened", "Leah Murray", "audit trail"),
        ("opened", "Hannah Reid", "record"),
        ("created", "Hannah Reid", ""),
    ]
    assert trail[0].at > trail[1].at > trail[2].at
    assert all(e.customer_reference == c.reference for e in trail)
    assert other.id not in {e.customer_id for e in trail}
    assert len(audit.for_customer(lead_desk, c.id, record_view=False)) == 3


def test_handlers_cannot_read_the_trail(desk: Desk, handler: Actor) -> None:
    c = customers.create(desk, "Morag Stewart")
    with pytest.raises(PermissionDenied):
        audit.for_customer(desk, c.id)
    with pytest.raises(PermissionDenied):
        audit.recent(desk)
    with pytest.raises(PermissionDenied):
        audit.for_staff(desk, handler.login)


def test_recent_and_for_staff(desk: Desk, lead: Actor, handler: Actor, clock: FrozenClock) -> None:
    customers.create(desk, "Morag Stewart")
    lead_desk = desk.with_actor(lead)
    clock.advance(minutes=1)
    customers.create(lead_desk, "Iain Ross")
    latest = audit.recent(lead_desk, limit=1)
    assert len(latest) == 1 and latest[0].staff_name == "Leah Murray"
    assert [e.staff_id for e in audit.for_staff(lead_desk, handler.login)] == [handler.id]
    assert audit.recent(lead_desk, since=clock.now())[0].staff_id == lead.id
    with pytest.raises(InputError):
        audit.recent(lead_desk, limit=0)
    with pytest.raises(NotFound):
        audit.for_customer(lead_desk, "C999999")


def test_cli_events_read_as_command_line(store: Store, desk: Desk, lead: Actor) -> None:
    cli = desk.with_actor(context.cli_actor())
    people.add_staff(cli, "Ada Admin", "aadmin", "admin", "7391")
    entry = audit.recent(desk.with_actor(lead))[0]
    assert entry.staff_id is None and entry.who == "command line"
    assert entry.action_words == "created"
