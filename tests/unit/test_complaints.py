"""Complaints: frontline, stage 1, extension, stage 2 (escalated or direct), SPSO fields."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from console.desk import complaints, customers
from console.desk.context import Desk
from console.desk.correspondence import add_contact
from console.desk.outcomes import Outcome, apply_outcome
from console.rules.clock import LONDON
from console.rules.deadlines import due_at
from console.rules.errors import InputError, NotFound
from console.store.models import Contact, Task


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def all_tasks(desk: Desk) -> list[Task]:
    with desk.store.read() as s:
        return list(s.exec(select(Task).order_by(Task.id)))  # type: ignore[arg-type]


@pytest.fixture
def morag(desk: Desk) -> customers.CustomerView:
    return customers.create(desk, "Morag Brown")


def open_stage1(desk: Desk, customer_id: int) -> complaints.ComplaintView:
    return complaints.open_complaint(
        desk,
        customer_id,
        subject="Repair missed twice",
        service="Repairs",
        channel="letter",
        received="2025-11-21",
    )


def test_stage1_by_letter_runs_five_working_days_from_the_date_stamp(desk: Desk, morag) -> None:
    view = open_stage1(desk, morag.id)
    [task] = all_tasks(desk)
    received = london(2025, 11, 21, 8, 45)
    assert task.slug == "complaint-stage1" and task.received_at == received
    assert (
        task.due_at
        == due_at(desk.profile, "complaint-stage1", received)
        == london(2025, 11, 28, 17)
    )
    d = task.details
    assert (d["kind"], d["stage"], d["subject"], d["service"], d["received"], d["channel"]) == (
        "complaint",
        1,
        "Repair missed twice",
        "Repairs",
        "2025-11-21",
        "letter",
    )
    assert d["complaint_id"] == task.id
    assert view.stage_name == "stage 1" and view.received == date(2025, 11, 21)
    assert view.result is None and view.status == "open"
    assert view.promises[0].tell.startswith("Customer Services will give you a decision by")
    with desk.store.read() as s:
        contact = s.get(Contact, task.contact_id)
        assert contact is not None and contact.outcome == "complaint_stage1"


def test_extension_needs_a_reason_and_runs_ten_working_days_from_receipt(desk: Desk, morag) -> None:
    view = open_stage1(desk, morag.id)
    assert view.task_id is not None
    with pytest.raises(InputError, match="say why stage 1 needs more time"):
        complaints.extend_stage1(desk, view.task_id, reason="  ")
    assert all_tasks(desk)[0].slug == "complaint-stage1"
    extended = complaints.extend_stage1(desk, view.task_id, reason="waiting for the contractor")
    [task] = all_tasks(desk)
    received = london(2025, 11, 21, 8, 45)
    assert task.slug == "complaint-stage1-extended"
    # Mon 1 Dec (St Andrew's Day observed) is skipped
    assert task.due_at == due_at(desk.profile, "complaint-stage1-extended", received)
    assert task.due_at == london(2025, 12, 8, 17)
    assert task.original_due_at == london(2025, 11, 28, 17)
    assert task.extended_reason == "waiting for the contractor"
    assert extended.stage_name == "extended stage 1"
    with pytest.raises(InputError, match="extended already"):
        complaints.extend_stage1(desk, view.task_id, reason="again")


def test_escalation_from_an_open_stage1(desk: Desk, morag) -> None:
    view = open_stage1(desk, morag.id)
    assert view.task_id is not None
    with pytest.raises(InputError, match="say why the complaint goes to stage 2"):
        complaints.escalate(desk, view.task_id, reason="")
    stage2 = complaints.escalate(desk, view.task_id, reason="needs a full investigation")
    first, second = all_tasks(desk)
    assert (first.status, first.outcome) == ("done", "escalated")
    assert second.slug == "complaint-stage2" and second.parent_id == first.id
    assert second.received_at == desk.now()
    assert second.due_at == due_at(desk.profile, "complaint-stage2", desk.now())
    assert second.details["subject"] == "Repair missed twice"
    assert stage2.received == date(2025, 11, 21)  # the complaint's receipt, not the escalation
    assert stage2.complaint_id == first.id
    assert stage2.escalation_reason == "needs a full investigation"
    assert stage2.history["stage1"].outcome == "escalated"
    assert stage2.history["stage1"].closed == date(2025, 11, 24)
    with pytest.raises(InputError, match="already a stage 2 complaint"):
        complaints.escalate(desk, stage2.task_id or 0, reason="again")


def test_outcome_at_each_stage_with_the_spso_fields(desk: Desk, clock, morag) -> None:
    view = open_stage1(desk, morag.id)
    assert view.task_id is not None
    with pytest.raises(
        InputError, match="not a complaint outcome: choose upheld, partially upheld"
    ):
        complaints.record_outcome(desk, view.task_id, outcome="maybe", actions="x")
    with pytest.raises(InputError, match="say what actions were taken"):
        complaints.record_outcome(desk, view.task_id, outcome="not upheld", actions="")
    closed = complaints.record_outcome(
        desk, view.task_id, outcome="not-upheld", actions="Checked the repair log with the customer"
    )
    assert closed.status == "done" and closed.result is not None
    assert closed.result.outcome == "not upheld" and closed.result.closed == date(2025, 11, 24)
    assert closed.result.handler == "Hannah Reid"
    [task] = all_tasks(desk)
    assert task.outcome == "not upheld" and task.completed_at == desk.now()
    assert task.details["stage1"]["actions"] == "Checked the repair log with the customer"
    with pytest.raises(InputError, match="already done"):
        complaints.record_outcome(desk, view.task_id, outcome="upheld", actions="x", root_cause="y")
    # the customer is unhappy with the decision: stage 2 keeps the stage 1 outcome
    clock.set(london(2025, 11, 26, 11, 0))
    stage2 = complaints.escalate(desk, view.task_id, reason="unhappy with the stage 1 decision")
    assert all_tasks(desk)[0].outcome == "not upheld"
    assert stage2.task_id is not None
    with pytest.raises(InputError, match="upheld needs its root cause"):
        complaints.record_outcome(
            desk, stage2.task_id, outcome="Upheld", actions="Apology, repair done"
        )
    clock.set(london(2025, 12, 10, 15, 0))
    done = complaints.record_outcome(
        desk,
        stage2.task_id,
        outcome="upheld",
        actions="Apology, repair done",
        root_cause="Contractor job lost between systems",
    )
    assert done.result is not None and done.result.closed == date(2025, 12, 10)
    assert set(done.history) == {"stage1", "stage2"}
    assert done.history["stage1"].outcome == "not upheld"
    assert done.history["stage2"].root_cause == "Contractor job lost between systems"


def test_frontline_resolution_is_recorded_there_and_then(desk: Desk, morag) -> None:
    view = complaints.resolve_frontline(
        desk,
        morag.id,
        subject="Rude on the phone",
        service="Customer Services",
        actions="Apologised",
        channel="call",
    )
    assert all_tasks(desk) == []
    assert view.stage == 0 and view.result is not None and view.result.outcome == "resolved"
    assert view.contact_id is not None
    with desk.store.read() as s:
        contact = s.get(Contact, view.contact_id)
        assert contact is not None
        record = contact.details["complaint"]
    assert contact.outcome == "complaint_frontline"
    assert record["stage"] == 0 and record["frontline"]["closed"] == "2025-11-24"
    assert record["received"] == "2025-11-24" and record["service"] == "Customer Services"
    stage2 = complaints.escalate_frontline(desk, view.contact_id, reason="unhappy with the apology")
    [task] = all_tasks(desk)
    assert task.slug == "complaint-stage2" and task.due_at == due_at(
        desk.profile, "complaint-stage2", desk.now()
    )
    assert stage2.history["frontline"].actions == "Apologised"
    with pytest.raises(InputError, match="at stage 2 already"):
        complaints.escalate_frontline(desk, view.contact_id, reason="again")
    assert complaints.frontline(desk, view.contact_id).subject == "Rude on the phone"


def test_direct_to_stage2_needs_a_reason_and_runs_from_receipt(desk: Desk, morag) -> None:
    with pytest.raises(InputError, match="say why it goes straight to stage 2"):
        complaints.open_complaint(desk, morag.id, subject="Damp", stage=2)
    assert all_tasks(desk) == []
    view = complaints.open_complaint(
        desk,
        morag.id,
        subject="Damp",
        stage=2,
        reason="complex",
        channel="email",
        received="2025-11-21",
        received_time="14:00",
    )
    [task] = all_tasks(desk)
    assert task.slug == "complaint-stage2"
    assert task.due_at == due_at(desk.profile, "complaint-stage2", london(2025, 11, 21, 14))
    assert task.details["direct"] is True and view.escalation_reason == "complex"


def test_complaint_taken_on_a_call_can_be_escalated(desk: Desk, morag) -> None:
    with desk.store.write() as s:
        c = customers.resolve(s, morag.id)
        contact = add_contact(desk, s, "call", c, desk.now(), category="repairs")
        [task] = apply_outcome(desk, s, contact, Outcome(kind="complaint_stage1", subject="Late"))
        task_id = task.id
    assert task_id is not None
    view = complaints.complaint(desk, task_id)
    assert view.received == date(2025, 11, 24) and view.service == "Repairs"
    stage2 = complaints.escalate(desk, task_id, reason="investigation")
    assert stage2.complaint_id == task_id and stage2.stage == 2


def test_bad_input_and_profiles_without_complaints(desk: Desk, weslo_desk: Desk, morag) -> None:
    with pytest.raises(InputError, match="say what the complaint is about"):
        complaints.open_complaint(desk, morag.id, subject=" ")
    with pytest.raises(InputError, match="Weslo profile has no standard for complaint"):
        complaints.open_complaint(weslo_desk, morag.id, subject="Damp")
    with pytest.raises(InputError, match="Weslo profile has no standard"):
        complaints.resolve_frontline(weslo_desk, morag.id, subject="Damp", actions="x")
    with pytest.raises(NotFound, match="no customer with reference 'X1'"):
        complaints.open_complaint(desk, "X1", subject="Damp")
    with pytest.raises(InputError, match="does not exist: February 2025 has 28 days"):
        complaints.open_complaint(desk, morag.id, subject="Damp", received="2025-02-30")
    assert all_tasks(desk) == []
    with desk.store.read() as s:
        assert list(s.exec(select(Contact))) == []


def test_a_task_that_is_not_a_complaint_is_refused(desk: Desk, morag) -> None:
    from console.desk import correspondence

    logged = correspondence.log_email(desk, morag.id, category="rent")
    with pytest.raises(InputError, match="not a complaint"):
        complaints.record_outcome(
            desk, logged.promises[0].task_id, outcome="upheld", actions="x", root_cause="y"
        )
