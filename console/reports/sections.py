"""The report's sections that are counted from contacts: telephone, reception, charts,
complaints, repairs and home visits. A mixin of the builder, which holds the period,
the desk and the names."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select

from console.desk.context import Desk
from console.reports.figures import (
    ALL,
    C,
    CommitmentRow,
    ComplaintRow,
    HourRow,
    Period,
    ReceptionRow,
    RepairRow,
    TelephoneRow,
    WeekShare,
    mean,
    share,
)

# --- working days --------------------------------------------------------------------------
from console.reports.grouping import (
    Agg,
    DayFigures,
    Rows,
    as_date,
    week_of,
)
from console.rules.profiles import Commitment, Profile
from console.store.summary.cells import COMPLAINT_OUTCOMES, DONE, DUE, RECV, local_day_hour


class ContactSections(ABC):
    """The builder's sections read from the daily summary's contact cells."""

    desk: Desk
    period: Period
    profile: Profile
    targets: dict[str, int | None]

    # what the builder provides
    @abstractmethod
    def _live_row(self, g: str, c: Commitment, f: DayFigures, which: str) -> CommitmentRow:
        raise NotImplementedError

    @abstractmethod
    def _load_names(self, session: Any, ids: Iterable[int | None]) -> None:
        raise NotImplementedError

    @abstractmethod
    def group_of(self, day: date | None, staff_id: int | None) -> str:
        raise NotImplementedError

    def telephone_row(self, f: DayFigures) -> TelephoneRow:
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

    def reception_row(self, f: DayFigures) -> ReceptionRow:
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

    def hour_rows(self, f: DayFigures) -> list[HourRow]:
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
                f = DayFigures(weekly, w)
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
            f = DayFigures(agg, g)
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
            f = DayFigures(agg, g)
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
            for g in {ALL, self.group_of(as_date(day), staff)}:
                out[g][0] += 1
                out[g][1] += int(ok)
        return out
