"""Reading contacts and tasks back and writing their cells: recounting days,
families of metrics, or everything (`rebuild_on`, which the 0002 migration and
bulk loads use on their own connection)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    insert,
    inspect,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection

from console.store.summary.cells import (
    CONTACT,
    CONTACT_FIELDS,
    DONE,
    DUE,
    EMERGENCY,
    RECV,
    ROUTINE,
    SPEC_STAFF,
    STAGE1,
    STAGE2,
    SUMMARY,
    TASK,
    TASK_FIELDS,
    TASK_TABLE,
    URGENT,
    Cells,
    Spec,
    add_cells,
    contact_cells,
    day_bounds,
    read_spec,
    spec_rows,
    task_cells,
)


def install_spec(conn: Connection, spec: Spec) -> None:
    """Store the spec and recount what depends on it: contacts on new targets, working days."""
    old = read_spec(conn)
    if old == spec:
        return
    conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id == SPEC_STAFF))
    conn.execute(insert(SUMMARY), spec_rows(spec))
    if old is None or old.version != spec.version:
        rebuild_on(conn)  # counted by other code (or never): recount everything
        return
    if old.targets != spec.targets:
        rebuild_contacts(conn, spec)
    if old is None or (old.closes, old.closures, old.roles) != (
        spec.closes,
        spec.closures,
        spec.roles,
    ):
        rebuild_families(conn, spec, DONE, RECV)


# --- reading rows, writing cells ----------------------------------------------------------

_UPSERT = text(
    "INSERT INTO daily_summary (staff_id, day, metric, bucket, count, total, longest) "
    "VALUES (:staff_id, :day, :metric, :bucket, :count, :total, :longest) "
    "ON CONFLICT (staff_id, day, metric, bucket) DO UPDATE SET "
    "count = daily_summary.count + excluded.count, "
    "total = daily_summary.total + excluded.total, "
    "longest = CASE WHEN excluded.longest > daily_summary.longest "
    "THEN excluded.longest ELSE daily_summary.longest END"
).bindparams(bindparam("day", type_=Date()))


def cell_params(cells: Cells) -> list[dict[str, Any]]:
    return [
        {
            "staff_id": staff,
            "day": day,
            "metric": metric,
            "bucket": bucket,
            "count": int(v[0]),
            "total": float(v[1]),
            "longest": float(v[2]),
        }
        for (day, metric, staff, bucket), v in cells.items()
    ]


def insert_cells(conn: Connection, cells: Cells) -> None:
    rows = [r for r in cell_params(cells) if r["count"] > 0]
    for i in range(0, len(rows), 5000):
        conn.execute(insert(SUMMARY), rows[i : i + 5000])


def columns_of(table: Any, names: tuple[str, ...], details_when: Any) -> list[Any]:
    """The columns, with ``details`` (JSON) read only where it can matter: decoding it is slow."""
    cols = [table.c[name] for name in names if name != "details"]
    details = type_coerce(case((details_when, table.c.details), else_=None), JSON).label("details")
    return [*cols, details]


def contact_rows(conn: Connection, where: Any, *, stream: bool = False) -> Iterable[Any]:
    # a complaint resolved at the front line is the only thing read from a contact's details
    stage = cast(CONTACT.c.details, String).like('%"stage"%')
    when = or_(CONTACT.c.outcome.like("%complaint%"), stage)
    stmt = select(*columns_of(CONTACT, CONTACT_FIELDS, when)).where(where)
    if stream:
        return conn.execute(stmt.execution_options(yield_per=20_000))
    return conn.execute(stmt).all()


def task_rows(
    conn: Connection, where: Any, *, stream: bool = False, names: tuple[str, ...] = TASK_FIELDS
) -> Iterable[Any]:
    # a task's details only stand in for an empty outcome column
    when = or_(TASK_TABLE.c.outcome.is_(None), TASK_TABLE.c.outcome == "")
    stmt = select(*columns_of(TASK_TABLE, names, when)).where(where)
    if stream:
        return conn.execute(stmt.execution_options(yield_per=20_000))
    return conn.execute(stmt).all()


def in_days(column: Any, days: list[date]) -> Any:
    return or_(*(and_(column >= a, column < b) for a, b in map(day_bounds, days)))


def recompute_contacts(conn: Connection, days: Iterable[date]) -> None:
    """Replace the contact rows of these days from the contacts."""
    wanted = sorted(set(days))
    if not wanted:
        return
    spec = read_spec(conn)
    metric = SUMMARY.c.metric
    conn.execute(
        delete(SUMMARY).where(
            SUMMARY.c.day.in_(wanted), ~metric.startswith(TASK), SUMMARY.c.staff_id != SPEC_STAFF
        )
    )
    cells: Cells = {}
    for c in contact_rows(conn, CONTACT.c.day.in_(wanted)):
        add_cells(cells, contact_cells(c, spec))
    insert_cells(conn, cells)


def rebuild_contacts(conn: Connection, spec: Spec | None) -> None:
    """Recount every contact row (the targets changed)."""
    conn.execute(
        delete(SUMMARY).where(~SUMMARY.c.metric.startswith(TASK), SUMMARY.c.staff_id != SPEC_STAFF)
    )
    cells: Cells = {}
    for c in contact_rows(conn, text("1 = 1"), stream=True):
        add_cells(cells, contact_cells(c, spec))
    insert_cells(conn, cells)


def recompute_tasks(conn: Connection, spec: Spec | None, family: str, days: Iterable[date]) -> None:
    """Replace one family of task rows (DUE, DONE or RECV) on these days from the tasks."""
    wanted = sorted(set(days))
    if not wanted:
        return
    T = TASK_TABLE
    conn.execute(
        delete(SUMMARY).where(SUMMARY.c.day.in_(wanted), SUMMARY.c.metric.startswith(family))
    )
    cells: Cells = {}
    keep = set(wanted)
    for i in range(0, len(wanted), 100):
        chunk = wanted[i : i + 100]
        if family == DUE:
            where = in_days(T.c.due_at, chunk)
        elif spec is None:
            return
        elif family == DONE:
            slugs = spec.slugs(STAGE1, STAGE2, EMERGENCY, URGENT, ROUTINE)
            where = and_(
                text("task.status = 'done'"), T.c.slug.in_(slugs), in_days(T.c.completed_at, chunk)
            )
        else:
            where = and_(T.c.slug.in_(spec.slugs(STAGE1, STAGE2)), in_days(T.c.received_at, chunk))
        for t in task_rows(conn, where):
            add_cells(
                cells, (c for c in task_cells(t, spec) if c[1].startswith(family) and c[0] in keep)
            )
    insert_cells(conn, cells)


def rebuild_families(conn: Connection, spec: Spec | None, *families: str) -> None:
    """Recount every row of these task families (DONE, RECV) from the complaint and repair tasks."""
    if spec is None or not families:
        return
    conn.execute(delete(SUMMARY).where(or_(*(SUMMARY.c.metric.startswith(f) for f in families))))
    slugs = [slug for slug, _ in spec.roles]
    cells: Cells = {}
    for t in task_rows(conn, TASK_TABLE.c.slug.in_(slugs), stream=True):
        add_cells(cells, (c for c in task_cells(t, spec) if c[1].startswith(families)))
    insert_cells(conn, cells)


def recompute(
    conn: Connection, contact_days: Iterable[date] = (), due_days: Iterable[date] = ()
) -> None:
    """After a bulk load on a Core connection: the contact rows of ``contact_days``, the due
    rows of ``due_days`` and (when the summary holds a calendar) every completion and receipt
    row of complaints and repairs, in the caller's transaction."""
    spec = read_spec(conn)
    recompute_contacts(conn, contact_days)
    recompute_tasks(conn, spec, DUE, due_days)
    rebuild_families(conn, spec, DONE, RECV)


def rebuild_on(conn: Connection) -> int:
    """Empty the summary and fill it again from every contact and task; returns the rows written."""
    spec = read_spec(conn)
    conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id != SPEC_STAFF))
    cells: Cells = {}
    for c in contact_rows(conn, text("1 = 1"), stream=True):
        add_cells(cells, contact_cells(c, spec))
    # A migration older than the aims (0007) rebuilds on a task table without aim_at.
    present = {c["name"] for c in inspect(conn).get_columns(TASK_TABLE.name)}
    names = tuple(n for n in TASK_FIELDS if n in present)
    for t in task_rows(conn, text("1 = 1"), stream=True, names=names):
        add_cells(cells, task_cells(t, spec))
    insert_cells(conn, cells)
    return len(cells)
