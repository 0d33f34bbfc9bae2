"""The team lead's report: performance against every published standard.

`build_report(desk, start=..., end=..., by=..., at=...)` returns a `Report` of
frozen dataclasses: every commitment of the profile, the telephone line, the
reception desk, complaints (the SPSO's KPIs) and repairs (the Annual Return on the
Charter's indicators), each broken down by handler, week or month when asked, plus
the two charts' figures (calls by hour of day; share met per week). Team leads and
admins only (`desk.require(*LEADS)`).

Where the figures come from (speed: a year over a million contacts and a million
tasks in about 100 ms, see bench/bench_report.py):

- everything counted per day (contacts, commitments falling due, complaints and
  repairs by the day received or closed): the daily summary (console/store/summary.py),
  some 30,000 rows for a year; `ensure_spec` first makes sure it counted
  within-target waits and working days on this profile's targets and calendar;
- open and overdue: the open tasks, counted in SQL over the partial index the
  queue uses (`status = 'open'`, due before the as-at instant);
- home visits' notice: the few home-visit contacts of the period.

Definitions (README "Reports" says the same for people):

- The period is whole local days, ``start``..``end`` (Europe/London). The as-at
  instant (default now) moves only "now": what is open, overdue or not yet due;
  the records are read as they stand.
- A commitment *fell due* in the period when its due instant falls on one of its
  days (cancelled tasks are left out). *Met*: done by the due instant. *Late*:
  done after it, or still open and overdue. *Share met* = met / (fell due − not
  yet due). *Time taken*: received to completed, over the done ones.
- Telephone: *service level* = calls answered within the answer-call target /
  calls offered; *average speed of answer* over answered calls; *longest wait*
  over answered and abandoned calls; *first contact resolution* = calls resolved
  there and then (outcome ``resolved`` or ``complaint_frontline``) / calls answered.
- Reception: the share served within target is of visitors served or gone unseen;
  the second stage runs from being served to being seen by the second person.
- Complaints: stage 1 counts complaints resolved at the front line (closed the same
  day, 0 working days) as well as stage 1 tasks (extended or not); a complaint
  escalated from stage 1 counts at both stages. *Closed in full*: done with a
  decision (an open stage 1 closed by escalation is counted as "escalated", not as
  closed in full). Working days run from receipt (stage 2: the escalation) to
  closure on the organisation calendar, day 0 being the day of receipt (the next
  working day when received outside office hours), as the deadline engine counts.
- Repairs: completed in the period; emergency in hours, non-emergency in working days.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Integer, and_, case, cast, func, select, text

from console.desk.context import LEADS, Desk
from console.rules.calendar import next_opening, working_calendar
from console.rules.clock import LONDON, as_utc, local
from console.rules.errors import InputError
from console.rules.profiles import Commitment, Profile
from console.store.models import Contact, DailySummary, Staff, Task
from console.store.summary import (
    COMPLAINT_OUTCOMES,
    DONE,
    DUE,
    EVERYONE,
    NOBODY,
    RECV,
    WorkingDays,
    day_bounds,
    ensure_spec,
    local_day_hour,
    spec_for,
)

BYS = ("handler", "week", "month")
ALL = "all"
NOBODY_LABEL = "nobody"
S = DailySummary.__table__  # type: ignore[attr-defined]
T = Task.__table__  # type: ignore[attr-defined]
C = Contact.__table__  # type: ignore[attr-defined]

OUTCOME_LABELS = {
    "upheld": "upheld",
    "partially-upheld": "partially upheld",
    "not-upheld": "not upheld",
    "resolved": "resolved",
    "escalated": "escalated",
    "": "not recorded",
}


# --- the figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # first local day
    end: date  # last local day (inclusive)
    at: datetime  # the as-at instant (UTC): what is open and overdue, and what is not yet due
    by: str | None  # None, "handler", "week", "month"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        span = f"{self.start:%a %d %b %Y} to {self.end:%a %d %b %Y}"
        days = f"{self.days} day{'s' if self.days != 1 else ''}"
        return f"{span} ({days}), as at {local(self.at):%a %d %b %Y %H:%M}"


@dataclass(frozen=True)
class CommitmentRow:
    group: str
    slug: str
    promise: str
    target: str
    fell_due: int  # calls offered / visitors decided for a live target
    met: int
    late: int
    open_overdue: int  # fell due in the period, still open past its due instant
    not_yet_due: int  # falls in the period but is still open and not yet due
    share_met: float | None
    average_seconds: float | None  # time taken (live targets: the wait)
    longest_seconds: float | None


@dataclass(frozen=True)
class OpenRow:
    """Open and overdue now, as the queue counts them (whatever the period)."""

    group: str
    slug: str
    promise: str
    open: int
    overdue: int


@dataclass(frozen=True)
class TelephoneRow:
    group: str
    offered: int
    answered: int
    abandoned: int
    answered_within: int
    service_level: float | None
    average_answer_seconds: float | None
    longest_wait_seconds: float | None
    resolved: int
    first_contact_resolution: float | None


@dataclass(frozen=True)
class ReceptionRow:
    group: str
    visitors: int
    served: int
    left_unseen: int
    served_within: int
    share_within: float | None
    average_wait_seconds: float | None
    longest_wait_seconds: float | None
    second_needed: int
    second_seen: int
    second_within: int
    second_share_within: float | None
    second_average_seconds: float | None
    second_longest_seconds: float | None


@dataclass(frozen=True)
class ComplaintRow:
    group: str
    stage: int  # 1 or 2
    received: int
    frontline: int  # stage 1: of which resolved at the front line
    escalated_from_stage1: int  # stage 2: of which escalated from stage 1
    closed_in_full: int
    within_5: int
    within_20: int
    share_within_5: float | None
    share_within_20: float | None
    average_working_days: float | None
    upheld: int
    partially_upheld: int
    not_upheld: int
    resolved: int
    escalated: int  # stage 1 closed by escalation before a decision
    no_outcome: int


@dataclass(frozen=True)
class RepairRow:
    group: str
    priority: str  # "emergency", "non-emergency", "urgent", "routine"
    slugs: str
    unit: str  # "hours" or "working days"
    completed: int
    average: float | None
    longest: float | None


@dataclass(frozen=True)
class HourRow:
    hour: int  # local hour of day, 0-23
    offered: int
    answered: int
    answered_within: int | None  # None where the profile sets no answer target
    average_answer_seconds: float | None


@dataclass(frozen=True)
class WeekShare:
    slug: str
    week: date  # Monday
    fell_due: int  # decided: fell due and not still waiting for its due instant
    met: int
    share_met: float | None


@dataclass(frozen=True)
class Report:
    organisation: str
    profile: str
    period: Period
    answer_target_seconds: int | None
    serve_target_seconds: int | None
    second_target_seconds: int | None
    groups: tuple[str, ...]  # group labels in order, "all" last
    commitments: tuple[CommitmentRow, ...]
    open_now: tuple[OpenRow, ...]
    telephone: tuple[TelephoneRow, ...]
    reception: tuple[ReceptionRow, ...]
    complaints: tuple[ComplaintRow, ...]
    repairs: tuple[RepairRow, ...]
    hours: tuple[HourRow, ...]
    weekly: tuple[WeekShare, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def open_total(self) -> int:
        return sum(r.open for r in self.open_now if r.group == ALL)

    @property
    def overdue_total(self) -> int:
        return sum(r.overdue for r in self.open_now if r.group == ALL)

    def tables(self) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
        """Every table as (column names, rows): what --csv writes."""
        out: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
        for name in TABLES:
            rows = getattr(self, name)
            cls = TABLE_TYPES[name]
            columns = tuple(f.name for f in fields(cls))
            out[name] = (columns, [tuple(_cell(getattr(r, c)) for c in columns) for r in rows])
        return out

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["open_total"] = self.open_total
        data["overdue_total"] = self.overdue_total
        return data


TABLES = (
    "commitments",
    "open_now",
    "telephone",
    "reception",
    "complaints",
    "repairs",
    "hours",
    "weekly",
)
TABLE_TYPES: dict[str, type] = {
    "commitments": CommitmentRow,
    "open_now": OpenRow,
    "telephone": TelephoneRow,
    "reception": ReceptionRow,
    "complaints": ComplaintRow,
    "repairs": RepairRow,
    "hours": HourRow,
    "weekly": WeekShare,
}


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mean(total: float, count: int) -> float | None:
    return total / count if count else None


# --- working days --------------------------------------------------------------------------


def working_days_between(
    profile: Profile, start: datetime, end: datetime, calendar: str = "organisation"
) -> int:
    """Working days from an instant of receipt to an instant of completion (never negative).

    Day 0 is the local day of receipt; on the organisation calendar a receipt outside
    office hours counts from the next opening (as the deadline engine counts), so a
    reply on the day of receipt takes 0 working days and one on the next working day 1.
    """
    cal = working_calendar(profile, calendar)
    begin = as_utc(start)
    if calendar == "organisation":
        begin = next_opening(profile, begin)
    day0 = begin.astimezone(LONDON).date()
    last = as_utc(end).astimezone(LONDON).date()
    if last <= day0:
        return 0
    return cal.working_days_between(day0, last)


def working_days_counter(profile: Profile) -> WorkingDays:
    """`working_days_between` on the organisation calendar for many rows (cached look-ups)."""
    return spec_for(profile).working_days


# --- grouping -----------------------------------------------------------------------------


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _group_of_day(by: str | None, day: date) -> str:
    if by == "week":
        return week_of(day).isoformat()
    if by == "month":
        return f"{day:%Y-%m}"
    return ALL


def _julian(day: date) -> float:
    """SQLite's julianday() of a date (midnight)."""
    return day.toordinal() + 1721424.5


def _month_key(dialect: str, day: Any) -> Any:
    if dialect == "sqlite":
        return func.substr(day, 1, 7)  # dates are kept as YYYY-MM-DD text
    return func.to_char(day, "YYYY-MM")


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


Row = TypeVar("Row")
Rows = Callable[[str], list[Row]]


def _no_rows(_group: str) -> list[Any]:
    return []


# (group, metric, bucket) -> [count, total, longest, within target, within 5, within 20]
Agg = dict[tuple[str, str, int], list[float]]


class _Figures:
    """Sums of summary cells for one group."""

    def __init__(self, agg: Agg, group: str) -> None:
        self.agg = agg
        self.group = group

    def cell(self, metric: str, bucket: int = 0) -> list[float]:
        return self.agg.get((self.group, metric, bucket), [0, 0.0, 0.0, 0, 0, 0])

    def n(self, metric: str, bucket: int = 0) -> int:
        return int(self.cell(metric, bucket)[0])

    def total(self, metric: str) -> float:
        return self.cell(metric)[1]

    def longest(self, *metrics: str) -> float | None:
        found = [self.cell(m) for m in metrics]
        if not any(c[0] for c in found):
            return None
        return max(c[2] for c in found if c[0])

    def within(self, metric: str) -> int:
        return int(self.cell(metric)[3])


# --- the report ---------------------------------------------------------------------------


def default_period(now: datetime) -> tuple[date, date]:
    """The current month to date (local)."""
    today = local(now).date()
    return today.replace(day=1), today


def live_targets(profile: Profile) -> dict[str, int | None]:
    def target(use: str) -> int | None:
        slug = profile.slug_for(use)
        if slug is None:
            return None
        c = profile.commitments.get(slug)
        return c.amount if c is not None and c.clock == "seconds" else None

    return {
        "answer": target("answer_call"),
        "serve": target("reception_serve"),
        "second": target("reception_second"),
    }


def build_report(
    desk: Desk,
    *,
    start: date | None = None,
    end: date | None = None,
    by: str | None = None,
    at: datetime | None = None,
) -> Report:
    """The report for local days start..end (default: this month to date), as at ``at`` (now)."""
    desk.require(*LEADS)
    as_at = as_utc(at) if at is not None else desk.now()
    first, last = default_period(as_at)
    start = start or first
    end = end or (last if start <= last else start)
    if start > end:
        raise InputError(
            f"the period starts on {start} after it ends on {end}: swap --from and --to"
        )
    if by is not None and by not in BYS:
        raise InputError(f"--by {by}: choose one of {', '.join(BYS)}")
    period = Period(start, end, as_at, by)
    return _Builder(desk, period).build()


class _Builder:
    def __init__(self, desk: Desk, period: Period) -> None:
        self.desk = desk
        self.profile = desk.profile
        self.period = period
        self.by = period.by
        self.targets = live_targets(self.profile)
        self.begin, _ = day_bounds(period.start)
        _, self.finish = day_bounds(period.end)
        self.names: dict[int, str] = {}
        self._classes: dict[tuple[str, int], tuple[int, int, int, int]] = {}
        self.dialect = desk.store.engine.dialect.name

    # labels ----------------------------------------------------------------------------

    def staff_label(self, staff_id: int | None) -> str:
        if staff_id is None or staff_id in (NOBODY, EVERYONE):
            return NOBODY_LABEL
        return self.names.get(staff_id, f"staff #{staff_id}")

    def group_of(self, day: date | None, staff_id: int | None) -> str:
        if self.by == "handler":
            return self.staff_label(staff_id)
        if day is None:
            return ALL
        return _group_of_day(self.by, day)

    # queries ---------------------------------------------------------------------------

    def _classify(self, metric: str, bucket: int) -> tuple[int, int, int, int]:
        """(bucket kept apart or 0, within target, within 5 wd, within 20 wd) of a summary row."""
        key = (metric, bucket)
        hit = self._classes.get(key)
        if hit is None:
            named = metric.startswith(("call.hour.", "complaint.", RECV)) or (
                metric.startswith(DONE) and metric.endswith(".outcome")
            )
            timed = metric in ("call.answered", "visit.served", "visit.second")
            done = metric.startswith(DONE) and not named
            hit = self._classes[key] = (
                bucket if named else 0,
                int(timed and bucket == 1),
                int(done and bucket == 0),
                int(done and bucket <= 1),
            )
        return hit

    def _merge_rows(
        self, agg: Agg, rows: Iterable[Any], label: Any, also_all: Agg | None = None
    ) -> None:
        """Add summary rows (group, metric, bucket, count, total, longest) to the sums."""
        for g, metric, bucket, n, total, longest in rows:
            bkey, within, w5, w20 = self._classify(metric, bucket)
            n = int(n or 0)
            total = float(total or 0)
            longest = float(longest or 0)
            for target, group in ((agg, label(g)), (also_all, ALL)):
                if target is None:
                    continue
                key = (group, metric, bkey)
                cell = target.get(key)
                if cell is None:
                    target[key] = [n, total, longest, within * n, w5 * n, w20 * n]
                else:
                    cell[0] += n
                    cell[1] += total
                    if longest > cell[2]:
                        cell[2] = longest
                    cell[3] += within * n
                    cell[4] += w5 * n
                    cell[5] += w20 * n

    def summary(self, session: Any) -> tuple[Agg, Agg]:
        """(weekly cells for everyone, cells by the report's groups incl. "all").

        SQL sums by (week or group, metric, bucket) with no expression per row beyond the
        group key; what a bucket means is worked out here, once per metric and bucket.
        """
        p = self.period
        sums = (func.sum(S.c["count"]), func.sum(S.c.total), func.max(S.c.longest))
        in_period = and_(S.c.day >= p.start, S.c.day <= p.end)
        monday = week_of(p.start)
        if self.dialect == "sqlite":
            wkey = cast((func.julianday(S.c.day) - _julian(monday)) / 7, Integer)
        else:
            wkey = cast(func.floor((S.c.day - monday) / 7.0), Integer)
        everyone = and_(S.c.staff_id == EVERYONE, in_period)
        cols = (S.c.metric, S.c.bucket)
        weekly: Agg = {}
        groups: Agg = {}
        rows = session.execute(
            select(wkey, *cols, *sums).where(everyone).group_by(wkey, *cols)
        ).all()

        weeks: dict[Any, str] = {}

        def week(i: Any) -> str:
            hit = weeks.get(i)
            if hit is None:
                hit = weeks[i] = (monday + timedelta(days=7 * int(i))).isoformat()
            return hit

        self._merge_rows(weekly, rows, week, groups)
        if self.by == "week":
            self._merge_rows(groups, rows, week)
        elif self.by == "month":
            mkey = _month_key(self.dialect, S.c.day)
            rows = session.execute(
                select(mkey, *cols, *sums).where(everyone).group_by(mkey, *cols)
            ).all()
            self._merge_rows(groups, rows, str)
        elif self.by == "handler":
            # One key range per staff member (the summary is keyed staff first).
            staff = Staff.__table__  # type: ignore[attr-defined]
            ids = [NOBODY, *session.execute(select(staff.c.id)).scalars()]
            rows = session.execute(
                select(S.c.staff_id, *cols, *sums)
                .where(S.c.staff_id.in_(ids), in_period)
                .group_by(S.c.staff_id, *cols)
            ).all()
            self._load_names(session, {int(r[0]) for r in rows})
            self._merge_rows(groups, rows, lambda sid: self.staff_label(int(sid)))
        return weekly, groups

    def _load_names(self, session: Any, ids: Iterable[int | None]) -> None:
        wanted = {i for i in ids if i is not None and i > 0 and i not in self.names}
        if wanted:
            staff = Staff.__table__  # type: ignore[attr-defined]
            stmt = select(staff.c.id, staff.c.name).where(staff.c.id.in_(sorted(wanted)))
            self.names.update({int(i): str(n) for i, n in session.execute(stmt)})

    def open_tasks(self, session: Any) -> tuple[list[Any], list[Any], list[Any]]:
        """Counted in SQL over the open tasks (the partial index), as the queue counts them:

        - (slug, assignee, open, overdue) now, whatever the period;
        - (slug, assignee, a due instant, open, overdue) of those falling due in the period,
          by UTC hour when the report is broken down by week or month (an hour falls on one
          local day), else by slug and assignee;
        - (slug, a due instant, count) of those in the period not yet due, by UTC hour.
        """
        at = self.period.at
        # a literal, not a bound parameter: SQLite only uses the partial indexes of open
        # tasks when it can see the query asks for status = 'open'
        is_open = text("task.status = 'open'")
        overdue = func.sum(case((T.c.due_at < at, 1), else_=0))
        now_rows = session.execute(
            select(T.c.slug, T.c.assignee_id, func.count(), overdue)
            .where(is_open)
            .group_by(T.c.slug, T.c.assignee_id)
        ).all()
        if self.dialect == "sqlite":
            hour = func.substr(T.c.due_at, 1, 13)
        else:
            hour = func.date_trunc("hour", T.c.due_at)
        keys = [T.c.slug, T.c.assignee_id]
        if self.by in ("week", "month"):
            keys.append(hour)
        # coalesce() keeps the planner on the covering (slug, assignee, due) index of open
        # tasks: the (due, id) one would fetch every row of a year's range from the table.
        due = func.coalesce(T.c.due_at, T.c.due_at)
        period_rows = session.execute(
            select(T.c.slug, T.c.assignee_id, func.min(T.c.due_at), func.count(), overdue)
            .where(is_open, due >= self.begin, due < self.finish)
            .group_by(*keys)
        ).all()
        not_yet = session.execute(
            select(T.c.slug, func.min(T.c.due_at), func.count())
            .where(is_open, T.c.due_at >= max(at, self.begin), T.c.due_at < self.finish)
            .group_by(T.c.slug, hour)
        ).all()
        self._load_names(session, [r[1] for r in now_rows])
        return now_rows, period_rows, not_yet

    # tables ----------------------------------------------------------------------------

    def build(self) -> Report:
        ensure_spec(self.desk.store, self.profile)  # once: working days on this calendar
        with self.desk.store.read() as session:
            weekly, agg = self.summary(session)
            now_rows, open_in_period, not_yet = self.open_tasks(session)
            home_visits = self.home_visits(session)
        complaints = self.complaints(agg)
        repairs = self.repairs(agg)
        groups = self.group_order(agg, now_rows, open_in_period, complaints, repairs)
        commitments = self.commitment_rows(agg, groups, open_in_period, home_visits)
        return Report(
            organisation=self.profile.name,
            profile=self.profile.key,
            period=self.period,
            answer_target_seconds=self.targets["answer"],
            serve_target_seconds=self.targets["serve"],
            second_target_seconds=self.targets["second"],
            groups=tuple(groups),
            commitments=tuple(commitments),
            open_now=tuple(self.open_rows(now_rows)),
            telephone=tuple(self.telephone_row(_Figures(agg, g)) for g in groups),
            reception=tuple(self.reception_row(_Figures(agg, g)) for g in groups),
            complaints=tuple(r for g in groups for r in complaints[1](g)),
            repairs=tuple(r for g in groups for r in repairs[1](g)),
            hours=tuple(self.hour_rows(_Figures(agg, ALL))),
            weekly=tuple(self.weekly_rows(weekly, not_yet)),
            notes=tuple(self.notes()),
        )

    def notes(self) -> list[str]:
        out = []
        if self.targets["answer"] is None:
            out.append(f"the {self.profile.short_name} profile sets no answer-call target")
        if self.targets["serve"] is None:
            out.append(f"the {self.profile.short_name} profile sets no reception target")
        if not self.profile.has("complaint_stage1"):
            out.append(f"the {self.profile.short_name} profile sets no complaints standard")
        if not self.profile.has("repair_emergency"):
            out.append(f"the {self.profile.short_name} profile sets no repairs standard")
        return out

    def group_order(self, agg: Agg, *sources: Any) -> list[str]:
        if self.by is None:
            return [ALL]
        found = {g for g, _, _ in agg if g != ALL}
        if self.by == "handler":
            _now, in_period, complaints, repairs = sources
            found.update(self.staff_label(r[1]) for r in in_period)
            found.update(g for g in complaints[0] if g != ALL)
            found.update(g for g in repairs[0] if g != ALL)
            named = sorted(g for g in found if g != NOBODY_LABEL)
            return [*named, *([NOBODY_LABEL] if NOBODY_LABEL in found else []), ALL]
        # weeks and months: every one in the period, even a quiet one
        keys: list[str] = []
        day = self.period.start
        while day <= self.period.end:
            key = _group_of_day(self.by, day)
            if not keys or keys[-1] != key:
                keys.append(key)
            day += timedelta(days=1)
        return [*keys, ALL]

    def _open_in_period(self, open_in_period: list[Any]) -> dict[tuple[str, str], list[int]]:
        """(group, slug) -> [open and overdue, not yet due], for "all" too."""
        out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for slug, assignee, due, n, overdue in open_in_period:
            keys = [(ALL, slug)]
            if self.by is not None:
                keys.append((self.group_of(local_day_hour(due)[0], assignee), slug))
            for key in keys:
                out[key][0] += int(overdue or 0)
                out[key][1] += int(n) - int(overdue or 0)
        return out

    def commitment_rows(
        self,
        agg: Agg,
        groups: list[str],
        open_in_period: list[Any],
        home_visits: dict[str, list[int]],
    ) -> list[CommitmentRow]:
        live = {
            self.profile.slug_for("answer_call"): "answer",
            self.profile.slug_for("reception_serve"): "serve",
            self.profile.slug_for("reception_second"): "second",
        }
        notice = self.profile.slug_for("home_visit_notice")
        opened = self._open_in_period(open_in_period)
        rows = []
        for g in groups:
            f = _Figures(agg, g)
            for c in self.profile.commitments.values():
                if c.slug in live:
                    rows.append(self._live_row(g, c, f, live[c.slug]))
                elif c.slug == notice:
                    booked, ok = home_visits.get(g, [0, 0])
                    rows.append(
                        CommitmentRow(
                            g,
                            c.slug,
                            c.promise,
                            c.target,
                            booked,
                            ok,
                            booked - ok,
                            0,
                            0,
                            share(ok, booked),
                            None,
                            None,
                        )
                    )
                else:
                    rows.append(self._task_row(g, c, f, opened.get((g, c.slug), [0, 0])))
        return rows

    def _task_row(self, g: str, c: Commitment, f: _Figures, opened: list[int]) -> CommitmentRow:
        m = DUE + c.slug
        fell_due, done, met = f.n(m), f.n(m + ".done"), f.n(m + ".met")
        overdue, not_yet = opened
        return CommitmentRow(
            group=g,
            slug=c.slug,
            promise=c.promise,
            target=c.target,
            fell_due=fell_due,
            met=met,
            late=done - met + overdue,
            open_overdue=overdue,
            not_yet_due=not_yet,
            share_met=share(met, fell_due - not_yet),
            average_seconds=mean(f.total(m + ".done"), done),
            longest_seconds=f.longest(m + ".done"),
        )

    def _live_row(self, g: str, c: Commitment, f: _Figures, which: str) -> CommitmentRow:
        if which == "answer":
            t = self.telephone_row(f)
            due, met, avg, longest = (
                t.offered,
                t.answered_within,
                t.average_answer_seconds,
                t.longest_wait_seconds,
            )
        elif which == "serve":
            r = self.reception_row(f)
            due, met = r.served + r.left_unseen, r.served_within
            avg, longest = r.average_wait_seconds, r.longest_wait_seconds
        else:
            r = self.reception_row(f)
            due = r.second_seen + f.n("visit.second_left")
            met, avg, longest = r.second_within, r.second_average_seconds, r.second_longest_seconds
        return CommitmentRow(
            g, c.slug, c.promise, c.target, due, met, due - met, 0, 0, share(met, due), avg, longest
        )

    def open_rows(self, now_rows: list[Any]) -> list[OpenRow]:
        totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for slug, assignee, n, overdue in now_rows:
            totals[(ALL, slug)][0] += int(n)
            totals[(ALL, slug)][1] += int(overdue or 0)
            if self.by == "handler":
                key = (self.staff_label(assignee), slug)
                totals[key][0] += int(n)
                totals[key][1] += int(overdue or 0)
        order = {slug: i for i, slug in enumerate(self.profile.commitments)}
        groups = sorted({g for g, _ in totals}, key=lambda g: (g == ALL, g == NOBODY_LABEL, g))
        rows = []
        for g in groups:
            for slug in sorted(
                (s for gg, s in totals if gg == g), key=lambda s: (order.get(s, 999), s)
            ):
                c = self.profile.commitments.get(slug)
                n, overdue = totals[(g, slug)]
                rows.append(OpenRow(g, slug, c.promise if c else slug, n, overdue))
        return rows

    def telephone_row(self, f: _Figures) -> TelephoneRow:
        offered = f.n("call.offered")
        timed = f.n("call.answered")
        answered = timed + f.n("call.untimed")
        within = f.within("call.answered") if self.targets["answer"] is not None else 0
        resolved = f.n("call.resolved")
        return TelephoneRow(
            group=f.group,
            offered=offered,
            answered=answered,
            abandoned=f.n("call.abandoned"),
            answered_within=within,
            service_level=share(within, offered) if self.targets["answer"] is not None else None,
            average_answer_seconds=mean(f.total("call.answered"), timed),
            longest_wait_seconds=f.longest("call.answered", "call.abandoned"),
            resolved=resolved,
            first_contact_resolution=share(resolved, answered),
        )

    def reception_row(self, f: _Figures) -> ReceptionRow:
        served, unseen = f.n("visit.served"), f.n("visit.unseen")
        seen2, left2 = f.n("visit.second"), f.n("visit.second_left")
        has_serve = self.targets["serve"] is not None
        has_second = self.targets["second"] is not None
        within = f.within("visit.served") if has_serve else 0
        within2 = f.within("visit.second") if has_second else 0
        return ReceptionRow(
            group=f.group,
            visitors=f.n("visit.arrived"),
            served=served,
            left_unseen=unseen,
            served_within=within,
            share_within=share(within, served + unseen) if has_serve else None,
            average_wait_seconds=mean(f.total("visit.served"), served),
            longest_wait_seconds=f.longest("visit.served", "visit.unseen"),
            second_needed=f.n("visit.second_needed"),
            second_seen=seen2,
            second_within=within2,
            second_share_within=share(within2, seen2 + left2) if has_second else None,
            second_average_seconds=mean(f.total("visit.second"), seen2),
            second_longest_seconds=f.longest("visit.second", "visit.second_left"),
        )

    def hour_rows(self, f: _Figures) -> list[HourRow]:
        rows = []
        has_target = self.targets["answer"] is not None
        for hour in range(24):
            offered = f.n("call.hour.offered", hour)
            late, ok = (
                f.cell("call.hour.answered", hour * 2),
                f.cell("call.hour.answered", hour * 2 + 1),
            )
            answered = int(late[0] + ok[0])
            if not offered and not answered:
                continue
            rows.append(
                HourRow(
                    hour,
                    offered,
                    answered,
                    int(ok[0]) if has_target else None,
                    mean(late[1] + ok[1], answered),
                )
            )
        return rows

    def weekly_rows(self, weekly: Agg, not_yet_due: list[Any]) -> list[WeekShare]:
        not_yet: dict[tuple[str, str], int] = defaultdict(int)
        for slug, due, n in not_yet_due:
            not_yet[(week_of(local_day_hour(due)[0]).isoformat(), slug)] += int(n)
        weeks = sorted({g for g, _, _ in weekly} | {w for w, _ in not_yet})
        live = {
            self.profile.slug_for("answer_call"): "answer",
            self.profile.slug_for("reception_serve"): "serve",
            self.profile.slug_for("reception_second"): "second",
        }
        notice = self.profile.slug_for("home_visit_notice")
        rows = []
        for c in self.profile.commitments.values():
            if c.slug == notice:
                continue
            for w in weeks:
                f = _Figures(weekly, w)
                if c.slug in live:
                    r = self._live_row(w, c, f, live[c.slug])
                    due, met = r.fell_due, r.met
                else:
                    m = DUE + c.slug
                    due, met = f.n(m) - not_yet.get((w, c.slug), 0), f.n(m + ".met")
                if due:
                    rows.append(WeekShare(c.slug, date.fromisoformat(w), due, met, share(met, due)))
        return rows

    # complaints, repairs, home visits (task and contact rows) -------------------------------

    def complaints(self, agg: Agg) -> tuple[set[str], Rows[ComplaintRow]]:
        """(groups with complaints, the rows of a group): the SPSO figures from the summary."""
        p = self.profile
        stage1 = [
            s
            for s in (p.slug_for("complaint_stage1"), p.slug_for("complaint_stage1_extended"))
            if s
        ]
        stage2 = [s for s in (p.slug_for("complaint_stage2"),) if s]
        stages = [(1, sorted(set(stage1))), (2, stage2)] if stage1 or stage2 else []
        found = {g for g, m, _ in agg if m.startswith((RECV, DONE)) or m == "complaint.frontline"}

        def rows_for(g: str) -> list[ComplaintRow]:
            f = _Figures(agg, g)
            out = []
            for stage, slugs in stages:
                if not slugs:
                    continue
                frontline = sum(
                    f.n("complaint.frontline", b) for b in range(len(COMPLAINT_OUTCOMES))
                )
                if stage != 1:
                    frontline = 0

                def outcome(name: str, slugs: list[str] = slugs, stage: int = stage) -> int:
                    code = COMPLAINT_OUTCOMES.index(name)
                    n = sum(f.n(DONE + s + ".outcome", code) for s in slugs)
                    return n + (f.n("complaint.frontline", code) if stage == 1 else 0)

                closed = sum(f.n(DONE + s) for s in slugs) + frontline
                w5 = sum(f.cell(DONE + s)[4] for s in slugs) + frontline
                w20 = sum(f.cell(DONE + s)[5] for s in slugs) + frontline
                days = sum(f.total(DONE + s) for s in slugs)  # frontline: 0 working days
                out.append(
                    ComplaintRow(
                        group=g,
                        stage=stage,
                        received=sum(f.n(RECV + s, b) for s in slugs for b in (0, 1)) + frontline,
                        frontline=frontline,
                        escalated_from_stage1=sum(f.n(RECV + s, 1) for s in slugs),
                        closed_in_full=closed,
                        within_5=int(w5),
                        within_20=int(w20),
                        share_within_5=share(int(w5), closed),
                        share_within_20=share(int(w20), closed),
                        average_working_days=mean(days, closed),
                        upheld=outcome("upheld"),
                        partially_upheld=outcome("partially-upheld"),
                        not_upheld=outcome("not-upheld"),
                        resolved=outcome("resolved"),
                        escalated=outcome("escalated"),
                        no_outcome=outcome(""),
                    )
                )
            return out

        return found, rows_for

    def repairs(self, agg: Agg) -> tuple[set[str], Rows[RepairRow]]:
        """(groups with repairs, the rows of a group): the Charter indicators from the summary."""
        p = self.profile
        emergency = p.slug_for("repair_emergency")
        urgent = p.slug_for("repair_urgent")
        routine = p.slug_for("repair_routine")
        table: list[tuple[str, list[str], str]] = [
            ("emergency", [s for s in (emergency,) if s], "hours"),
            ("non-emergency", sorted({s for s in (urgent, routine) if s}), "working days"),
            ("urgent", [s for s in (urgent,) if s], "working days"),
            ("routine", [s for s in (routine,) if s], "working days"),
        ]
        table = [t for t in table if t[1]]
        slugs = {DONE + s for _, ks, _ in table for s in ks}
        found = {g for g, m, _ in agg if m in slugs}

        def rows_for(g: str) -> list[RepairRow]:
            f = _Figures(agg, g)
            out = []
            for kind, ks, unit in table:
                n = sum(f.n(DONE + s) for s in ks)
                total = sum(f.total(DONE + s) for s in ks)
                out.append(
                    RepairRow(
                        g,
                        kind,
                        ", ".join(ks),
                        unit,
                        n,
                        mean(total, n),
                        f.longest(*(DONE + s for s in ks)),
                    )
                )
            return out

        return found, rows_for

    def home_visits(self, session: Any) -> dict[str, list[int]]:
        """group -> [booked, with enough notice] for home visits booked in the period."""
        slug = self.profile.slug_for("home_visit_notice")
        if slug is None:
            return {}
        from console.rules.deadlines import notice_ok

        stmt = select(C.c.day, C.c.received_at, C.c.scheduled_at, C.c.staff_id).where(
            C.c.channel == "home_visit",
            C.c.day >= self.period.start,
            C.c.day <= self.period.end,
            C.c.scheduled_at.is_not(None),
        )
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        rows = session.execute(stmt).all()
        self._load_names(session, [r.staff_id for r in rows])
        for day, received, scheduled, staff in rows:
            ok = notice_ok(self.profile, slug, received, scheduled)
            for g in {ALL, self.group_of(_as_date(day), staff)}:
                out[g][0] += 1
                out[g][1] += int(ok)
        return out


# --- output -------------------------------------------------------------------------------


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def table_csv(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


def as_csv(report: Report) -> str:
    """Every table, one after another: a "# name" line, the header, the rows, a blank line."""
    parts = []
    for name, (columns, rows) in report.tables().items():
        parts.append(f"# {name}\n" + table_csv(columns, rows))
    return "\n".join(parts)


# --- for people: plain words, aligned tables ---------------------------------------------


def parse_day(value: str, *, end: bool = False) -> date:
    """A day from --from/--to: YYYY-MM-DD, or YYYY-MM (its first day, or with end=True its last)."""
    text = (value or "").strip()
    try:
        day = date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise InputError(f"'{text}' is not a date: type it as YYYY-MM-DD (or YYYY-MM)") from None
    if not REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1]:
        raise InputError(
            f"'{text}' is outside the years a report can cover "
            f"({REPORT_YEARS[0]} to {REPORT_YEARS[1]})"
        )
    if len(text) == 7 and end:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return day


REPORT_YEARS = (1990, 2200)


def fmt_share(value: float | None) -> str:
    if value is None:
        return "—"
    pct = value * 100
    return f"{pct:.0f}%" if pct in (0, 100) or abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"


def fmt_duration(seconds: float | None) -> str:
    """17 s, 17.5 s, 4m 05s, 2h 15m, 3d 4h."""
    if seconds is None:
        return "—"
    s = max(0.0, seconds)
    if s < 60:
        whole = round(s)
        return f"{whole} s" if abs(s - whole) < 0.05 else f"{s:.1f} s"
    s = round(s)
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def fmt_number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}".strip()


@dataclass(frozen=True)
class Section:
    """One table in plain words: what the screen and `frontdesk report` show."""

    key: str  # the table's name in CSV and JSON
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int]  # columns to right-align (numbers)


_GROUP_TITLES = {"handler": "Handler", "week": "Week of", "month": "Month"}


def sections(report: Report) -> list[Section]:
    by = report.period.by
    g_title = _GROUP_TITLES.get(by or "", "")

    def make(key: str, title: str, columns: list[str], rows: list[list[str]], first: int) -> None:
        """Adds the group column when the report is broken down; numbers from column `first`."""
        if by:
            columns = [g_title, *columns]
            first += 1
        else:
            rows = [r[1:] for r in rows]
        right = frozenset(range(first, len(columns)))
        out.append(Section(key, title, tuple(columns), tuple(tuple(r) for r in rows), right))

    out: list[Section] = []
    answer = report.answer_target_seconds
    make(
        "commitments",
        "Every commitment",
        [
            "Commitment",
            "Target",
            "Fell due",
            "Met",
            "Late",
            "Overdue",
            "Not yet due",
            "Share met",
            "Average",
            "Longest",
        ],
        [
            [
                c.group,
                c.slug,
                _cut(c.target, 32),
                str(c.fell_due),
                str(c.met),
                str(c.late),
                str(c.open_overdue),
                str(c.not_yet_due),
                fmt_share(c.share_met),
                fmt_duration(c.average_seconds),
                fmt_duration(c.longest_seconds),
            ]
            for c in report.commitments
        ],
        2,
    )
    make(
        "open_now",
        f"Open now (as at {local(report.period.at):%d %b %Y %H:%M})",
        ["Commitment", "Open", "Overdue"],
        [[o.group, o.slug, str(o.open), str(o.overdue)] for o in report.open_now],
        1,
    )
    within = f"Within {answer} s" if answer is not None else "Within target"
    make(
        "telephone",
        "Telephone",
        [
            "Offered",
            "Answered",
            "Abandoned",
            within,
            "Service level",
            "Avg speed of answer",
            "Longest wait",
            "Resolved first time",
            "First contact resolution",
        ],
        [
            [
                t.group,
                str(t.offered),
                str(t.answered),
                str(t.abandoned),
                str(t.answered_within) if answer is not None else "—",
                fmt_share(t.service_level),
                fmt_duration(t.average_answer_seconds),
                fmt_duration(t.longest_wait_seconds),
                str(t.resolved),
                fmt_share(t.first_contact_resolution),
            ]
            for t in report.telephone
        ],
        0,
    )
    make(
        "reception",
        "Reception",
        [
            "Visitors",
            "Served",
            "Left unseen",
            "Served in target",
            "Share",
            "Average wait",
            "Longest wait",
            "Second needed",
            "Second seen",
            "In target",
            "Share",
            "Average",
            "Longest",
        ],
        [
            [
                r.group,
                str(r.visitors),
                str(r.served),
                str(r.left_unseen),
                str(r.served_within) if report.serve_target_seconds else "—",
                fmt_share(r.share_within),
                fmt_duration(r.average_wait_seconds),
                fmt_duration(r.longest_wait_seconds),
                str(r.second_needed),
                str(r.second_seen),
                str(r.second_within) if report.second_target_seconds else "—",
                fmt_share(r.second_share_within),
                fmt_duration(r.second_average_seconds),
                fmt_duration(r.second_longest_seconds),
            ]
            for r in report.reception
        ],
        0,
    )
    if report.complaints:
        make(
            "complaints",
            "Complaints (SPSO)",
            [
                "Stage",
                "Received",
                "Front line",
                "Escalated in",
                "Closed in full",
                "Within 5 wd",
                "Within 20 wd",
                "Average wd",
                "Upheld",
                "Partly",
                "Not upheld",
                "Resolved",
                "Escalated",
            ],
            [
                [
                    c.group,
                    f"stage {c.stage}",
                    str(c.received),
                    str(c.frontline),
                    str(c.escalated_from_stage1),
                    str(c.closed_in_full),
                    f"{c.within_5} ({fmt_share(c.share_within_5)})",
                    f"{c.within_20} ({fmt_share(c.share_within_20)})",
                    fmt_number(c.average_working_days),
                    str(c.upheld),
                    str(c.partially_upheld),
                    str(c.not_upheld),
                    str(c.resolved),
                    str(c.escalated),
                ]
                for c in report.complaints
            ],
            1,
        )
    if report.repairs:
        make(
            "repairs",
            "Repairs (Charter indicators)",
            ["Repairs", "Completed", "Average", "Longest"],
            [
                [
                    r.group,
                    r.priority,
                    str(r.completed),
                    fmt_number(r.average, r.unit),
                    fmt_number(r.longest, r.unit),
                ]
                for r in report.repairs
            ],
            1,
        )
    out.append(
        Section(
            "hours",
            "Calls by hour of day",
            ("Hour", "Offered", "Answered", "Avg speed of answer"),
            tuple(
                (
                    f"{h.hour:02d}:00",
                    str(h.offered),
                    str(h.answered),
                    fmt_duration(h.average_answer_seconds),
                )
                for h in report.hours
            ),
            frozenset({1, 2, 3}),
        )
    )
    return out


def as_text(report: Report) -> str:
    """The report as aligned plain-text tables (what `frontdesk report` prints)."""
    lines = [
        f"{report.organisation}: performance against the published standards",
        report.period.describe(),
    ]
    lines += [f"note: {n}" for n in report.notes]
    for s in sections(report):
        lines += ["", s.title]
        widths = [len(c) for c in s.columns]
        for r in s.rows:
            widths = [max(w, len(v)) for w, v in zip(widths, r, strict=True)]

        def line(cells: tuple[str, ...], sec: Section = s, w: list[int] = widths) -> str:
            return "  ".join(
                c.rjust(w[i]) if i in sec.right else c.ljust(w[i]) for i, c in enumerate(cells)
            ).rstrip()

        lines.append(line(s.columns))
        lines.append(line(tuple("-" * w for w in widths)))
        lines += [line(r) for r in s.rows] or ["(nothing in this period)"]
    return "\n".join(lines)


def record_export(desk: Desk, report: Report, what: str) -> None:
    """An audit event: who took which figures out of the console (staff names are in them)."""
    from console.desk.context import LEADS
    from console.desk.people import audit

    desk.require(*LEADS)  # as building the report does
    p = report.period
    by = f" by {p.by}" if p.by else ""
    with desk.store.write() as session:
        audit(desk, session, "exported", "report", None, detail=f"{what} {p.start}..{p.end}{by}")


def write_csv_files(report: Report, folder: Path) -> list[Path]:
    """One CSV file per table in ``folder`` (created if missing); returns the paths."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, (columns, rows) in report.tables().items():
            path = folder / f"{name}.csv"
            path.write_text(table_csv(columns, rows), encoding="utf-8")
            paths.append(path)
    except OSError as exc:
        raise InputError(f"cannot write the CSV files in {folder}: {exc.strerror}") from None
    return paths


def sparkline(values: list[float | None]) -> str:
    """▁▂▃▄▅▆▇█ for shares 0..1 (a space where there is none)."""
    bars = "▁▂▃▄▅▆▇█"
    return "".join(" " if v is None else bars[min(7, max(0, int(v * 7.999)))] for v in values)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
