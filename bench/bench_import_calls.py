"""An import of N call records while another desk keeps logging calls (SQLite).

    python bench/bench_import_calls.py [--rows 1000000] [--keep]

Writes a plain CSV of N calls to bench/out/, then runs `frontdesk import calls` on it in a
child process (its peak memory is the child's maximum resident set size) while this process
logs a call every 50 ms through the desk services, timing each. Prints the import's time and
peak memory, and the desk's median, p99 and longest wait during the import, against the same
desk's figures with no import running (measured in the same run). No asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"

CHILD = """
import json, resource, sys, time
from datetime import UTC, datetime
from console.desk.importer import import_calls, open_lines
from console.desk.context import cli_actor
from console.store.engine import open_store
store = open_store(sys.argv[1])
start = time.perf_counter()
with open_lines(sys.argv[2]) as (lines, name):
    result = import_calls(store, lines, source=name, now=datetime.now(UTC), actor=cli_actor())
took = time.perf_counter() - start
print(json.dumps({"imported": result.imported, "seconds": took,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(14)
    start = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        out.write("started_at,answered_at,ended_at,caller,agent\n")
        for i in range(rows):
            began = start + timedelta(seconds=i * 30)
            wait = rng.randint(1, 90)
            answered = "" if wait > 80 else (began + timedelta(seconds=wait)).isoformat()
            ended = (began + timedelta(seconds=wait + rng.randint(20, 600))).isoformat()
            out.write(
                f"{began.isoformat()},{answered},{ended},07700 9{i % 100000:05d},agent{i % 30}\n"
            )


def desk_timings(db: Path, stop: threading.Event, gap: float = 0.05) -> list[float]:
    from sqlmodel import select

    from console.desk import calls
    from console.desk.context import Desk
    from console.rules.profiles import load_profile
    from console.store.engine import open_store
    from console.store.models import Staff

    store = open_store(db)
    with store.write() as session:
        row = session.exec(select(Staff).where(Staff.login == "bench")).first()
        if row is None:
            row = Staff(name="Bench Desk", login="bench", role="handler")
            session.add(row)
            session.flush()
        from console.desk.people import actor_of

        actor = actor_of(row)
    desk = Desk(store, load_profile("bha"), actor=actor)
    waits: list[float] = []
    while not stop.is_set():
        began = time.perf_counter()
        calls.log_call(desk, answer="7", category="rent")
        waits.append(time.perf_counter() - began)
        time.sleep(gap)
    store.close()
    return waits


def figures(waits: list[float]) -> str:
    if not waits:
        return "no calls"
    ms = sorted(w * 1000 for w in waits)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"{len(ms)} calls: median {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, "
        f"longest {ms[-1]:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the CSV and database")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="import-", dir=OUT))
    csv_path = folder / "calls.csv"
    db = folder / "fd.db"
    write_csv(csv_path, args.rows)
    print(f"{args.rows:,} rows, {csv_path.stat().st_size / 1e6:.0f} MB of CSV")

    from console.store.engine import open_store

    open_store(db).close()
    stop = threading.Event()
    idle: list[float] = []
    t = threading.Thread(target=lambda: idle.extend(desk_timings(db, stop)))
    t.start()
    time.sleep(5)
    stop.set()
    t.join()
    print(f"desk, no import:     {figures(idle)}")

    stop = threading.Event()
    busy: list[float] = []
    t = threading.Thread(target=lambda: busy.extend(desk_timings(db, stop)))
    t.start()
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(csv_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    stop.set()
    t.join()
    if child.returncode != 0:
        print(child.stderr)
        return 1
    result = json.loads(child.stdout.strip().splitlines()[-1])
    print(
        f"import:              {result['imported']:,} calls in {result['seconds']:.1f} s, "
        f"peak memory {result['peak_mb']:.0f} MB"
    )
    print(f"desk, during import: {figures(busy)}")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
