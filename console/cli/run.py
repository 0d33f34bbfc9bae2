"""`frontdesk run`: open the console in this terminal."""

from __future__ import annotations

import argparse

from console.desk.desks import DESKS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--desk",
        choices=list(DESKS),
        default=None,
        help="which desk to open first (default: reception for reception staff, else calls)",
    )


def run(args: argparse.Namespace) -> int:
    from console.cli.main import ui

    if args.policy:
        # A broken profile, or another landlord's database, stops here with one line,
        # not in the UI. (Without --policy the store opens after the first frame.)
        from console.desk.open import open_desk

        open_desk(args.db, args.policy).store.close()
    ui("app").FrontDeskApp(db=args.db, policy=args.policy, start=args.desk).run()
    return 0
