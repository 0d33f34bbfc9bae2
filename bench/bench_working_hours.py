"""Benchmark: 100,000 working-hours deadlines (office hours with a lunch closure).

    python bench/bench_working_hours.py [--n 100000] [--seed 2026] [--repeats 5]

The profile is the shipped ``govan`` (09:00-12:30 and 13:30-17:00, Friday to 16:00,
special hours). Receipts are random instants over 2025-2027 and amounts random
from 1 to 24 working hours, end to end (aware instant in, aware instant out).
Baselines measured in the same run: BHA's working_days deadlines through the same
``due_at`` (the clock the engine already had), and a plain minute-by-minute walk
on a sample (what the open-minutes table avoids), extrapolated per deadline.
Medians of a few runs, wall and CPU time (on a shared machine the wall time includes
waiting for a core); print only, no assertion on time (DESIGN.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.rules.calendar import office_blocks  # noqa: E402
from console.rules.clock import LONDON  # noqa: E402
from console.rules.deadlines import due_at  # noqa: E402
from console.rules.profiles import Block, Commitment, Profile, load_profile  # noqa: E402


def median_of(repeats: int, fn: Callable[[], Any]) -> tuple[float, float]:
    """Median wall time and median CPU time of this process, in seconds.

    On a shared machine the wall time includes waiting for a core; the CPU time does not.
    """
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def minute_walk(profile: Profile, received: datetime, hours: int) -> datetime:
    """The slow way: step through local time a minute at a time, counting open minutes."""
    t = received.astimezone(LONDON).replace(tzinfo=None, second=0, microsecond=0)
    left = hours * 60
    blocks: dict[date, tuple[Block, ...]] = {}
    while left:
        day = t.date()
        if day not in blocks:
            blocks[day] = office_blocks(profile, day)
        if any(a <= t.time() < b for a, b in blocks[day]):
            left -= 1
        t += timedelta(minutes=1)
    return t.replace(tzinfo=LONDON).astimezone(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--walk-sample", type=int, default=300)
    args = parser.parse_args(argv)
    n = args.n

    govan, bha = load_profile("govan"), load_profile("bha")
    rng = random.Random(args.seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2028, 1, 1, tzinfo=UTC) - start).total_seconds())
    received = [start + timedelta(seconds=rng.randrange(span)) for _ in range(n)]
    by_hours = {
        h: Commitment(f"wh{h}", "p", "t", "working_hours", h, "organisation") for h in range(1, 25)
    }
    chosen = [by_hours[rng.randrange(1, 25)] for _ in range(n)]
    bha_pool = [c for c in bha.commitments.values() if c.clock == "working_days"]
    bha_chosen = [rng.choice(bha_pool) for _ in range(n)]

    due_at(govan, chosen[0], received[0])  # warm up: calendars and the open-time table
    due_at(bha, bha_chosen[0], received[0])

    def working_hours() -> None:
        for c, r in zip(chosen, received, strict=True):
            due_at(govan, c, r)

    def working_days() -> None:
        for c, r in zip(bha_chosen, received, strict=True):
            due_at(bha, c, r)

    sample = list(zip(chosen, received, strict=True))[: args.walk_sample]

    def walk() -> None:
        for c, r in sample:
            minute_walk(govan, r, c.amount)

    # The walk is the oracle too: the table must give the same instants (receipts on the
    # minute, where the walk's minute steps are exact).
    on_minute = [r.replace(second=0, microsecond=0) for _, r in sample]
    agree = sum(
        due_at(govan, c, r) == minute_walk(govan, r, c.amount)
        for (c, _), r in zip(sample, on_minute, strict=True)
    )

    wh, wh_cpu = median_of(args.repeats, working_hours)
    wd, wd_cpu = median_of(args.repeats, working_days)
    wk, wk_cpu = median_of(max(1, args.repeats // 2), walk)
    scale = n / len(sample)  # the walk is timed on a sample and scaled to n
    print(
        f"{n:,} deadlines, receipts over 2025-2027, seed {args.seed}, "
        f"python {sys.version.split()[0]}, median of {args.repeats}"
    )
    print()
    rows = [
        ("working_hours (govan, 1-24 h), due_at", wh, wh_cpu),
        ("working_days (bha), due_at: the baseline", wd, wd_cpu),
        (f"minute walk (est. from {len(sample)})", wk * scale, wk_cpu * scale),
    ]
    head = ("what", "wall ms", "CPU ms", "CPU µs each", "÷ baseline (CPU)")
    table = [head] + [
        (
            name,
            f"{wall * 1000:,.0f}",
            f"{cpu * 1000:,.0f}",
            f"{cpu / n * 1e6:,.2f}",
            f"{cpu / wd_cpu:,.2f}x",
        )
        for name, wall, cpu in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print("(wall time includes waiting for a core on a shared machine; CPU time does not)")
    print()
    print(f"the table agrees with the minute walk on {agree} of {len(sample)} sampled receipts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
