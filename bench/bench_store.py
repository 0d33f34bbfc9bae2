"""The store at scale: 1,000,000 contacts and 1,000,000 tasks of which 20,000 open.

Builds (once) a scaled database at bench/out/scaled.db, then measures:

- the build itself (target: under two minutes);
- the top 200 open tasks by due instant, through SQLAlchemy (target: under 5 ms);
- one logged call committed durably through the store (target: under 2 ms);
- the revision poll every desk makes each second; a month of calls by day.

Run from the repository root: ``python bench/bench_store.py [--rebuild] [--runs N]``.
Prints figures; no timed asserts. Other benchmarks reuse the database::

    from bench.bench_store import NOW, SCALED, build_scaled
    build_scaled(SCALED)          # returns at once when it is already built

The data is built around NOW (Monday 24 November 2025, 10:00): a year of contacts
on the organisation's working days in office hours (BHA profile), tasks on the
profile's commitments with due instants from the engine, 20,000 of them open
(due from about ten days ago to a month ahead), the rest done or cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
SCALED = OUT / "scaled.db"
NOW = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
CONTACTS = 1_000_000
TASKS = 1_000_000
OPEN = 20_000
STAFF = 24
CUSTOMERS = 20_000
TEAMS = ("Customer Services", "Repairs", "Governance", "Housing Options")
# Marks a database build_scaled made (PRAGMA user_version), so a reused file is the right one.
BUILD_MARK = 3_000_011
CHANNELS = (
    ("call", 70),
    ("email", 10),
    ("visit", 8),
    ("letter", 5),
    ("social", 3),
    ("voicemail", 3),
    ("home_visit", 1),
)
OUTCOMES = (  # console/desk/outcomes.py kinds, as the calls screen stores them
    ("resolved", 52), ("callback_routine", 10), ("callback_urgent", 2), ("referred", 7),
    ("repair_emergency", 2), ("repair_urgent", 4), ("repair_routine", 7),
    ("complaint_frontline", 3), ("complaint_stage1", 3), ("transferred", 10),
)  # fmt: skip
TASK_MIX = (
    ("acknowledge", 22), ("callback-routine", 18), ("callback-urgent", 4), ("reply-routine", 14),
    ("reply-urgent", 3), ("repair-emergency", 3), ("repair-urgent", 8), ("repair-routine", 14),
    ("complaint-stage1", 5), ("complaint-stage2", 1), ("housing-application", 4),
    ("alternative-format", 1), ("subject-access", 1), ("foi", 1), ("progress-update", 1),
)  # fmt: skip
HOURLY = {8: 0.6, 9: 1.6, 10: 1.8, 11: 1.4, 12: 0.9, 13: 0.8, 14: 1.0, 15: 0.9, 16: 0.6}


def _stamp(moment: datetime) -> str:
    """How the store keeps an instant in SQLite: naive UTC with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# SQLite writes the text from whole epoch seconds exactly as SQLAlchemy would ("… 10:00:03.000000").
def _ts(n: int) -> str:
    return f"datetime(?{n}, 'unixepoch') || '.000000'"


def build_mark(path: Path) -> int | None:
    """BUILD_MARK (built here), BUILD_MARK + 1 (with the daily summary), or None (not ours)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            mark = conn.execute("PRAGMA user_version").fetchone()[0]
            schema = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    from console.store.engine import SCHEMA_HEAD

    if schema != SCHEMA_HEAD or mark not in (BUILD_MARK, BUILD_MARK + 1):
        return None
    return int(mark)


def is_built(path: Path, *, summary: bool = False) -> bool:
    """True when `path` is a scaled database this module built, at the current schema."""
    mark = build_mark(path)
    return mark is not None and (mark == BUILD_MARK + 1 or not summary)


def build_scaled(
    path: Path = SCALED, *, rebuild: bool = False, summary: bool = False, quiet: bool = True
) -> dict[str, float]:
    """Build the scaled database at `path` (a no-op when it is already there); timings in seconds.

    Built beside the target and moved into place when complete, so a benchmark
    holding the old file open never sees a half-built one. `summary=True` also
    fills the daily summary (console/store/summary.py) the way every write keeps it;
    asked of a database built without it, it adds just the summary.
    """
    if not rebuild and is_built(path, summary=summary):
        return {}
    if not rebuild and summary and build_mark(path) == BUILD_MARK:
        return _add_summary(path, quiet=quiet)
    import numpy as np

    from console.rules.profiles import load_profile
    from console.store.engine import open_store

    path.parent.mkdir(parents=True, exist_ok=True)
    work = path.with_name(path.name + ".building")
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    times: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    open_store(work).close()  # the schema, by the migrations
    profile = load_profile("bha")
    gen = np.random.default_rng(20251124)
    conn = sqlite3.connect(work, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    conn.execute("PRAGMA temp_store = MEMORY")
    indexes = list(
        conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('contact', 'task')"
        )
    )
    for name, _ in indexes:  # faster to build them once the rows are in
        conn.execute(f'DROP INDEX "{name}"')
    conn.execute("BEGIN")
    _staff_and_customers(conn, random.Random(7))
    t = time.perf_counter()
    conn.executemany(
        "INSERT INTO contact (id, channel, customer_id, staff_id, received_at, day, answered_at,"
        " ended_at, answer_seconds, abandoned, visitor_name, served_at, served_by_id, left_at,"
        " left_unseen, category, outcome, notes, details, created_at, anonymised) VALUES"
        f" (?1, ?2, ?3, ?4, {_ts(5)}, ?6, {_ts(7)}, {_ts(8)}, ?9, ?10, ?11, {_ts(12)}, ?13,"
        f" {_ts(14)},"
        f" 0, ?15, ?16, '', '{{}}', {_ts(5)}, 0)",
        _contacts(gen, profile),
    )
    times["contacts"] = time.perf_counter() - t
    t = time.perf_counter()
    conn.executemany(
        "INSERT INTO task (id, slug, title, contact_id, customer_id, received_at, due_at, status,"
        " assignee_id, team, outcome, note, completed_at, created_by_id, extended_reason, details,"
        " created_at, anonymised) VALUES"
        f" (?1, ?2, ?3, ?4, ?5, {_ts(6)}, {_ts(7)}, ?8, ?9, ?10, ?11,"
        f" '', {_ts(12)}, ?13, '', ?14, {_ts(6)}, 0)",
        _tasks(gen, profile),
    )
    times["tasks"] = time.perf_counter() - t
    t = time.perf_counter()
    for _, sql in indexes:
        conn.execute(sql)
    times["indexes"] = time.perf_counter() - t
    conn.execute("UPDATE revision SET value = 1 WHERE id = 1")
    conn.execute("COMMIT")
    t = time.perf_counter()
    conn.execute("ANALYZE")
    times["analyze"] = time.perf_counter() - t
    conn.execute(f"PRAGMA user_version = {BUILD_MARK}")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    times["database"] = time.perf_counter() - started
    if summary:
        times.update(_add_summary(work, quiet=True))
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(work, path)
    times["total"] = time.perf_counter() - started
    times["cpu"] = time.process_time() - cpu
    (path.parent / (path.name + ".json")).write_text(
        json.dumps(
            {
                "contacts": CONTACTS,
                "tasks": TASKS,
                "open": OPEN,
                "now": NOW.isoformat(),
                "seconds": times,
            }
        )
    )
    if not quiet:
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return times


def _add_summary(path: Path, *, quiet: bool) -> dict[str, float]:
    """Fill the daily summary of a built database (slow: the summary reads every row)."""
    from console.rules.profiles import load_profile
    from console.store.engine import open_store
    from console.store.summary.rebuild import rebuild_summary

    t = time.perf_counter()
    store = open_store(path)
    rebuild_summary(store, load_profile("bha"))  # what the year's report reads
    store.close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {BUILD_MARK + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, as built
    conn.close()
    times = {"summary": time.perf_counter() - t}
    if not quiet:
        print(f"  daily summary added in {times['summary']:.1f} s")
    return times


def _staff_and_customers(conn: sqlite3.Connection, rng: random.Random) -> None:
    from console.demo.build import FIRST_NAMES, STREETS, SURNAMES, TOWNS

    created = _stamp(NOW - timedelta(days=800))
    conn.executemany(
        "INSERT INTO staff (id, name, login, role, team, active, pin_hash, failed_attempts,"
        " created_at)"
        " VALUES (?, ?, ?, ?, ?, 1, '', 0, ?)",
        [
            (
                i,
                f"Staff Member {i:02d}",
                f"staff{i:02d}",
                "team_lead"
                if i == 1
                else "admin"
                if i == 2
                else "reception"
                if i in (3, 4)
                else "handler",
                TEAMS[i % len(TEAMS)],
                created,
            )
            for i in range(1, STAFF + 1)
        ],
    )
    rows = []
    for i in range(1, CUSTOMERS + 1):
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
        town, district = rng.choice(TOWNS)
        address = (
            f"{rng.randint(1, 90)} {rng.choice(STREETS)}, {town} {district} {rng.randint(1, 9)}AB"
        )
        phone = f"07{i:03d} {i:06d}"
        ref = f"C{i:06d}"
        search = "|".join(p.lower() for p in (ref, name, address, phone, phone.replace(" ", "")))
        restriction = "contact by letter only" if i % 997 == 0 else ""
        rows.append((i, ref, name, address, phone, restriction, search, created, created))
    conn.executemany(
        "INSERT INTO customer (id, reference, name, address, phone, phone_alt, email,"
        " interpreter_language, bsl_signer, large_print, audio, other_language, induction_loop,"
        " preferred_contact, restriction, restriction_reason, consent_to_share, anonymised,"
        " search_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '', '', '', 0, 0, 0, '', 0,"
        " 'phone', ?, '', 1, 0, ?, ?, ?)",
        rows,
    )


def _working_days(profile: Any, first: date, last: date) -> list[tuple[date, int, int]]:
    """(day, opening, closing) as epoch seconds, for the organisation's working days."""
    from console.rules.calendar import local_instant, office_hours

    days = []
    day = first
    while day <= last:
        hours = office_hours(profile, day)
        if hours is not None:
            opens, closes = local_instant(day, hours[0]), local_instant(day, hours[1])
            days.append((day, int(opens.timestamp()), int(closes.timestamp())))
        day += timedelta(days=1)
    return days


def _nullable(values: Any, keep: Any) -> list[Any]:
    """A column as a Python list with None where `keep` is False."""
    out = values.astype(object)
    out[~keep] = None
    return list(out.tolist())


def _contacts(gen: Any, profile: Any) -> Iterator[tuple[Any, ...]]:
    """A year of contacts up to NOW, with a morning peak each working day; ids in time order."""
    import numpy as np

    from console.rules.clock import LONDON

    now = int(NOW.timestamp())
    days = [
        d
        for d in _working_days(profile, (NOW - timedelta(days=365)).date(), NOW.date())
        if d[1] < now
    ]
    per_day, extra = divmod(CONTACTS, len(days))
    received_parts, day_parts = [], []
    for n, (_day, opens, closes) in enumerate(days):
        closes = min(closes, now)
        slots = max(1, (closes - opens) // 300)
        local = datetime.fromtimestamp(opens, UTC).astimezone(LONDON)  # the peak follows local time
        weights = np.array(
            [HOURLY.get((local + timedelta(seconds=s * 300)).hour, 0.5) for s in range(slots)]
        )
        count = per_day + (1 if n < extra else 0)
        picks = gen.choice(slots, size=count, p=weights / weights.sum())
        received_parts.append(np.sort(opens + picks * 300 + gen.integers(0, 300, size=count)))
        day_parts.append(np.full(count, n))
    received = np.concatenate(received_parts)
    day_index = np.concatenate(day_parts)
    n = len(received)
    cnames, cweights = zip(*CHANNELS, strict=True)
    cp = np.array(cweights) / sum(cweights)
    channel = np.array(cnames)[gen.choice(len(cnames), size=n, p=cp)]
    is_call, is_visit = channel == "call", channel == "visit"
    abandoned = is_call & (gen.random(n) < 0.06)
    answered_call = is_call & ~abandoned
    answer = np.where(
        gen.random(n) < 0.84, gen.integers(2, 20, size=n), gen.integers(21, 241, size=n)
    )
    answered_at = received + answer
    ended = np.where(
        abandoned,
        received + gen.integers(6, 151, size=n),
        answered_at + gen.integers(60, 901, size=n),
    )
    served = received + gen.integers(15, 401, size=n)
    left = served + gen.integers(120, 901, size=n)
    staff = gen.integers(1, STAFF + 1, size=n)
    customer = gen.integers(1, CUSTOMERS + 1, size=n)
    has_customer = (gen.random(n) < 0.85) & ~abandoned
    onames, oweights = zip(*OUTCOMES, strict=True)
    outcome = np.array(onames, dtype=object)[
        gen.choice(len(onames), size=n, p=np.array(oweights) / sum(oweights))
    ]
    outcome[abandoned] = "abandoned"
    outcome[np.isin(channel, ["email", "letter", "social"])] = ""  # correspondence: no outcome
    categories = np.array([c.key for c in profile.categories], dtype=object)
    category = categories[gen.integers(0, len(categories), size=n)]
    day_text = [d[0].isoformat() for d in days]
    return zip(
        range(1, n + 1),
        channel.tolist(),
        _nullable(customer, has_customer),
        _nullable(staff, ~abandoned),
        received.tolist(),
        [day_text[i] for i in day_index.tolist()],
        _nullable(answered_at, answered_call),
        _nullable(ended, is_call),
        _nullable(answer.astype(float), answered_call),
        abandoned.astype(int).tolist(),
        np.where(is_visit, "V", "").tolist(),
        _nullable(served, is_visit),
        _nullable(staff, is_visit),
        _nullable(left, is_visit),
        category.tolist(),
        outcome.tolist(),
        strict=True,
    )


def _lookback_days(c: Any) -> float:
    """A little more than a commitment's span, in calendar days."""
    if c.clock == "working_days":
        return c.amount * 7 / 5 + 3
    if c.clock == "months":
        return c.amount * 31 + 5
    if c.clock == "calendar_days":
        return c.amount + 2
    return max(1.0, c.amount / 24 * 2) if c.clock == "hours" else 1.0


def _tasks(gen: Any, profile: Any) -> Iterator[tuple[Any, ...]]:
    """TASKS tasks: OPEN open ones due around NOW, the rest done (a few cancelled) over the year."""
    import numpy as np

    from console.rules.deadlines import due_at

    now = int(NOW.timestamp())
    names, weights = zip(*TASK_MIX, strict=True)
    commitments = [profile.commitment(s) for s in names]
    slug = gen.choice(len(names), size=TASKS, p=np.array(weights) / sum(weights))
    is_open = np.zeros(TASKS, dtype=bool)
    is_open[gen.choice(TASKS, size=OPEN, replace=False)] = True
    days = [
        d
        for d in _working_days(profile, (NOW - timedelta(days=400)).date(), NOW.date())
        if d[1] < now
    ]
    opens = np.array([d[1] for d in days])
    span = np.array([min(d[2], now) - d[1] for d in days])
    day = gen.integers(0, len(days), size=TASKS)
    received = opens[day] + (gen.random(TASKS) * span[day]).astype(np.int64)
    # Open tasks were received lately, within a little more than their commitment's span,
    # so most are still in time and some overdue (by days, not months).
    lookback = np.array([_lookback_days(c) * 86400 for c in commitments])
    recent = now - (gen.random(TASKS) * lookback[slug]).astype(np.int64)
    received = np.where(is_open, recent, received)
    due = np.fromiter(
        (
            due_at(profile, commitments[k], datetime.fromtimestamp(r, UTC)).timestamp()
            for k, r in zip(slug.tolist(), received.tolist(), strict=True)
        ),
        dtype=np.float64,
        count=TASKS,
    ).astype(np.int64)
    roll = gen.random(TASKS)
    cancelled = ~is_open & (roll < 0.02)
    late = ~is_open & (roll > 0.9)
    window = due - received
    completed = np.where(
        late,
        due + gen.integers(3600, 72 * 3600, size=TASKS),
        received
        + (
            window * np.where(cancelled, gen.random(TASKS) * 0.5, gen.uniform(0.05, 0.97, TASKS))
        ).astype(np.int64),
    )
    completed = np.where(completed > now, now - gen.integers(60, 36000, size=TASKS), completed)
    status = np.where(is_open, "open", np.where(cancelled, "cancelled", "done"))
    outcome = np.where(is_open, "", np.where(cancelled, "cancelled: duplicate", "done"))
    assignee = gen.integers(1, STAFF + 1, size=TASKS)
    assigned = ~is_open | (gen.random(TASKS) < 0.67)
    contact = gen.integers(1, CONTACTS + 1, size=TASKS)
    details = {
        "repair-emergency": '{"priority": "emergency"}',
        "repair-urgent": '{"priority": "urgent"}',
        "repair-routine": '{"priority": "routine"}',
        "complaint-stage1": json.dumps(
            {
                "stage": 1,
                "subject": "Repair not done when promised",
                "service": "Repairs",
                "outcome": "",
            }
        ),
        "complaint-stage2": json.dumps(
            {
                "stage": 2,
                "subject": "Call back not received",
                "service": "Customer Services",
                "outcome": "",
            }
        ),
    }
    slugs = slug.tolist()
    return zip(
        range(1, TASKS + 1),
        [names[k] for k in slugs],
        [commitments[k].promise for k in slugs],
        _nullable(contact, gen.random(TASKS) < 0.9),
        gen.integers(1, CUSTOMERS + 1, size=TASKS).tolist(),
        received.tolist(),
        due.tolist(),
        status.tolist(),
        _nullable(assignee, assigned),
        [commitments[k].team for k in slugs],
        outcome.tolist(),
        _nullable(completed, ~is_open),
        gen.integers(1, STAFF + 1, size=TASKS).tolist(),
        [details.get(names[k], "{}") for k in slugs],
        strict=True,
    )


# -- measurements ----------------------------------------------------------------------------


def median_ms(fn: Callable[[], Any], runs: int) -> tuple[float, float, float, float]:
    """(median, 95th percentile, first, median CPU time of this process) in milliseconds.

    The CPU figure leaves out waiting (for the disk, or for a core on a busy machine).
    """
    t = time.perf_counter()
    fn()
    first = (time.perf_counter() - t) * 1000
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return statistics.median(times), p95, first, statistics.median(cpu)


def show(label: str, figures: tuple[float, float, float, float], target: str = "") -> None:
    med, p95, first, cpu = figures
    print(
        f"  {label:<50} median {med:7.3f} ms  p95 {p95:7.3f} ms  first {first:6.2f} ms"
        f"  cpu {cpu:6.3f} ms  {target}"
    )


def measure(path: Path, runs: int) -> None:
    from sqlalchemy import delete, func, select, text
    from sqlmodel import col

    from console.rules.clock import LONDON
    from console.store.engine import open_store
    from console.store.models import Contact, Task

    store = open_store(path)
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} on {os.cpu_count()} cores (figures are wall-clock)")
    with store.read() as session:
        contacts = session.execute(select(func.count()).select_from(Contact)).scalar_one()
        tasks = session.execute(select(func.count()).select_from(Task)).scalar_one()
        open_n = session.execute(
            select(func.count()).select_from(Task).where(col(Task.status) == "open")
        ).scalar_one()  # type: ignore[arg-type]
    print(
        f"database: {path} ({path.stat().st_size / 1e6:,.0f} MB; "
        f"{contacts:,} contacts, {tasks:,} tasks, {open_n:,} open)"
    )

    top = select(Task).where(Task.status == "open").order_by(Task.due_at, Task.id).limit(200)  # type: ignore[arg-type]
    with store.read() as session:
        compiled = top.compile(dialect=store.engine.dialect)
        params = tuple(compiled.params[n] for n in compiled.positiontup or ())
        plan = session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
    print(f"  plan: {' / '.join(str(r[-1]) for r in plan)}")

    def top_orm() -> None:
        with store.read() as session:
            rows = session.execute(top).scalars().all()
            assert len(rows) == 200

    top_core = (
        select(
            col(Task.id),
            col(Task.slug),
            col(Task.customer_id),
            col(Task.assignee_id),
            col(Task.due_at),
        )
        .where(col(Task.status) == "open")
        .order_by(col(Task.due_at), col(Task.id))
        .limit(200)
    )

    def top_rows() -> None:
        with store.read() as session:
            assert len(session.execute(top_core).all()) == 200

    table = Task.__table__  # type: ignore[attr-defined]
    top_table = (
        select(table)
        .where(table.c.status == "open")
        .order_by(table.c.due_at, table.c.id)
        .limit(200)
    )

    def top_table_rows() -> None:
        with store.read() as session:
            assert len(session.execute(top_table).all()) == 200

    show(
        "top 200 open tasks by due instant (ORM objects)", median_ms(top_orm, runs), "target < 5 ms"
    )
    show("top 200 open tasks by due instant (every column, rows)", median_ms(top_table_rows, runs))
    show("top 200 open tasks by due instant (5 columns, rows)", median_ms(top_rows, runs))
    show("revision poll", median_ms(store.revision, runs), "every desk, every second")

    month = (
        select(col(Contact.day), func.count())
        .where(
            col(Contact.channel) == "call",
            col(Contact.day) >= date(2025, 10, 1),
            col(Contact.day) < date(2025, 11, 1),
        )
        .group_by(col(Contact.day))
    )

    def calls_by_day() -> None:
        with store.read() as session:
            session.execute(month).all()

    show(
        "calls per day for a month (ix_contact_channel_day)",
        median_ms(calls_by_day, max(20, runs // 10)),
    )

    with store.read() as session:
        before = session.execute(select(func.max(Contact.id))).scalar_one()

    def log_call() -> None:
        now = datetime.now(UTC)
        with store.write() as session:
            session.add(
                Contact(
                    channel="call",
                    staff_id=5,
                    customer_id=1234,
                    received_at=now - timedelta(seconds=300),
                    day=now.astimezone(LONDON).date(),
                    answered_at=now - timedelta(seconds=290),
                    ended_at=now,
                    answer_seconds=10.0,
                    category="rent",
                    outcome="resolved",
                    notes="Asked for rent balance",
                )
            )

    show(
        "one logged call, committed durably (WAL + FULL)",
        median_ms(log_call, runs),
        "target < 2 ms",
    )
    with store.write() as session:  # leave the shared database as it was built
        session.execute(delete(Contact).where(Contact.id > before))  # type: ignore[arg-type]
    with store.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the scaled database again")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per figure (default 200)")
    parser.add_argument(
        "--path", type=Path, default=SCALED, help=f"the database (default {SCALED})"
    )
    args = parser.parse_args()
    if args.rebuild or not is_built(args.path):
        print(
            f"building {args.path}: {CONTACTS:,} contacts, {TASKS:,} tasks ({OPEN:,} open) …",
            flush=True,
        )
        times = build_scaled(args.path, rebuild=True, quiet=False)
        load = os.getloadavg()[0]
        print(
            f"  built in {times['total']:.1f} s, {times['cpu']:.1f} s of CPU (target < 120 s;"
            f" load average {load:.1f} on {os.cpu_count()} cores)"
        )
    else:
        print(f"reusing {args.path} (--rebuild to build it again)")
    measure(args.path, args.runs)


if __name__ == "__main__":
    main()
