"""`frontdesk import calls FILE`: call records from the phone system.

    frontdesk [--db PATH|URL] import calls FILE [--format auto|asterisk|plain]

FILE is Asterisk's ``Master.csv`` (no header) or a CSV with the header
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

SHOW_BAD = 20  # bad rows listed one by one; the rest are counted


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("what", choices=["calls"], help="what to import (calls)")
    parser.add_argument(
        "file", metavar="FILE", help="Master.csv or a plain CSV of calls; - for stdin"
    )
    parser.add_argument(
        "--format",
        choices=["auto", "asterisk", "plain"],
        default="auto",
        help="the file's format (default: tell from the first line)",
    )


def run(args: argparse.Namespace) -> int:
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
