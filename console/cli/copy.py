"""`frontdesk copy --to postgresql+psycopg://user@host/frontdesk`: move onto PostgreSQL.

Copies every table of the current database (--db) onto an empty database at the
URL, brought to the current schema first; counts every table on both sides before
committing, and sets PostgreSQL's id sequences past the copied ids. Then point
every seat at the URL (FRONTDESK_DB) instead of the file.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the empty target database, e.g. postgresql+psycopg://frontdesk@dbhost/frontdesk",
    )


def run(args: argparse.Namespace) -> int:
    from console.store.copy import copy_database
    from console.store.engine import open_store

    source = open_store(args.db, writable=False)
    try:
        result = copy_database(source, args.to)
    finally:
        source.close()
    total = sum(result.counts.values())
    print(f"copied {total:,} rows onto {result.target}; counts match in every table:")
    for table, n in result.counts.items():
        print(f"  {table:<14} {n:>10,}")
    print(f"now point every seat at it: FRONTDESK_DB='{result.target}' (with its password)")
    return 0
