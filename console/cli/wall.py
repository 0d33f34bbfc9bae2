"""`frontdesk wall`: the read-only, large-type queue for a screen on the office wall.

    frontdesk [--db DB] [--policy P] wall [--rows N] [--every SECONDS]

No sign-in and no names: initials only. It reads the database every few
seconds; `frontdesk serve --wall` shows the same in a web browser.
"""

from __future__ import annotations

import argparse

from console.rules.errors import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows",
        type=int,
        default=None,
        help="how many tasks to list (default: as many as the screen holds)",
    )
    parser.add_argument(
        "--every",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how often to read the database again (default 5)",
    )


def run(args: argparse.Namespace) -> int:
    from console.desk.wall import MAX_ROWS
    from console.rules.profiles import load_profile

    if args.rows is not None and not 1 <= args.rows <= MAX_ROWS:
        raise InputError(f"--rows {args.rows}: the wall lists 1 to {MAX_ROWS} tasks")
    if not 1 <= args.every <= 3600:
        raise InputError(f"--every {args.every:g}: give a number of seconds from 1 to 3600")
    if args.policy:
        load_profile(args.policy)  # a broken profile stops here with one line, not on the wall

    from console.cli.main import ui

    ui("desks.wall").WallApp(db=args.db, policy=args.policy, rows=args.rows, every=args.every).run()
    return 0
