"""What each contact and task adds to the daily summary: metrics, buckets and the
spec (targets and the working-day calendar) they are counted on. No SQL."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    select,
)
from sqlalchemy.engine import Connection

from console.rules.clock import LONDON
from console.store.models import Contact, DailySummary, Task

if TYPE_CHECKING:
    from console.rules.calendar import WorkingCalendar
    from console.rules.profiles import Profile


EVERYONE = 0
NOBODY = -1
SPEC_STAFF = -9  # the rows that hold the calendar the working-day figures were counted on
SPEC_DAY = date(1970, 1, 1)
SUMMARY_VERSION = 1  # bump when what a row means changes: every summary is then recounted once
TASK = "task."  # prefix of every task metric; every other metric is a contact's
DUE = "task.due."
DONE = "task.done."
RECV = "task.recv."
HOURLY = "call.hour."  # kept for everyone only
COMPLAINT_OUTCOMES = ("", "upheld", "partially-upheld", "not-upheld", "resolved", "escalated")
ESCALATED = COMPLAINT_OUTCOMES.index("escalated")
_OUTCOME_CODE = {name: i for i, name in enumerate(COMPLAINT_OUTCOMES)}
RESOLVED_THERE_AND_THEN = frozenset({"resolved", "complaint_frontline"})
# Which slugs are measured in working days (or hours) by completion: the profile's uses.
STAGE1, STAGE2, EMERGENCY, URGENT, ROUTINE = 1, 2, 3, 4, 5
ROLE_USES = (
    ("complaint_stage1", STAGE1),
    ("complaint_stage1_extended", STAGE1),
    ("complaint_stage2", STAGE2),
    ("repair_emergency", EMERGENCY),
    ("repair_urgent", URGENT),
    ("repair_routine", ROUTINE),
)

SUMMARY = DailySummary.__table__  # type: ignore[attr-defined]
CONTACT = Contact.__table__  # type: ignore[attr-defined]
TASK_TABLE = Task.__table__  # type: ignore[attr-defined]

CONTACT_FIELDS = (
    "channel", "day", "staff_id", "received_at", "answered_at", "ended_at", "answer_seconds",
    "abandoned", "served_at", "served_by_id", "second_needed_at", "second_seen_at",
    "second_seen_by_id", "left_at", "left_unseen", "outcome", "details",
)  # fmt: skip
TASK_FIELDS = (
    "slug", "status", "received_at", "due_at", "completed_at", "assignee_id", "parent_id",
    "outcome", "details", "aim_at",
)  # fmt: skip
CONTACT_SET = frozenset(CONTACT_FIELDS)
TASK_SET = frozenset(TASK_FIELDS)

# (day, metric, staff_id, bucket) -> [count, total, longest]
Cells = dict[tuple[date, str, int, int], list[float]]
SKIP = "frontdesk_summary_skip"  # session.info: this transaction rebuilds the summary itself


# --- local time, buckets, outcomes ------------------------------------------------------

_LOCAL_HOUR: dict[tuple[int, int], tuple[date, int]] = {}


def local_day_hour(utc: datetime) -> tuple[date, int]:
    """(local date, local hour) of an instant; Europe/London moves by whole UTC hours."""
    if utc.tzinfo is not None and utc.tzinfo is not UTC:
        utc = utc.astimezone(UTC)
    key = (utc.toordinal(), utc.hour)
    hit = _LOCAL_HOUR.get(key)
    if hit is None:
        loc = utc.replace(minute=0, second=0, microsecond=0, tzinfo=UTC).astimezone(LONDON)
        hit = _LOCAL_HOUR[key] = (loc.date(), loc.hour)
        if len(_LOCAL_HOUR) > 500_000:
            _LOCAL_HOUR.clear()
    return hit


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a local day starts and the next one starts."""
    start = datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)
    return start, end


def within(seconds: float, target: int | None) -> int:
    """1 when a wait is within a live target (a whole number of seconds), else 0."""
    return int(target is not None and seconds <= target)


def complaint_band(working_days: int) -> int:
    """0: within 5 working days; 1: within 20; 2: longer (the SPSO's two timescales)."""
    return 0 if working_days <= 5 else 1 if working_days <= 20 else 2


def outcome_key(value: object) -> str:
    return str(value or "").strip().lower().replace(" ", "-").replace("_", "-")


def outcome_code(value: object) -> int:
    return _OUTCOME_CODE.get(outcome_key(value), 0)


def _seconds(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None:
        return None
    return max(0.0, (later - earlier).total_seconds())


def answer_seconds(c: Any) -> float | None:
    """Seconds to answer a call, or None for an abandoned or untimed one."""
    if c.abandoned:
        return None
    if c.answer_seconds is not None:
        return max(0.0, float(c.answer_seconds))
    return _seconds(c.answered_at, c.received_at)


def frontline_outcome(c: Any) -> int | None:
    """The outcome code of a complaint resolved at the front line on this contact, else None."""
    details = c.details if isinstance(c.details, dict) else {}
    complaint = details.get("complaint")
    complaint = complaint if isinstance(complaint, dict) else {}
    frontline = complaint.get("stage") == 0 or outcome_key(c.outcome) == "complaint-frontline"
    if not frontline:
        return None
    record = complaint.get("frontline")
    found = complaint.get("outcome") or (record.get("outcome") if isinstance(record, dict) else "")
    return outcome_code(found or "resolved")


# --- the calendar the working-day figures are counted on ----------------------------------


@lru_cache(maxsize=8)
def _organisation_calendar(open_days: frozenset[int], closures: frozenset[int]) -> WorkingCalendar:
    from console.rules.calendar import WorkingCalendar

    return WorkingCalendar("organisation", open_days, closures)


class WorkingDays:
    """Working days from receipt to completion, as the deadline engine counts them.

    Day 0 is the local day of receipt, or the next working day when it came outside
    office hours; a reply on day 0 took 0 working days. Two cached look-ups per instant.
    """

    def __init__(self, closes: tuple[int | None, ...], closures: frozenset[int]) -> None:
        open_days = frozenset(i for i in range(5) if closes[i] is not None)
        self.cal = _organisation_calendar(open_days, closures)
        self.closes = closes
        self._rank: dict[int, int] = {}

    def rank(self, ordinal: int) -> int:
        """How many working days fall on or before this day."""
        hit = self._rank.get(ordinal)
        if hit is None:
            self.cal.is_working_ordinal(ordinal)  # widens the calendar when needed
            hit = self._rank[ordinal] = bisect_right(self.cal.days, ordinal)
        return hit

    def count(self, start: datetime, end: datetime) -> int:
        day, hour = local_day_hour(start)
        o = day.toordinal()
        r0 = self.rank(o)
        close = self.closes[(o - 1) % 7]
        if close is None or not self.cal.is_working_ordinal(o):
            r0 += 1
        elif hour * 3600 + start.minute * 60 + start.second >= close:
            r0 += 1  # after close of business: counts from the next opening
        return max(0, self.rank(local_day_hour(end)[0].toordinal()) - r0)


@dataclass(frozen=True)
class Spec:
    """What working-day figures depend on: closing times, closure days, complaint/repair slugs."""

    closes: tuple[int | None, ...]  # Monday..Sunday: close of business, seconds of the day
    closures: frozenset[int]  # proleptic ordinals
    roles: tuple[tuple[str, int], ...]  # (slug, STAGE1 | STAGE2 | EMERGENCY | URGENT | ROUTINE)
    targets: tuple[int | None, int | None, int | None] = (None, None, None)  # answer, serve, second
    version: int = 0  # SUMMARY_VERSION when built by this code

    @property
    def answer(self) -> int | None:
        return self.targets[0]

    @property
    def serve(self) -> int | None:
        return self.targets[1]

    @property
    def second(self) -> int | None:
        return self.targets[2]

    @cached_property
    def by_slug(self) -> dict[str, int]:
        return dict(self.roles)

    @cached_property
    def working_days(self) -> WorkingDays:
        return WorkingDays(self.closes, self.closures)

    def role(self, slug: str) -> int:
        return self.by_slug.get(slug, 0)

    def slugs(self, *roles: int) -> list[str]:
        return sorted(s for s, r in self.roles if r in roles)


def spec_for(profile: Profile) -> Spec:
    closes = tuple(
        None if h is None else h[1].hour * 3600 + h[1].minute * 60 for h in profile.office_hours
    )
    # A special-hours date with no hours closes the office all day, like a closure day.
    closed = {s.day for s in profile.special_hours if not s.blocks}
    closures = frozenset(d.toordinal() for d in profile.closure_days | closed)
    roles: dict[str, int] = {}
    for use, role in ROLE_USES:
        slug = profile.slug_for(use)
        if slug is not None:
            roles.setdefault(slug, role)

    def target(use: str) -> int | None:
        slug = profile.slug_for(use)
        c = profile.commitments.get(slug) if slug else None
        return c.amount if c is not None and c.clock == "seconds" else None

    targets = (target("answer_call"), target("reception_serve"), target("reception_second"))
    return Spec(closes, closures, tuple(sorted(roles.items())), targets, SUMMARY_VERSION)


def read_spec(conn: Connection) -> Spec | None:
    rows = conn.execute(
        select(SUMMARY.c.metric, SUMMARY.c.bucket, SUMMARY.c["count"]).where(
            SUMMARY.c.staff_id == SPEC_STAFF
        )
    ).all()
    if not rows:
        return None
    closes: list[int | None] = [None] * 7
    closures = set()
    roles = []
    targets: list[int | None] = [None, None, None]
    version = 0
    for metric, bucket, n in rows:
        if metric == "spec.version":
            version = int(n)
        elif metric == "spec.close" and 0 <= bucket < 7:
            closes[bucket] = None if n < 0 else int(n)
        elif metric == "spec.target" and 0 <= bucket < 3:
            targets[bucket] = None if n < 0 else int(n)
        elif metric == "spec.closure":
            closures.add(int(bucket))
        elif metric.startswith("spec.role."):
            roles.append((metric.removeprefix("spec.role."), int(n)))
    answer, serve, second = targets
    return Spec(
        tuple(closes), frozenset(closures), tuple(sorted(roles)), (answer, serve, second), version
    )


def spec_rows(spec: Spec) -> list[dict[str, Any]]:
    rows = [("spec.close", i, -1 if c is None else c) for i, c in enumerate(spec.closes)]
    rows += [("spec.closure", o, 1) for o in sorted(spec.closures)]
    rows += [(f"spec.role.{slug}", 0, role) for slug, role in spec.roles]
    rows += [("spec.target", i, -1 if t is None else t) for i, t in enumerate(spec.targets)]
    rows.append(("spec.version", 0, spec.version))
    return [
        {"staff_id": SPEC_STAFF, "day": SPEC_DAY, "metric": m, "bucket": b, "count": n,
         "total": 0.0, "longest": 0.0}
        for m, b, n in rows
    ]  # fmt: skip


# --- contributions ----------------------------------------------------------------------


def contact_cells(c: Any, spec: Spec | None) -> Iterator[tuple[date, str, int, int, float | None]]:
    """(day, metric, staff, bucket, value) for one contact (an ORM object or a row).

    The bucket of a measured wait is 1 when it is within the spec's target, else 0.
    """
    targets = spec.targets if spec is not None else (None, None, None)
    day = c.day
    channel = c.channel
    staff = c.staff_id or NOBODY
    yield (day, "contact." + channel, staff, 0, None)
    if channel == "call":
        hour = local_day_hour(c.received_at)[1]
        yield (day, "call.offered", staff, 0, None)
        yield (day, HOURLY + "offered", EVERYONE, hour, None)
        answer = answer_seconds(c)
        if answer is not None:
            ok = within(answer, targets[0])
            yield (day, "call.answered", staff, ok, answer)
            yield (day, HOURLY + "answered", EVERYONE, hour * 2 + ok, answer)
        elif c.abandoned:
            wait = c.answer_seconds
            if wait is None:
                wait = _seconds(c.ended_at or c.answered_at, c.received_at)
            yield (day, "call.abandoned", staff, 0, wait)
        else:
            yield (day, "call.untimed", staff, 0, None)
        if not c.abandoned and (c.outcome or "").replace("-", "_") in RESOLVED_THERE_AND_THEN:
            yield (day, "call.resolved", staff, 0, None)
    elif channel == "visit":
        server = c.served_by_id or staff
        yield (day, "visit.arrived", server, 0, None)
        if c.served_at is not None:
            wait = _seconds(c.served_at, c.received_at) or 0.0
            yield (day, "visit.served", server, within(wait, targets[1]), wait)
            if c.second_needed_at is not None:
                second_by = c.second_seen_by_id or server
                yield (day, "visit.second_needed", second_by, 0, None)
                if c.second_seen_at is not None:
                    wait2 = _seconds(c.second_seen_at, c.served_at) or 0.0
                    yield (day, "visit.second", second_by, within(wait2, targets[2]), wait2)
                elif c.left_at is not None:
                    left = _seconds(c.left_at, c.served_at)
                    yield (day, "visit.second_left", second_by, 0, left)
        elif c.left_unseen or c.left_at is not None:
            yield (day, "visit.unseen", server, 0, _seconds(c.left_at, c.received_at))
    code = frontline_outcome(c)
    if code is not None:
        yield (day, "complaint.frontline", staff, code, None)


def task_outcome(t: Any) -> int:
    details = t.details if isinstance(t.details, dict) else {}
    return outcome_code(t.outcome or details.get("outcome"))


def task_cells(t: Any, spec: Spec | None) -> Iterator[tuple[date, str, int, int, float | None]]:
    """(day, metric, staff, bucket, value) for one task: nothing for a cancelled one."""
    if t.status == "cancelled":
        return
    staff = t.assignee_id or NOBODY
    due_day = local_day_hour(t.due_at)[0]
    metric = DUE + t.slug
    done = t.status == "done" and t.completed_at is not None
    yield (due_day, metric, staff, 0, None)
    if done:
        yield (due_day, metric + ".done", staff, 0, _seconds(t.completed_at, t.received_at))
        if t.completed_at <= t.due_at:
            yield (due_day, metric + ".met", staff, 0, None)
        aim = getattr(t, "aim_at", None)
        if aim is not None and t.completed_at <= aim:
            yield (due_day, metric + ".aim", staff, 0, None)
    role = spec.role(t.slug) if spec is not None else 0
    if not role:
        return
    assert spec is not None
    complaint = role in (STAGE1, STAGE2)
    if complaint:
        escalated_in = int(role == STAGE2 and t.parent_id is not None)
        yield (local_day_hour(t.received_at)[0], RECV + t.slug, staff, escalated_in, None)
    if not done:
        return
    done_day = local_day_hour(t.completed_at)[0]
    if complaint:
        code = task_outcome(t)
        yield (done_day, DONE + t.slug + ".outcome", staff, code, None)
        if code == ESCALATED:
            return  # closed by escalation, not a response in full
    if role == EMERGENCY:
        hours = (_seconds(t.completed_at, t.received_at) or 0.0) / 3600
        yield (done_day, DONE + t.slug, staff, 0, hours)
    else:
        wd = spec.working_days.count(t.received_at, t.completed_at)
        yield (done_day, DONE + t.slug, staff, complaint_band(wd) if complaint else 0, float(wd))


def add_cells(
    cells: Cells, found: Iterable[tuple[date, str, int, int, float | None]], sign: int = 1
) -> None:
    for day, metric, staff, bucket, value in found:
        v = 0.0 if value is None else float(value)
        both = staff != EVERYONE and not metric.startswith(HOURLY)
        for s in (EVERYONE, staff) if both else (EVERYONE,):
            cell = cells.get((day, metric, s, bucket))
            if cell is None:
                cells[(day, metric, s, bucket)] = [sign, sign * v, v]
            else:
                cell[0] += sign
                cell[1] += sign * v
                if v > cell[2]:
                    cell[2] = v
