"""The daily summary: what a year's report reads instead of a million contacts and tasks.

One row per (staff member, day, metric, bucket) with a count, a total and the
longest value (`console.store.models.DailySummary`). staff_id 0 is everyone, -1 nobody
(an abandoned call, an unassigned task); every contribution goes to everyone and
to its staff member.

- **Contacts** go to ``Contact.day``: ``contact.<channel>``; ``call.offered``,
  ``call.answered`` (bucket 1 = within the answer target), ``call.untimed``,
  ``call.abandoned``, ``call.resolved``; ``call.hour.offered`` (bucket = local
  hour) and ``call.hour.answered`` (bucket = hour * 2 + within; everyone only);
  ``visit.arrived``, ``visit.served`` (bucket 1 = within the serve target),
  ``visit.unseen``, ``visit.second_needed``, ``visit.second`` (bucket 1 = within),
  ``visit.second_left``; ``complaint.frontline`` (bucket = outcome code).
- **Tasks** (cancelled ones are left out): to the local date of ``due_at``,
  ``task.due.<slug>`` (fell due), ``task.due.<slug>.done`` (total and longest =
  seconds taken), ``task.due.<slug>.met`` (done by the due instant). Complaint and
  repair tasks also go to the local date of completion, ``task.done.<slug>``
  (emergency repairs: hours; the rest: working days; complaints' bucket: 0 within 5
  working days, 1 within 20, 2 longer) and
  ``task.done.<slug>.outcome`` (bucket = outcome code), and complaints to the local
  date of receipt, ``task.recv.<slug>`` (bucket 1 = escalated from stage 1).

"Within the target" and working days need the profile, which a writer's session
does not have: the report stores what they depend on (the answer and reception
targets, closing times, closure days, which slugs are complaints and repairs) in
the summary itself (staff_id -9, `ensure_spec`) and the events count on that. The
first report on a database, or one under a profile that differs in these, recounts
the rows that depend on it once.

Kept in the same transaction as each write, without the writer calling anything:
session events registered here (console/store/engine.py imports this module). New
contacts and changed tasks add and take away their contributions (a task's old
values are read back from the database in `before_flush`); a changed or deleted
contact recomputes its days. ORM bulk statements (``session.execute(insert(Contact),
rows)``, ``update(Task).where(...)``) are handled in `do_orm_execute`. Raw SQL and
Core connections are not seen: bulk loads (demo, the scaled benchmark) call
`rebuild_on(conn)` / `rebuild_summary(store)` when they finish, or `refresh_days`.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session

from console.rules.clock import LONDON
from console.store.models import Contact, DailySummary, Task

if TYPE_CHECKING:
    from console.rules.calendar import WorkingCalendar
    from console.rules.profiles import Profile
    from console.store.engine import Store

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
    "outcome", "details",
)  # fmt: skip
_CONTACT_SET = frozenset(CONTACT_FIELDS)
_TASK_SET = frozenset(TASK_FIELDS)

# (day, metric, staff_id, bucket) -> [count, total, longest]
Cells = dict[tuple[date, str, int, int], list[float]]
_SKIP = "frontdesk_summary_skip"  # session.info: this transaction rebuilds the summary itself
_PENDING = "frontdesk_summary_pending"  # session.info: what before_flush found for after_flush


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
    closures = frozenset(d.toordinal() for d in profile.closure_days)
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


def _spec_rows(spec: Spec) -> list[dict[str, Any]]:
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


def ensure_spec(store: Store, profile: Profile) -> bool:
    """Make the summary count working days on this profile's calendar; True when it had to.

    Once per database in practice: the first report, or one under a profile whose
    office hours, closure days or complaint and repair commitments differ.
    """
    wanted = spec_for(profile)
    with store.read() as session:
        if read_spec(session.connection()) == wanted:
            return False
    with store.write() as session:
        session.info[_SKIP] = True
        install_spec(session.connection(), wanted)
    return True


def install_spec(conn: Connection, spec: Spec) -> None:
    """Store the spec and recount what depends on it: contacts on new targets, working days."""
    old = read_spec(conn)
    if old == spec:
        return
    conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id == SPEC_STAFF))
    conn.execute(insert(SUMMARY), _spec_rows(spec))
    if old is None or old.version != spec.version:
        rebuild_on(conn)  # counted by other code (or never): recount everything
        return
    if old.targets != spec.targets:
        rebuild_contacts(conn, spec)
    if old is None or (old.closes, old.closures, old.roles) != (
        spec.closes,
        spec.closures,
        spec.roles,
    ):
        rebuild_families(conn, spec, DONE, RECV)


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


# --- reading rows, writing cells ----------------------------------------------------------

_UPSERT = text(
    "INSERT INTO daily_summary (staff_id, day, metric, bucket, count, total, longest) "
    "VALUES (:staff_id, :day, :metric, :bucket, :count, :total, :longest) "
    "ON CONFLICT (staff_id, day, metric, bucket) DO UPDATE SET "
    "count = daily_summary.count + excluded.count, "
    "total = daily_summary.total + excluded.total, "
    "longest = CASE WHEN excluded.longest > daily_summary.longest "
    "THEN excluded.longest ELSE daily_summary.longest END"
).bindparams(bindparam("day", type_=Date()))


def _params(cells: Cells) -> list[dict[str, Any]]:
    return [
        {
            "staff_id": staff,
            "day": day,
            "metric": metric,
            "bucket": bucket,
            "count": int(v[0]),
            "total": float(v[1]),
            "longest": float(v[2]),
        }
        for (day, metric, staff, bucket), v in cells.items()
    ]


def _insert(conn: Connection, cells: Cells) -> None:
    rows = [r for r in _params(cells) if r["count"] > 0]
    for i in range(0, len(rows), 5000):
        conn.execute(insert(SUMMARY), rows[i : i + 5000])


def _columns(table: Any, names: tuple[str, ...], details_when: Any) -> list[Any]:
    """The columns, with ``details`` (JSON) read only where it can matter: decoding it is slow."""
    cols = [table.c[name] for name in names if name != "details"]
    details = type_coerce(case((details_when, table.c.details), else_=None), JSON).label("details")
    return [*cols, details]


def _contact_rows(conn: Connection, where: Any, *, stream: bool = False) -> Iterable[Any]:
    # a complaint resolved at the front line is the only thing read from a contact's details
    stage = cast(CONTACT.c.details, String).like('%"stage"%')
    when = or_(CONTACT.c.outcome.like("%complaint%"), stage)
    stmt = select(*_columns(CONTACT, CONTACT_FIELDS, when)).where(where)
    if stream:
        return conn.execute(stmt.execution_options(yield_per=20_000))
    return conn.execute(stmt).all()


def _task_rows(conn: Connection, where: Any, *, stream: bool = False) -> Iterable[Any]:
    # a task's details only stand in for an empty outcome column
    when = or_(TASK_TABLE.c.outcome.is_(None), TASK_TABLE.c.outcome == "")
    stmt = select(*_columns(TASK_TABLE, TASK_FIELDS, when)).where(where)
    if stream:
        return conn.execute(stmt.execution_options(yield_per=20_000))
    return conn.execute(stmt).all()


def _in_days(column: Any, days: list[date]) -> Any:
    return or_(*(and_(column >= a, column < b) for a, b in map(day_bounds, days)))


def recompute_contacts(conn: Connection, days: Iterable[date]) -> None:
    """Replace the contact rows of these days from the contacts."""
    wanted = sorted(set(days))
    if not wanted:
        return
    spec = read_spec(conn)
    metric = SUMMARY.c.metric
    conn.execute(
        delete(SUMMARY).where(
            SUMMARY.c.day.in_(wanted), ~metric.startswith(TASK), SUMMARY.c.staff_id != SPEC_STAFF
        )
    )
    cells: Cells = {}
    for c in _contact_rows(conn, CONTACT.c.day.in_(wanted)):
        add_cells(cells, contact_cells(c, spec))
    _insert(conn, cells)


def rebuild_contacts(conn: Connection, spec: Spec | None) -> None:
    """Recount every contact row (the targets changed)."""
    conn.execute(
        delete(SUMMARY).where(~SUMMARY.c.metric.startswith(TASK), SUMMARY.c.staff_id != SPEC_STAFF)
    )
    cells: Cells = {}
    for c in _contact_rows(conn, text("1 = 1"), stream=True):
        add_cells(cells, contact_cells(c, spec))
    _insert(conn, cells)


def recompute_tasks(conn: Connection, spec: Spec | None, family: str, days: Iterable[date]) -> None:
    """Replace one family of task rows (DUE, DONE or RECV) on these days from the tasks."""
    wanted = sorted(set(days))
    if not wanted:
        return
    T = TASK_TABLE
    conn.execute(
        delete(SUMMARY).where(SUMMARY.c.day.in_(wanted), SUMMARY.c.metric.startswith(family))
    )
    cells: Cells = {}
    keep = set(wanted)
    for i in range(0, len(wanted), 100):
        chunk = wanted[i : i + 100]
        if family == DUE:
            where = _in_days(T.c.due_at, chunk)
        elif spec is None:
            return
        elif family == DONE:
            slugs = spec.slugs(STAGE1, STAGE2, EMERGENCY, URGENT, ROUTINE)
            where = and_(
                text("task.status = 'done'"), T.c.slug.in_(slugs), _in_days(T.c.completed_at, chunk)
            )
        else:
            where = and_(T.c.slug.in_(spec.slugs(STAGE1, STAGE2)), _in_days(T.c.received_at, chunk))
        for t in _task_rows(conn, where):
            add_cells(
                cells, (c for c in task_cells(t, spec) if c[1].startswith(family) and c[0] in keep)
            )
    _insert(conn, cells)


def rebuild_families(conn: Connection, spec: Spec | None, *families: str) -> None:
    """Recount every row of these task families (DONE, RECV) from the complaint and repair tasks."""
    if spec is None or not families:
        return
    conn.execute(delete(SUMMARY).where(or_(*(SUMMARY.c.metric.startswith(f) for f in families))))
    slugs = [slug for slug, _ in spec.roles]
    cells: Cells = {}
    for t in _task_rows(conn, TASK_TABLE.c.slug.in_(slugs), stream=True):
        add_cells(cells, (c for c in task_cells(t, spec) if c[1].startswith(families)))
    _insert(conn, cells)


def recompute(
    conn: Connection, contact_days: Iterable[date] = (), due_days: Iterable[date] = ()
) -> None:
    """After a bulk load on a Core connection: the contact rows of ``contact_days``, the due
    rows of ``due_days`` and (when the summary holds a calendar) every completion and receipt
    row of complaints and repairs, in the caller's transaction."""
    spec = read_spec(conn)
    recompute_contacts(conn, contact_days)
    recompute_tasks(conn, spec, DUE, due_days)
    rebuild_families(conn, spec, DONE, RECV)


def rebuild_on(conn: Connection) -> int:
    """Empty the summary and fill it again from every contact and task; returns the rows written."""
    spec = read_spec(conn)
    conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id != SPEC_STAFF))
    cells: Cells = {}
    for c in _contact_rows(conn, text("1 = 1"), stream=True):
        add_cells(cells, contact_cells(c, spec))
    for t in _task_rows(conn, text("1 = 1"), stream=True):
        add_cells(cells, task_cells(t, spec))
    _insert(conn, cells)
    return len(cells)


def rebuild_summary(store: Store, profile: Profile | None = None) -> int:
    """Recompute the whole summary in one transaction (after a bulk load that used raw SQL).

    With a profile, its targets and calendar are stored first, so the report finds the
    summary ready instead of counting again on its first run.
    """
    with store.write() as session:
        session.info[_SKIP] = True
        conn = session.connection()
        if profile is not None:
            conn.execute(delete(SUMMARY).where(SUMMARY.c.staff_id == SPEC_STAFF))
            conn.execute(insert(SUMMARY), _spec_rows(spec_for(profile)))
        return rebuild_on(conn)


def refresh_days(store: Store, first: date, last: date) -> None:
    """Recompute every summary row of local days first..last."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    with store.write() as session:
        session.info[_SKIP] = True
        conn = session.connection()
        spec = read_spec(conn)
        recompute_contacts(conn, days)
        for family in (DUE, DONE, RECV):
            recompute_tasks(conn, spec, family, days)


def check_summary(store: Store) -> list[str]:
    """Differences between the stored summary and one rebuilt from scratch (empty: they agree)."""
    with store.read() as session:
        conn = session.connection()
        spec = read_spec(conn)
        fresh: Cells = {}
        for c in _contact_rows(conn, text("1 = 1")):
            add_cells(fresh, contact_cells(c, spec))
        for t in _task_rows(conn, text("1 = 1")):
            add_cells(fresh, task_cells(t, spec))
        stored = {
            (r.day, r.metric, r.staff_id, r.bucket): [r.count, r.total, r.longest]
            for r in conn.execute(select(SUMMARY).where(SUMMARY.c.staff_id != SPEC_STAFF))
        }
    problems = []
    for key in sorted(set(fresh) | set(stored), key=str):
        a, b = fresh.get(key, [0, 0.0, 0.0]), stored.get(key, [0, 0.0, 0.0])
        if a[0] == 0 and b[0] == 0:
            continue
        if a[0] != b[0] or abs(a[1] - b[1]) > 1e-6 or abs(a[2] - b[2]) > 1e-6:
            problems.append(f"{key}: rebuilt {a}, stored {b}")
    return problems


# --- applying changes ---------------------------------------------------------------------


def _family(metric: str) -> str:
    for family in (DUE, DONE, RECV):
        if metric.startswith(family):
            return family
    return ""


def _apply_changes(
    conn: Connection,
    spec: Spec | None,
    cells_of: Any,
    old: Iterable[Any],
    new: Iterable[Any],
) -> dict[str, set[date]]:
    """Take away the old rows' contributions, add the new rows'. Returns the days whose
    `longest` may have gone with an old row (by metric family), for the caller to recount."""
    minus: Cells = {}
    plus: Cells = {}
    for row in old:
        add_cells(minus, cells_of(row, spec))
    for row in new:
        add_cells(plus, cells_of(row, spec))
    delta: Cells = {}
    check: dict[tuple[date, str, int, int], float] = {}
    for key in set(minus) | set(plus):
        m = minus.get(key, [0, 0.0, 0.0])
        p = plus.get(key, [0, 0.0, 0.0])
        if m[0] == p[0] and abs(m[1] - p[1]) < 1e-9 and m[2] <= p[2]:
            continue  # unchanged
        delta[key] = [p[0] - m[0], p[1] - m[1], p[2]]
        if m[0] and m[2] > p[2]:
            check[key] = m[2]  # a longest value left: it may have been the cell's longest
    if not delta:
        return {}
    conn.execute(_UPSERT, _params(delta))
    redo: dict[str, set[date]] = {}
    for (day, metric, staff, bucket), removed in check.items():
        longest = conn.execute(
            select(SUMMARY.c.longest).where(
                SUMMARY.c.staff_id == staff,
                SUMMARY.c.day == day,
                SUMMARY.c.metric == metric,
                SUMMARY.c.bucket == bucket,
            )
        ).scalar()
        if longest is not None and removed >= longest - 1e-9:
            redo.setdefault(_family(metric), set()).add(day)
    conn.execute(delete(SUMMARY).where(SUMMARY.c["count"] <= 0, SUMMARY.c.staff_id != SPEC_STAFF))
    return redo


def apply_task_changes(
    conn: Connection, spec: Spec | None, old: Iterable[Any], new: Iterable[Any]
) -> None:
    """Take away the old rows' contributions, add the new rows'; exact, longest included."""
    for family, days in _apply_changes(conn, spec, task_cells, old, new).items():
        recompute_tasks(conn, spec, family, days)


def apply_contact_changes(
    conn: Connection, spec: Spec | None, old: Iterable[Any], new: Iterable[Any]
) -> None:
    """As for tasks: a changed contact moves its own contribution, not its whole day's.

    (Recounting the day on every change made each save cost as much as the day's
    calls so far: with eight desks busy, seconds by the afternoon.)
    """
    redo = _apply_changes(conn, spec, contact_cells, old, new)
    days = set().union(*redo.values()) if redo else set()
    if days:
        recompute_contacts(conn, days)


def _contacts_by_id(conn: Connection, ids: Iterable[int]) -> list[Any]:
    found: list[Any] = []
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        found.extend(_contact_rows(conn, CONTACT.c.id.in_(id_list[i : i + 900])))
    return found


def _tasks_by_id(conn: Connection, ids: Iterable[int]) -> list[Any]:
    found: list[Any] = []
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        found.extend(_task_rows(conn, TASK_TABLE.c.id.in_(id_list[i : i + 900])))
    return found


def _contact_days(conn: Connection, ids: Iterable[int]) -> set[date]:
    found: set[date] = set()
    id_list = sorted(set(ids))
    for i in range(0, len(id_list), 900):
        chunk = id_list[i : i + 900]
        found.update(conn.execute(select(CONTACT.c.day).where(CONTACT.c.id.in_(chunk))).scalars())
    return found


# --- the session events -----------------------------------------------------------------


def _changed(obj: Any, fields: frozenset[str]) -> bool:
    from sqlalchemy import inspect

    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@dataclass
class _Pending:
    contact_ids: set[int]
    old_contacts: list[Any]
    task_ids: set[int]
    old_tasks: list[Any]


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_SKIP):
        return
    contact_ids: list[int] = []
    task_ids: list[int] = []
    for obj in session.dirty:
        if isinstance(obj, Contact) and obj.id is not None and _changed(obj, _CONTACT_SET):
            contact_ids.append(obj.id)
        elif isinstance(obj, Task) and obj.id is not None and _changed(obj, _TASK_SET):
            task_ids.append(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Contact) and obj.id is not None:
            contact_ids.append(obj.id)
        elif isinstance(obj, Task) and obj.id is not None:
            task_ids.append(obj.id)
    if not contact_ids and not task_ids:
        return
    conn = session.connection()
    old_contacts = _contacts_by_id(conn, contact_ids)  # the rows as they are, before this flush
    old = _tasks_by_id(conn, task_ids)
    session.info[_PENDING] = _Pending(set(contact_ids), old_contacts, set(task_ids), old)


def _after_flush(session: Session, _context: Any) -> None:
    if session.info.get(_SKIP):
        return
    pending: _Pending | None = session.info.pop(_PENDING, None)
    new_contacts = [o for o in session.new if isinstance(o, Contact)]
    new_tasks = [o.id for o in session.new if isinstance(o, Task) and o.id is not None]
    if pending is None and not new_contacts and not new_tasks:
        return
    conn = session.connection()
    spec = read_spec(conn)
    if pending and pending.contact_ids:
        apply_contact_changes(
            conn, spec, pending.old_contacts, _contacts_by_id(conn, pending.contact_ids)
        )
    cells: Cells = {}
    for c in new_contacts:
        add_cells(cells, contact_cells(c, spec))
    if cells:
        conn.execute(_UPSERT, _params(cells))
    changed = (pending.task_ids if pending else set()) | set(new_tasks)
    if changed:
        old = pending.old_tasks if pending else []
        apply_task_changes(conn, spec, old, _tasks_by_id(conn, changed))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _do_orm_execute(state: ORMExecuteState) -> Any:
    """ORM bulk insert/update/delete on contact or task: keep the summary as for single rows."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    cls = mapper.class_ if mapper is not None else None
    if cls not in (Contact, Task) or state.session.info.get(_SKIP):
        return None
    conn = state.session.connection()
    table = CONTACT if cls is Contact else TASK_TABLE
    where = getattr(state.statement, "whereclause", None)
    top = 0
    ids: set[int] = set()
    if state.is_insert:
        top = conn.execute(select(func.max(table.c.id))).scalar() or 0
    else:
        query = select(table.c.id) if where is None else select(table.c.id).where(where)
        ids = set(conn.execute(query).scalars())
    if cls is Contact:
        days = _contact_days(conn, ids)
    else:
        old = _tasks_by_id(conn, ids)
    result = state.invoke_statement()
    if state.is_insert:
        ids = set(conn.execute(select(table.c.id).where(table.c.id > top)).scalars())
    if cls is Contact and state.is_insert:
        # New rows only add to their cells: no need to recount their whole days (a bulk
        # import would otherwise recount each day once per batch, under the write lock).
        spec = read_spec(conn)
        cells: Cells = {}
        for c in _contact_rows(conn, CONTACT.c.id > top):
            add_cells(cells, contact_cells(c, spec))
        if cells:
            conn.execute(_UPSERT, _params(cells))
    elif cls is Contact:
        recompute_contacts(conn, days | _contact_days(conn, ids))
    else:
        apply_task_changes(conn, read_spec(conn), old, _tasks_by_id(conn, ids))
    return result


def install() -> None:
    """Register the events once, for every session in the process."""
    for name, fn in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("after_rollback", _after_rollback),
        ("do_orm_execute", _do_orm_execute),
    ):
        if not sa_event.contains(Session, name, fn):
            sa_event.listen(Session, name, fn)
