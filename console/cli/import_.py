"""`frontdesk import calls|customers|staff FILE`: records from the landlord's other systems.

    frontdesk [--db PATH|URL] import calls FILE [--format auto|asterisk|queue_log|plain]
    frontdesk import customers FILE [--format csv|json] [--map MAPPING.toml] [--dry-run]
                                    [--report-missing]
    frontdesk import staff FILE [--dry-run]

Customers and staff: see console/desk/customer_import.py and staff_import.py.
Exit status as for calls: 0 all good, 1 some rows refused (the rest kept), 2 unreadable.

Calls:

FILE is Asterisk's ``Master.csv`` (no header), its ``queue_log`` or a CSV with the header
``started_at,answered_at,ended_at,caller,agent``; ``-`` reads standard input.
Bad rows are listed by line number and skipped; importing a file twice adds
nothing. Exit status 0 when every row was imported or already there, 1 when any
row was bad (the good ones are still kept), 2 when the file cannot be read.
The file is read as a stream and stored in batches of 500 calls, each its own
short transaction, so desks keep working during a long import and an interrupted
import is finished by running it again.
"""

from __future__ import annotations

import argparse
from typing import Any

SHOW_BAD = 20  # bad rows listed one by one; the rest are counted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["calls", "customers", "staff"], help="what to import")
    parser.add_argument(
        "file",
        metavar="FILE",
        help="calls: Master.csv, queue_log or a plain CSV; customers, staff: CSV or JSON; "
        "- for stdin",
    )
    parser.add_argument(
        "--format",
        choices=["auto", "asterisk", "queue_log", "plain", "csv", "json"],
        default="auto",
        help="the file's format (default: tell from the file)",
    )
    parser.add_argument(
        "--map", metavar="MAPPING.toml", help="customers: which column is which (see README)"
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="customers, staff: say what would change; write nothing",
    )
    parser.add_argument(
        "--report-missing",
        action="store_true",
        help="customers: list every customer held here that the export does not mention",
    )


def run(args: argparse.Namespace) -> int:
    if args.what == "customers":
        return _customers(args)
    if args.what == "staff":
        return _staff(args)
    return _calls(args)


def _calls(args: argparse.Namespace) -> int:
    import sys
    from datetime import UTC, datetime

    from console.desk.context import cli_actor
    from console.desk.importer import import_calls, open_lines
    from console.desk.open import open_desk

    with open_lines(args.file) as (lines, source):
        store = open_desk(args.db, args.policy).store
        try:
            result = import_calls(
                store,
                lines,
                fmt=args.format,
                source=source,
                now=datetime.now(UTC),
                actor=cli_actor(),
            )
        finally:
            store.close()
    if result.timed:
        print(f"{source}: timed {result.timed} calls the call records left untimed")
    if result.rows == 0:
        print(f"{source}: no call records in it; nothing imported")
        return 0
    lines = ", ".join(str(b.line) for b in result.bad[:SHOW_BAD])
    more = f" and {result.bad_rows - SHOW_BAD} more" if result.bad_rows > SHOW_BAD else ""
    print(
        f"{source} ({result.format}): imported {result.imported}, "
        f"skipped duplicates {result.duplicates}, bad rows {result.bad_rows}"
        + (f" ({'line' if result.bad_rows == 1 else 'lines'} {lines}{more})" if result.bad else "")
    )
    if result.imported:
        print(
            f"  {result.abandoned} abandoned; matched {result.staff_matched} to staff logins "
            f"and {result.customers_matched} to customers by phone number"
        )
    for bad in result.bad[:SHOW_BAD]:
        print(f"  line {bad.line}: {bad.reason}", file=sys.stderr)
    if more:
        print(f"  ...{more} bad rows not shown", file=sys.stderr)
    if result.unknown_agents:
        count = len(result.unknown_agents)
        print(f"  {count} {'call' if count == 1 else 'calls'} with an agent who is no staff login:")
        for odd in result.unknown_agents[:SHOW_BAD]:
            print(f"  line {odd.line}: {odd.reason}", file=sys.stderr)
        if count > SHOW_BAD:
            print(f"  ...and {count - SHOW_BAD} more not shown", file=sys.stderr)
    return result.exit_status


def _desk(args: argparse.Namespace) -> Any:
    from console.desk.context import cli_actor
    from console.desk.open import open_desk

    return open_desk(args.db, args.policy, actor=cli_actor())


def _wrong_format(args: argparse.Namespace) -> None:
    from console.rules.errors import InputError

    if args.format not in ("auto", "csv", "json"):
        raise InputError(f"--format {args.format} is for calls: give csv or json")


def _customers(args: argparse.Namespace) -> int:
    import sys

    from console.desk.customer_import import SHOWN_CHANGES, import_customers, load_mapping
    from console.desk.table_file import read_bytes

    _wrong_format(args)
    mapping = load_mapping(args.map) if args.map else None
    raw, source = read_bytes(args.file)
    desk = _desk(args)
    try:
        result = import_customers(
            desk, raw, source=source, fmt=args.format, mapping=mapping, dry_run=args.dry_run
        )
    finally:
        desk.store.close()
    would = "would be " if result.dry_run else ""
    delimiter = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}.get(
        result.delimiter, result.delimiter
    )
    kind = f"{result.format}, {result.encoding}" + (f", {delimiter}" if delimiter else "")
    print(
        f"{source} ({kind}): {result.rows} rows; {would}added {len(result.added)}, "
        f"{would}changed {len(result.changed)}, unchanged {result.unchanged}, "
        f"refused {len(result.bad)}" + (" (dry run: nothing written)" if result.dry_run else "")
    )
    print("  columns: " + ", ".join(f"{k} <- {v}" for k, v in result.columns.items()))
    if result.dry_run:
        for change in result.added[:SHOWN_CHANGES]:
            print(f"  line {change.line}: add {change.reference}")
        for change in result.changed[:SHOWN_CHANGES]:
            print(f"  line {change.line}: change {change.reference}: {', '.join(change.fields)}")
        more = len(result.added) + len(result.changed) - 2 * SHOWN_CHANGES
        if more > 0:
            print(f"  ... and up to {more} more")
    for bad in result.bad[:SHOW_BAD]:
        ref = f" ({bad.reference})" if bad.reference else ""
        print(f"  line {bad.line}{ref}: {bad.reason}", file=sys.stderr)
    if len(result.bad) > SHOW_BAD:
        print(f"  ...and {len(result.bad) - SHOW_BAD} more refused rows", file=sys.stderr)
    if result.missing:
        if args.report_missing:
            print(f"{len(result.missing)} customers held here are not in the export (left alone):")
            for ref in result.missing:
                print(f"  {ref}")
        else:
            print(
                f"{len(result.missing)} customers held here are not in the export (left alone): "
                "--report-missing lists them"
            )
    return result.exit_status


def _staff(args: argparse.Namespace) -> int:
    import sys

    from console.cli.staff import shown
    from console.desk.staff_import import import_staff
    from console.desk.table_file import read_bytes

    _wrong_format(args)
    raw, source = read_bytes(args.file)
    desk = _desk(args)
    try:
        result = import_staff(desk, raw, source=source, dry_run=args.dry_run)
    finally:
        desk.store.close()
    would = "would be " if result.dry_run else ""
    print(
        f"{source}: {would}added {len(result.added)}, {would}updated {len(result.updated)}, "
        f"unchanged {result.unchanged}, refused {len(result.bad)}"
        + (" (dry run: nothing written)" if result.dry_run else "")
    )
    for s in result.updated:
        print(f"  line {s.line}: {s.login} ({shown(s.name)}) {s.what}")
    if result.added:
        print(
            "New staff have no PIN and cannot sign in yet. With each person present, an admin "
            "runs `frontdesk staff reset-pin LOGIN` (or uses the Staff desk) and they type their "
            "own PIN:"
        )
        for s in result.added:
            print(f"  {s.login}  {shown(s.name)} ({s.role.replace('_', ' ')})")
    for bad in sorted(result.bad, key=lambda b: b.line):
        print(f"  line {bad.line}: {bad.reason}", file=sys.stderr)
    return result.exit_status
