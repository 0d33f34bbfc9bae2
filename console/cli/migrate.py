"""`frontdesk migrate`: bring the database schema up to date and say which version it is at.

    frontdesk [--db PATH|URL] migrate [--check]

Every command already migrates on open; this one does only that, for an
administrator upgrading a shared PostgreSQL database before the desks restart.
``--check`` changes nothing and exits 1 when the schema is behind.
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing: print the schema version, exit 1 when it is not the newest",
    )


def run(args: argparse.Namespace) -> int:
    from console.store.engine import SCHEMA_HEAD, open_store, upgrade

    store = open_store(args.db, migrate=False, writable=not args.check)
    try:
        where = repr(store)[len("Store(") : -1]
        before = store.schema()
        if args.check:
            state = (
                "up to date" if before == SCHEMA_HEAD else f"behind: the newest is {SCHEMA_HEAD}"
            )
            print(f"{where}: schema {before or 'none (empty database)'} ({state})")
            return 0 if before == SCHEMA_HEAD else 1
        changed = upgrade(store)
        after = store.schema()
    finally:
        store.close()
    if changed:
        print(f"{where}: schema upgraded from {before or 'none'} to {after}")
    else:
        print(f"{where}: schema {after} (up to date)")
    return 0
