"""`frontdesk run`: open the console in this terminal."""

from __future__ import annotations

import argparse
import math
import os

from console.desk.desks import DESKS
from console.rules.errors import InputError

LOCK_ENV = "FRONTDESK_LOCK_MINUTES"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--desk",
        choices=list(DESKS),
        default=None,
        help="which desk to open first (default: reception for reception staff, else calls)",
    )
    parser.add_argument(
        "--lock-after",
        metavar="MINUTES",
        default=None,
        help=(
            "lock the desk after this many minutes with no key pressed (0: never); "
            f"default ${LOCK_ENV}, else 10"
        ),
    )


def lock_minutes(value: str | None, default: float) -> float:
    """The idle lock in minutes: --lock-after, else $FRONTDESK_LOCK_MINUTES, else the default."""
    where = "--lock-after"
    if value is None:
        value, where = os.environ.get(LOCK_ENV), LOCK_ENV
    if value is None or not value.strip():
        return default
    try:
        minutes = float(value)
    except ValueError:
        minutes = math.nan
    if not math.isfinite(minutes) or minutes < 0 or minutes > 24 * 60:
        raise InputError(
            f"{where} is '{value[:20]}': give the minutes as a number from 0 (never lock) to 1440"
        )
    return minutes


def run(args: argparse.Namespace) -> int:
    from console.cli.main import ui

    if args.policy:
        # A broken profile, or another landlord's database, stops here with one line,
        # not in the UI. (Without --policy the store opens after the first frame.)
        from console.desk.open import open_desk

        open_desk(args.db, args.policy).store.close()
    app = ui("app")
    minutes = lock_minutes(args.lock_after, app.DEFAULT_LOCK_MINUTES)
    app.FrontDeskApp(db=args.db, policy=args.policy, start=args.desk, lock_minutes=minutes).run()
    return 0
