"""The team lead's report: every figure worked out by hand on a small fixed data set.

The rows go straight into the store (ORM inserts, so the summary is kept by the
session events exactly as for any other writer), with the clock frozen at Monday
24 November 2025 10:00 (GMT: local time is UTC). The period is November to date.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, insert, text, update
from sqlmodel import Session, select

from console import reports
from console.desk.context import Actor, Desk
from console.reports.builder import build_report
from console.reports.figures import ALL, NOBODY_LABEL, Report
from console.reports.grouping import working_days_between, working_days_counter
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.errors import InputError, PermissionDenied
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Contact, Event, Task
from console.store.summary.rebuild import check_summary, ensure_spec, rebuild_summary, refresh_days
from tests.conftest import add_staff

pytest_plugins = ["tests.pg"]  # any_store: SQLite and PostgreSQL

NOV = date(2025, 11, 1)
TODAY = date(2025, 11, 24)


def at(day: int, hh: int, mm: int = 0, ss: float = 0, month: int = 11) -> datetime:
    """A local instant in 2025 (November and late October are GMT, so this is UTC too)."""
    whole = int(ss)
    micro = round((ss - whole) * 1_000_000)
    return datetime(2025, month, day, hh, mm, whole, micro, tzinfo=LONDON).astimezone(UTC)


def call(
    session: Session,
    received: datetime,
    *,
    staff: int | None,
    answer: float | None = None,
    abandoned_after: float | None = None,
    outcome: str = "resolved",
    details: dict[str, Any] | None = None,
) -> Contact:
    row = Contact(
        channel="call",
        staff_id=staff,
        received_at=received,
        day=received.astimezone(LONDON).date(),
        answered_at=received + timedelta(seconds=answer) if answer is not None else None,
        answer_seconds=answer,
        abandoned=abandoned_after is not None,
        ended_at=received + timedelta(seconds=abandoned_after) if abandoned_after else None,
        outcome="abandoned" if abandoned_after is not None else outcome,
        details=details or {},
    )
    session.add(row)
    return row


def visit(
    session: Session,
    arrived: datetime,
    *,
    staff: int | None,
    served: float | None = None,
    served_by: int | None = None,
    second_needed: float | None = None,
    second_seen: float | None = None,
    second_by: int | None = None,
    left: float | None = None,
) -> Contact:
    """Waits in seconds after arrival."""

    def after(s: float | None) -> datetime | None:
        return arrived + timedelta(seconds=s) if s is not None else None

    row = Contact(
        channel="visit",
        staff_id=staff,
        received_at=arrived,
        day=arrived.astimezone(LONDON).date(),
        served_at=after(served),
        served_by_id=served_by,
        second_needed_at=after(second_needed),
        second_seen_at=after(second_seen),
        second_seen_by_id=second_by,
        left_at=after(left),
        left_unseen=served is None and left is not None,
    )
    session.add(row)
    return row


def task(
    session: Session,
    profile: Profile,
    slug: str,
    received: datetime,
    *,
    done: datetime | None = None,
    status: str | None = None,
    assignee: int | None = None,
    outcome: str = "",
    parent: Task | None = None,
) -> Task:
    row = Task(
        slug=slug,
        received_at=received,
        due_at=due_at(profile, slug, received),
        status=status or ("done" if done else "open"),
        completed_at=done,
        assignee_id=assignee,
        outcome=outcome,
        parent_id=parent.id if parent else None,
        details={"outcome": outcome} if outcome else {},
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def bob(store: Store) -> Actor:
    return add_staff(store, "Bob Kerr", "bkerr", "handler", "Repairs")


@pytest.fixture
def lead_desk(store: Store, bha: Profile, clock: FrozenClock, lead: Actor) -> Desk:
    return Desk(store, bha, clock, lead)


@pytest.fixture
def data(store: Store, bha: Profile, handler: Actor, bob: Actor) -> dict[str, Any]:
    return build_data(store, bha, handler.id, bob.id)


def build_data(store: Store, bha: Profile, h: int, b: int) -> dict[str, Any]:
    """The fixed BHA data set (see each figure's test for the sums); h, b: two handlers' ids."""
    ids: dict[str, Any] = {}
    with store.write() as s:
        # calls (BHA answer target 20 s)
        call(s, at(3, 9, 10), staff=h, answer=12)  # 1 within, resolved
        call(s, at(3, 9, 40), staff=h, answer=20, outcome="callback_routine")  # 2 within (= target)
        call(s, at(4, 14, 5), staff=b, answer=20.5)  # 3 late, resolved
        call(s, at(4, 14, 30), staff=None, abandoned_after=45)  # 4 abandoned
        frontline = {"complaint": {"stage": 0, "resolution": "frontline", "outcome": "resolved"}}
        call(s, at(10, 11), staff=b, answer=60, outcome="complaint_frontline", details=frontline)
        call(s, at(24, 9), staff=h, answer=5, outcome="referred")  # 6
        call(s, at(31, 16, month=10), staff=h, answer=99)  # October: outside the period
        # call backs
        task(s, bha, "callback-routine", at(3, 9, 40), done=at(5, 12), assignee=h)  # T1 met
        task(s, bha, "callback-routine", at(10, 10), done=at(17, 9), assignee=b)  # T2 late
        ids["T3"] = task(s, bha, "callback-routine", at(11, 10)).id  # open, overdue
        task(s, bha, "callback-routine", at(24, 9), assignee=h)  # T4 due 28 Nov
        task(s, bha, "callback-routine", at(20, 9))  # T5 due 26 Nov
        task(s, bha, "callback-urgent", at(21, 15), assignee=h)  # T6 due today 15:00
        task(s, bha, "callback-routine", at(4, 9), status="cancelled")  # T7 left out
        # repairs
        task(s, bha, "repair-emergency", at(1, 23), done=at(2, 3, 30), assignee=b)  # R1 4.5 h
        task(s, bha, "repair-emergency", at(10, 10), done=at(10, 18), assignee=h)  # R2 8 h
        task(s, bha, "repair-urgent", at(3, 10), done=at(6, 15), assignee=b)  # R3 3 wd
        ids["R4"] = task(
            s, bha, "repair-routine", at(7, 18, 30), done=at(21, 12), assignee=b
        ).id  # 9 wd
        task(s, bha, "repair-routine", at(27, 10, month=10), done=at(3, 10), assignee=b)  # R5 5 wd
        # complaints
        task(s, bha, "complaint-stage1", at(3, 10), done=at(7, 16), assignee=h, outcome="upheld")
        c2 = task(
            s,
            bha,
            "complaint-stage1",
            at(4, 10),
            done=at(12, 10),
            assignee=b,
            outcome="not-upheld",
        )
        task(
            s,
            bha,
            "complaint-stage2",
            at(13, 10),
            done=at(20, 10),
            assignee=b,
            outcome="partially-upheld",
            parent=c2,
        )
        c4 = task(
            s,
            bha,
            "complaint-stage1",
            at(17, 10),
            done=at(18, 10),
            assignee=h,
            outcome="escalated",
        )
        task(s, bha, "complaint-stage2", at(18, 10), parent=c4, assignee=b)  # C5 open
        task(s, bha, "complaint-stage1", at(24, 9))  # C6 open
        task(s, bha, "complaint-stage1", at(27, 10, month=10), done=at(3, 10), outcome="resolved")
    return ids


def report(desk: Desk, by: str | None = None, **kw: Any) -> Report:
    return build_report(desk, by=by, **kw)


def row(rows: Any, group: str = ALL, **match: Any) -> Any:
    found = [
        r for r in rows if r.group == group and all(getattr(r, k) == v for k, v in match.items())
    ]
    assert len(found) == 1, (group, match, found)
    return found[0]


# --- the period, the role ------------------------------------------------------------------


def test_default_period_is_the_month_to_date(lead_desk: Desk) -> None:
    r = report(lead_desk)
    assert (r.period.start, r.period.end) == (NOV, TODAY)
    assert r.period.at == datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
    assert r.groups == (ALL,)


def test_a_handler_is_refused(desk: Desk) -> None:
    with pytest.raises(PermissionDenied, match="team lead"):
        build_report(desk)


def test_a_period_back_to_front_is_refused(lead_desk: Desk) -> None:
    with pytest.raises(InputError, match="swap --from and --to"):
        build_report(lead_desk, start=date(2025, 11, 20), end=date(2025, 11, 1))
    with pytest.raises(InputError, match="--by"):
        build_report(lead_desk, by="fortnight")


def test_an_empty_database_reports_zeros_and_no_shares(lead_desk: Desk) -> None:
    r = report(lead_desk)
    t = row(r.telephone)
    assert (t.offered, t.service_level, t.average_answer_seconds, t.longest_wait_seconds) == (
        0,
        None,
        None,
        None,
    )
    assert all(c.fell_due == 0 and c.share_met is None for c in r.commitments)
    assert r.open_total == r.overdue_total == 0
    assert r.hours == () and r.weekly == ()


# --- telephone -----------------------------------------------------------------------------


def test_telephone(lead_desk: Desk, data: dict[str, Any]) -> None:
    t = row(report(lead_desk).telephone)
    assert (t.offered, t.answered, t.abandoned) == (6, 5, 1)
    assert t.answered_within == 3  # 12 s, 20 s (the target itself), 5 s
    assert t.service_level == pytest.approx(3 / 6)
    assert t.average_answer_seconds == pytest.approx((12 + 20 + 20.5 + 60 + 5) / 5)
    assert t.longest_wait_seconds == 60  # the abandoned caller waited 45 s
    assert t.resolved == 3  # two resolved, one complaint resolved at the front line
    assert t.first_contact_resolution == pytest.approx(3 / 5)


def test_telephone_by_handler(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk, by="handler")
    assert r.groups == ("Bob Kerr", "Hannah Reid", NOBODY_LABEL, ALL)
    hannah = row(r.telephone, "Hannah Reid")
    assert (hannah.offered, hannah.answered, hannah.answered_within) == (3, 3, 3)
    assert hannah.average_answer_seconds == pytest.approx(37 / 3)
    assert hannah.first_contact_resolution == pytest.approx(1 / 3)
    bob = row(r.telephone, "Bob Kerr")
    assert (bob.offered, bob.answered_within, bob.service_level) == (2, 0, 0.0)
    assert bob.average_answer_seconds == pytest.approx(40.25)
    assert (bob.longest_wait_seconds, bob.first_contact_resolution) == (60, 1.0)
    nobody = row(r.telephone, NOBODY_LABEL)
    assert (nobody.offered, nobody.abandoned, nobody.longest_wait_seconds) == (1, 1, 45)
    assert row(r.telephone) == row(report(lead_desk).telephone)


def test_telephone_by_week_and_month(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk, by="week")
    weeks = ("2025-10-27", "2025-11-03", "2025-11-10", "2025-11-17", "2025-11-24")
    assert r.groups == (*weeks, ALL)
    offered = {t.group: t.offered for t in r.telephone}
    assert offered == {weeks[0]: 0, weeks[1]: 4, weeks[2]: 1, weeks[3]: 0, weeks[4]: 1, ALL: 6}
    first = row(r.telephone, weeks[1])
    assert (first.answered, first.answered_within, first.service_level) == (3, 2, 0.5)
    m = report(lead_desk, by="month")
    assert m.groups == ("2025-11", ALL)
    assert row(m.telephone, "2025-11") == row(m.telephone, "2025-11", offered=6)


def test_calls_by_hour_of_day(lead_desk: Desk, data: dict[str, Any]) -> None:
    hours = {h.hour: h for h in report(lead_desk).hours}
    assert sorted(hours) == [9, 11, 14]
    assert (hours[9].offered, hours[9].answered, hours[9].answered_within) == (3, 3, 3)
    assert hours[9].average_answer_seconds == pytest.approx((12 + 20 + 5) / 3)
    assert (hours[14].offered, hours[14].answered, hours[14].average_answer_seconds) == (2, 1, 20.5)
    assert hours[14].answered_within == 0
    assert (hours[11].offered, hours[11].average_answer_seconds) == (1, 60)


def test_hours_are_local_in_summer(store: Store, lead_desk: Desk, handler: Actor) -> None:
    with store.write() as s:
        call(s, datetime(2025, 7, 1, 8, 30, tzinfo=UTC), staff=handler.id, answer=10)  # 09:30 BST
    r = build_report(lead_desk, start=date(2025, 7, 1), end=date(2025, 7, 31))
    assert [(h.hour, h.offered) for h in r.hours] == [(9, 1)]


# --- reception (Weslo: serve within 3 minutes, a second staff member within 3 more) -----------


def test_reception(
    store: Store, weslo: Profile, clock: FrozenClock, lead: Actor, handler: Actor, bob: Actor
) -> None:
    h, b = handler.id, bob.id
    with store.write() as s:
        visit(s, at(3, 9), staff=h, served=120, served_by=h)
        visit(
            s,
            at(3, 9, 10),
            staff=h,
            served=240,
            served_by=b,
            second_needed=300,
            second_seen=390,
            second_by=h,
        )
        visit(s, at(4, 10), staff=h, left=1200)
        visit(s, at(4, 11), staff=h, served=180, served_by=h, second_needed=200, left=600)
    r = build_report(Desk(store, weslo, clock, lead))
    v = row(r.reception)
    assert (v.visitors, v.served, v.left_unseen, v.served_within) == (4, 3, 1, 2)
    assert v.share_within == 0.5
    assert v.average_wait_seconds == pytest.approx((120 + 240 + 180) / 3)
    assert v.longest_wait_seconds == 1200
    assert (v.second_needed, v.second_seen, v.second_within) == (2, 1, 1)
    assert v.second_share_within == 0.5  # one seen in 150 s, one left after 420 s
    assert (v.second_average_seconds, v.second_longest_seconds) == (150, 420)
    serve = row(r.commitments, slug="reception-serve")
    assert (serve.fell_due, serve.met, serve.late, serve.share_met) == (4, 2, 2, 0.5)
    second = row(r.commitments, slug="reception-second")
    assert (second.fell_due, second.met, second.share_met) == (2, 1, 0.5)
    answer = row(r.commitments, slug="answer-call")
    assert answer.fell_due == 0 and answer.share_met is None
    assert "no complaints standard" in " ".join(r.notes)
    assert r.complaints == () and r.repairs == ()


def test_bha_has_no_reception_target(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk)
    assert row(r.reception).share_within is None
    assert r.serve_target_seconds is None and r.answer_target_seconds == 20


# --- commitments, open and overdue ------------------------------------------------------------


def test_commitment_call_back(lead_desk: Desk, data: dict[str, Any]) -> None:
    c = row(report(lead_desk).commitments, slug="callback-routine")
    assert (c.fell_due, c.met, c.late, c.open_overdue, c.not_yet_due) == (3, 1, 2, 1, 0)
    assert c.share_met == pytest.approx(1 / 3)
    taken = [2 * 86400 + 2 * 3600 + 20 * 60, 7 * 86400 - 3600]  # 3 Nov 09:40-5 Nov 12:00; 10-17 Nov
    assert c.average_seconds == pytest.approx(sum(taken) / 2)
    assert c.longest_seconds == pytest.approx(max(taken))


def test_commitment_not_yet_due_is_left_out_of_the_share(lead_desk: Desk, data: Any) -> None:
    c = row(report(lead_desk).commitments, slug="callback-urgent")  # due today at 15:00
    assert (c.fell_due, c.met, c.late, c.not_yet_due, c.share_met) == (1, 0, 0, 1, None)
    later = build_report(lead_desk, at=datetime(2025, 11, 24, 16, 0, tzinfo=UTC))
    c = row(later.commitments, slug="callback-urgent")
    assert (c.fell_due, c.late, c.open_overdue, c.not_yet_due, c.share_met) == (1, 1, 1, 0, 0.0)


def test_commitment_repairs_and_complaints(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk)
    e = row(r.commitments, slug="repair-emergency")
    assert (e.fell_due, e.met, e.late, e.share_met) == (2, 1, 1, 0.5)
    assert (e.average_seconds, e.longest_seconds) == (6.25 * 3600, 8 * 3600)
    assert row(r.commitments, slug="repair-urgent").met == 1
    routine = row(r.commitments, slug="repair-routine")
    assert (routine.fell_due, routine.met) == (2, 2)  # R4 due today 17:00, R5 due 10 Nov
    s1 = row(r.commitments, slug="complaint-stage1")
    assert (s1.fell_due, s1.met, s1.late) == (4, 3, 1)
    assert row(r.commitments, slug="complaint-stage2").fell_due == 0
    assert [c.slug for c in r.commitments] == list(lead_desk.profile.commitments)


def test_the_engine_dates_this_data_set_is_built_on(bha: Profile) -> None:
    assert due_at(bha, "repair-routine", at(7, 18, 30)) == at(24, 17)
    assert due_at(bha, "callback-urgent", at(21, 15)) == at(24, 15)
    assert due_at(bha, "complaint-stage1", at(24, 9)) == at(2, 17, month=12)  # St Andrew's Day


def test_open_and_overdue_agree_with_the_queue(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk)
    with lead_desk.store.read() as s:
        open_, overdue = s.execute(
            text("SELECT count(*), sum(due_at < :at) FROM task WHERE status = 'open'"),
            {"at": "2025-11-24 10:00:00.000000"},
        ).one()
    assert (r.open_total, r.overdue_total) == (open_, overdue) == (6, 1)  # T3-T6, C5, C6
    cb = row(r.open_now, slug="callback-routine")
    assert (cb.open, cb.overdue) == (3, 1)
    from console.desk import queue

    counts = queue.counts(lead_desk)
    assert (counts.open, counts.overdue) == (r.open_total, r.overdue_total)
    by_kind = {k.slug: (k.open, k.overdue) for k in counts.by_kind}
    assert by_kind == {o.slug: (o.open, o.overdue) for o in r.open_now if o.group == ALL}


def test_open_now_by_handler(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk, by="handler")
    assert row(r.open_now, NOBODY_LABEL, slug="callback-routine").open == 2  # T3, T5
    assert row(r.open_now, "Hannah Reid", slug="callback-urgent").overdue == 0
    assert sum(o.open for o in r.open_now if o.group != ALL) == r.open_total


def test_weekly_share_met(lead_desk: Desk, data: dict[str, Any]) -> None:
    weekly = {(w.slug, w.week.isoformat()): w for w in report(lead_desk).weekly}
    assert (
        weekly["callback-routine", "2025-11-03"].met,
        weekly["callback-routine", "2025-11-03"].fell_due,
    ) == (1, 1)
    assert weekly["callback-routine", "2025-11-10"].share_met == 0.0  # T2 late
    assert weekly["callback-routine", "2025-11-17"].share_met == 0.0  # T3 overdue
    assert ("callback-urgent", "2025-11-24") not in weekly  # only a task not yet due
    assert weekly["answer-call", "2025-11-03"].share_met == 0.5


# --- complaints and repairs ----------------------------------------------------------------


def test_complaints_spso(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk)
    one = row(r.complaints, stage=1)
    assert (one.received, one.frontline) == (5, 1)  # C1, C2, C4, C6 and the frontline call
    assert one.closed_in_full == 4  # C1 (4 wd), C2 (6 wd), C7 (5 wd), frontline (0)
    assert (one.within_5, one.within_20) == (3, 4)
    assert (one.share_within_5, one.share_within_20) == (0.75, 1.0)
    assert one.average_working_days == pytest.approx((4 + 6 + 5 + 0) / 4)
    assert (one.upheld, one.partially_upheld, one.not_upheld, one.resolved) == (1, 0, 1, 2)
    assert (one.escalated, one.no_outcome) == (1, 0)
    two = row(r.complaints, stage=2)
    assert (two.received, two.escalated_from_stage1, two.closed_in_full) == (2, 2, 1)
    assert (two.within_5, two.within_20, two.average_working_days) == (1, 1, 5)
    assert (two.partially_upheld, two.upheld) == (1, 0)


def test_complaints_by_handler(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk, by="handler")
    bob1 = row(r.complaints, "Bob Kerr", stage=1)
    assert (bob1.received, bob1.frontline, bob1.closed_in_full) == (2, 1, 2)  # C2 + frontline
    hannah1 = row(r.complaints, "Hannah Reid", stage=1)
    assert (hannah1.received, hannah1.closed_in_full, hannah1.escalated) == (2, 1, 1)


def test_repairs_arc(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk)
    e = row(r.repairs, priority="emergency")
    assert (e.completed, e.unit, e.average, e.longest) == (2, "hours", 6.25, 8)
    n = row(r.repairs, priority="non-emergency")
    assert (n.completed, n.unit, n.longest) == (3, "working days", 9)
    assert n.average == pytest.approx((3 + 9 + 5) / 3)  # R3, R4, R5
    assert row(r.repairs, priority="urgent").average == 3
    assert row(r.repairs, priority="routine").average == 7


def test_repairs_by_month_count_where_completed(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = build_report(lead_desk, start=date(2025, 10, 1), end=TODAY, by="month")
    assert row(r.repairs, "2025-11", priority="non-emergency").completed == 3
    assert row(r.repairs, "2025-10", priority="non-emergency").completed == 0


# --- working days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        (at(3, 10), at(3, 16), 0),
        (at(3, 10), at(4, 9), 1),
        (at(7, 18, 30), at(10, 9), 0),  # after Friday's close: counts from Monday
        (at(7, 18, 30), at(21, 12), 9),  # Tue 11 .. Fri 21
        (at(8, 11), at(10, 11), 0),  # a Saturday receipt
        (at(28, 10), at(2, 10, month=12), 1),  # St Andrew's Day (1 Dec 2025) skipped
        (at(5, 9), at(5, 10), 0),  # Wednesday before the 10:30 opening
        (at(5, 9), at(4, 10), 0),  # finished "before" it started: never negative
    ],
)
def test_working_days_between(bha: Profile, start: datetime, end: datetime, days: int) -> None:
    assert working_days_between(bha, start, end) == days
    assert working_days_counter(bha).count(start, end) == days


def test_a_deadline_is_exactly_its_working_days_away(bha: Profile) -> None:
    """Completing at the due instant takes the commitment's working days: reports, engine agree."""
    rnd = random.Random(8)
    counter = working_days_counter(bha)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    for _ in range(400):
        received = base + timedelta(minutes=rnd.randrange(2 * 365 * 24 * 60))
        slug = rnd.choice(["callback-routine", "callback-urgent", "complaint-stage1", "foi"])
        c = bha.commitment(slug)
        due = due_at(bha, c, received)
        cal = c.calendar or "organisation"
        assert working_days_between(bha, received, due, cal) == c.amount, (slug, received)
        if cal == "organisation":
            assert counter.count(received, due) == c.amount
        later = due + timedelta(days=1)
        assert working_days_between(bha, received, later, cal) >= c.amount


# --- the summary: kept in the same commit by every write path ---------------------------------


def test_the_summary_matches_a_rebuild(store: Store, data: dict[str, Any]) -> None:
    assert check_summary(store) == []


def test_changes_move_the_summary(store: Store, lead_desk: Desk, data: dict[str, Any]) -> None:
    assert ensure_spec(store, lead_desk.profile)  # the first report stores BHA's calendar
    assert not ensure_spec(store, lead_desk.profile)
    assert check_summary(store) == []
    with store.write() as s:
        t3 = s.get(Task, data["T3"])
        assert t3 is not None
        t3.status, t3.completed_at = "done", at(18, 9)  # late, a day after its due instant
        r4 = s.get(Task, data["R4"])
        assert r4 is not None
        r4.due_at = at(3, 12, month=12)  # out of the period
    assert check_summary(store) == []
    r = report(lead_desk)
    cb = row(r.commitments, slug="callback-routine")
    assert (cb.fell_due, cb.met, cb.late, cb.open_overdue) == (3, 1, 2, 0)
    assert row(r.commitments, slug="repair-routine").fell_due == 1
    with store.write() as s:
        gone = s.get(Task, data["T3"])
        s.delete(gone)
        longest = s.exec(select(Contact).where(Contact.answer_seconds == 60)).one()
        s.delete(longest)
    assert check_summary(store) == []
    t = row(report(lead_desk).telephone)
    assert (t.offered, t.longest_wait_seconds) == (5, 45)


def test_complaint_and_repair_changes_move_the_summary(
    store: Store, lead_desk: Desk, data: dict[str, Any]
) -> None:
    report(lead_desk)
    with store.write() as s:
        r4 = s.get(Task, data["R4"])  # the longest non-emergency repair (9 wd) now takes 0
        assert r4 is not None
        r4.completed_at = at(10, 12)
        c1 = s.exec(select(Task).where(Task.outcome == "upheld")).one()
        c1.outcome = "not-upheld"
        c5 = s.exec(
            select(Task).where(Task.slug == "complaint-stage2", Task.status == "open")
        ).one()
        c5.status, c5.completed_at, c5.outcome = "done", at(21, 10), "upheld"  # 3 wd
    assert check_summary(store) == []
    r = report(lead_desk)
    n = row(r.repairs, priority="non-emergency")
    assert (n.average, n.longest) == (pytest.approx((3 + 0 + 5) / 3), 5)
    one, two = row(r.complaints, stage=1), row(r.complaints, stage=2)
    assert (one.upheld, one.not_upheld) == (0, 2)
    assert (two.closed_in_full, two.upheld, two.average_working_days) == (2, 1, 4)
    with store.write() as s:
        s.execute(update(Task).where(Task.slug == "complaint-stage2").values(status="cancelled"))
    assert check_summary(store) == []
    assert row(report(lead_desk).complaints, stage=2).received == 0


def test_another_calendar_recounts_working_days(
    store: Store, lead_desk: Desk, data: dict[str, Any]
) -> None:
    report(lead_desk)
    closed = replace(lead_desk.profile, closure_days=frozenset({date(2025, 11, 20)}))
    desk = Desk(store, closed, lead_desk.clock, lead_desk.actor)
    n = row(report(desk).repairs, priority="non-emergency")
    assert n.longest == 8  # R4: Thursday 20 November is now a closure day
    assert check_summary(store) == []
    assert row(report(lead_desk).repairs, priority="non-emergency").longest == 9


def test_orm_bulk_statements_keep_the_summary(store: Store, handler: Actor) -> None:
    rows = [
        {
            "channel": "call",
            "staff_id": handler.id,
            "received_at": at(d, 10),
            "day": date(2025, 11, d),
            "answer_seconds": 10.0 + d,
            "abandoned": False,
            "outcome": "resolved",
            "details": {},
        }
        for d in (3, 4, 5)
    ]
    with store.write() as s:
        s.execute(insert(Contact), rows)
    assert check_summary(store) == []
    with store.write() as s:
        s.execute(
            update(Contact).where(Contact.day == date(2025, 11, 4)).values(answer_seconds=99.0)
        )
    assert check_summary(store) == []
    with store.write() as s:
        s.execute(delete(Contact).where(Contact.day == date(2025, 11, 5)))
    assert check_summary(store) == []


def test_raw_sql_needs_a_rebuild(store: Store, data: dict[str, Any]) -> None:
    with store.write() as s:
        s.execute(text("UPDATE contact SET answer_seconds = 1 WHERE answer_seconds = 60"))
    assert check_summary(store) != []
    refresh_days(store, date(2025, 11, 10), date(2025, 11, 10))
    assert check_summary(store) == []
    with store.write() as s:
        s.execute(text("DELETE FROM daily_summary"))
    rebuild_summary(store)
    assert check_summary(store) == []


def test_a_failed_write_leaves_the_summary_alone(store: Store, handler: Actor) -> None:
    with pytest.raises(RuntimeError), store.write() as s:
        call(s, at(3, 9), staff=handler.id, answer=5)
        s.flush()
        raise RuntimeError("the desk changed its mind")
    with store.read() as s:
        assert s.execute(text("SELECT count(*) FROM daily_summary")).scalar() == 0


def test_the_services_keep_the_summary(store: Store, desk: Desk, clock: FrozenClock) -> None:
    """Calls logged, call backs completed and reassigned through the real services."""
    from console.desk import calls, tasks

    logged = calls.log_call(desk, answer="12", outcome="callback_routine", category="rent")
    calls.log_call(desk, answer="4r", outcome="resolved", category="rent")
    clock.advance(hours=2)
    (promise,) = logged.promises
    tasks.complete(desk, promise.task_id, "called back", "Phoned back")
    assert check_summary(store) == []


# --- export -----------------------------------------------------------------------------------


def test_csv_has_every_table_and_json_round_trips(lead_desk: Desk, data: dict[str, Any]) -> None:
    r = report(lead_desk, by="week")
    text_csv = reports.as_csv(r)
    for name in reports.TABLES:
        assert f"# {name}\n" in text_csv
    assert "group,offered,answered,abandoned" in text_csv
    data_json = json.loads(reports.as_json(r))
    assert data_json["period"]["start"] == "2025-11-01"
    assert data_json["overdue_total"] == 1
    assert data_json["telephone"][-1]["service_level"] == 0.5


# --- on PostgreSQL too ------------------------------------------------------------------------


def test_the_same_figures_on_sqlite_and_postgresql(
    any_store: Store, bha: Profile, clock: FrozenClock
) -> None:
    h = add_staff(any_store, "Hannah Reid", "hreid", "handler")
    b = add_staff(any_store, "Bob Kerr", "bkerr", "handler")
    leah = add_staff(any_store, "Leah Murray", "lmurray", "team_lead")
    build_data(any_store, bha, h.id, b.id)
    desk = Desk(any_store, bha, clock, leah)
    r = build_report(desk)
    t = row(r.telephone)
    assert (t.offered, t.answered_within, t.average_answer_seconds) == (6, 3, 23.5)
    assert (r.open_total, r.overdue_total) == (6, 1)
    assert row(r.complaints, stage=1).within_5 == 3
    assert row(r.repairs, priority="non-emergency").longest == 9
    weeks = report(desk, by="week")
    assert row(weeks.telephone, "2025-11-03").offered == 4
    assert row(report(desk, by="month").telephone, "2025-11").offered == 6
    assert row(report(desk, by="handler").telephone, "Bob Kerr").offered == 2
    assert check_summary(any_store) == []


# --- the command line -------------------------------------------------------------------------


def test_cli_json_csv_and_text(
    store: Store, data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from console.cli.main import main

    db = store.url.removeprefix("sqlite:///")
    args = ["--db", db, "report", "--from", "2025-11", "--to", "2025-11-24"]
    assert main([*args, "--json", "--at", "2025-11-24 10:00"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["overdue_total"] == 1
    assert out["telephone"][0]["offered"] == 6
    assert main([*args, "--by", "handler", "--csv", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "complaints.csv").exists()
    capsys.readouterr()
    assert main([*args, "--csv"]) == 0
    assert "# telephone\ngroup,offered" in capsys.readouterr().out
    assert main(args) == 0
    text_out = capsys.readouterr().out
    assert "Telephone" in text_out and "Service level" in text_out
    with store.read() as s:
        events = s.exec(select(Event).where(Event.entity == "report")).all()
    assert [e.detail.split(": ", 1)[1] for e in events] == [
        "json 2025-11-01..2025-11-24",
        "csv 2025-11-01..2025-11-24 by handler",
        "csv 2025-11-01..2025-11-24",
        "text 2025-11-01..2025-11-24",
    ]
    assert all(e.staff_id is None and e.detail.startswith("cli ") for e in events)


def test_cli_says_what_to_fix(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    db = store.url.removeprefix("sqlite:///")
    assert main(["--db", db, "report", "--from", "2025-11-20", "--to", "2025-11-01"]) == 2
    assert "swap --from and --to" in capsys.readouterr().err
    assert main(["--db", db, "report", "--from", "20/11/2025"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_a_summary_counted_by_older_code_is_recounted(
    store: Store, lead_desk: Desk, data: dict[str, Any]
) -> None:
    report(lead_desk)
    with store.write() as s:
        s.execute(text("UPDATE daily_summary SET count = 99 WHERE metric = 'call.offered'"))
        s.execute(text("UPDATE daily_summary SET count = 0 WHERE metric = 'spec.version'"))
    assert check_summary(store) != []
    assert row(report(lead_desk).telephone).offered == 6
    assert check_summary(store) == []


def test_recording_an_export_needs_a_lead(desk: Desk) -> None:
    """issue 14: reports.record_export had no role check."""
    from console.reports.builder import build_report
    from console.reports.files import record_export
    from console.rules.errors import PermissionDenied

    report = build_report(desk.with_actor(people_cli()))
    with pytest.raises(PermissionDenied):
        record_export(desk, report, "csv")  # `desk` is a handler's
    with pytest.raises(PermissionDenied):
        record_export(desk.with_actor(None), report, "csv")


def people_cli() -> Actor:
    from console.desk.context import cli_actor

    return cli_actor()
