"""`frontdesk due`: when a commitment received at an instant is due.

    frontdesk due SLUG RECEIVED [--policy NAME|PATH]
    frontdesk due --stdin [--policy NAME|PATH]      (lines of SLUG<TAB>RECEIVED)
    frontdesk due ... --aim                         (the aim instant instead)

RECEIVED is ISO 8601. Without a UTC offset it is Europe/London local time; a bare
date is the start of that local day. The answer is ISO 8601 in Europe/London with
its offset, e.g. ``2025-11-28T17:00:00+00:00``: the same text a script can feed
back in. One bad argument stops with exit status 2 and one line on stderr (the
CLI prints ``FrontDeskError`` that way); with ``--stdin`` a bad line prints
``error: <reason>`` in its place and the run ends with status 1.

``--aim`` prints the commitment's aim instant (never after its due instant) in
the same format; a commitment without an aim is an error like any other.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from console.rules.profiles import Profile


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "slug", nargs="?", metavar="SLUG", help="the commitment, e.g. callback-routine"
    )
    parser.add_argument(
        "received",
        nargs="?",
        metavar="RECEIVED",
        help="ISO 8601 date or date and time of receipt (local Europe/London without an offset)",
    )
    parser.add_argument(
        "--stdin",
        action="store_true",
        help="read lines of SLUG<TAB>RECEIVED and print one due instant per line",
    )
    parser.add_argument(
        "--aim",
        action="store_true",
        help="print the aim instant (the earlier target inside the promise) instead",
    )


def parse_received(text: str) -> datetime:
    """An ISO 8601 receipt; naive results are Europe/London local (the engine reads them so).

    A bare date (2026-01-31) is local midnight at the start of that day.
    """
    from console.rules.errors import InputError

    value = text.strip()
    if not value:
        raise InputError("RECEIVED is empty: give an ISO 8601 date or date and time")
    try:
        if len(value) == 10 and value[4] == "-":
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time())
        else:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError as exc:
        raise InputError(f"'{value}' is not a valid ISO 8601 date or time ({exc})") from None
    if moment.tzinfo is None:
        from datetime import UTC

        from console.rules.clock import LONDON

        try:
            back = moment.replace(tzinfo=LONDON).astimezone(UTC).astimezone(LONDON)
        except OverflowError:
            raise InputError(
                f"'{value}' is out of range: give a date from year 2 to 9998"
            ) from None
        if back.replace(tzinfo=None) != moment:
            raise InputError(
                f"'{value}' does not exist in London: the clocks went forward an hour then "
                "(give the time with its offset, or the time after the change)"
            )
    return moment


def due_text(profile: Profile, slug: str, received: str, *, aim: bool = False) -> str:
    """The due (or aim) instant for one (slug, receipt) as ISO 8601 in Europe/London."""
    from console.rules.deadlines import aim_at_local, due_at_local

    when = aim_at_local if aim else due_at_local
    return when(profile, slug.strip(), parse_received(received)).isoformat()


def run(args: argparse.Namespace) -> int:
    from console.rules.errors import InputError
    from console.rules.profiles import DEFAULT_POLICY, load_profile

    policy = args.policy or DEFAULT_POLICY
    if args.stdin:
        if args.slug is not None:
            raise InputError("give either SLUG RECEIVED or --stdin, not both")
        profile = load_profile(policy)
        return run_lines(profile, sys.stdin, sys.stdout, aim=args.aim)
    if args.slug is None or args.received is None:
        raise InputError("usage: frontdesk due SLUG RECEIVED (or --stdin)")
    profile = load_profile(policy)
    print(due_text(profile, args.slug, args.received, aim=args.aim))
    return 0


def run_lines(profile: Profile, lines: TextIO, out: TextIO, *, aim: bool = False) -> int:
    """Answer each SLUG<TAB>RECEIVED line in order; 1 when any line was bad.

    Blank lines in the middle are errors (a line count in must match a line count
    out); blank lines at the very end are ignored, as editors leave them.
    """
    from console.rules.errors import FrontDeskError

    status = 0
    pending_blank = 0
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            pending_blank += 1
            continue
        for _ in range(pending_blank):
            out.write("error: blank line: expected SLUG<TAB>RECEIVED\n")
            status = 1
        pending_blank = 0
        fields = line.split("\t")
        if len(fields) != 2:
            out.write(f"error: expected SLUG<TAB>RECEIVED, got {line.strip()!r}\n")
            status = 1
            continue
        try:
            out.write(due_text(profile, fields[0], fields[1], aim=aim) + "\n")
        except FrontDeskError as exc:
            out.write(f"error: {exc}\n")
            status = 1
    out.flush()
    return status
