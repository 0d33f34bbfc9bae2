"""The team lead's year report over 1,000,000 contacts (and 1,000,000 tasks): target under 200 ms.

Reuses the scaled database of bench/bench_store.py (``build_scaled``: a year of
1,000,000 contacts and 1,000,000 tasks, 20,000 open, around Monday 24 November
2025 10:00), or builds a smaller one of its own when that module is missing.
Then measures, as at NOW:

- one-off preparation: the summary rebuilt when the file's is from older code, and
  ``ensure_spec`` (the report's first run counts within-target waits and working
  days on the BHA profile);
- the year report (25 Nov 2024 to 24 Nov 2025), whole and by week, month and handler;
- the month-to-date report (the screen's default);
- one logged call through the ORM with the summary kept in the same transaction
  (rolled back, so the shared file is left as it was);
- for comparison, the calls of the year aggregated straight from the contact table
  through its plain (channel, day) index.

Run from the repository root: ``python bench/bench_report.py [--runs N]``. Prints
figures; no timed asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

NOW = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
YEAR = (date(2024, 11, 25), date(2025, 11, 24))
OWN = ROOT / "bench" / "out" / "report.db"


class _Rollback(Exception):
    pass


def scaled_database() -> Path:
    """bench_store's scaled database, or this benchmark's own when that module is missing."""
    try:
        from bench.bench_store import SCALED, build_scaled
    except ImportError:
        build_own(OWN)
        return OWN
    started = time.perf_counter()
    times = build_scaled(SCALED, quiet=False)
    if times:
        print(f"built {SCALED} in {time.perf_counter() - started:.0f} s")
    return SCALED


def build_own(path: Path, contacts: int = 1_000_000) -> None:
    """A year of calls, visits and written contacts (no tasks) straight into SQLite."""
    import random
    import sqlite3

    from console.rules.clock import LONDON
    from console.store.engine import open_store
    from console.store.summary.rebuild import rebuild_summary

    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    open_store(path).close()
    rng = random.Random(8)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous = OFF")
    con.executemany(
        "INSERT INTO staff (id, name, login, role, team, active, pin_hash, failed_attempts)"
        " VALUES (?, ?, ?, 'handler', '', 1, '', 0)",
        [(i, f"Handler {i:02d}", f"h{i:02d}") for i in range(1, 21)],
    )
    start = NOW - timedelta(days=365)
    rows = []
    for _ in range(contacts):
        at = start + timedelta(seconds=rng.randrange(365 * 86400))
        channel = rng.choices(["call", "visit", "email", "letter"], [70, 10, 15, 5])[0]
        answer = rng.expovariate(1 / 15) if channel == "call" else None
        served = at + timedelta(seconds=rng.expovariate(1 / 150)) if channel == "visit" else None
        stamp = at.replace(tzinfo=None).isoformat(" ", "microseconds")
        rows.append(
            (
                channel,
                rng.randrange(1, 21),
                stamp,
                at.astimezone(LONDON).date().isoformat(),
                answer,
                served.replace(tzinfo=None).isoformat(" ", "microseconds") if served else None,
                rng.choice(["resolved", "callback_routine"]) if channel == "call" else "",
            )
        )
    con.executemany(
        "INSERT INTO contact (channel, staff_id, received_at, day, answer_seconds, served_at,"
        " outcome, abandoned, visitor_name, left_unseen, category, notes, details, anonymised)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 0, '', 0, '', '', '{}', 0)",
        rows,
    )
    con.commit()
    con.close()
    store = open_store(path)
    rebuild_summary(store)
    store.close()


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(best, median) in milliseconds."""
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from sqlalchemy import text

    from console.desk.context import Actor, Desk
    from console.reports.builder import build_report
    from console.rules.clock import FrozenClock
    from console.rules.profiles import load_profile
    from console.store.engine import open_store
    from console.store.models import Contact
    from console.store.summary.rebuild import ensure_spec, rebuild_summary

    path = scaled_database()
    store = open_store(path)
    profile = load_profile("bha")
    with store.engine.connect() as conn:
        counts = conn.execute(
            text("SELECT (SELECT count(*) FROM contact), (SELECT count(*) FROM task)")
        ).one()
        fresh = conn.execute(
            text("SELECT count(*) FROM daily_summary WHERE metric LIKE 'task.due.%'")
        ).scalar()
    print(f"database: {path.relative_to(ROOT)}: {counts[0]:,} contacts, {counts[1]:,} tasks")
    if counts[1] and not fresh:
        t = time.perf_counter()
        rows = rebuild_summary(store, profile)
        print(
            f"summary rebuilt (older code built this file): {rows:,} rows"
            f" in {time.perf_counter() - t:.1f} s"
        )
    t = time.perf_counter()
    if ensure_spec(store, profile):
        print(
            "first report's one-off count on BHA's targets and calendar:"
            f" {time.perf_counter() - t:.1f} s"
        )
    with store.engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), sum(staff_id = 0) FROM daily_summary")).one()
    print(f"daily summary: {rows[0]:,} rows, {rows[1]:,} of them for everyone")

    desk = Desk(store, profile, FrozenClock(NOW), Actor(0, "bench", "bench", "admin"))
    print(
        f"\nyear report, {YEAR[0]} to {YEAR[1]}, as at {NOW:%Y-%m-%d %H:%M} UTC ({args.runs} runs):"
    )
    report = build_report(desk, start=YEAR[0], end=YEAR[1])
    for by in (None, "week", "month", "handler"):
        best, median = timed(
            lambda by=by: build_report(desk, start=YEAR[0], end=YEAR[1], by=by), args.runs
        )
        target = "  (target < 200 ms)" if by is None else ""
        print(
            f"  {'whole' if by is None else 'by ' + by:<11} best {best:7.1f} ms"
            f"   median {median:7.1f} ms{target}"
        )
    best, median = timed(lambda: build_report(desk), args.runs)
    print(f"  month to date  best {best:7.1f} ms   median {median:7.1f} ms")
    t = next(r for r in report.telephone if r.group == "all")
    print(
        f"  figures: {t.offered:,} calls offered,"
        f" service level {100 * (t.service_level or 0):.1f}%, "
        f"{report.open_total:,} open, {report.overdue_total:,} overdue, "
        f"{sum(c.fell_due for c in report.commitments):,} commitments fell due"
    )

    def one_call() -> None:
        try:
            with store.write() as session:
                session.add(
                    Contact(
                        channel="call",
                        staff_id=5,
                        received_at=NOW,
                        day=NOW.date(),
                        answered_at=NOW + timedelta(seconds=12),
                        answer_seconds=12.0,
                        outcome="resolved",
                    )
                )
                session.flush()
                raise _Rollback
        except _Rollback:
            pass

    best, median = timed(one_call, args.runs)
    print(
        "\none call logged with its summary rows (rolled back):"
        f" best {best:.2f} ms, median {median:.2f} ms"
    )

    def naive() -> None:
        with store.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT count(*), sum(abandoned), count(answer_seconds),"
                    " sum(answer_seconds <= 20), avg(answer_seconds), max(answer_seconds),"
                    " sum(outcome = 'resolved')"
                    " FROM contact WHERE channel = 'call' AND day BETWEEN :a AND :b"
                ),
                {"a": YEAR[0].isoformat(), "b": YEAR[1].isoformat()},
            ).one()

    best, median = timed(naive, min(args.runs, 3))
    print(f"for comparison, the year's calls alone from the contact table: best {best:.0f} ms")
    store.close()


if __name__ == "__main__":
    main()
