"""Find-as-you-type on 10,000 customers (issue 4: under 50 ms), and one logged call.

Run from the repository root: python bench/bench_calls.py
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from console.desk import calls, customers
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Customer, Staff

FIRST = ("Mary", "John", "Agnes", "Callum", "Fiona", "Ewan", "Iona", "Rab", "Shona", "Duncan")
LAST = ("Smith", "Brown", "Wilson", "Campbell", "Stewart", "Thomson", "Scott", "Reid", "Murray")
STREETS = ("High St", "Church St", "Market Sq", "Castle Tce", "Priory Rd", "Station Rd")
TOWNS = ("Duns", "Eyemouth", "Coldstream", "Chirnside", "Greenlaw", "Berwick")
N = 10_000


def build(path: Path) -> Desk:
    store = open_store(path)
    rng = random.Random(4)
    now = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
    with store.write() as session:
        staff = Staff(name="Bench Handler", login="bench", role="handler")
        session.add(staff)
        session.flush()
        actor = Actor(staff.id or 0, staff.name, staff.login, staff.role)
        for i in range(N):
            c = Customer(
                reference=f"C{i + 1:06d}",
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                address=f"{rng.randint(1, 120)} {rng.choice(STREETS)}, {rng.choice(TOWNS)}",
                phone=f"01890 {rng.randint(100000, 999999)}",
                email=f"person{i}@example.org",
                created_at=now,
                updated_at=now,
            )
            c.search_text = customers.search_text(c)
            session.add(c)
    return Desk(store, load_profile("bha"), FrozenClock(now), actor)


def timed(fn: object, *args: object, repeat: int = 30) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        desk = build(Path(tmp) / "bench.db")
        print(f"built {N:,} customers in {time.perf_counter() - t0:.1f} s")
        queries = [
            "m",
            "mary",
            "mary smi",
            "reid",
            "high st duns",
            "01890 5",
            "C004321",
            "zzz nobody",
        ]
        worst = 0.0
        for q in queries:
            ms = timed(customers.search, desk, q)
            worst = max(worst, max(ms))
            print(f"search {q!r:16} median {statistics.median(ms):6.2f} ms   max {max(ms):6.2f} ms")
        print(f"customer search on {N:,} customers: worst {worst:.2f} ms (target: under 50 ms)")

        def one_call() -> None:
            calls.log_call(desk, answer="12", category="rent", outcome="callback_routine")

        ms = timed(one_call, repeat=50)
        print(f"log a call with a call back, committed: median {statistics.median(ms):.2f} ms")
        desk.store.close()


if __name__ == "__main__":
    main()
