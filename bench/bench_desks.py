"""Desks logging calls at once on one SQLite file: the latency a handler feels when saving.

    python bench/bench_desks.py [--seconds 20] [--desks 1,4,8]

Each desk is its own process (as each seat is) calling `calls.log_call` through the desk
services, one call every 20 ms, for the given seconds; every save is timed from the call
to its return (committed). Prints, per number of desks, the saves made and their median,
p99 and longest, with one desk alone as the baseline of the same run, then where one save
spends its time (a profile of a desk alone). No asserts: figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"

DESK = """
import json, sys, time
from console.desk import calls
from console.desk.context import Desk
from console.desk.people import actor_of
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Staff
from sqlmodel import select
db, login, seconds, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
store = open_store(db)
with store.read() as session:
    actor = actor_of(session.exec(select(Staff).where(Staff.login == login)).one())
desk = Desk(store, load_profile("bha"), actor=actor)
calls.log_call(desk, answer="7", category="rent")  # warm: imports, caches, connection
while time.time() < start_at:
    time.sleep(0.005)
waits, errors, n = [], [], 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    n += 1
    began = time.perf_counter()
    try:
        calls.log_call(desk, answer=str(n % 40), category="rent",
                       outcome="callback_routine" if n % 5 == 0 else "resolved")
    except Exception as exc:
        errors.append(str(exc)[:200])
    waits.append(time.perf_counter() - began)
    time.sleep(0.02)
print(json.dumps({"waits": waits, "errors": errors}))
"""


def run(db: Path, desks: int, seconds: float) -> tuple[list[float], list[str]]:
    start_at = time.time() + 3 + desks * 0.5  # every desk loaded before any starts
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", DESK, str(db), f"desk{i}", str(seconds), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        for i in range(desks)
    ]
    waits: list[float] = []
    errors: list[str] = []
    for p in procs:
        out, err = p.communicate(timeout=seconds + 120)
        if p.returncode != 0:
            errors.append(err.strip().splitlines()[-1] if err.strip() else f"exit {p.returncode}")
            continue
        got = json.loads(out.strip().splitlines()[-1])
        waits += got["waits"]
        errors += got["errors"]
    return waits, errors


def figures(waits: list[float]) -> str:
    ms = sorted(w * 1000 for w in waits)
    if not ms:
        return "no saves"
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    return (
        f"{len(ms):5d} saves: median {statistics.median(ms):6.1f} ms, p99 {p99:7.1f} ms, "
        f"longest {ms[-1]:7.1f} ms"
    )


def profile(db: Path) -> None:
    import cProfile
    import pstats

    from sqlmodel import select

    from console.desk import calls
    from console.desk.context import Desk
    from console.desk.people import actor_of
    from console.rules.profiles import load_profile
    from console.store.engine import open_store
    from console.store.models import Staff

    store = open_store(db)
    with store.read() as session:
        actor = actor_of(session.exec(select(Staff).where(Staff.login == "desk0")).one())
    desk = Desk(store, load_profile("bha"), actor=actor)
    calls.log_call(desk, answer="7", category="rent")
    prof = cProfile.Profile()
    prof.enable()
    for n in range(200):
        calls.log_call(
            desk, answer="7", category="rent", outcome=("resolved", "callback_routine")[n % 2]
        )
    prof.disable()
    stats = pstats.Stats(prof)
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[3] for k, v in table.items() if k[2] == "log_call")
    print(
        f"\nwhere one save's time goes (a desk alone, 200 saves, {total / 200 * 1000:.1f} ms each):"
    )
    wanted = {
        "commit (the fsync of the WAL)": ("~", "<method 'commit' of 'sqlite3.Connection' objects>"),
        "daily summary (after flush)": ("listeners.py", "_after_flush"),
        "daily summary (before flush)": ("listeners.py", "_before_flush"),
        "role check against the database": ("context.py", "require"),
        "deadline": ("context.py", "due"),
        "audit guard (SQL check)": ("guard.py", "_before_cursor_execute"),
    }
    for label, (file, func) in wanted.items():
        spent = sum(v[3] for k, v in table.items() if k[0].endswith(file) and k[2] == func)
        print(f"  {label:34s} {spent / 200 * 1000:6.2f} ms")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--desks", default="1,4,8")
    args = parser.parse_args()
    counts = [int(n) for n in args.desks.split(",")]
    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="desks-", dir=OUT))
    db = folder / "fd.db"
    from console.store.engine import open_store
    from console.store.models import Staff

    store = open_store(db)
    with store.write() as session:
        for i in range(max(counts)):
            session.add(Staff(name=f"Desk {i}", login=f"desk{i}", role="handler"))
    store.close()
    print(f"each desk saves a call every 20 ms for {args.seconds:g} s (SQLite, synchronous=FULL)")
    for n in counts:
        waits, errors = run(db, n, args.seconds)
        print(f"{n} desk{'s' if n > 1 else ' '}: {figures(waits)}; errors {len(errors)}")
        for e in errors[:3]:
            print(f"    {e}")
    profile(db)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
