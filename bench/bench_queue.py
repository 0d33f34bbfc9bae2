"""The live queue at scale: 1,000,000 tasks of which 20,000 open.

Measures, on the scaled database (bench/bench_store.py's ``build_scaled`` when it is
there, else a minimal one built here with the same shape):

- the first page (50 rows) of the queue, and a page after a cursor deep in it;
- the same with each filter (mine, team, kind, overdue, customer, search);
- the header counts (GROUP BY over the open tasks);
- ``ensure_progress_updates`` on a database of its own with the same 20,000 open
  tasks (the shared scaled database is never written: the screen bench turns the
  screen's own call off);
- the queue screen: time from the rows arriving to the DataTable holding them.

Run from the repository root: ``python bench/bench_queue.py``. Prints figures; no
timed asserts. ``--rebuild`` builds the database again.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
# The instant the scaled data is built around (a Monday morning in Scotland).
NOW = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
TOTAL = 1_000_000
OPEN = 20_000
STAFF = 24
CUSTOMERS = 20_000
SLUGS = (
    ("callback-routine", "Customer Services"),
    ("callback-urgent", "Customer Services"),
    ("reply-routine", "Customer Services"),
    ("acknowledge", "Customer Services"),
    ("repair-urgent", "Repairs"),
    ("repair-routine", "Repairs"),
    ("complaint-stage1", "Customer Services"),
    ("subject-access", "Governance"),
    ("foi", "Governance"),
    ("housing-application", "Housing Options"),
)
TEAMS = ("Customer Services", "Repairs", "Governance", "Housing Options")


def _stamp(moment: datetime) -> str:
    """How the store keeps an instant in SQLite (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def build_own(path: Path, *, total: int = TOTAL, open_count: int = OPEN) -> None:
    """A minimal scaled database: staff, customers and ``total`` tasks, ``open_count`` open."""
    from console.store.engine import open_store

    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    open_store(path).close()  # the schema, by the migrations
    rng = random.Random(6)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO staff (id, name, login, role, team, active, pin_hash, failed_attempts)"
        " VALUES (?, ?, ?, ?, ?, 1, '', 0)",
        [
            (i, f"Staff Member {i:02d}", f"staff{i:02d}", "handler", TEAMS[i % len(TEAMS)])
            for i in range(1, STAFF + 1)
        ],
    )
    con.executemany(
        "INSERT INTO customer (id, reference, name, address, phone, phone_alt, email,"
        " interpreter_language, bsl_signer, large_print, audio, other_language, induction_loop,"
        " preferred_contact, restriction, restriction_reason, consent_to_share, anonymised,"
        " search_text) VALUES (?, ?, ?, '', '', '', '', '', 0, 0, 0, '', 0, '', ?, '', 0, 0, ?)",
        [
            (
                i,
                f"C{i:06d}",
                f"Customer {i:05d} Smith" if i % 50 == 0 else f"Customer {i:05d}",
                "contact by letter only" if i % 997 == 0 else "",
                f"c{i:06d}|customer {i:05d}" + (" smith" if i % 50 == 0 else ""),
            )
            for i in range(1, CUSTOMERS + 1)
        ],
    )
    open_ids = set(rng.sample(range(1, total + 1), open_count))
    span = timedelta(days=730).total_seconds()

    def rows() -> Any:
        for i in range(1, total + 1):
            slug, team = SLUGS[i % len(SLUGS)]
            if i in open_ids:
                # open: due from 10 days ago to 30 days ahead; a third unassigned
                due = NOW + timedelta(seconds=rng.uniform(-10 * 86400, 30 * 86400))
                status, done = "open", None
                assignee = rng.randint(1, STAFF) if rng.random() < 0.67 else None
            else:
                due = NOW - timedelta(seconds=rng.uniform(11 * 86400, span))
                status, done = "done", _stamp(due - timedelta(hours=rng.uniform(0, 48)))
                assignee = rng.randint(1, STAFF)
            received = due - timedelta(days=4)
            yield (
                i,
                slug,
                slug.replace("-", " "),
                rng.randint(1, CUSTOMERS),
                _stamp(received),
                _stamp(due),
                status,
                assignee,
                team,
                "done" if done else "",
                done,
                _stamp(received),
            )

    con.executemany(
        "INSERT INTO task (id, slug, title, customer_id, received_at, due_at, status,"
        " assignee_id, team, outcome, note, completed_at, extended_reason, details, created_at,"
        " anonymised) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, '', '{}', ?, 0)",
        rows(),
    )
    con.execute("COMMIT")
    con.close()


def scaled_db(rebuild: bool) -> Path:
    """bench_store.build_scaled's database when that bench is there, else a minimal one of ours."""
    try:
        from bench.bench_store import SCALED as STORE_SCALED
        from bench.bench_store import build_scaled
    except ImportError:
        path = OUT / "queue_scaled.db"
        if path.exists() and not rebuild:
            return path
        print(f"building {path} (bench/bench_store.py is not there: a minimal one) …", flush=True)
        started = time.perf_counter()
        build_own(path)
        print(f"  built in {time.perf_counter() - started:.0f} s")
        return path
    print(f"using {STORE_SCALED} (bench_store.build_scaled; built once, reused) …", flush=True)
    took = build_scaled(STORE_SCALED, rebuild=rebuild)
    if took:
        print(f"  built in {took.get('total') or sum(took.values()):.0f} s")
    return Path(STORE_SCALED)


def timed(fn: Callable[[], Any], runs: int = 20) -> tuple[float, float, Any]:
    """(first run ms, median ms of the rest, last result)."""
    started = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(times), result


def show(label: str, first: float, median: float, extra: str = "") -> None:
    print(f"  {label:<44} first {first:7.2f} ms   median {median:7.2f} ms  {extra}")


def bench_queries(path: Path) -> None:
    from console.desk import queue
    from console.desk.context import Actor, Desk
    from console.rules.clock import FrozenClock
    from console.rules.profiles import load_profile
    from console.store.engine import open_store

    store = open_store(path)
    actor = Actor(1, "Staff Member 01", "staff01", "team_lead", TEAMS[1])
    desk = Desk(store, load_profile("bha"), FrozenClock(NOW), actor)
    with store.read() as session:
        from sqlalchemy import text

        total = session.execute(text("SELECT count(*) FROM task")).scalar()
        open_n = session.execute(text("SELECT count(*) FROM task WHERE status = 'open'")).scalar()
    print(f"database: {path} ({total:,} tasks, {open_n:,} open)")

    first, med, p = timed(lambda: queue.page(desk, limit=50))
    show("first page (50 rows)", first, med, f"{len(p.rows)} rows")
    cursor = None
    after = None
    for _ in range(200):  # walk 10,000 rows deep, page by page
        after = queue.page(desk, after=cursor, limit=50)
        cursor = after.next
    assert cursor is not None
    first, med, p = timed(lambda: queue.page(desk, after=cursor, limit=50))
    show("page after a cursor 10,000 rows deep", first, med, f"{len(p.rows)} rows")
    filters = {
        "mine (assignee)": queue.QueueFilter(assignee_id=1),
        "my team": queue.QueueFilter(team=TEAMS[1]),
        "kind 'complaint'": queue.QueueFilter(kind="complaint"),
        "overdue only": queue.QueueFilter(overdue=True),
        "customer": queue.QueueFilter(customer_id=1234),
        "search 'smith'": queue.QueueFilter(search="smith"),
        "search with no match": queue.QueueFilter(search="zzzz"),
    }
    for label, f in filters.items():
        first, med, p = timed(lambda f=f: queue.page(desk, f, limit=50), runs=10)
        show(f"first page, {label}", first, med, f"{len(p.rows)} rows")
    later = NOW + timedelta(days=4)
    first, med, p = timed(lambda: queue.page(desk, queue.QueueFilter(overdue=True), at=later))
    show("overdue as at 4 days later", first, med, f"{len(p.rows)} rows")
    first, med, c = timed(lambda: queue.counts(desk), runs=10)
    show(
        "header counts (by kind, by handler)", first, med, f"{c.open:,} open, {c.overdue:,} overdue"
    )
    first, med, c = timed(lambda: queue.counts(desk, assignee_id=1), runs=10)
    show("header counts, one handler", first, med, f"{c.open:,} open")
    store.close()


def bench_ensure() -> None:
    """ensure_progress_updates: opening updates, and the steady state with nothing to do."""
    from console.desk import queue
    from console.desk.context import Desk
    from console.rules.clock import FrozenClock
    from console.rules.profiles import load_profile
    from console.store.engine import open_store

    with tempfile.TemporaryDirectory() as tmp:
        # Opening them: 2,000 open tasks, about a quarter overdue.
        path = Path(tmp) / "small.db"
        build_own(path, total=4_000, open_count=2_000)
        store = open_store(path)
        desk = Desk(store, load_profile("bha"), FrozenClock(NOW), None)
        started = time.perf_counter()
        made = queue.ensure_progress_updates(desk)
        took = (time.perf_counter() - started) * 1000
        print(
            f"  {'ensure_progress_updates, opening them':<44} {took:9.1f} ms   opened {made:,}"
            f" ({took / max(made, 1):.1f} ms each, in batches of {queue.ENSURE_BATCH})"
        )
        store.close()
        # The steady state at scale: 20,000 open tasks, every overdue one already has
        # its open update (made here in bulk); what each queue load and tick pays.
        path = Path(tmp) / "open.db"
        build_own(path, total=OPEN + 20_000, open_count=OPEN)
        con = sqlite3.connect(path)
        con.execute(
            "INSERT INTO task (slug, title, customer_id, parent_id, received_at, due_at, status,"
            " assignee_id, team, outcome, note, extended_reason, details, created_at, anonymised)"
            " SELECT 'progress-update', 'progress update', customer_id, id, due_at, due_at, 'open',"
            " assignee_id, team, '', '', '', '{\"auto\": \"progress_update\"}', due_at, 0"
            " FROM task WHERE status = 'open' AND due_at < ?",
            (_stamp(NOW),),
        )
        con.commit()
        con.close()
        store = open_store(path)
        desk = Desk(store, load_profile("bha"), FrozenClock(NOW), None)
        first, med, made = timed(lambda: queue.ensure_progress_updates(desk), runs=10)
        show("ensure_progress_updates, nothing to do", first, med, f"opened {made}")
        store.close()


def bench_screen(path: Path) -> None:
    """The queue screen on the scaled database: rows in hand to rows in the table."""
    from console.desk.context import Actor
    from screens.app import FrontDeskApp

    FrontDeskApp.OPEN_PROGRESS_UPDATES = False  # never write to the shared scaled database

    async def run() -> None:
        from console.rules.clock import FrozenClock

        actor = Actor(1, "Staff Member 01", "staff01", "team_lead", TEAMS[1])
        app = FrontDeskApp(
            db=str(path), policy="bha", clock=FrozenClock(NOW), actor=actor, start="queue"
        )
        async with app.run_test(size=(140, 45)) as pilot:
            for _ in range(100):
                await pilot.pause(0.05)
                screen = app.screen
                if getattr(screen, "timings", None) and screen.timings.get("render_ms"):
                    break
            t = getattr(app.screen, "timings", {})
            print(
                f"  {'queue screen: query':<44} {t.get('query_ms', float('nan')):9.2f} ms\n"
                f"  {'queue screen: rows into the DataTable':<44} "
                f"{t.get('render_ms', float('nan')):9.2f} ms   ({t.get('rows', 0)} rows)"
            )
            for _ in range(3):  # to the bottom: each time the next page loads
                await pilot.press("ctrl+end")
                for _ in range(40):
                    await pilot.pause(0.05)
                    if not app.screen.loading_more:
                        break
            t = app.screen.timings
            print(f"  {'after ctrl+End three times: rows loaded':<44} {t.get('rows', 0):9d}")

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the scaled database again")
    parser.add_argument("--skip-screen", action="store_true", help="queries only")
    args = parser.parse_args()
    path = scaled_db(args.rebuild)
    print("== queue queries")
    bench_queries(path)
    print("== progress updates")
    bench_ensure()
    if not args.skip_screen:
        print("== queue screen (headless)")
        bench_screen(path)


if __name__ == "__main__":
    main()
