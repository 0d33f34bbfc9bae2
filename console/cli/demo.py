"""`frontdesk demo`: fill a database with a realistic stretch of front-desk work.

    frontdesk [--db PATH|URL] demo [--days N] [--seed S] [--policy NAME|PATH]
                                   [--until DATE] [--force]

Refuses a database that already holds contacts unless ``--force``. Prints the
demo sign-ins at the end: every demo login has the PIN 1234, which is fine only
because this is demo data.
"""

from __future__ import annotations

import argparse
from datetime import datetime


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--days", type=int, default=20, help="working days of activity (default 20)"
    )
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
    )
    parser.add_argument(
        "--until",
        default=None,
        metavar="DATE",
        help="end the stretch at the close of this day (YYYY-MM-DD) instead of now",
    )
    parser.add_argument(
        "--force", action="store_true", help="add demo data even though the database has contacts"
    )


def _now(until: str | None) -> datetime:
    """Now, or 11pm (after every office closes) on the --until day, in UTC."""
    from datetime import UTC, date, time

    from console.rules.calendar import local_instant
    from console.rules.errors import InputError

    if until is None:
        return datetime.now(UTC)
    try:
        day = date.fromisoformat(until.strip())
    except ValueError:
        raise InputError(f"--until '{until}' is not a date like 2025-11-24") from None
    if not 2000 <= day.year <= 2100:
        raise InputError(
            f"--until {until}: give a day from 2000 to 2100 (the demo's weeks end then)"
        )
    return local_instant(day, time(23, 0))


def run(args: argparse.Namespace) -> int:
    from console.demo.build import DEMO_PIN, MAX_DAYS, fill
    from console.desk.open import open_desk
    from console.rules.errors import InputError

    now = _now(args.until)
    if not 1 <= args.days <= MAX_DAYS:  # before the database records a landlord
        raise InputError(f"--days {args.days}: give between 1 and {MAX_DAYS} working days")
    desk = open_desk(args.db, args.policy)
    store, profile = desk.store, desk.profile
    try:
        result = fill(store, profile, now=now, days=args.days, seed=args.seed, force=args.force)
        where = repr(store)[len("Store(") : -1]
    finally:
        store.close()
    channels = ", ".join(f"{n:,} {channel}" for channel, n in result.contacts.items())
    print(
        f"Demo data for {result.organisation} ({profile.key}): {result.days} working days, "
        f"{result.first_day:%a %d %b %Y} to {result.last_day:%a %d %b %Y}, seed {result.seed}"
    )
    print(
        f"  {len(result.staff)} staff, {result.customers} customers, "
        f"{result.total_contacts:,} contacts ({channels})"
    )
    print(
        f"  {result.tasks:,} tasks: {result.open_tasks} open, "
        f"{result.overdue_tasks} of them overdue"
    )
    print(f"  written to {where} in {result.seconds:.1f} s")
    print()
    if result.staff:
        print(
            f"Demo sign-ins. Every demo login has the PIN {DEMO_PIN}: acceptable ONLY because this"
        )
        print(
            "is demo data. Never give real staff these PINs; set each one with `frontdesk staff`."
        )
        width = max(len(s.login) for s in result.staff)
        for s in result.staff:
            role = s.role.replace("_", " ")
            print(f"  {s.login:<{width}}  {role:<10}  {s.name}  ({s.team})")
    if result.existing_staff:
        print(f"Already there, PIN unchanged: {', '.join(result.existing_staff)}")
    return 0
