"""`frontdesk run`: open the console in this terminal."""

from __future__ import annotations

import argparse

from console.desk.desks import DESKS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--desk",
        choices=list(DESKS),
        default="calls",
        help="which desk to open first",
    )


def run(args: argparse.Namespace) -> int:
    from console.cli.main import ui
    from console.rules.profiles import load_profile

    load_profile(args.policy)  # a broken profile stops here with one line, not in the UI

    ui("app").FrontDeskApp(db=args.db, policy=args.policy, start=args.desk).run()
    return 0
