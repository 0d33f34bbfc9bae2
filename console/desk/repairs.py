"""Repairs reported by any channel (BHA s7, s14).

The priority sets the attendance task: emergency (6 hours, round the clock),
urgent (3 working days), routine (10 working days). The attendance task itself
is opened by `console.desk.outcomes.apply_outcome` (the same path a call takes), so a
repair by email and a repair by phone look alike in the queue and the reports.

Where work cannot be issued from what the customer gave, BHA s7: the team calls
back when the work is urgent and replies when it is routine. Choices where the
policy is silent:

- an emergency is always issued (attended within 6 hours and diagnosed on site);
  where details are missing, an urgent call back is opened beside it;
- a routine repair missing details gets a reply on a written channel (email,
  social media, letter) and a routine call back on any other (a call, a visit);
- when the details arrive, `issue_repair` closes the call back or reply and opens
  the attendance task, its clock still running from the original report.

A profile without repair standards (Weslo) refuses with a message.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from console.desk.context import Desk
from console.desk.correspondence import WRITTEN, Logged, add_contact, resolve_received, task_details
from console.desk.customers import check_restriction, get_row, needs_of, resolve
from console.desk.outcomes import Outcome, apply_outcome, promises
from console.desk.tasks import open_task, slug_for
from console.rules.errors import InputError, NotFound
from console.rules.roles import HANDLERS
from console.store.models import CHANNELS, Contact, Task

PRIORITIES = ("emergency", "urgent", "routine")
REPAIR_CHANNELS = tuple(c for c in CHANNELS if c != "voicemail")


def _priority(value: str) -> str:
    p = value.strip().lower()
    if p not in PRIORITIES:
        raise InputError(f"'{value}' is not a repair priority: choose emergency, urgent or routine")
    return p


def report_repair(
    desk: Desk,
    customer: int | str,
    *,
    priority: str,
    description: str,
    channel: str = "email",
    can_issue: bool = True,
    received: date | datetime | str | None = None,
    received_time: time | str | None = None,
    location: str = "",
    restriction_acknowledged: bool = False,
) -> Logged:
    """Log a repair reported on ``channel`` and open what it promises.

    Issued: the attendance task on the priority's clock. Not issued (details
    missing): an urgent call back (urgent) or a reply / routine call back
    (routine) to confirm the details; an emergency is attended either way.
    """
    desk.require(*HANDLERS)
    p = _priority(priority)
    description = " ".join(description.split())
    if not description:
        raise InputError("describe the repair: what is wrong and where")
    if channel not in REPAIR_CHANNELS:
        known = ", ".join(REPAIR_CHANNELS)
        raise InputError(f"'{channel}' is not a channel for a repair: choose one of {known}")
    slug_for(desk, f"repair_{p}")  # refuses a profile without repair standards, before anything
    confirm: str | None = None
    how = "call"
    if not can_issue:
        if p in ("emergency", "urgent"):
            confirm = slug_for(desk, "callback_urgent")
        elif channel in WRITTEN:
            confirm, how = slug_for(desk, "reply_routine"), "reply"
        else:
            confirm = slug_for(desk, "callback_routine")
    received_at = resolve_received(
        desk, received, at=received_time if channel != "letter" else None
    )
    location = " ".join(location.split())
    category = desk.profile.category("repairs")
    repairs_team = category.team if category is not None else None
    info: dict[str, Any] = {"kind": "repair", "priority": p, "description": description}
    if location:
        info["location"] = location
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        contact = add_contact(
            desk,
            session,
            channel,
            c,
            received_at,
            category="repairs",
            notes=description,
            details={"repair": {"priority": p, "can_issue": bool(can_issue), "location": location}},
        )
        tasks: list[Task] = []
        if can_issue or p == "emergency":
            tasks = apply_outcome(desk, session, contact, Outcome(kind=f"repair_{p}"))
            for t in tasks:
                t.details = {**(t.details or {}), **task_details(c, **info)}
                session.add(t)
        if confirm is not None:
            title = f"{how} to confirm the details of the {p} repair: {description}"
            tasks.append(
                open_task(
                    desk,
                    session,
                    confirm,
                    received_at=received_at,
                    customer_id=c.id,
                    contact_id=contact.id,
                    title=title,
                    team=repairs_team,
                    parent_id=tasks[0].id if tasks else None,
                    details=task_details(c, awaiting_details=True, channel=channel, **info),
                )
            )
            if not can_issue and p != "emergency":
                contact.outcome = f"repair_{p}_details_needed"
                session.add(contact)
        session.flush()
        assert contact.id is not None and c.id is not None
        return Logged(
            contact_id=contact.id,
            channel=channel,
            customer_id=c.id,
            customer_name=c.name,
            received_at=received_at,
            day=contact.day,
            category="repairs",
            promises=promises(desk, session, tasks),
            needs=needs_of(c),
        )


def issue_repair(desk: Desk, task_id: int, *, note: str = "") -> Logged:
    """The details arrived: close the call back or reply and issue the repair.

    The attendance task runs from the original report (the task's received
    instant). For an emergency it is already open: only the call back closes.
    """
    desk.require(*HANDLERS)
    now = desk.now()
    with desk.store.write() as session:
        task = get_row(session, Task, task_id)
        if task is None:
            raise NotFound(f"no task with id {task_id}: choose the call back or reply again")
        details = dict(task.details or {})
        if details.get("kind") != "repair" or not details.get("awaiting_details"):
            raise InputError(f"task {task_id} is not a repair waiting for details")
        if task.status != "open":
            raise InputError(f"task {task_id} is already {task.status}")
        if task.customer_id is None or task.received_at is None:
            raise InputError(f"task {task_id} has no customer: it cannot be issued from here")
        c = resolve(session, task.customer_id)
        task.status, task.outcome, task.completed_at = "done", "details confirmed", now
        task.note = " ".join(note.split()) or task.note
        session.add(task)
        desk.audit(
            session,
            "completed",
            "task",
            task.id,
            customer_id=c.id,
            detail="repair details confirmed",
        )
        p = str(details.get("priority", "routine"))
        opened: list[Task] = []
        if task.parent_id is None:
            keep = ("kind", "priority", "description", "location")
            info: dict[str, Any] = {k: details[k] for k in keep if k in details}
            slug = slug_for(desk, f"repair_{p}")
            promise = desk.profile.commitment(slug).promise
            opened.append(
                open_task(
                    desk,
                    session,
                    slug,
                    received_at=task.received_at,
                    customer_id=c.id,
                    contact_id=task.contact_id,
                    title=f"{promise[:1].upper()}{promise[1:]}: {details.get('description', '')}",
                    details=task_details(c, **info),
                )
            )
        contact = session.get(Contact, task.contact_id) if task.contact_id else None
        if contact is not None and contact.outcome.endswith("_details_needed"):
            contact.outcome = f"repair_{p}"
            session.add(contact)
        session.flush()
        assert c.id is not None
        return Logged(
            contact_id=task.contact_id,
            channel=contact.channel if contact else "",
            customer_id=c.id,
            customer_name=c.name,
            received_at=task.received_at,
            day=contact.day if contact else task.received_at.date(),
            category="repairs",
            promises=promises(desk, session, opened),
            needs=needs_of(c),
        )
