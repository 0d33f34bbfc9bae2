"""Going live (issue 17): 100,000 customers imported in under a minute, and the finder
under 50 ms per keystroke on them.

Run from the repository root: python bench/bench_import.py [N]

Writes a housing-system export of N customers (default 100,000: CSV, BOM, CRLF,
quoted addresses with commas, phones in mixed forms, a few bad rows), times:
- the first import into an empty database (every customer added);
- the same file again (every customer compared, nothing changed): the resume case;
- a dry run of it;
then types names, a postcode, a phone number and a reference into the customer
finder one keystroke at a time and reports the median and worst per keystroke.
Baseline in the same run: reading and checking the file without the database.
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

from console.desk import customer_import, customers
from console.desk.context import Actor, Desk, cli_actor
from console.desk.table_file import read_table
from console.rules.clock import FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import open_store
from tests.conftest import add_staff

FIRST = ("Mary", "John", "Agnes", "Callum", "Fiona", "Ewan", "Iona", "Rab", "Shona", "Duncan",
         "Łucja", "Seán", "Zoë", "Priya", "Tomasz", "Aisha")  # fmt: skip
LAST = ("Smith", "Brown", "Wilson", "Campbell", "Stewart", "Thomson", "Scott", "Reid", "Murray",
        "Nowak", "Ó Briain", "Khan", "MacLeod", "Fraser")  # fmt: skip
STREETS = ("High St", "Church St", "Market Sq", "Castle Tce", "Priory Rd", "Station Rd")
TOWNS = (("Duns", "TD11"), ("Eyemouth", "TD14"), ("Leith", "EH6"), ("Govan", "G51"))
TENURE = ("Tenant", "Joint tenant", "Applicant", "Owner", "Sharing owner")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def export(n: int) -> bytes:
    rng = random.Random(17)
    lines = ["\ufeffTenancy Ref,Title,Forename,Surname,Address 1,Town,Postcode,Home Phone,"
             "Mobile,Email,DOB,Tenure,Preferred Contact"]  # fmt: skip
    for i in range(n):
        town, area = rng.choice(TOWNS)
        phone = rng.choice(("0131 496 {:04d}", "+44 131 496 {:04d}", "01314960{:03d}"))
        mobile = f"0044 7700 9{i % 100000:05d}" if i % 3 else ""
        dob = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1930, 2005)}"
        if i % 5000 == 4999:
            dob = "31/02/1980"  # a date that does not exist: refused
        lines.append(
            f"T{i + 1:07d},{rng.choice(('Mr', 'Mrs', 'Ms', 'Mx'))},{rng.choice(FIRST)},"
            f'{rng.choice(LAST)},"Flat {rng.randint(1, 9)}/{rng.randint(1, 4)}, '
            f'{rng.randint(1, 200)} {rng.choice(STREETS)}",{town},'
            f"{area} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTU')},"
            f"{phone.format(i % 1000)},{mobile},person{i}@example.org,{dob},"
            f"{rng.choice(TENURE)},{rng.choice(('phone', 'email', 'letter', ''))}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def keystrokes(desk: Desk, typed: str) -> list[float]:
    out = []
    for end in range(1, len(typed) + 1):
        t0 = time.perf_counter()
        customers.search(desk, typed[:end])
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    raw = export(N)
    print(f"export: {N:,} customers, {len(raw) / 1e6:.1f} MB")
    t0 = time.perf_counter()
    table = read_table(raw, "bench.csv")
    columns = customer_import.recognise(table.header)
    _good, bad = customer_import.parse(table, columns, "dmy")
    baseline = time.perf_counter() - t0
    print(f"baseline: read and check the file only {baseline:.1f} s ({len(bad)} bad rows)")
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "bench.db")
        now = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
        admin = Desk(store, load_profile("bha"), FrozenClock(now), cli_actor())
        figures = {}
        for label, dry in (("first import", False), ("again (no change)", False),
                           ("dry run", True)):  # fmt: skip
            t0 = time.perf_counter()
            result = customer_import.import_customers(admin, raw, source="bench.csv", dry_run=dry)
            figures[label] = time.perf_counter() - t0
            print(
                f"{label}: {figures[label]:.1f} s ({figures[label] / baseline:.1f}x baseline): "
                f"added {len(result.added):,}, changed {len(result.changed):,}, "
                f"unchanged {result.unchanged:,}, refused {len(result.bad):,}"
            )
        verdict = "PASS" if figures["first import"] < 60 else "FAIL"
        print(f"{verdict}: {N:,} customers imported in {figures['first import']:.1f} s (< 60 s)")
        actor: Actor = add_staff(store, "Bench Handler", "bench", "handler")
        desk = Desk(store, load_profile("bha"), FrozenClock(now), actor)
        every: list[float] = []
        for typed in ("mary reid", "nowak leith", "td11", "0131 496 0042", "+447700900123",
                      "T0054321", "zz nobody"):  # fmt: skip
            times = keystrokes(desk, typed)
            every += times
            slowest = typed[: times.index(max(times)) + 1]
            print(
                f"  finder '{typed}': median {statistics.median(times):.1f} ms, "
                f"worst {max(times):.1f} ms (at '{slowest}') over {len(times)} keystrokes"
            )
        median, worst = statistics.median(every), max(every)
        verdict = "PASS" if median < 50 else "FAIL"
        print(f"{verdict}: finder median {median:.1f} ms per keystroke, worst {worst:.1f} ms "
              f"(< 50 ms) on {N:,} customers")  # fmt: skip
        store.close()


if __name__ == "__main__":
    main()
