"""`frontdesk run`: open the console in this terminal."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--desk",
        choices=["calls", "reception", "queue", "customers", "reports", "staff"],
        default="calls",
        help="which desk to open first",
    )


def run(args: argparse.Namespace) -> int:
    from console.cli.main import ui
    from console.rules.profiles import load_profile

    if args.policy:
        load_profile(args.policy)  # a broken profile stops here with one line, not in the UI
    ui("app").FrontDeskApp(db=args.db, policy=args.policy, start=args.desk).run()
    return 0
