"""Promises: opening a task on a commitment's clock, and the plain view of one.

Every path that promises something (a call back, an acknowledgement, a repair, a
complaint) opens its task here, so the due instant always comes from the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from console.errors import InputError
from console.models import Task

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.desk import Desk


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


def slug_for(desk: Desk, use: str) -> str:
    """The profile's commitment for a desk action; InputError where the profile promises none."""
    slug = desk.profile.slug_for(use)
    if slug is None:
        raise InputError(
            f"the {desk.profile.short_name} profile has no standard for "
            f"{use.replace('_', ' ')}: choose another outcome"
        )
    return slug


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
    """Add an open task in the caller's transaction, its due instant from the engine."""
    from console.deadlines import due_at as compute_due

    commitment = desk.profile.commitment(slug)
    if not commitment.is_task:
        raise InputError(f"'{slug}' is timed live, not a task to queue")
    task = Task(
        slug=slug,
        title=title or commitment.promise,
        contact_id=contact_id,
        customer_id=customer_id,
        parent_id=parent_id,
        received_at=received_at,
        due_at=due_at or compute_due(desk.profile, commitment, received_at),
        status="open",
        assignee_id=assignee_id,
        team=commitment.team if team is None else team,
        created_by_id=desk.actor.id if desk.actor else None,
        details=dict(details or {}),
        created_at=desk.now(),
    )
    session.add(task)
    session.flush()
    desk.audit(session, "created", "task", task.id, customer_id=customer_id, detail=slug)
    return task
