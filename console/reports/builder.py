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
  repairs by the day received or closed): the daily summary (console.store.summary),
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
  yet due). *Time taken*: received to completed, over the done ones. A commitment
  with an aim inside its promise also has *met aim* (done by the task's aim
  instant) and *share aim* = met aim / (fell due − not yet due).
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

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, select, text

from console.desk.context import Desk
from console.reports.figures import (
    ALL,
    BYS,
    NOBODY_LABEL,
    CommitmentRow,
    OpenRow,
    Period,
    Report,
    S,
    T,
    mean,
    share,
)

# --- working days --------------------------------------------------------------------------
from console.reports.grouping import (
    Agg,
    DayFigures,
    group_of_day,
    julian,
    month_key,
    week_of,
)
from console.reports.sections import ContactSections
from console.rules.clock import as_utc, local
from console.rules.errors import InputError
from console.rules.profiles import Commitment, Profile
from console.rules.roles import LEADS
from console.store.models import Staff
from console.store.summary.cells import (
    DONE,
    DUE,
    EVERYONE,
    NOBODY,
    RECV,
    day_bounds,
    local_day_hour,
)
from console.store.summary.rebuild import ensure_spec


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
    from console.reports.render import REPORT_YEARS

    if not REPORT_YEARS[0] <= as_at.year <= REPORT_YEARS[1]:
        raise InputError(
            f"a report as at {as_at:%Y-%m-%d} is too far from today: give an instant from "
            f"{REPORT_YEARS[0]} to {REPORT_YEARS[1]}"
        )
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


class _Builder(ContactSections):
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
        return group_of_day(self.by, day)

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
            wkey = cast((func.julianday(S.c.day) - julian(monday)) / 7, Integer)
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
            mkey = month_key(self.dialect, S.c.day)
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
            sources = self.answer_sources(session)
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
            telephone=tuple(self.telephone_row(DayFigures(agg, g)) for g in groups),
            reception=tuple(self.reception_row(DayFigures(agg, g)) for g in groups),
            complaints=tuple(r for g in groups for r in complaints[1](g)),
            repairs=tuple(r for g in groups for r in repairs[1](g)),
            hours=tuple(self.hour_rows(DayFigures(agg, ALL))),
            weekly=tuple(self.weekly_rows(weekly, not_yet)),
            notes=tuple(self.notes(sources)),
        )

    def answer_sources(self, session: Any) -> dict[str, int]:
        """Answered calls in the period by where their answer time came from (issue 18)."""
        from console.store.models import Contact

        C = Contact.__table__  # type: ignore[attr-defined]
        rows = session.execute(
            select(C.c.answer_source, func.count())
            .where(
                C.c.channel == "call",
                C.c.day >= self.period.start,
                C.c.day <= self.period.end,
                C.c.answer_seconds.is_not(None),
                C.c.abandoned.is_(False),
            )
            .group_by(C.c.answer_source)
        ).all()
        return {str(source or ""): int(n) for source, n in rows}

    def notes(self, sources: dict[str, int] | None = None) -> list[str]:
        out = []
        if sources and any(k for k in sources):
            words = {
                "phone": "measured by the phone system",
                "queue_log": "from the queue log",
                "cdr": "from call records",
                "typed": "typed by handlers",
                "": "of unknown origin",
            }
            total = sum(sources.values())
            parts = [f"{sources[k]} {words[k]}" for k in words if sources.get(k)] + [
                f"{n} from {k}" for k, n in sources.items() if k not in words
            ]
            out.append(f"answer times of {total} answered calls: " + ", ".join(parts))
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
            key = group_of_day(self.by, day)
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
            f = DayFigures(agg, g)
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

    def _task_row(self, g: str, c: Commitment, f: DayFigures, opened: list[int]) -> CommitmentRow:
        m = DUE + c.slug
        fell_due, done, met = f.n(m), f.n(m + ".done"), f.n(m + ".met")
        overdue, not_yet = opened
        met_aim = f.n(m + ".aim") if c.aim is not None else None
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
            met_aim=met_aim,
            share_met_aim=None if met_aim is None else share(met_aim, fell_due - not_yet),
        )

    def _live_row(self, g: str, c: Commitment, f: DayFigures, which: str) -> CommitmentRow:
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
