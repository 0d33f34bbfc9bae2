"""Keeping the summary in the same transaction as each write, without the writer
calling anything: session events, installed by `console.store.engine.wire()`.

New contacts, changed contacts and changed tasks add and take away their
contributions (old values are read back from the database in `before_flush`);
a day is recounted only when a removed value may have been its longest.
ORM bulk statements are handled in
`do_orm_execute`. Raw SQL and Core connections are not seen: bulk loads call
`rebuild_on(conn)` / `rebuild_summary(store)` when they finish, or `refresh_days`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    delete,
    func,
    select,
)
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from console.store.models import Contact, Task
from console.store.summary.cells import (
    CONTACT,
    CONTACT_SET,
    DONE,
    DUE,
    RECV,
    SKIP,
    SPEC_STAFF,
    SUMMARY,
    TASK_SET,
    TASK_TABLE,
    Cells,
    Spec,
    add_cells,
    contact_cells,
    read_spec,
    task_cells,
)
from console.store.summary.recount import (
    _UPSERT,
    cell_params,
    contact_rows,
    recompute_contacts,
    recompute_tasks,
    task_rows,
)

_PENDING = "frontdesk_summary_pending"  # session.info: what before_flush found for after_flush


# --- applying changes ---------------------------------------------------------------------


def _family(metric: str) -> str:
    for family in (DUE, DONE, RECV):
        if metric.startswith(family):
            return family
    return ""


def _apply_changes(
    conn: Connection, spec: Spec | None, cells_of: Any, old: Iterable[Any], new: Iterable[Any]
) -> dict[str, set[date]]:
    """Take away the old rows' contributions, add the new rows'. Returns the days whose
    `longest` may have gone with an old row (by metric family), for the caller to recount."""
    minus: Cells = {}
    plus: Cells = {}
    for row in old:
        add_cells(minus, cells_of(row, spec))
    for row in new:
        add_cells(plus, cells_of(row, spec))
    delta: Cells = {}
    check: dict[tuple[date, str, int, int], float] = {}
    for key in set(minus) | set(plus):
        m = minus.get(key, [0, 0.0, 0.0])
        p = plus.get(key, [0, 0.0, 0.0])
        if m[0] == p[0] and abs(m[1] - p[1]) < 1e-9 and m[2] <= p[2]:
            continue  # unchanged
        delta[key] = [p[0] - m[0], p[1] - m[1], p[2]]
        if m[0] and m[2] > p[2]:
            check[key] = m[2]  # a longest value left: it may have been the cell's longest
    if not delta:
        return {}
    conn.execute(_UPSERT, cell_params(delta))
    redo: dict[str, set[date]] = {}
    for (day, metric, staff, bucket), removed in check.items():
        longest = conn.execute(
            select(SUMMARY.c.longest).where(
                SUMMARY.c.staff_id == staff,
                SUMMARY.c.day == day,
                SUMMARY.c.metric == metric,
                SUMMARY.c.bucket == bucket,
            )
        ).scalar()
        if longest is not None and removed >= longest - 1e-9:
            redo.setdefault(_family(metric), set()).add(day)
    conn.execute(delete(SUMMARY).where(SUMMARY.c["count"] <= 0, SUMMARY.c.staff_id != SPEC_STAFF))
    return redo


def apply_task_changes(
    conn: Connection, spec: Spec | None, old: Iterable[Any], new: Iterable[Any]
) -> None:
    """Take away the old rows' contributions, add the new rows'; exact, longest included."""
    for family, days in _apply_changes(conn, spec, task_cells, old, new).items():
        recompute_tasks(conn, spec, family, days)


def apply_contact_changes(
    conn: Connection, spec: Spec | None, old: Iterable[Any], new: Iterable[Any]
) -> None:
    """As for tasks: a changed contact moves its own contribution, not its whole day's.

    (Recounting the day on every change made each save cost as much as the day's calls
    so far: with eight desks busy, seconds by the afternoon. Issue 14.)
    """
    redo = _apply_changes(conn, spec, contact_cells, old, new)
    days: set[date] = set().union(*redo.values()) if redo else set()
    if days:
        recompute_contacts(conn, days)


def _contacts_by_id(conn: Connection, ids: Iterable[int]) -> list[Any]:
    found: list[Any] = []
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        found.extend(contact_rows(conn, CONTACT.c.id.in_(id_list[i : i + 900])))
    return found


def _tasks_by_id(conn: Connection, ids: Iterable[int]) -> list[Any]:
    found: list[Any] = []
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        found.extend(task_rows(conn, TASK_TABLE.c.id.in_(id_list[i : i + 900])))
    return found


def _contact_days(conn: Connection, ids: Iterable[int]) -> set[date]:
    found: set[date] = set()
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        chunk = id_list[i : i + 900]
        found.update(conn.execute(select(CONTACT.c.day).where(CONTACT.c.id.in_(chunk))).scalars())
    return found


# --- the session events -----------------------------------------------------------------


def _changed(obj: Any, fields: frozenset[str]) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@dataclass
class _Pending:
    contact_ids: set[int]
    old_contacts: list[Any]
    task_ids: set[int]
    old_tasks: list[Any]


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(SKIP):
        return
    contact_ids: list[int] = []
    task_ids: list[int] = []
    for obj in session.dirty:
        if isinstance(obj, Contact) and obj.id is not None and _changed(obj, CONTACT_SET):
            contact_ids.append(obj.id)
        elif isinstance(obj, Task) and obj.id is not None and _changed(obj, TASK_SET):
            task_ids.append(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Contact) and obj.id is not None:
            contact_ids.append(obj.id)
        elif isinstance(obj, Task) and obj.id is not None:
            task_ids.append(obj.id)
    if not contact_ids and not task_ids:
        return
    conn = session.connection()
    old_contacts = _contacts_by_id(conn, contact_ids)  # the rows as they are, before this flush
    old = _tasks_by_id(conn, task_ids)
    session.info[_PENDING] = _Pending(set(contact_ids), old_contacts, set(task_ids), old)


def _after_flush(session: Session, _context: Any) -> None:
    if session.info.get(SKIP):
        return
    pending: _Pending | None = session.info.pop(_PENDING, None)
    new_contacts = [o for o in session.new if isinstance(o, Contact)]
    new_tasks = [o.id for o in session.new if isinstance(o, Task) and o.id is not None]
    if pending is None and not new_contacts and not new_tasks:
        return
    conn = session.connection()
    spec = read_spec(conn)
    if pending and pending.contact_ids:
        apply_contact_changes(
            conn, spec, pending.old_contacts, _contacts_by_id(conn, pending.contact_ids)
        )
    cells: Cells = {}
    for c in new_contacts:
        add_cells(cells, contact_cells(c, spec))
    if cells:
        conn.execute(_UPSERT, cell_params(cells))
    changed = (pending.task_ids if pending else set()) | set(new_tasks)
    if changed:
        old = pending.old_tasks if pending else []
        apply_task_changes(conn, spec, old, _tasks_by_id(conn, changed))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _do_orm_execute(state: ORMExecuteState) -> Any:
    """ORM bulk insert/update/delete on contact or task: keep the summary as for single rows."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    cls = mapper.class_ if mapper is not None else None
    if cls not in (Contact, Task) or state.session.info.get(SKIP):
        return None
    conn = state.session.connection()
    table = CONTACT if cls is Contact else TASK_TABLE
    where = getattr(state.statement, "whereclause", None)
    top = 0
    ids: set[int] = set()
    if state.is_insert:
        top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    else:
        query = select(table.c.id) if where is None else select(table.c.id).where(where)
        ids = set(conn.execute(query).scalars())
    if cls is Contact:
        days = _contact_days(conn, ids)
    else:
        old = _tasks_by_id(conn, ids)
    result = state.invoke_statement()
    if state.is_insert:
        ids = set(conn.execute(select(table.c.id).where(table.c.id > top)).scalars())
    if cls is Contact and state.is_insert:
        # New rows only add to their cells: no need to recount their whole days (a bulk
        # import would otherwise recount each day once per batch, under the write lock).
        spec = read_spec(conn)
        cells: Cells = {}
        for c in contact_rows(conn, CONTACT.c.id > top):
            add_cells(cells, contact_cells(c, spec))
        if cells:
            conn.execute(_UPSERT, cell_params(cells))
    elif cls is Contact:
        recompute_contacts(conn, days | _contact_days(conn, ids))
    else:
        apply_task_changes(conn, read_spec(conn), old, _tasks_by_id(conn, ids))
    return result


def install() -> None:
    """Register the events once, for every session in the process."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_rollback", _after_rollback),
        ("do_orm_execute", _do_orm_execute),
    ):
        if not sa_event.contains(Session, name, fn):
            sa_event.listen(Session, name, fn)
