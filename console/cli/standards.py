"""`frontdesk standards`: the profile's commitments, as a plain table or JSON.

So a landlord can check what the console will hold its staff to before using it,
and a script can read the same thing with ``--json``. ``--check`` is for the
person writing a profile: it loads the file (a broken one is refused with one
line naming the key), then prints a short summary of what it will promise: office
hours with their blocks, the next special days and closures, each clock in words
and the due instant of a sample receipt now (or ``--at``).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from console.rules.profiles import Block, Commitment, Profile

COLUMNS = ("slug", "promise", "target", "clock", "amount", "calendar", "at")
# A promise longer than this is cut in the table (with "…"); --json has it whole.
PROMISE_WIDTH = 60
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check a profile and summarise what it promises, with a sample receipt now",
    )
    parser.add_argument(
        "--at",
        default=None,
        metavar="WHEN",
        help="'now' for --check and the coming year (ISO 8601, local without an offset)",
    )


def run(args: argparse.Namespace) -> int:
    from console.cli.due import parse_received
    from console.rules.clock import as_utc
    from console.rules.profiles import DEFAULT_POLICY, load_profile

    profile = load_profile(args.policy or DEFAULT_POLICY)
    now = as_utc(parse_received(args.at)) if args.at else datetime.now(UTC)
    if args.check:
        print(as_check(profile, now))
    else:
        print(as_json(profile, now) if args.json else as_table(profile, now))
    return 0


def blocks_text(blocks: tuple[Block, ...]) -> str:
    """ "09:00-12:30 13:30-17:00", or "closed"."""
    return " ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in blocks) or "closed"


def clock_words(c: Commitment) -> str:
    """A clock the way a landlord says it: "4 office hours", "5 working days, close of business"."""
    n = c.amount
    plural = "" if n == 1 else "s"
    if c.clock == "seconds":
        return f"{n} second{plural}" if n < 120 or n % 60 else f"{n // 60} minutes"
    if c.clock == "hours":
        return f"{n} hour{plural}, round the clock"
    if c.clock == "working_hours":
        return f"{n} office hour{plural}"
    if c.clock == "calendar_days":
        return f"{n} calendar day{plural}, end of the day"
    when = "same time" if c.at == "same-time" else "close of business"
    where = ", statutory calendar" if c.calendar == "statutory" else ""
    if c.clock == "months":
        return f"{n} month{plural}, {when}{where}"
    return f"{n} working day{plural}, {when}{where}"


def special_days(profile: Profile, now: datetime, days: int = 366) -> list[tuple[date, str]]:
    """Special hours, closure days and bank holidays from today for ``days``: (date, what)."""
    from console.rules.calendar import scottish_bank_holidays
    from console.rules.clock import local

    first = local(now).date()
    last = first + timedelta(days=days)
    found: dict[date, str] = {}
    for day, name in scottish_bank_holidays(range(first.year, last.year + 1)).items():
        if first <= day <= last and day.weekday() < 5:
            found[day] = f"closed: {name} (bank holiday)"
    for day in profile.closure_days:
        if first <= day <= last:
            found[day] = "closed (closure day)"
    for special in profile.special_hours:
        if first <= special.day <= last:
            what = "closed" if not special.blocks else blocks_text(special.blocks)
            found[special.day] = what + (f" ({special.reason})" if special.reason else "")
    return sorted(found.items())


def aim_words(c: Commitment) -> str:
    return "" if c.aim is None else clock_words(c.aim)


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
    hours = [profile.blocks_on(d) for d in range(7)]
    while i < 7:
        j = i
        while j + 1 < 7 and hours[j + 1] == hours[i]:
            j += 1
        span = _DAYS[i] if i == j else f"{_DAYS[i]}-{_DAYS[j]}"
        parts.append(f"{span} {blocks_text(profile.blocks_on(i))}")
        i = j + 1
    return ", ".join(parts)


def as_table(profile: Profile, now: datetime | None = None) -> str:
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
    from console.rules.clock import local

    today = None if now is None else local(now).date()
    coming = [s for s in profile.special_hours if today is None or 0 <= (s.day - today).days <= 366]
    if coming:
        head.append(
            "special hours (coming year): "
            + ", ".join(
                f"{s.day} {blocks_text(s.blocks)}" + (f" ({s.reason})" if s.reason else "")
                for s in coming
            )
        )
    body = [line(rows[0]), line(tuple("-" * w for w in widths)), *(line(r) for r in rows[1:])]
    notes = (
        [
            f"{c.slug}: a minimum notice, not a deadline"
            for c in profile.commitments.values()
            if c.kind == "minimum"
        ]
        + [f"{c.slug}: repeats" for c in profile.commitments.values() if c.repeating]
        + [
            f"{c.slug}: aim {aim_words(c)}, within the promise of {clock_words(c)}"
            for c in profile.commitments.values()
            if c.aim is not None
        ]
    )
    if any(len(c.promise) > PROMISE_WIDTH for c in profile.commitments.values()):
        notes.append("(long promises are cut short here: --json gives them whole)")
    tail = ["", *notes] if notes else []
    return "\n".join([*head, "", *body, *tail])


def as_json(profile: Profile, now: datetime | None = None) -> str:
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
        "blocks": {
            day: [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in profile.blocks_on(i)]
            for i, day in enumerate(
                ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            )
        },
        "closure_days": [str(d) for d in sorted(profile.closure_days)],
        "special_hours": [
            {
                "date": str(s.day),
                "hours": [[f"{a:%H:%M}", f"{b:%H:%M}"] for a, b in s.blocks],
                "reason": s.reason,
            }
            for s in profile.special_hours
        ],
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
                "aim": None
                if c.aim is None
                else {
                    "clock": c.aim.clock,
                    "amount": c.aim.amount,
                    "calendar": c.aim.calendar,
                    "at": c.aim.at,
                },
            }
            for c in profile.commitments.values()
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def as_check(profile: Profile, now: datetime) -> str:
    """The summary a profile's writer reads: what the console will promise, from ``now``."""
    from console.rules.clock import local
    from console.rules.deadlines import aim_at, due_at

    received = local(now)
    lines = [
        f"{profile.path}: loads and checks out",
        f"{profile.name} ({profile.key}): {profile.policy}",
        "",
        "Office hours (Europe/London):",
        *(f"  {_DAYS[i]}  {blocks_text(profile.blocks_on(i))}" for i in range(7)),
        "",
        "Next special days and closures:",
    ]
    coming = special_days(profile, now)[:10]
    lines += [f"  {d:%a %d %b %Y}  {what}" for d, what in coming] or ["  none in the coming year"]
    lines += ["", f"Commitments, for a receipt now ({received:%a %d %b %Y %H:%M}):"]
    rows: list[tuple[str, str, str]] = []
    for c in profile.commitments.values():
        due = due_at(profile, c, now)
        words = clock_words(c)
        if c.kind == "minimum":
            words += " (a minimum notice)"
        when = local(due).strftime("%a %d %b %Y %H:%M")
        if c.clock == "seconds":
            when = "live (timed at the desk)"
        rows.append((c.slug, words, f"due {when}"))
        aim = aim_at(profile, c, now)
        if c.aim is not None and aim is not None:
            rows.append(("", f"aim {clock_words(c.aim)}", f"aim {local(aim):%a %d %b %Y %H:%M}"))
    width = max(len(r[0]) for r in rows)
    width2 = max(len(r[1]) for r in rows)
    lines += [f"  {a.ljust(width)}  {b.ljust(width2)}  {w}".rstrip() for a, b, w in rows]
    return "\n".join(lines)
