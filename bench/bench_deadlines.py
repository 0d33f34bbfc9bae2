"""Benchmark: 100,000 deadlines through the engine, against workalendar and numpy.

    python bench/bench_deadlines.py [--n 100000] [--seed 2025]

Receipt instants are random over 2025-2027; commitments are random working_days,
months and hours slugs of the BHA profile. Ours is timed end to end (aware
instant in, aware instant out) and, for the working_days ones, on date arithmetic
alone, which is all that workalendar's ``Scotland().add_working_days`` and
``numpy.busday_offset`` do. It prints figures and where workalendar's dates
differ from ours, and why. Print only: no assertion on time (DESIGN.md).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from console.rules.calendar import scottish_bank_holidays, working_calendar  # noqa: E402
from console.rules.clock import LONDON  # noqa: E402
from console.rules.deadlines import due_at  # noqa: E402
from console.rules.profiles import Commitment, load_profile  # noqa: E402


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """The fastest of a few runs, in seconds: the figure least disturbed by the machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="how many deadlines")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    n = args.n

    profile = load_profile("bha")
    rng = random.Random(args.seed)
    pool = [
        c for c in profile.commitments.values() if c.clock in ("working_days", "months", "hours")
    ]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    span = int((datetime(2028, 1, 1, tzinfo=UTC) - start).total_seconds())
    received = [start + timedelta(seconds=rng.randrange(span)) for _ in range(n)]
    chosen: list[Commitment] = [rng.choice(pool) for _ in range(n)]
    work = [(c, r) for c, r in zip(chosen, received, strict=True) if c.clock == "working_days"]

    # Warm up: builds the calendars (imports holidays) outside the timed runs.
    due_at(profile, chosen[0], received[0])

    def ours_mixed() -> None:
        for c, r in zip(chosen, received, strict=True):
            due_at(profile, c, r)

    def ours_working() -> None:
        for c, r in work:
            due_at(profile, c, r)

    # Date arithmetic only, on the same inputs workalendar and numpy get: the local
    # date of receipt and the number of working days.
    dates = [r.astimezone(LONDON).date() for _, r in work]
    amounts = [c.amount for c, _ in work]
    cals = [working_calendar(profile, c.calendar or "organisation") for c, _ in work]
    ordinals = [d.toordinal() for d in dates]

    def ours_dates() -> list[date]:
        return [cal.add_working_days(d, k) for cal, d, k in zip(cals, dates, amounts, strict=True)]

    def ours_ordinals() -> list[int]:
        return [cal.add_ordinal(o, k) for cal, o, k in zip(cals, ordinals, amounts, strict=True)]

    rows: list[tuple[str, int, float]] = [
        ("ours: due_at, mixed clocks", n, best_of(3, ours_mixed)),
        ("ours: due_at, working_days only", len(work), best_of(3, ours_working)),
        ("ours: add_working_days (dates)", len(work), best_of(3, ours_dates)),
        ("ours: add_ordinal (ordinals)", len(work), best_of(3, ours_ordinals)),
    ]
    our_dates = ours_dates()

    # -- workalendar ------------------------------------------------------------------------
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "every Scotland (sub)calendar is highly experimental"
        from workalendar.europe import Scotland

        scotland = Scotland()
        scotland.add_working_days(date(2025, 1, 6), 1)  # warm its holiday cache
        t0 = time.perf_counter()
        theirs = [scotland.add_working_days(d, k) for d, k in zip(dates, amounts, strict=True)]
        wl_time = time.perf_counter() - t0
        wl_holidays = {d: name for y in range(2024, 2030) for d, name in scotland.holidays(y)}
    rows.append(("workalendar Scotland().add_working_days", len(work), wl_time))

    # -- numpy ------------------------------------------------------------------------------
    import numpy as np

    sct = scottish_bank_holidays(range(2024, 2030))
    bus = np.busdaycalendar(weekmask="1111100", holidays=sorted(sct))
    np_dates = np.array(dates, dtype="datetime64[D]")
    np_amounts = np.array(amounts)
    # roll="backward": a non-working day of receipt rolls back to the last working day, so
    # +N lands on the Nth working day after the day of receipt, as ours does.
    np_time = best_of(
        3, lambda: np.busday_offset(np_dates, np_amounts, roll="backward", busdaycal=bus)
    )
    np_out = np.busday_offset(np_dates, np_amounts, roll="backward", busdaycal=bus)
    np_with_conversion = best_of(
        3,
        lambda: np.busday_offset(
            np.array(dates, dtype="datetime64[D]"), np_amounts, roll="backward", busdaycal=bus
        ).tolist(),
    )
    rows.append(("numpy busday_offset (vectorised)", len(work), np_time))
    rows.append(("numpy busday_offset + list conversion", len(work), np_with_conversion))

    # -- figures ----------------------------------------------------------------------------
    per = {name: secs / count * 1e6 for name, count, secs in rows}
    wl_per = per["workalendar Scotland().add_working_days"]
    np_per = per["numpy busday_offset (vectorised)"]
    print(f"{n:,} deadlines ({len(work):,} on working_days), receipts over 2025-2027")
    print(f"seed {args.seed}, python {sys.version.split()[0]}")
    print()
    head = ("what", "count", "total ms", "µs each", "workalendar ÷", "numpy ÷")
    table = [head] + [
        (
            name,
            f"{count:,}",
            f"{secs * 1000:.1f}",
            f"{per[name]:.2f}",
            f"{wl_per / per[name]:.1f}x",
            f"{np_per / per[name]:.2f}x",
        )
        for name, count, secs in rows
    ]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for i, r in enumerate(table):
        print(
            "  ".join(
                c.ljust(w) if j == 0 else c.rjust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print(
        "(÷ columns: that tool's µs per deadline over this row's; above 1 means this row is faster)"
    )

    # -- disagreements ----------------------------------------------------------------------
    np_diff = sum(1 for a, b in zip(our_dates, np_out.tolist(), strict=True) if a != b)
    print()
    print(f"numpy disagrees with ours on {np_diff:,} of {len(work):,} dates (same holiday list)")
    differ = [
        (d, k, a, b) for d, k, a, b in zip(dates, amounts, our_dates, theirs, strict=True) if a != b
    ]
    share = len(differ) / len(work) * 100 if work else 0.0
    print(
        f"workalendar disagrees with ours on {len(differ):,} of {len(work):,} dates ({share:.1f}%)"
    )
    reasons: Counter[str] = Counter()
    for d, _k, a, b in differ:
        end = max(a, b)
        missing = sorted(
            h for h in sct if d < h <= end and h not in wl_holidays and h.weekday() < 5
        )
        extra = sorted(h for h in wl_holidays if d < h <= end and h not in sct and h.weekday() < 5)
        if missing:
            reasons[f"workalendar lacks {sct[missing[0]]}"] += 1
        elif extra:
            reasons[f"workalendar adds {wl_holidays[extra[0]]}"] += 1
        else:
            reasons["other"] += 1
    if reasons:
        print("first holiday in the span that the two calendars do not share:")
        for reason, count in reasons.most_common():
            print(f"  {count:7,}  {reason}")
    lacks = sorted({name for h, name in sct.items() if h not in wl_holidays and h.weekday() < 5})
    print("weekday Scottish bank holidays 2024-2029 that workalendar's Scotland lacks:")
    print("  " + "; ".join(lacks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
