"""`frontdesk backup [--to DIR] [--keep N]`: a checked copy of the live database.

    frontdesk --db /srv/frontdesk/frontdesk.db backup --to /srv/frontdesk/backups --keep 30

Safe while desks are working (SQLite's online backup). The copy is checked
(integrity, schema version, row counts) before it is kept, written for the owner
only (0600) as frontdesk-<UTC time>.db, and all but the newest N backups in DIR
are deleted. On PostgreSQL it runs pg_dump (custom format, .dump).
Exit status 0 when the backup was made and checked, 2 otherwise.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from console.store.backup import DEFAULT_KEEP

    parser.add_argument(
        "--to", metavar="DIR", help="folder for backups (default: backups/ beside the database)"
    )
    parser.add_argument(
        "--keep",
        type=int,
        default=DEFAULT_KEEP,
        metavar="N",
        help=f"keep the newest N backups in DIR, delete older ones (default {DEFAULT_KEEP})",
    )


def run(args: argparse.Namespace) -> int:
    from console.rules.errors import StoreError
    from console.store.backup import backup
    from console.store.engine import _sqlite_path, database_url, open_store

    path = _sqlite_path(database_url(args.db))
    if path is not None and not path.is_file():
        raise StoreError(f"there is no database at {path}: check --db or FRONTDESK_DB")
    # As it is: a backup never migrates the database it copies.
    store = open_store(args.db, migrate=False, writable=False)
    try:
        result = backup(store, Path(args.to) if args.to else None, keep=args.keep)
    finally:
        store.close()
    print(f"backed up to {result.path}")
    if result.checked is not None:
        print(f"  checked: integrity ok; {result.checked.summary()}")
    else:
        print("  checked: pg_restore --list reads it back")
    for old in result.removed:
        print(f"  removed old backup {old.name}")
    return 0
