"""`frontdesk purge --older-than YEARS [--yes] [--contacts-only]`: retention.

Shows what it would anonymise (contacts and closed tasks older than YEARS, and
customers with no activity in that time) and asks before doing it; --yes skips
the question for scripts. Without a terminal and without --yes it only shows the
plan and exits with status 1. Counts are kept, so reports stay right. The
command line acts as an admin of this machine account and every batch is audited.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--older-than",
        dest="older_than",
        required=True,
        metavar="YEARS",
        help="anonymise what is older than this many whole years, e.g. 6",
    )
    parser.add_argument("--yes", action="store_true", help="do it without asking (for scripts)")
    parser.add_argument(
        "--contacts-only",
        action="store_true",
        help="anonymise contacts and closed tasks, but leave quiet customers' records alone",
    )


def run(args: argparse.Namespace) -> int:
    from console.desk import purge
    from console.desk.context import cli_actor
    from console.desk.open import open_desk

    years = purge.check_years(args.older_than)
    desk = open_desk(args.db, args.policy, actor=cli_actor())
    store = desk.store
    try:
        keep_customers = not args.contacts_only
        plan = purge.plan(desk, years, customers=keep_customers)
        print(plan.summary())
        if plan.total == 0:
            print("nothing to do")
            return 0
        if not args.yes:
            if not sys.stdin.isatty():
                print("not done: add --yes to anonymise without being asked", file=sys.stderr)
                return 1
            answer = input("Anonymise these records? This cannot be undone. Type yes to go on: ")
            if answer.strip().lower() not in ("yes", "y"):
                print("nothing was changed")
                return 1
        done = purge.purge(desk, years, customers=keep_customers)
        print(done.summary())
    finally:
        store.close()
    return 0
