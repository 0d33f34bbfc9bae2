"""Promises: opening a task on a commitment's clock, and the plain view of one.

Every path that promises something (a call back, an acknowledgement, a repair, a
complaint) opens its task here, so the due instant always comes from the engine.
The queue's actions (claim, assign, complete, cancel, extend, escalate, progress
update) live here too; the queue query is console/desk/queue.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.desk.context import for_audit
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.store.ids import get_row
from console.store.models import Task

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.desk.context import Actor, Desk
    from console.rules.profiles import Profile


@dataclass(frozen=True)
class TaskView:
    """A task as screens and the CLI see it."""

    id: int
    slug: str
    promise: str
    title: str
    customer_id: int | None
    customer_name: str
    customer_reference: str
    restriction: str
    assignee_id: int | None
    assignee_name: str
    team: str
    received_at: datetime
    due_at: datetime
    status: str
    outcome: str
    note: str
    contact_id: int | None
    parent_id: int | None
    details: dict[str, Any]
    aim_at: datetime | None = None  # the earlier target inside the promise, where there is one


# Short plain words for the kind column; a landlord's own slugs fall back to the promise.
KIND_LABELS: dict[str, str] = {
    "answer-call": "answer a call",
    "reception-serve": "serve a visitor",
    "reception-second": "second staff member",
    "callback": "call back",
    "callback-routine": "call back",
    "callback-urgent": "urgent call back",
    "reply-routine": "reply",
    "reply-urgent": "urgent reply",
    "response": "reply",
    "acknowledge": "acknowledgement",
    "repair-emergency": "emergency repair",
    "repair-urgent": "urgent repair",
    "repair-routine": "routine repair",
    "progress-update": "progress update",
    "alternative-format": "alternative format",
    "housing-application": "housing application",
    "complaint-stage1": "stage 1 complaint",
    "complaint-stage1-extended": "stage 1 complaint, extended",
    "complaint-stage2": "stage 2 complaint",
    "subject-access": "subject access",
    "subject-access-extended": "subject access, extended",
    "foi": "FOI request",
    "gas-safety": "gas safety check",
    "statutory-response": "statutory response",
    "home-visit-notice": "home visit notice",
}
KIND_WIDTH = 28


def kind_label(profile: Profile, slug: str) -> str:
    """The kind of a task in a few plain words ("stage 1 complaint", "call back")."""
    if slug in KIND_LABELS:
        return KIND_LABELS[slug]
    commitment = profile.commitments.get(slug)
    if commitment is None:
        return slug.replace("-", " ")
    words = re.split(r"\s*[(;:]", commitment.promise, maxsplit=1)[0].strip()
    return words if len(words) <= KIND_WIDTH else words[: KIND_WIDTH - 1].rstrip() + "…"


def slug_for(desk: Desk, use: str) -> str:
    """The profile's commitment for a desk action; InputError where the profile promises none."""
    slug = desk.profile.slug_for(use)
    if slug is None:
        raise InputError(
            f"the {desk.profile.short_name} profile has no standard for "
            f"{use.replace('_', ' ')}: choose another outcome"
        )
    return slug


def task_row(
    profile: Profile,
    slug: str,
    *,
    received_at: datetime,
    created_at: datetime,
    created_by_id: int | None = None,
    customer_id: int | None = None,
    contact_id: int | None = None,
    parent_id: int | None = None,
    title: str = "",
    team: str | None = None,
    assignee_id: int | None = None,
    details: dict[str, Any] | None = None,
    due_at: datetime | None = None,
) -> Task:
    """A new open task as the desk writes it, its due (and aim) instant from the engine: the
    one description shared by `open_task` and the demo's bulk insert, so demo tasks cannot
    drift from real ones."""
    from console.rules.deadlines import aim_at as compute_aim
    from console.rules.deadlines import due_at as compute_due

    commitment = profile.commitment(slug)
    if not commitment.is_task:
        raise InputError(f"'{slug}' is timed live, not a task to queue")
    due = due_at or compute_due(profile, commitment, received_at)
    aim = compute_aim(profile, commitment, received_at)
    return Task(
        slug=slug,
        title=title or commitment.promise,
        contact_id=contact_id,
        customer_id=customer_id,
        parent_id=parent_id,
        received_at=received_at,
        due_at=due,
        aim_at=None if aim is None else min(aim, due),
        status="open",
        assignee_id=assignee_id,
        team=commitment.team if team is None else team,
        created_by_id=created_by_id,
        details=dict(details or {}),
        created_at=created_at,
    )


def progress_update_row(
    profile: Profile, slug: str, parent: Task, *, received_at: datetime, created_at: datetime
) -> Task:
    """The progress-update task the system opens for an overdue task (BHA s14)."""
    return task_row(
        profile,
        slug,
        received_at=received_at,
        created_at=created_at,
        customer_id=parent.customer_id,
        contact_id=parent.contact_id,
        parent_id=parent.id,
        title=f"progress update: {parent.title or parent.slug}",
        team=parent.team,
        assignee_id=parent.assignee_id,
        details={AUTO_KEY: "progress_update", "for": parent.slug},
    )


def overdue_contact_row(profile: Profile, slug: str, parent: Task, *, created_at: datetime) -> Task:
    """Weslo: the contact the system opens when a statutory response is not met."""
    assert parent.due_at is not None
    return task_row(
        profile,
        slug,
        received_at=parent.due_at,
        created_at=created_at,
        customer_id=parent.customer_id,
        contact_id=parent.contact_id,
        parent_id=parent.id,
        title="contact the customer with the reason and a new date",
        team=parent.team,
        assignee_id=parent.assignee_id,
        details={AUTO_KEY: "overdue_contact", "for": parent.slug},
    )


def mark_done(task: Task, outcome: str, note: str, at: datetime, by_id: int | None) -> None:
    """What completing writes on a task (shared by `complete` and the demo)."""
    task.status = "done"
    task.outcome = outcome
    task.note = note
    task.completed_at = at
    if task.assignee_id is None:
        task.assignee_id = by_id  # who did it counts in the reports


def mark_cancelled(task: Task, reason: str, at: datetime) -> None:
    """What cancelling writes on a task (shared by `cancel` and the demo)."""
    task.status = "cancelled"
    task.outcome = "cancelled"
    task.note = reason
    task.completed_at = at


def _add_task(desk: Desk, session: Session, task: Task) -> Task:
    session.add(task)
    session.flush()
    desk.audit(session, "created", "task", task.id, customer_id=task.customer_id, detail=task.slug)
    return task


def open_task(
    desk: Desk,
    session: Session,
    slug: str,
    *,
    received_at: datetime,
    customer_id: int | None = None,
    contact_id: int | None = None,
    parent_id: int | None = None,
    title: str = "",
    team: str | None = None,
    assignee_id: int | None = None,
    details: dict[str, Any] | None = None,
    due_at: datetime | None = None,
) -> Task:
    """Add an open task in the caller's transaction, its due (and aim) instant from the engine."""
    task = task_row(
        desk.profile,
        slug,
        received_at=received_at,
        created_at=desk.now(),
        created_by_id=desk.actor.id if desk.actor and desk.actor.id else None,  # CLI: id 0
        customer_id=customer_id,
        contact_id=contact_id,
        parent_id=parent_id,
        title=title,
        team=team,
        assignee_id=assignee_id,
        details=details,
        # worked out before the write lock where the caller could (outcomes.prepare_deadlines)
        due_at=due_at or desk.due(slug, received_at),
    )
    return _add_task(desk, session, task)


# --- Task actions (issue 6): claim, assign, complete, cancel, extend, escalate, update ---
#
# Who may do what (enforced here, not only by hiding keys):
# - claim, complete, extend, escalate, progress update: every role (HANDLERS), on a
#   task that is unassigned or assigned to them; team leads and admins on any task.
# - assign to someone else, and cancel: team leads and admins (LEADS). Assigning a
#   task to yourself is a claim and follows the claim rule.

# Outcomes offered when completing (free text is accepted too); complaints use the
# SPSO outcome words so the reports can count them.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "complaint": ("upheld", "partially upheld", "not upheld", "resolved"),
    "callback": ("called back", "no answer: message left", "no answer: no message"),
    "repair": ("attended", "completed", "no access"),
    "progress-update": ("customer updated",),
    "": ("done", "customer contacted", "not needed"),
}
# Children opened by the system (progress updates, Weslo's overdue contact): closed
# with their parent when it is completed, cancelled or escalated.
AUTO_KEY = "auto"


@dataclass(frozen=True)
class StaffChoice:
    """Someone a task can be assigned to."""

    id: int
    name: str
    login: str
    role: str
    team: str


@dataclass(frozen=True)
class Extension:
    """What extending a task would do: shown before the handler confirms."""

    task_id: int
    slug_from: str
    slug_to: str
    promise: str
    target: str
    due_before: datetime
    due_after: datetime


@dataclass(frozen=True)
class ProgressLogged:
    """A progress update: the task it was about, the update task closed, the next one."""

    task: TaskView
    closed: TaskView | None
    next: TaskView | None


def outcomes_for(slug: str) -> tuple[str, ...]:
    """The outcomes to offer when completing a task of this kind (first is the default)."""
    for prefix, choices in OUTCOMES.items():
        if prefix and slug.startswith(prefix):
            return choices
    return OUTCOMES[""]


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def view_task(desk: Desk, session: Session, task: Task) -> TaskView:
    """The plain view of a task row (customer and assignee names looked up)."""
    from console.store.models import Customer, Staff

    assert task.id is not None and task.received_at is not None and task.due_at is not None
    customer = session.get(Customer, task.customer_id) if task.customer_id is not None else None
    staff = session.get(Staff, task.assignee_id) if task.assignee_id is not None else None
    return TaskView(
        id=task.id,
        slug=task.slug,
        promise=_promise(desk, task.slug),
        title=task.title,
        customer_id=task.customer_id,
        customer_name=customer.name if customer else "",
        customer_reference=customer.reference if customer else "",
        restriction=customer.restriction if customer else "",
        assignee_id=task.assignee_id,
        assignee_name=staff.name if staff else "",
        team=task.team,
        received_at=task.received_at,
        due_at=task.due_at,
        status=task.status,
        outcome=task.outcome,
        note=task.note,
        contact_id=task.contact_id,
        parent_id=task.parent_id,
        details=dict(task.details or {}),
        aim_at=task.aim_at,
    )


def _promise(desk: Desk, slug: str) -> str:
    commitment = desk.profile.commitments.get(slug)
    return commitment.promise if commitment is not None else slug


def get(desk: Desk, task_id: int) -> TaskView:
    """One task by id (any status): for someone signed in (it names the customer)."""
    from console.rules.roles import HANDLERS

    desk.require(*HANDLERS)
    with desk.store.read() as session:
        return view_task(desk, session, _task(session, task_id))


def assignable_staff(desk: Desk) -> list[StaffChoice]:
    """Active staff, by name: who a team lead can assign a task to."""
    from sqlmodel import select

    from console.rules.roles import HANDLERS
    from console.store.models import Staff

    desk.require(*HANDLERS)
    with desk.store.read() as session:
        rows = session.exec(select(Staff).where(Staff.active == True).order_by(Staff.name))  # noqa: E712
        return [
            StaffChoice(r.id, r.name, r.login, r.role, r.team) for r in rows if r.id is not None
        ]


def _task(session: Session, task_id: int) -> Task:
    if not isinstance(task_id, int) or isinstance(task_id, bool):
        raise InputError(f"'{task_id}' is not a task number")
    task = get_row(session, Task, task_id)  # None for an id no row can have (e.g. >= 2**63)
    if task is None:
        raise NotFound(f"no task #{task_id}: refresh the queue, it may have been removed")
    return task


def _open(session: Session, task_id: int) -> Task:
    task = _task(session, task_id)
    if task.status != "open":
        raise InputError(f"task #{task_id} is already {_status_words(task)}: refresh the queue")
    return task


def _status_words(task: Task) -> str:
    if task.status == "done":
        return f"done ({task.outcome})" if task.outcome else "done"
    return task.status


def _staff_name(session: Session, staff_id: int | None) -> str:
    from console.store.models import Staff

    if staff_id is None:
        return ""
    row = session.get(Staff, staff_id)
    return row.name if row else f"staff #{staff_id}"


def _check_holder(desk: Desk, session: Session, task: Task, doing: str) -> Actor:
    """Handlers act on tasks that are theirs or nobody's; leads on any task."""
    from console.rules.roles import HANDLERS, LEADS

    actor = desk.require(*HANDLERS)
    if actor.role in LEADS or task.assignee_id in (None, actor.id):
        return actor
    holder = _staff_name(session, task.assignee_id)
    raise PermissionDenied(
        f"{holder} has task #{task.id}: only they or a team lead can {doing} it "
        "(ask a team lead to assign it to you)"
    )


def _close_auto_children(desk: Desk, session: Session, task: Task, why: str) -> None:
    """Cancel the open progress-update (or overdue-contact) tasks the system opened for a task."""
    from sqlmodel import select

    now = desk.now()
    children = session.exec(
        select(Task).where(Task.parent_id == task.id, Task.status == "open")
    ).all()
    for child in children:
        if not (child.details or {}).get(AUTO_KEY):
            continue
        child.status = "cancelled"
        child.outcome = "not needed"
        child.note = why
        child.completed_at = now
        session.add(child)
        desk.audit(
            session, "cancelled", "task", child.id, customer_id=child.customer_id, detail=why
        )


def _follow(session: Session, task: Task, new_id: int | None) -> None:
    """Open system-made children (progress updates) go with their task to its new holder."""
    from sqlmodel import select

    children = session.exec(
        select(Task).where(Task.parent_id == task.id, Task.status == "open")
    ).all()
    for child in children:
        if (child.details or {}).get(AUTO_KEY) and child.assignee_id == task.assignee_id:
            child.assignee_id = new_id
            session.add(child)


def claim(desk: Desk, task_id: int) -> TaskView:
    """Take an open task: it becomes yours. A task someone else has needs a team lead."""
    from console.rules.roles import HANDLERS, LEADS

    actor = desk.require(*HANDLERS)
    with desk.store.write() as session:
        task = _open(session, task_id)
        if task.assignee_id == actor.id:
            raise InputError(f"task #{task_id} is already yours")
        if task.assignee_id is not None and actor.role not in LEADS:
            holder = _staff_name(session, task.assignee_id)
            raise PermissionDenied(
                f"{holder} already has task #{task_id}: ask a team lead to assign it to you"
            )
        before = _staff_name(session, task.assignee_id)
        _follow(session, task, actor.id)
        task.assignee_id = actor.id
        session.add(task)
        session.flush()
        detail = f"from {before}" if before else ""
        desk.audit(session, "claimed", "task", task.id, customer_id=task.customer_id, detail=detail)
        return view_task(desk, session, task)


def assign(desk: Desk, task_id: int, to: int | str | None) -> TaskView:
    """Give an open task to a staff member (id or login), or to nobody (None: back to the team).

    Team leads and admins only; assigning a task to yourself is a claim.
    """
    from sqlmodel import select

    from console.rules.roles import HANDLERS, LEADS
    from console.store.models import Staff

    actor = desk.require(*HANDLERS)
    with desk.store.write() as session:
        task = _open(session, task_id)
        target: Staff | None = None
        if to is not None:
            if isinstance(to, int) and not isinstance(to, bool):
                target = get_row(session, Staff, to)
                if target is None:
                    raise NotFound(f"no staff member with id {to}: choose someone from the list")
            else:
                login = str(to).strip()
                if not login:
                    raise InputError("no one chosen: pick a staff member to assign the task to")
                target = session.exec(select(Staff).where(Staff.login == login)).first()
                if target is None:
                    raise NotFound(f"no staff member with login '{login}': check the login")
            if not target.active:
                raise InputError(f"{target.name} is no longer active: choose someone else")
        if actor.role not in LEADS and not (target is not None and target.id == actor.id):
            raise PermissionDenied(
                f"{actor.name} is signed in as {actor.role.replace('_', ' ')}: only a team lead "
                "or admin can assign a task to someone else (claim it to take it yourself)"
            )
        if actor.role not in LEADS and task.assignee_id not in (None, actor.id):
            holder = _staff_name(session, task.assignee_id)
            raise PermissionDenied(f"{holder} already has task #{task_id}: ask a team lead")
        new_id = target.id if target is not None else None
        if task.assignee_id == new_id:
            who = target.name if target is not None else "nobody"
            raise InputError(f"task #{task_id} is already with {who}")
        before = _staff_name(session, task.assignee_id) or "nobody"
        _follow(session, task, new_id)
        task.assignee_id = new_id
        session.add(task)
        session.flush()
        after = f"{target.name} ({target.login})" if target is not None else "nobody"
        desk.audit(
            session,
            "assigned",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=f"from {before} to {after}",
        )
        return view_task(desk, session, task)


def check_completion(outcome: str, note: str) -> tuple[str, str]:
    """The outcome and note a task is completed with, cleaned; a dialog asks before saving."""
    outcome = _clean(outcome)
    note = (note or "").strip()
    if not outcome:
        raise InputError("say what the outcome was before completing the task")
    if not note:
        raise InputError("write a note of what was done before marking the task done")
    if len(outcome) > 200:
        raise InputError("the outcome is longer than 200 characters: put the detail in the note")
    return outcome, note


def complete(desk: Desk, task_id: int, outcome: str, note: str = "") -> TaskView:
    """Mark an open task done with an outcome and a note (both required: the next person to
    read the task, or the customer's complaint, needs to know what was actually done)."""
    outcome, note = check_completion(outcome, note)
    with desk.store.write() as session:
        task = _open(session, task_id)
        actor = _check_holder(desk, session, task, "complete")
        mark_done(task, outcome, note, desk.now(), actor.id)
        session.add(task)
        desk.audit(
            session,
            "completed",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=for_audit(outcome),
        )
        _close_auto_children(desk, session, task, f"task #{task.id} completed")
        session.flush()
        return view_task(desk, session, task)


def cancel(desk: Desk, task_id: int, reason: str) -> TaskView:
    """Withdraw a promise (a duplicate, logged in error): team leads and admins, with a reason."""
    from console.rules.roles import LEADS

    reason = _clean(reason)
    desk.require(*LEADS)
    if not reason:
        raise InputError("give a reason for cancelling the task (it is kept in the audit trail)")
    with desk.store.write() as session:
        task = _open(session, task_id)
        mark_cancelled(task, reason, desk.now())
        session.add(task)
        desk.audit(
            session,
            "cancelled",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=for_audit(reason),
        )
        _close_auto_children(desk, session, task, f"task #{task.id} cancelled")
        session.flush()
        return view_task(desk, session, task)


def _extension(desk: Desk, task: Task) -> Extension:
    from console.rules.deadlines import due_at as compute_due

    commitment = desk.profile.commitments.get(task.slug)
    if commitment is None or not commitment.extends_to:
        if task.original_due_at is not None:
            raise InputError(f"task #{task.id} has been extended already: it cannot be again")
        can = [
            kind_label(desk.profile, c.slug)
            for c in desk.profile.commitments.values()
            if c.extends_to
        ]
        allowed = " and ".join([", ".join(can[:-1]), can[-1]] if len(can) > 1 else can)
        raise InputError(
            f"task #{task.id} ({kind_label(desk.profile, task.slug)}) cannot be extended: "
            f"the {desk.profile.short_name} profile gives more time only for "
            f"{allowed or 'no kind of task'}"
        )
    target = desk.profile.commitment(commitment.extends_to)
    assert task.id is not None and task.received_at is not None and task.due_at is not None
    return Extension(
        task_id=task.id,
        slug_from=task.slug,
        slug_to=target.slug,
        promise=target.promise,
        target=target.target,
        due_before=task.due_at,
        due_after=compute_due(desk.profile, target, task.received_at),
    )


def extension_preview(desk: Desk, task_id: int) -> Extension:
    """The new due instant an extension would give, before the handler confirms."""
    with desk.store.read() as session:
        task = _open(session, task_id)
        return _extension(desk, task)


def extend(
    desk: Desk, task_id: int, reason: str, customer_told_at: datetime | None = None
) -> TaskView:
    """Move an open task onto its extended commitment (stage 1 complaint, subject access).

    The new due instant runs on the extended commitment from the ORIGINAL receipt;
    the first due instant is kept in `original_due_at`. A reason is required; when
    the customer was told (`customer_told_at`) is recorded where given.
    """
    from console.rules.clock import as_utc

    reason = _clean(reason)
    if not reason:
        raise InputError("give a reason for the extension (the customer is told it)")
    told = as_utc(customer_told_at) if customer_told_at is not None else None
    if told is not None and told > desk.now():
        raise InputError(
            "the customer cannot have been told in the future: check the date and time"
        )
    with desk.store.write() as session:
        task = _open(session, task_id)
        _check_holder(desk, session, task, "extend")
        ext = _extension(desk, task)
        old_promise = desk.profile.commitment(task.slug).promise
        task.original_due_at = task.original_due_at or task.due_at
        task.due_at = ext.due_after
        task.slug = ext.slug_to
        if task.title == old_promise:
            task.title = ext.promise
        task.extended_reason = reason
        task.customer_told_at = told
        task.details = {**(task.details or {}), "extended_from": ext.slug_from}
        session.add(task)
        desk.audit(
            session,
            "extended",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=f"{ext.slug_from} -> {ext.slug_to}: {for_audit(reason)}",
        )
        if ext.due_after > desk.now():
            _close_auto_children(desk, session, task, f"task #{task.id} extended")
        session.flush()
        return view_task(desk, session, task)


def escalate(desk: Desk, task_id: int, note: str = "") -> TaskView:
    """Escalate a stage 1 complaint to stage 2: a new task on the stage 2 clock from now.

    An open stage 1 task is completed with the outcome "escalated"; a stage 1 task
    already done (the customer is unhappy with the decision) keeps its outcome.
    Returns the stage 2 task (parent_id = the stage 1 task, details carried over).
    """
    from sqlmodel import select

    note = (note or "").strip()
    stage1 = {
        desk.profile.slug_for("complaint_stage1"),
        desk.profile.slug_for("complaint_stage1_extended"),
    }
    stage1.discard(None)
    stage2 = slug_for(desk, "complaint_stage2")
    with desk.store.write() as session:
        task = _task(session, task_id)
        if task.slug not in stage1:
            raise InputError(
                f"task #{task_id} is not a stage 1 complaint: "
                "only a stage 1 complaint escalates to stage 2"
            )
        if task.status == "cancelled":
            raise InputError(f"task #{task_id} was cancelled: it cannot be escalated")
        _check_holder(desk, session, task, "escalate")
        existing = session.exec(
            select(Task).where(Task.parent_id == task.id, Task.slug == stage2)
        ).first()
        if existing is not None:
            raise InputError(
                f"task #{task_id} has been escalated already (stage 2 is task #{existing.id})"
            )
        now = desk.now()
        if task.status == "open":
            task.status = "done"
            task.outcome = "escalated"
            task.note = note
            task.completed_at = now
            session.add(task)
            _close_auto_children(desk, session, task, f"task #{task.id} escalated")
        desk.audit(
            session,
            "escalated",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=f"to {stage2}" + (f": {for_audit(note)}" if note else ""),
        )
        title = task.title
        if title.startswith("stage 1 complaint"):
            title = "stage 2 complaint" + title[len("stage 1 complaint") :]
        elif not title or title == desk.profile.commitment(task.slug).promise:
            title = desk.profile.commitment(stage2).promise
        details = {**(task.details or {}), "stage": 2, "escalated_from": task.id}
        if note:
            details["escalation_note"] = note
        new = open_task(
            desk,
            session,
            stage2,
            received_at=now,
            customer_id=task.customer_id,
            contact_id=task.contact_id,
            parent_id=task.id,
            title=title,
            details=details,
        )
        return view_task(desk, session, new)


def log_progress_update(desk: Desk, task_id: int, note: str) -> ProgressLogged:
    """Record that the customer was given a progress update on an open task.

    `task_id` is the task itself or its open progress-update task. The update is
    recorded on the task (details["updates"] and an audit event), the open
    progress-update task is completed, and where the profile promises updates
    (BHA: every 5 working days) and the task is overdue, the next one is opened,
    due on its clock from now.
    """
    from sqlmodel import select

    note = (note or "").strip()
    if not note:
        raise InputError("say what the customer was told in the progress update")
    progress = desk.profile.slug_for("progress_update")
    with desk.store.write() as session:
        picked = _open(session, task_id)
        if progress is not None and picked.slug == progress and picked.parent_id is not None:
            task = _task(session, picked.parent_id)
        else:
            task = picked
        if task.status != "open":
            raise InputError(
                f"task #{task.id} is already {_status_words(task)}: no progress update is needed"
            )
        actor = _check_holder(desk, session, picked, "update")
        now = desk.now()
        updates = list((task.details or {}).get("updates", []))
        updates.append({"at": now.isoformat(), "by": actor.name, "note": note})
        task.details = {**(task.details or {}), "updates": updates}
        session.add(task)
        desk.audit(
            session,
            "progress_update",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=for_audit(note),
        )
        closed: Task | None = None
        next_task: Task | None = None
        if progress is not None:
            open_updates = session.exec(
                select(Task).where(
                    Task.parent_id == task.id, Task.slug == progress, Task.status == "open"
                )
            ).all()
            for child in open_updates:
                child.status = "done"
                child.outcome = "customer updated"
                child.note = note
                child.completed_at = now
                child.assignee_id = child.assignee_id or actor.id
                session.add(child)
                desk.audit(
                    session,
                    "completed",
                    "task",
                    child.id,
                    customer_id=child.customer_id,
                    detail="customer updated",
                )
                closed = child
            assert task.due_at is not None
            if task.due_at <= now:
                next_task = open_progress_update(desk, session, task, received_at=now)
        session.flush()
        return ProgressLogged(
            task=view_task(desk, session, task),
            closed=view_task(desk, session, closed) if closed is not None else None,
            next=view_task(desk, session, next_task) if next_task is not None else None,
        )


def open_progress_update(
    desk: Desk, session: Session, parent: Task, *, received_at: datetime
) -> Task:
    """Open the progress-update task for an overdue task (BHA s14: every 5 working days)."""
    slug = slug_for(desk, "progress_update")
    task = progress_update_row(
        desk.profile, slug, parent, received_at=received_at, created_at=desk.now()
    )
    task.created_by_id = desk.actor.id if desk.actor else None
    return _add_task(desk, session, task)


def open_overdue_contact(desk: Desk, session: Session, parent: Task) -> Task:
    """Weslo: a statutory response not met: contact the customer with the reason and a new date."""
    slug = slug_for(desk, "overdue_contact")
    task = overdue_contact_row(desk.profile, slug, parent, created_at=desk.now())
    task.created_by_id = desk.actor.id if desk.actor else None
    return _add_task(desk, session, task)
