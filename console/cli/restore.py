"""`frontdesk restore FILE [--db TARGET] [--force]`: put a backup back.

The backup is checked first (a damaged or foreign file is refused and nothing is
touched), migrated to this Front Desk's schema in a scratch copy, then written over
TARGET (default: --db, FRONTDESK_DB or the default database). A database that
desks are using is refused unless --force: a process on this machine with the
file open, or a -wal file beside it (SQLite keeps one while any desk has the
database open, and removes it when the last one closes). A PostgreSQL dump
(.dump) goes onto a server URL with pg_restore; other sessions connected there
count as desks using it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a backup made by frontdesk backup")
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite the database even though desks seem to be using it",
    )


def run(args: argparse.Namespace) -> int:
    from console.store.backup import restore

    result = restore(Path(args.file), args.db, force=args.force)
    print(f"restored {args.file} onto {result.target}")
    if result.migrated_from != result.checked.schema:
        print(f"  migrated from schema {result.migrated_from} to {result.checked.schema}")
    print(f"  it holds: {result.checked.summary()}")
    return 0
