"""What exact type-ahead costs: keys per second into the notes field, with and without the gate.

The console runs headless on the calls desk with the cursor in Notes; a burst of
KEYS characters is posted at once and timed until the field holds all of them.
"gated" is the console as shipped (screens/keys.py: each key waits until the last
one has settled); "ungated" lets every key straight through, as Textual does by
itself (the baseline, measured in the same run). Medians of RUNS bursts each.

Run from the repository root: ``python bench/bench_type_ahead.py [--keys N] [--runs N]``.
Prints figures; no timed asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


async def one_burst(db: str, keys: int, gated: bool) -> float:
    """Milliseconds from posting `keys` characters to the notes field holding all of them."""
    from textual import events
    from textual.widgets import Input

    from console.rules.clock import FrozenClock
    from console.store.engine import open_store
    from screens.app import FrontDeskApp
    from tests.conftest import MONDAY_MORNING, add_staff

    store = open_store(db)
    actor = add_staff(
        store, f"Bench {time.perf_counter_ns()}", f"b{time.perf_counter_ns()}", "handler"
    )
    store.close()
    app = FrontDeskApp(
        db=db, clock=FrozenClock(MONDAY_MORNING), actor=actor, start="calls", poll_seconds=60
    )
    if not gated:
        app.keys.admit = lambda event: True  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        notes = app.screen.query_one("#notes", Input)
        notes.focus()
        await pilot.pause()
        started = time.perf_counter()
        for i in range(keys):
            ch = "abcdefghij"[i % 10]
            app.post_message(events.Key(ch, ch))
        while len(notes.value) < keys:
            await asyncio.sleep(0.001)
        elapsed = (time.perf_counter() - started) * 1000
        assert notes.value == "abcdefghij" * (keys // 10) + "abcdefghij"[: keys % 10]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keys", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(args.runs):
            for gated in (False, True):  # interleaved: both see the same machine load
                times[gated].append(asyncio.run(one_burst(db, args.keys, gated)))
    ungated = statistics.median(times[False])
    gated = statistics.median(times[True])
    print(f"burst of {args.keys} keys into one field, median of {args.runs} runs")
    print(f"  ungated (Textual alone): {ungated:8.1f} ms  {args.keys / ungated * 1000:7.0f} keys/s")
    print(f"  gated (as shipped):      {gated:8.1f} ms  {args.keys / gated * 1000:7.0f} keys/s")
    print(f"  gated / ungated: {gated / ungated:.2f}x; per key {gated / args.keys:.2f} ms")
    print("  (a fast typist: about 10 keys/s; a terminal's paste arrives as one Paste event)")


if __name__ == "__main__":
    main()
