"""`frontdesk report`: performance against every published standard.

    frontdesk report [--from DATE] [--to DATE] [--by handler|week|month]
                     [--json | --csv [DIR]] [--at INSTANT] [--policy NAME|PATH]

DATE is YYYY-MM-DD, or YYYY-MM (a whole month: --from 2025-01 --to 2025-12 is the
year). The default period is the current month to date. --at sets "now" for what is
open, overdue and not yet due (the queue's as-at syntax: "2025-11-24 10:00",
"Fri 17:00"); it does not rewind the records.

Output: aligned tables; --json one JSON document for scripts; --csv every table
as CSV on stdout (each after a "# name" line), or with DIR one file per table
(DIR/commitments.csv, DIR/telephone.csv, ...).

Who may run it: the report is for team leads and admins. The command line acts as
an admin of this machine account (as `frontdesk staff`, `export` and `purge` do):
whoever can run it can read the database file anyway. Every run is audited
("exported", entity "report", detail "cli <user>: text|json|csv <from>..<to>").
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from", dest="start", metavar="DATE", help="first day (default: the 1st of this month)"
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", help="last day, included (default: today)"
    )
    parser.add_argument("--by", choices=["handler", "week", "month"], help="break every table down")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON document for scripts")
    out.add_argument(
        "--csv",
        nargs="?",
        const="-",
        metavar="DIR",
        help="every table as CSV: on stdout, or one file per table in DIR",
    )
    parser.add_argument("--at", metavar="INSTANT", help="as at this instant instead of now")


def run(args: argparse.Namespace) -> int:
    from console import reports
    from console.desk.context import cli_actor
    from console.desk.open import open_desk
    from console.desk.queue import parse_as_at

    start = reports.parse_day(args.start) if args.start else None
    end = reports.parse_day(args.end, end=True) if args.end else None
    desk = open_desk(args.db, args.policy, actor=cli_actor())
    store = desk.store
    try:
        at = parse_as_at(args.at, desk.now()) if args.at else None
        report = reports.build_report(desk, start=start, end=end, by=args.by, at=at)
        if args.json:
            what = "json"
            text = reports.as_json(report)
        elif args.csv == "-":
            what = "csv"
            text = reports.as_csv(report)
        elif args.csv:
            what = "csv"
            text = "\n".join(str(p) for p in reports.write_csv_files(report, Path(args.csv)))
        else:
            what = "text"
            text = reports.as_text(report)
        reports.record_export(desk, report, what)
    finally:
        store.close()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
