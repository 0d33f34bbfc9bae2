"""`frontdesk queue`: the live queue on the command line, in the screen's order.

    frontdesk queue [--json] [--limit N] [--at ISO] [--mine LOGIN] [--kind K] [--overdue]

Open tasks, soonest due first (then by task number), read page by page: the same
query as the queue screen. ``--at`` views the queue as at an instant ("what will
be overdue by Friday 5pm": ISO 8601, "YYYY-MM-DD HH:MM", or "Fri 17:00"; local
Europe/London time without an offset). Before printing, the progress updates owed
by overdue tasks are opened (console.desk.queue.ensure_progress_updates: idempotent,
and a write only when one is missing), as the screen does.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.desk.queue import QueueRow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print JSON (one array) instead of a table"
    )
    parser.add_argument(
        "--limit", type=int, default=50, metavar="N", help="at most N tasks (default 50)"
    )
    parser.add_argument(
        "--at", default=None, metavar="ISO", help="view the queue as at this instant (default: now)"
    )
    parser.add_argument(
        "--mine", default=None, metavar="LOGIN", help="only tasks assigned to LOGIN"
    )
    parser.add_argument(
        "--kind", default=None, metavar="K", help="only one kind: a slug or its start (complaint)"
    )
    parser.add_argument("--overdue", action="store_true", help="only overdue tasks (as at --at)")
    parser.add_argument(
        "--no-updates",
        action="store_true",
        help="do not open owed progress updates first (read only)",
    )


def as_dict(row: QueueRow) -> dict[str, Any]:
    from console.rules.clock import local

    t = row.task
    return {
        "id": t.id,
        "slug": t.slug,
        "kind": row.kind,
        "title": t.title,
        "customer_reference": t.customer_reference or None,
        "customer_name": t.customer_name or None,
        "restricted": bool(t.restriction),
        "assignee": t.assignee_name or None,
        "team": t.team,
        "received_at": local(t.received_at).isoformat(),
        "due_at": local(t.due_at).isoformat(),
        "due": row.due_text,
        "time_left": row.left,
        "overdue": row.state == "overdue",
        "aim_at": local(t.aim_at).isoformat() if t.aim_at is not None else None,
        "past_aim": row.state == "past aim",
        "parent_id": t.parent_id,
    }


def run(args: argparse.Namespace) -> int:
    from console.desk import queue
    from console.desk.context import cli_actor
    from console.desk.open import open_desk
    from console.rules.clock import local
    from console.rules.errors import InputError

    if args.limit < 1:
        raise InputError(f"--limit must be 1 or more, not {args.limit}")
    desk = open_desk(args.db, args.policy, actor=cli_actor())  # the CLI acts as its admin
    store, profile = desk.store, desk.profile
    try:
        at = queue.parse_as_at(args.at, desk.now()) if args.at else None
        filters = queue.QueueFilter(
            assignee_id=queue.staff_id_for(desk, args.mine) if args.mine else None,
            kind=args.kind or "",
            overdue=args.overdue,
        )
        if args.kind:
            queue.kind_slugs(profile, args.kind)  # a bad kind stops here with the known kinds
        if not args.no_updates:
            queue.ensure_progress_updates(desk)
        rows = queue.rows(desk, filters, limit=args.limit, at=at)
        out = sys.stdout
        if args.json:
            out.write(json.dumps([as_dict(r) for r in rows], indent=2) + "\n")
            return 0
        from console.rules.names import printable

        when = local(at or desk.now())
        out.write(f"Queue as at {when:%a %d %b %Y %H:%M} ({profile.short_name})\n")
        widths = (6, 16, 30, 24, 26, 20)
        head = ("task", "time left", "due", "kind", "customer", "with")
        out.write("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip() + "\n")
        shown = 0
        for r in rows:
            t = r.task
            customer = (("! " if t.restriction else "") + (t.customer_name or "-"))[:26]
            left = f"{r.left}, past aim" if r.state == "past aim" else r.left
            cells = tuple(
                printable(str(c))  # a name read from an old import may hold ESC: show, not act
                for c in (f"#{t.id}", left, r.due_text, r.kind, customer, t.assignee_name or t.team)
            )
            out.write(
                "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
            )
            out.write("\n")
            shown += 1
        if shown == 0:
            out.write("Nothing open.\n")
        return 0
    finally:
        store.close()
