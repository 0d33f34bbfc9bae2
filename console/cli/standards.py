"""`frontdesk standards`: the profile's commitments, as a plain table or JSON.

So a landlord can check what the console will hold its staff to before using it,
and a script can read the same thing with ``--json``.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.rules.profiles import Commitment, Profile

COLUMNS = ("slug", "promise", "target", "clock", "amount", "calendar", "at")
# A promise longer than this is cut in the table (with "…"); --json has it whole.
PROMISE_WIDTH = 60
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from console.rules.profiles import DEFAULT_POLICY, load_profile

    profile = load_profile(args.policy or DEFAULT_POLICY)
    print(as_json(profile) if args.json else as_table(profile))
    return 0


def cells(c: Commitment) -> tuple[str, ...]:
    """One row of the table; "—" where a column does not apply to the clock."""
    at = c.at if c.clock in ("working_days", "months") else "—"
    promise = c.promise
    if len(promise) > PROMISE_WIDTH:
        promise = promise[: PROMISE_WIDTH - 1].rstrip() + "…"
    return (c.slug, promise, c.target, c.clock, str(c.amount), c.calendar or "—", at)


def hours_line(profile: Profile) -> str:
    """Office hours in one line, runs of equal days joined: "Mon-Tue 08:45-17:00, ..."."""
    parts: list[str] = []
    i = 0
    hours = profile.office_hours
    while i < 7:
        j = i
        while j + 1 < 7 and hours[j + 1] == hours[i]:
            j += 1
        span = _DAYS[i] if i == j else f"{_DAYS[i]}-{_DAYS[j]}"
        h = hours[i]
        parts.append(f"{span} {'closed' if h is None else f'{h[0]:%H:%M}-{h[1]:%H:%M}'}")
        i = j + 1
    return ", ".join(parts)


def as_table(profile: Profile) -> str:
    rows = [COLUMNS, *(cells(c) for c in profile.commitments.values())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    right = {COLUMNS.index("amount")}

    def line(row: tuple[str, ...]) -> str:
        out = [
            cell.rjust(w) if i in right else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    head = [
        f"{profile.name} ({profile.key}): {profile.policy}",
        f"profile: {profile.path}",
        f"office hours (Europe/London): {hours_line(profile)}",
    ]
    if profile.closure_days:
        head.append("closure days: " + ", ".join(str(d) for d in sorted(profile.closure_days)))
    body = [line(rows[0]), line(tuple("-" * w for w in widths)), *(line(r) for r in rows[1:])]
    notes = [
        f"{c.slug}: a minimum notice, not a deadline"
        for c in profile.commitments.values()
        if c.kind == "minimum"
    ] + [f"{c.slug}: repeats" for c in profile.commitments.values() if c.repeating]
    if any(len(c.promise) > PROMISE_WIDTH for c in profile.commitments.values()):
        notes.append("(long promises are cut short here: --json gives them whole)")
    tail = ["", *notes] if notes else []
    return "\n".join([*head, "", *body, *tail])


def as_json(profile: Profile) -> str:
    data: dict[str, Any] = {
        "key": profile.key,
        "organisation": profile.name,
        "policy": profile.policy,
        "path": str(profile.path),
        "timezone": profile.timezone,
        "office_hours": {
            day: None if h is None else [f"{h[0]:%H:%M}", f"{h[1]:%H:%M}"]
            for day, h in zip(
                ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
                profile.office_hours,
                strict=True,
            )
        },
        "closure_days": [str(d) for d in sorted(profile.closure_days)],
        "commitments": [
            {
                "slug": c.slug,
                "promise": c.promise,
                "target": c.target,
                "clock": c.clock,
                "amount": c.amount,
                "calendar": c.calendar,
                "at": c.at,
                "kind": c.kind,
                "repeating": c.repeating,
                "team": c.team,
                "source": c.source,
                "extends_to": c.extends_to,
            }
            for c in profile.commitments.values()
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)
