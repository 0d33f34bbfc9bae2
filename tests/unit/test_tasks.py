"""The queue's actions on a task: who may do them, what they write, and the audit trail."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select

from console.desk import customers, queue, tasks
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.store.engine import Store
from console.store.models import Event, Task
from tests.conftest import MONDAY_MORNING, add_staff


def local(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def new_task(desk: Desk, slug: str, received: datetime = MONDAY_MORNING, **kw: Any) -> int:
    with desk.store.write() as session:
        task = tasks.open_task(desk, session, slug, received_at=received, **kw)
        assert task.id is not None
        return task.id


def row(store: Store, task_id: int) -> Task:
    with store.read() as session:
        t = session.get(Task, task_id)
        assert t is not None
        return t


def events(store: Store, task_id: int | None = None) -> list[tuple[str, str, int | None, str]]:
    """(action, entity, staff_id, detail) of task events, oldest first."""
    with store.read() as session:
        stmt = select(Event).where(Event.entity == "task").order_by(col(Event.id))
        if task_id is not None:
            stmt = stmt.where(Event.entity_id == task_id)
        return [(e.action, e.entity, e.staff_id, e.detail) for e in session.exec(stmt)]


@pytest.fixture
def lead_desk(desk: Desk, lead: Actor) -> Desk:
    return desk.with_actor(lead)


@pytest.fixture
def other(store: Store) -> Actor:
    return add_staff(store, "Owen Park", "opark", "handler", "Repairs")


# --- claim and assign ------------------------------------------------------------------


def test_claim_makes_the_task_yours_and_audits_it(desk: Desk, handler: Actor) -> None:
    tid = new_task(desk, "callback-routine")
    view = tasks.claim(desk, tid)
    assert view.assignee_id == handler.id and view.assignee_name == "Hannah Reid"
    assert row(desk.store, tid).assignee_id == handler.id
    assert events(desk.store, tid)[-1] == ("claimed", "task", handler.id, "")


def test_claim_refuses_a_task_someone_else_has(desk: Desk, other: Actor) -> None:
    tid = new_task(desk, "callback-routine", assignee_id=other.id)
    with pytest.raises(PermissionDenied, match="Owen Park already has task"):
        tasks.claim(desk, tid)
    assert row(desk.store, tid).assignee_id == other.id
    assert [e[0] for e in events(desk.store, tid)] == ["created"]


def test_a_lead_may_take_a_task_from_someone(lead_desk: Desk, lead: Actor, other: Actor) -> None:
    tid = new_task(lead_desk, "callback-routine", assignee_id=other.id)
    tasks.claim(lead_desk, tid)
    assert row(lead_desk.store, tid).assignee_id == lead.id
    assert events(lead_desk.store, tid)[-1] == ("claimed", "task", lead.id, "from Owen Park")


def test_claim_twice_says_it_is_already_yours(desk: Desk) -> None:
    tid = new_task(desk, "callback-routine")
    tasks.claim(desk, tid)
    with pytest.raises(InputError, match="already yours"):
        tasks.claim(desk, tid)


def test_claim_of_an_unknown_or_closed_task(desk: Desk) -> None:
    with pytest.raises(NotFound, match="no task #999"):
        tasks.claim(desk, 999)
    tid = new_task(desk, "callback-routine")
    tasks.complete(desk, tid, "called back", "Spoke to the tenant")
    with pytest.raises(InputError, match=r"already done \(called back\)"):
        tasks.claim(desk, tid)


def test_lead_assigns_by_id_and_by_login(
    lead_desk: Desk, lead: Actor, handler: Actor, other: Actor
) -> None:
    tid = new_task(lead_desk, "callback-routine")
    view = tasks.assign(lead_desk, tid, handler.id)
    assert view.assignee_name == "Hannah Reid"
    tasks.assign(lead_desk, tid, "opark")
    assert row(lead_desk.store, tid).assignee_id == other.id
    tasks.assign(lead_desk, tid, None)
    assert row(lead_desk.store, tid).assignee_id is None
    assert events(lead_desk.store, tid)[1:] == [
        ("assigned", "task", lead.id, "from nobody to Hannah Reid (hreid)"),
        ("assigned", "task", lead.id, "from Hannah Reid to Owen Park (opark)"),
        ("assigned", "task", lead.id, "from Owen Park to nobody"),
    ]


def test_a_handler_cannot_assign_to_someone_else(desk: Desk, other: Actor, handler: Actor) -> None:
    tid = new_task(desk, "callback-routine")
    with pytest.raises(PermissionDenied, match="only a team lead or admin can assign"):
        tasks.assign(desk, tid, other.id)
    tasks.assign(desk, tid, handler.id)  # to yourself: a claim
    assert row(desk.store, tid).assignee_id == handler.id


def test_assign_checks_who(lead_desk: Desk, store: Store) -> None:
    tid = new_task(lead_desk, "callback-routine")
    with pytest.raises(NotFound, match="no staff member with login 'nobody'"):
        tasks.assign(lead_desk, tid, "nobody")
    with pytest.raises(NotFound, match="no staff member with id 4242"):
        tasks.assign(lead_desk, tid, 4242)
    gone = add_staff(store, "Gone Away", "gone", "handler")
    from console.store.models import Staff

    with store.write() as session:
        s = session.get(Staff, gone.id)
        assert s is not None
        s.active = False
        session.add(s)
    with pytest.raises(InputError, match="Gone Away is no longer active"):
        tasks.assign(lead_desk, tid, gone.id)
    assert row(store, tid).assignee_id is None


def test_assignable_staff_lists_active_staff_by_name(desk: Desk, lead: Actor, other: Actor) -> None:
    names = [s.name for s in tasks.assignable_staff(desk)]
    assert names == ["Hannah Reid", "Leah Murray", "Owen Park"]


# --- complete and cancel ---------------------------------------------------------------


def test_complete_records_outcome_note_and_who(
    desk: Desk, handler: Actor, clock: FrozenClock
) -> None:
    tid = new_task(desk, "callback-routine")
    clock.advance(hours=2)
    view = tasks.complete(desk, tid, "  called   back ", "Left a message about the boiler")
    assert (view.status, view.outcome, view.note) == (
        "done",
        "called back",
        "Left a message about the boiler",
    )
    t = row(desk.store, tid)
    assert t.completed_at == clock.now() and t.assignee_id == handler.id
    assert events(desk.store, tid)[-1] == ("completed", "task", handler.id, "called back")


def test_complete_needs_an_outcome_and_the_holder(desk: Desk, other: Actor) -> None:
    tid = new_task(desk, "callback-routine")
    with pytest.raises(InputError, match="say what the outcome was"):
        tasks.complete(desk, tid, "  ", "Phoned")
    with pytest.raises(InputError, match="write a note of what was done"):
        tasks.complete(desk, tid, "called back", "   ")
    assert row(desk.store, tid).status == "open"
    theirs = new_task(desk, "callback-routine", assignee_id=other.id)
    with pytest.raises(PermissionDenied, match="Owen Park has task"):
        tasks.complete(desk, theirs, "done", "Sorted")
    assert row(desk.store, theirs).status == "open"


def test_cancel_is_for_leads_with_a_reason(desk: Desk, lead_desk: Desk, lead: Actor) -> None:
    tid = new_task(desk, "callback-routine")
    with pytest.raises(PermissionDenied, match="team lead"):
        tasks.cancel(desk, tid, "duplicate")
    with pytest.raises(InputError, match="give a reason"):
        tasks.cancel(lead_desk, tid, " ")
    view = tasks.cancel(lead_desk, tid, "duplicate of #2")
    assert (view.status, view.note) == ("cancelled", "duplicate of #2")
    assert events(desk.store, tid)[-1] == ("cancelled", "task", lead.id, "duplicate of #2")


def test_outcomes_offered_by_kind() -> None:
    assert tasks.outcomes_for("complaint-stage1")[:3] == (
        "upheld",
        "partially upheld",
        "not upheld",
    )
    assert tasks.outcomes_for("callback-urgent")[0] == "called back"
    assert tasks.outcomes_for("foi") == ("done", "customer contacted", "not needed")


# --- extend ----------------------------------------------------------------------------


def test_extend_stage1_complaint_runs_from_the_original_receipt(
    desk: Desk, handler: Actor, clock: FrozenClock
) -> None:
    tid = new_task(desk, "complaint-stage1")
    # 5 working days from Mon 24 Nov: St Andrew's Day (Mon 1 Dec) skipped.
    assert row(desk.store, tid).due_at == local(2025, 12, 2)
    ext = tasks.extension_preview(desk, tid)
    assert (ext.slug_to, ext.due_before, ext.due_after) == (
        "complaint-stage1-extended",
        local(2025, 12, 2),
        local(2025, 12, 9),  # 10 working days from receipt, not from today
    )
    clock.advance(days=3)
    told = clock.now() - timedelta(hours=1)
    view = tasks.extend(desk, tid, "waiting for the contractor's report", customer_told_at=told)
    assert view.slug == "complaint-stage1-extended" and view.due_at == local(2025, 12, 9)
    t = row(desk.store, tid)
    assert t.original_due_at == local(2025, 12, 2)
    assert t.extended_reason == "waiting for the contractor's report"
    assert t.customer_told_at == told
    assert t.details["extended_from"] == "complaint-stage1"
    assert events(desk.store, tid)[-1] == (
        "extended",
        "task",
        handler.id,
        "complaint-stage1 -> complaint-stage1-extended: waiting for the contractor's report",
    )


def test_extend_subject_access_to_three_months(desk: Desk) -> None:
    tid = new_task(desk, "subject-access")
    assert row(desk.store, tid).due_at == local(2025, 12, 24)
    view = tasks.extend(desk, tid, "complex request")
    assert view.due_at == local(2026, 2, 24)
    assert row(desk.store, tid).customer_told_at is None


def test_extend_refusals(desk: Desk, clock: FrozenClock) -> None:
    callback = new_task(desk, "callback-routine")
    with pytest.raises(
        InputError,
        match=r"\(call back\) cannot be extended: the BHA profile gives more time only for "
        "stage 1 complaint and subject access$",
    ):
        tasks.extend(desk, callback, "busy")
    complaint = new_task(desk, "complaint-stage1")
    with pytest.raises(InputError, match="give a reason"):
        tasks.extend(desk, complaint, "")
    with pytest.raises(InputError, match="in the future"):
        tasks.extend(desk, complaint, "busy", customer_told_at=clock.now() + timedelta(hours=1))
    tasks.extend(desk, complaint, "busy")
    with pytest.raises(InputError, match="extended already"):
        tasks.extend(desk, complaint, "again")
    assert [e[0] for e in events(desk.store, complaint)] == ["created", "extended"]


# --- escalate --------------------------------------------------------------------------


def test_escalate_opens_stage2_from_now(desk: Desk, handler: Actor, clock: FrozenClock) -> None:
    stage1 = new_task(
        desk, "complaint-stage1", title="stage 1 complaint: damp in bedroom",
        details={"stage": 1, "subject": "damp in bedroom"},
    )  # fmt: skip
    clock.set(local(2025, 11, 25, 11, 0))
    stage2 = tasks.escalate(desk, stage1, note="unhappy with the decision")
    # 20 working days from Tue 25 Nov (St Andrew's Day skipped): Wed 24 Dec, close of business.
    assert stage2.slug == "complaint-stage2"
    assert stage2.received_at == clock.now() and stage2.due_at == local(2025, 12, 24)
    assert stage2.parent_id == stage1 and stage2.team == "Senior Management"
    assert stage2.title == "stage 2 complaint: damp in bedroom"
    assert stage2.details["stage"] == 2 and stage2.details["subject"] == "damp in bedroom"
    assert stage2.details["escalation_note"] == "unhappy with the decision"
    first = row(desk.store, stage1)
    assert (first.status, first.outcome) == ("done", "escalated")
    assert events(desk.store, stage1)[-1] == (
        "escalated", "task", handler.id, "to complaint-stage2: unhappy with the decision",
    )  # fmt: skip
    assert events(desk.store, stage2.id) == [("created", "task", handler.id, "complaint-stage2")]


def test_escalate_refusals(desk: Desk, weslo_desk: Desk) -> None:
    callback = new_task(desk, "callback-routine")
    with pytest.raises(InputError, match="not a stage 1 complaint"):
        tasks.escalate(desk, callback)
    stage1 = new_task(desk, "complaint-stage1")
    tasks.escalate(desk, stage1)
    with pytest.raises(InputError, match="escalated already"):
        tasks.escalate(desk, stage1)
    w = new_task(weslo_desk, "callback")
    with pytest.raises(InputError, match="Weslo profile has no standard for complaint stage2"):
        tasks.escalate(weslo_desk, w)


def test_a_decided_stage1_keeps_its_outcome_when_escalated(desk: Desk) -> None:
    stage1 = new_task(desk, "complaint-stage1")
    tasks.complete(desk, stage1, "not upheld", "Letter sent")
    stage2 = tasks.escalate(desk, stage1, note="disagrees")
    assert row(desk.store, stage1).outcome == "not upheld"
    assert stage2.status == "open"


# --- progress updates ------------------------------------------------------------------


def test_overdue_task_gets_a_progress_update_due_5_working_days_after(
    desk: Desk, clock: FrozenClock
) -> None:
    cid = customers.create(desk, "Mary Smith").id
    tid = new_task(desk, "callback-urgent", customer_id=cid)  # due Tue 25 Nov 10:00
    assert queue.ensure_progress_updates(desk) == 0  # not overdue yet
    clock.set(local(2025, 11, 25, 10, 30))
    assert queue.ensure_progress_updates(desk) == 1
    assert queue.ensure_progress_updates(desk) == 0  # idempotent
    with desk.store.read() as session:
        child = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert child.slug == "progress-update" and child.customer_id == cid
    assert child.received_at == local(2025, 11, 25, 10, 0)  # the moment the deadline passed
    assert child.due_at == local(2025, 12, 3)  # 5 working days (St Andrew's Day skipped)
    assert child.details["auto"] == "progress_update"


def test_logging_an_update_completes_it_and_schedules_the_next(
    desk: Desk, handler: Actor, clock: FrozenClock
) -> None:
    tid = new_task(desk, "callback-urgent")
    clock.set(local(2025, 11, 26, 12, 0))
    queue.ensure_progress_updates(desk)
    with desk.store.read() as session:
        first = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert first.id is not None
    with pytest.raises(InputError, match="what the customer was told"):
        tasks.log_progress_update(desk, first.id, " ")
    logged = tasks.log_progress_update(desk, first.id, "Told her the engineer comes Friday")
    assert logged.task.id == tid
    assert logged.closed is not None and logged.closed.id == first.id
    assert (logged.closed.status, logged.closed.outcome) == ("done", "customer updated")
    assert logged.next is not None and logged.next.received_at == clock.now()
    assert logged.next.due_at == local(2025, 12, 4)  # 5 working days from now
    updates = row(desk.store, tid).details["updates"]
    assert updates == [
        {
            "at": clock.now().isoformat(),
            "by": "Hannah Reid",
            "note": "Told her the engineer comes Friday",
        }
    ]
    # the note stays on the task (above); the append-only trail points to it (issue 14)
    assert ("progress_update", "task", handler.id, "(text kept on the record)") in events(
        desk.store, tid
    )
    assert events(desk.store, first.id)[-1] == ("completed", "task", handler.id, "customer updated")
    assert queue.ensure_progress_updates(desk) == 0  # the next one is already open


def test_an_update_closed_without_logging_is_followed_by_another(
    desk: Desk, clock: FrozenClock
) -> None:
    tid = new_task(desk, "callback-urgent")
    clock.set(local(2025, 11, 26, 12, 0))
    queue.ensure_progress_updates(desk)
    with desk.store.read() as session:
        first = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert first.id is not None
    clock.set(local(2025, 11, 27, 9, 0))
    tasks.complete(desk, first.id, "customer updated", "Phoned")
    assert queue.ensure_progress_updates(desk) == 1
    with desk.store.read() as session:
        nxt = session.exec(select(Task).where(Task.parent_id == tid, Task.status == "open")).one()
    assert nxt.received_at == clock.now()  # from the last update, not the old deadline


def test_completing_a_task_cancels_its_open_update(desk: Desk, clock: FrozenClock) -> None:
    tid = new_task(desk, "callback-urgent")
    clock.set(local(2025, 11, 26, 12, 0))
    queue.ensure_progress_updates(desk)
    tasks.complete(desk, tid, "called back", "Spoke to the tenant")
    with desk.store.read() as session:
        child = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert (child.status, child.note) == ("cancelled", f"task #{tid} completed")
    assert queue.ensure_progress_updates(desk) == 0


def test_progress_updates_follow_their_task_to_a_new_holder(
    lead_desk: Desk, handler: Actor, clock: FrozenClock
) -> None:
    tid = new_task(lead_desk, "callback-urgent")
    clock.set(local(2025, 11, 26, 12, 0))
    queue.ensure_progress_updates(lead_desk)
    tasks.assign(lead_desk, tid, handler.id)
    with lead_desk.store.read() as session:
        child = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert child.assignee_id == handler.id


def test_weslo_overdue_statutory_response_opens_one_contact_task(
    weslo_desk: Desk, clock: FrozenClock
) -> None:
    tid = new_task(weslo_desk, "statutory-response")  # 14 days: Mon 8 Dec 23:59:59
    new_task(
        weslo_desk, "callback", received=MONDAY_MORNING - timedelta(days=20)
    )  # overdue, not statutory
    clock.set(local(2025, 12, 9, 9, 0))
    assert queue.ensure_progress_updates(weslo_desk) == 1
    assert queue.ensure_progress_updates(weslo_desk) == 0
    with weslo_desk.store.read() as session:
        child = session.exec(select(Task).where(Task.parent_id == tid)).one()
    assert child.slug == "callback"
    assert child.title == "contact the customer with the reason and a new date"
    assert child.received_at == local(2025, 12, 8, 23, 59) + timedelta(seconds=59)
    assert child.due_at == local(2025, 12, 10)  # 1 working day after the next opening
    tasks.complete(weslo_desk, child.id or 0, "customer contacted", "Phoned")
    assert queue.ensure_progress_updates(weslo_desk) == 0  # once per statutory response
