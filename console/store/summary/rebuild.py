"""The summary as a whole, on a store: made ready for a profile (`ensure_spec`),
rebuilt after a bulk load, refreshed for a stretch of days, and checked against a
recount (`check_summary`: empty when they agree)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    delete,
    insert,
    select,
    text,
)

from console.store.summary.cells import (
    DONE,
    DUE,
    RECV,
    SKIP,
    SPEC_STAFF,
    SUMMARY,
    Cells,
    add_cells,
    contact_cells,
    read_spec,
    spec_for,
    spec_rows,
    task_cells,
)
from console.store.summary.recount import (
    contact_rows,
    install_spec,
    rebuild_on,
    recompute_contacts,
    recompute_tasks,
    task_rows,
)

if TYPE_CHECKING:
    from console.rules.profiles import Profile
    from console.store.engine import Store


def ensure_spec(store: Store, profile: Profile) -> bool:
    """Make the summary count working days on this profile's calendar; True when it had to.

    Once per database in practice: the first report, or one under a profile whose
    office hours, closure days or complaint and repair commitments differ.
    """
    wanted = spec_for(profile)
    with store.read() as session:
        if read_spec(session.connection()) == wanted:
            return False
    with store.write() as session:
        session.info[SKIP] = True
        install_spec(session.connection(), wanted)
    return True


def rebuild_summary(store: Store, profile: Profile | None = None) -> int:
    """Recompute the whole summary in one transaction (after a bulk load that used raw SQL).

    With a profile, its targets and calendar are stored first, so the report finds the
    summary ready instead of counting again on its first run.
    """
    with store.write() as session:
        session.info[SKIP] = True
        conn = session.connection()
        if profile is not None:
            conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id == SPEC_STAFF))
            conn.execute(insert(SUMMARY), spec_rows(spec_for(profile)))
        return rebuild_on(conn)


def refresh_days(store: Store, first: date, last: date) -> None:
    """Recompute every summary row of local days first..last."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    with store.write() as session:
        session.info[SKIP] = True
        conn = session.connection()
        spec = read_spec(conn)
        recompute_contacts(conn, days)
        for family in (DUE, DONE, RECV):
            recompute_tasks(conn, spec, family, days)


def check_summary(store: Store) -> list[str]:
    """Differences between the stored summary and one rebuilt from scratch (empty: they agree)."""
    with store.read() as session:
        conn = session.connection()
        spec = read_spec(conn)
        fresh: Cells = {}
        for c in contact_rows(conn, text("1 = 1")):
            add_cells(fresh, contact_cells(c, spec))
        for t in task_rows(conn, text("1 = 1")):
            add_cells(fresh, task_cells(t, spec))
        stored = {
            (r.day, r.metric, r.staff_id, r.bucket): [r.count, r.total, r.longest]
            for r in conn.execute(select(SUMMARY).where(SUMMARY.c.staff_id != SPEC_STAFF))
        }
    problems = []
    for key in sorted(set(fresh) | set(stored), key=str):
        a, b = fresh.get(key, [0, 0.0, 0.0]), stored.get(key, [0, 0.0, 0.0])
        if a[0] == 0 and b[0] == 0:
            continue
        if a[0] != b[0] or abs(a[1] - b[1]) > 1e-6 or abs(a[2] - b[2]) > 1e-6:
            problems.append(f"{key}: rebuilt {a}, stored {b}")
    return problems
