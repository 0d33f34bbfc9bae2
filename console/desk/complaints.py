"""Complaints (BHA s11, s14) with the fields the SPSO model procedure asks for.

- **Frontline resolution**: put right there and then. Recorded on the contact
  (``details["complaint"]``, stage 0, as `console.desk.outcomes` does for a call) with
  its outcome and closure date; no task, since nothing is left to promise.
- **Stage 1**: a `complaint-stage1` task (5 working days), opened through
  `outcomes.apply_outcome` like a complaint taken on a call.
- **Extension**: `console.desk.tasks.extend` onto `complaint-stage1-extended` (the
  commitment's ``extends_to``: 10 working days from receipt), with a reason.
- **Stage 2**: `console.desk.tasks.escalate` from stage 1 (20 working days from the
  escalation); or from a frontline resolution the customer is unhappy with; or
  opened directly, with the reason it skips stage 1 (20 working days from receipt).
- **Outcome at each stage**: upheld, partially upheld, not upheld or resolved,
  with the actions taken, the closure date, who handled it and (required for an
  upheld or partially upheld complaint) the root cause.

The SPSO record lives in ``Task.details`` (stage 0: ``Contact.details["complaint"]``):
``kind`` "complaint", ``stage`` (0, 1, 2), ``received`` (ISO date the complaint
arrived), ``subject`` (what about), ``service`` (which service), ``channel``,
``complaint_id`` (the first task or contact of the complaint), and one record per
stage closed, ``frontline`` / ``stage1`` / ``stage2``: ``{"outcome", "actions",
"closed" (ISO date), "handler", "handler_id", "root_cause"}``. Escalation copies
the details onto the stage 2 task (tasks.escalate), so stage 2 carries the whole
history; ``escalation_note`` holds the reason. A complaint taken on a call
carries only ``stage``/``subject``/``service``: the view fills the rest from the
task's own columns (received, completed, outcome).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from console.desk import tasks
from console.desk.context import Desk, for_audit
from console.desk.correspondence import add_contact, resolve_received, task_details
from console.desk.customers import check_restriction, get_row, resolve
from console.desk.outcomes import Outcome, Promise, apply_outcome, promises
from console.desk.tasks import open_task, slug_for
from console.rules.clock import local
from console.rules.errors import InputError, NotFound
from console.rules.roles import HANDLERS
from console.store.models import CHANNELS, Contact, Customer, Staff, Task

if TYPE_CHECKING:
    from sqlmodel import Session

OUTCOMES = ("upheld", "partially upheld", "not upheld", "resolved")  # tasks.OUTCOMES words
NEEDS_ROOT_CAUSE = ("upheld", "partially upheld")
STAGE_KEYS = {0: "frontline", 1: "stage1", 2: "stage2"}
LONGEST = 500


@dataclass(frozen=True)
class StageRecord:
    """How one stage closed (SPSO): outcome, actions, closure date, handler, root cause."""

    outcome: str
    actions: str
    closed: date | None
    handler: str
    root_cause: str


@dataclass(frozen=True)
class ComplaintView:
    """One stage of a complaint, with its SPSO fields."""

    task_id: int | None  # None for a frontline resolution (recorded on the contact)
    contact_id: int | None
    complaint_id: int
    customer_id: int
    customer_name: str
    stage: int  # 0 frontline, 1 stage 1 (or extended), 2 stage 2
    slug: str
    status: str  # open, done, cancelled (frontline: done)
    subject: str
    service: str
    received: date
    due_at: datetime | None
    extended_reason: str
    escalation_reason: str
    result: StageRecord | None  # this stage's close, None while open
    history: dict[str, StageRecord]  # every closed stage so far, by "frontline"/"stage1"/"stage2"
    promises: tuple[Promise, ...] = ()

    @property
    def stage_name(self) -> str:
        if self.slug.endswith("-extended"):
            return "extended stage 1"
        return {0: "frontline resolution", 1: "stage 1", 2: "stage 2"}.get(
            self.stage, f"stage {self.stage}"
        )


def outcome_words(value: str) -> str:
    """'partially-upheld' / 'Partially Upheld' / 'partially_upheld' -> 'partially upheld'."""
    words = " ".join(value.strip().lower().replace("_", " ").replace("-", " ").split())
    if words not in OUTCOMES:
        raise InputError(
            f"'{value}' is not a complaint outcome: choose upheld, partially upheld, "
            "not upheld or resolved"
        )
    return words


def _text(value: str, what: str, *, required: bool = False, example: str = "") -> str:
    text = " ".join(value.split())
    if required and not text:
        hint = f", e.g. {example}" if example else ""
        raise InputError(f"say {what}{hint}")
    if len(text) > LONGEST:
        raise InputError(f"{what} is {len(text)} characters long: keep it under {LONGEST}")
    return text


def _closing(desk: Desk, outcome: str, actions: str, root_cause: str) -> dict[str, Any]:
    """A stage's SPSO close record from what the handler typed (validated)."""
    actor = desk.require(*HANDLERS)
    words = outcome_words(outcome)
    actions = _text(
        actions, "what actions were taken", required=True, example="apology, repair re-booked"
    )
    root_cause = _text(root_cause, "the root cause")
    if words in NEEDS_ROOT_CAUSE and not root_cause:
        raise InputError(f"a complaint {words} needs its root cause: say what went wrong")
    return closing_record(
        words,
        actions,
        root_cause,
        closed=local(desk.now()).date(),
        handler=actor.name,
        handler_id=actor.id,
    )


def closing_record(
    outcome: str, actions: str, root_cause: str, *, closed: date, handler: str, handler_id: int
) -> dict[str, Any]:
    """A stage's SPSO close record as it is stored (shared by the desk and the demo)."""
    return {
        "outcome": outcome,
        "actions": actions,
        "closed": closed.isoformat(),
        "handler": handler,
        "handler_id": handler_id,
        "root_cause": root_cause,
    }


def close_stage(
    task: Task, stage: int, close: dict[str, Any], at: datetime, by_id: int | None, note: str = ""
) -> None:
    """What closing a stage writes on its task (`record_outcome`, and the demo)."""
    task.details = {**(task.details or {}), "kind": "complaint", STAGE_KEYS[stage]: close}
    task.status, task.outcome, task.completed_at = "done", close["outcome"], at
    task.note = note.strip() or close["actions"]
    if task.assignee_id is None:
        task.assignee_id = by_id


def _service(desk: Desk, service: str, category: str) -> str:
    if service.strip():
        return _text(service, "which service the complaint is about")
    cat = desk.profile.category(category) if category else None
    return cat.label if cat else ""


def _channel(channel: str) -> str:
    if channel not in CHANNELS:
        raise InputError(f"'{channel}' is not a channel: choose one of {', '.join(CHANNELS)}")
    return channel


def _day(value: Any) -> date | None:
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _record(raw: Any) -> StageRecord | None:
    if not isinstance(raw, dict):
        return None
    return StageRecord(
        outcome=str(raw.get("outcome", "")),
        actions=str(raw.get("actions", "")),
        closed=_day(raw.get("closed")),
        handler=str(raw.get("handler", "")),
        root_cause=str(raw.get("root_cause", "")),
    )


def _stage_of(desk: Desk, task: Task) -> int:
    return 2 if task.slug == desk.profile.slug_for("complaint_stage2") else 1


def _root(session: Session, task: Task) -> Task:
    """The first task of a complaint (follows escalations back to stage 1)."""
    seen = {task.id}
    while task.parent_id is not None and task.parent_id not in seen:
        parent = session.get(Task, task.parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        task = parent
    return task


def _task_view(
    desk: Desk, session: Session, task: Task, promised: tuple[Promise, ...] = ()
) -> ComplaintView:
    d = dict(task.details or {})
    c = session.get(Customer, task.customer_id) if task.customer_id else None
    assert task.id is not None and task.received_at is not None
    stage = _stage_of(desk, task)
    root = _root(session, task)
    assert root.received_at is not None
    history = {k: r for k in ("frontline", "stage1", "stage2") if (r := _record(d.get(k)))}
    result = history.get(STAGE_KEYS[stage])
    if result is None and task.status != "open":
        # closed by the queue (tasks.complete / tasks.escalate): read the task's columns
        staff = session.get(Staff, task.assignee_id) if task.assignee_id else None
        result = StageRecord(
            outcome=task.outcome,
            actions=task.note,
            closed=local(task.completed_at).date() if task.completed_at else None,
            handler=staff.name if staff else "",
            root_cause="",
        )
        history[STAGE_KEYS[stage]] = result
    if stage == 2 and "stage1" not in history and root is not task and root.status != "open":
        history["stage1"] = StageRecord(
            outcome=root.outcome,
            actions=root.note,
            closed=local(root.completed_at).date() if root.completed_at else None,
            handler="",
            root_cause="",
        )
    return ComplaintView(
        task_id=task.id,
        contact_id=task.contact_id,
        complaint_id=int(d.get("complaint_id") or root.id or 0),
        customer_id=task.customer_id or 0,
        customer_name=c.name if c else "",
        stage=stage,
        slug=task.slug,
        status=task.status,
        subject=str(d.get("subject", "")),
        service=str(d.get("service", "")),
        received=_day(d.get("received")) or local(root.received_at).date(),
        due_at=task.due_at,
        extended_reason=task.extended_reason,
        escalation_reason=str(d.get("escalation_note", "")),
        result=result,
        history=history,
        promises=promised,
    )


def _contact_view(contact: Contact, customer: Customer) -> ComplaintView:
    d = dict((contact.details or {}).get("complaint") or {})
    assert contact.id is not None and customer.id is not None and contact.received_at
    result = _record(d.get("frontline"))
    return ComplaintView(
        task_id=None,
        contact_id=contact.id,
        complaint_id=int(d.get("complaint_id") or contact.id),
        customer_id=customer.id,
        customer_name=customer.name,
        stage=0,
        slug="",
        status="done",
        subject=str(d.get("subject", "")),
        service=str(d.get("service", "")),
        received=_day(d.get("received")) or local(contact.received_at).date(),
        due_at=None,
        extended_reason="",
        escalation_reason="",
        result=result,
        history={"frontline": result} if result else {},
    )


def _complaint_task(session: Session, desk: Desk, task_id: int) -> Task:
    task = get_row(session, Task, task_id)
    if task is None:
        raise NotFound(f"no task #{task_id}: choose the complaint again")
    uses = ("complaint_stage1", "complaint_stage1_extended", "complaint_stage2")
    slugs = {desk.profile.slug_for(u) for u in uses} - {None}
    if task.slug not in slugs:
        raise InputError(f"task #{task_id} is a {task.slug} task, not a complaint")
    return task


def _stage1_task(session: Session, desk: Desk, task_id: int) -> Task:
    task = _complaint_task(session, desk, task_id)
    if _stage_of(desk, task) != 1:
        raise InputError(f"task #{task_id} is already a stage 2 complaint")
    return task


def resolve_frontline(
    desk: Desk,
    customer: int | str,
    *,
    subject: str,
    actions: str,
    outcome: str = "resolved",
    service: str = "",
    category: str = "complaint",
    root_cause: str = "",
    channel: str = "call",
    received: date | datetime | str | None = None,
    received_time: time | str | None = None,
    notes: str = "",
    restriction_acknowledged: bool = False,
) -> ComplaintView:
    """A complaint put right there and then (frontline resolution), recorded and closed now."""
    slug_for(desk, "complaint_stage1")  # a profile without a complaints procedure refuses
    subject = _text(subject, "what the complaint is about", required=True, example="missed repair")
    close = _closing(desk, outcome, actions, root_cause)
    received_at = resolve_received(desk, received, at=received_time)
    _channel(channel)
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        svc = _service(desk, service, category)
        contact = add_contact(
            desk,
            session,
            channel,
            c,
            received_at,
            category=category if desk.profile.category(category) else "",
            notes=notes.strip() or subject,
        )
        apply_outcome(
            desk,
            session,
            contact,
            Outcome(kind="complaint_frontline", subject=subject, service=svc),
        )
        record = {
            **dict(contact.details["complaint"]),
            "kind": "complaint",
            "channel": channel,
            "received": local(received_at).date().isoformat(),
            "complaint_id": contact.id,
            "frontline": close,
        }
        contact.details = {**contact.details, "complaint": record}
        session.add(contact)
        session.flush()
        desk.audit(
            session,
            "completed",
            "contact",
            contact.id,
            customer_id=c.id,
            detail=f"complaint resolved at the front line: {for_audit(close['outcome'])}",
        )
        return _contact_view(contact, c)


def open_complaint(
    desk: Desk,
    customer: int | str,
    *,
    subject: str,
    service: str = "",
    stage: int = 1,
    reason: str = "",
    category: str = "complaint",
    channel: str = "letter",
    received: date | datetime | str | None = None,
    received_time: time | str | None = None,
    notes: str = "",
    restriction_acknowledged: bool = False,
) -> ComplaintView:
    """Open a complaint at stage 1, or directly at stage 2 (with the reason it skips stage 1)."""
    desk.require(*HANDLERS)
    if stage not in (1, 2):
        raise InputError(f"a complaint opens at stage 1 or stage 2, not stage {stage}")
    slug = slug_for(desk, "complaint_stage1" if stage == 1 else "complaint_stage2")
    subject = _text(subject, "what the complaint is about", required=True, example="missed repair")
    reason = _text(
        reason,
        "why it goes straight to stage 2",
        required=stage == 2,
        example="complex, needs a full investigation",
    )
    _channel(channel)
    received_at = resolve_received(desk, received, at=received_time)
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        svc = _service(desk, service, category)
        contact = add_contact(
            desk,
            session,
            channel,
            c,
            received_at,
            category=category if desk.profile.category(category) else "",
            notes=notes.strip() or subject,
        )
        spso: dict[str, Any] = {
            **task_details(c),
            "kind": "complaint",
            "channel": channel,
            "received": local(received_at).date().isoformat(),
        }
        if stage == 1:
            opened = apply_outcome(
                desk,
                session,
                contact,
                Outcome(kind="complaint_stage1", subject=subject, service=svc),
            )
            task = opened[0]
            task.details = {**task.details, **spso, "complaint_id": task.id}
        else:
            # Straight to stage 2: its 20 working days run from the complaint's receipt.
            task = open_task(
                desk,
                session,
                slug,
                received_at=received_at,
                customer_id=c.id,
                contact_id=contact.id,
                title=f"Stage 2 complaint: {subject}",
                details={
                    **spso,
                    "stage": 2,
                    "subject": subject,
                    "service": svc,
                    "direct": True,
                    "escalation_note": reason,
                },
            )
            task.details = {**task.details, "complaint_id": task.id}
            contact.outcome = "complaint_stage2"
            contact.details = {
                **(contact.details or {}),
                "complaint": {"stage": 2, "subject": subject, "service": svc},
            }
            session.add(contact)
        session.add(task)
        session.flush()
        return _task_view(desk, session, task, promises(desk, session, [task]))


def extend_stage1(
    desk: Desk, task_id: int, *, reason: str, customer_told_at: datetime | None = None
) -> ComplaintView:
    """Extend an open stage 1 complaint to the extended stage 1 deadline, with the reason.

    `console.desk.tasks.extend` moves it onto the ``extends_to`` commitment from the
    original receipt (BHA: 10 working days from receipt).
    """
    desk.require(*HANDLERS)
    reason = _text(
        reason, "why stage 1 needs more time", required=True, example="waiting for a report"
    )
    with desk.store.read() as session:
        task = _stage1_task(session, desk, task_id)
        if task.slug != desk.profile.slug_for("complaint_stage1"):
            raise InputError("this stage 1 complaint has been extended already")
    tasks.extend(desk, task_id, reason, customer_told_at=customer_told_at)
    return complaint(desk, task_id)


def escalate(desk: Desk, task_id: int, *, reason: str) -> ComplaintView:
    """Escalate a stage 1 complaint (open, extended or closed) to stage 2, with the reason.

    `console.desk.tasks.escalate`: an open stage 1 closes as "escalated", a closed one
    keeps its outcome; stage 2 runs 20 working days from now.
    """
    desk.require(*HANDLERS)
    reason = _text(
        reason,
        "why the complaint goes to stage 2",
        required=True,
        example="the customer is unhappy with the stage 1 decision",
    )
    with desk.store.read() as session:
        _stage1_task(session, desk, task_id)
    stage2 = tasks.escalate(desk, task_id, note=reason)
    with desk.store.read() as session:
        task = _complaint_task(session, desk, stage2.id)
        return _task_view(desk, session, task, promises(desk, session, [task]))


def escalate_frontline(desk: Desk, contact_id: int, *, reason: str) -> ComplaintView:
    """The customer is unhappy with a frontline resolution: to stage 2 (20 working days on)."""
    desk.require(*HANDLERS)
    reason = _text(
        reason,
        "why the complaint goes to stage 2",
        required=True,
        example="the customer is unhappy with the frontline resolution",
    )
    slug = slug_for(desk, "complaint_stage2")
    with desk.store.write() as session:
        contact = get_row(session, Contact, contact_id)
        record = dict((contact.details or {}).get("complaint") or {}) if contact else {}
        if contact is None or record.get("stage") != 0:
            raise NotFound(f"contact {contact_id} is not a complaint resolved at the front line")
        if record.get("escalated_task_id"):
            raise InputError(
                f"this complaint is at stage 2 already (task #{record['escalated_task_id']})"
            )
        c = resolve(session, contact.customer_id or 0)
        assert contact.received_at is not None and c.id is not None
        details = {
            **task_details(c),
            **{k: v for k, v in record.items() if k != "stage"},
            "kind": "complaint",
            "stage": 2,
            "channel": record.get("channel", contact.channel),
            "received": record.get("received") or local(contact.received_at).date().isoformat(),
            "complaint_id": record.get("complaint_id") or contact.id,
            "escalation_note": reason,
        }
        task = open_task(
            desk,
            session,
            slug,
            received_at=desk.now(),
            customer_id=c.id,
            contact_id=contact.id,
            title=f"Stage 2 complaint: {record.get('subject', '')}",
            details=details,
        )
        contact.details = {**contact.details, "complaint": {**record, "escalated_task_id": task.id}}
        session.add(contact)
        desk.audit(
            session,
            "escalated",
            "contact",
            contact.id,
            customer_id=c.id,
            detail=f"frontline complaint to stage 2 (task #{task.id}): {for_audit(reason)}",
        )
        session.flush()
        return _task_view(desk, session, task, promises(desk, session, [task]))


def record_outcome(
    desk: Desk,
    task_id: int,
    *,
    outcome: str,
    actions: str,
    root_cause: str = "",
    note: str = "",
) -> ComplaintView:
    """Close a stage with its outcome, the actions taken, the closure date and the root cause.

    Done the way `console.desk.tasks.complete` does it (the same holder rule, the
    person who closed it counts, open progress updates close with it), in one
    transaction with the SPSO record.
    """
    close = _closing(desk, outcome, actions, root_cause)
    now = desk.now()
    with desk.store.write() as session:
        task = _complaint_task(session, desk, task_id)
        if task.status != "open":
            raise InputError(f"this stage of the complaint is already {task.status}")
        actor = tasks._check_holder(desk, session, task, "complete")
        assert task.received_at is not None
        close_stage(task, _stage_of(desk, task), close, now, actor.id, note)
        session.add(task)
        desk.audit(
            session,
            "completed",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=for_audit(close["outcome"]),
        )
        tasks._close_auto_children(desk, session, task, f"task #{task.id} completed")
        session.flush()
        return _task_view(desk, session, task)


def complaint(desk: Desk, task_id: int) -> ComplaintView:
    """One stage of a complaint, by its task."""
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        return _task_view(desk, session, _complaint_task(session, desk, task_id))


def frontline(desk: Desk, contact_id: int) -> ComplaintView:
    """A frontline resolution, by its contact."""
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        contact = get_row(session, Contact, contact_id)
        if contact is None or (contact.details or {}).get("complaint", {}).get("stage") != 0:
            raise NotFound(f"contact {contact_id} is not a complaint resolved at the front line")
        return _contact_view(contact, resolve(session, contact.customer_id or 0))


def is_complaint_slug(desk: Desk, slug: str) -> bool:
    uses = ("complaint_stage1", "complaint_stage1_extended", "complaint_stage2")
    return slug in {desk.profile.slug_for(u) for u in uses}
