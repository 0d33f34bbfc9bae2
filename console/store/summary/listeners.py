"""Keeping the summary in the same transaction as each write, without the writer
calling anything: session events, installed by `console.store.engine.wire()`.

New contacts and changed tasks add and take away their contributions (a task's
old values are read back from the database in `before_flush`); a changed or
deleted contact recomputes its days. ORM bulk statements are handled in
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


def apply_task_changes(
    conn: Connection, spec: Spec | None, old: Iterable[Any], new: Iterable[Any]
) -> None:
    """Take away the old rows' contributions, add the new rows'; exact, longest included."""
    minus: Cells = {}
    plus: Cells = {}
    for t in old:
        add_cells(minus, task_cells(t, spec))
    for t in new:
        add_cells(plus, task_cells(t, spec))
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
        return
    conn.execute(_UPSERT, cell_params(delta))
    redo: dict[str, set[date]] = {}
    if check:
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
    for family, days in redo.items():
        recompute_tasks(conn, spec, family, days)


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
    contact_days: set[date]
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
    days = _contact_days(conn, contact_ids)  # where the rows are now, before this flush
    for obj in session.dirty:
        if isinstance(obj, Contact) and obj.id in contact_ids and obj.day is not None:
            days.add(obj.day)  # and where they are going
    old = _tasks_by_id(conn, task_ids)
    session.info[_PENDING] = _Pending(days, set(task_ids), old)


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
    contact_days = pending.contact_days if pending else set()
    if contact_days:
        recompute_contacts(conn, contact_days)
    cells: Cells = {}
    for c in new_contacts:
        if c.day not in contact_days:
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
    if cls is Contact:
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
