"""The audit trail: who did what to which record, and when. Append-only.

Reading it is for team leads and admins: for one customer, for one staff
member, or the most recent events. Nothing here (or anywhere in console/)
updates or deletes an event, and `console.store.guard` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_
from sqlmodel import col, select

from console.desk.context import Desk
from console.rules.errors import InputError
from console.rules.roles import LEADS
from console.store.models import Customer, Event, Staff

if TYPE_CHECKING:
    from sqlmodel import Session as SQLModelSession


# --- reading the trail ---------------------------------------------------------------------

ACTION_WORDS = {
    "created": "created",
    "changed": "changed",
    "completed": "completed",
    "cancelled": "cancelled",
    "claimed": "claimed",
    "assigned": "assigned",
    "extended": "extended",
    "escalated": "escalated",
    "exported": "exported",
    "opened": "opened",
    "signed_in": "signed in",
    "signed_out": "signed out",
    "desk_locked": "desk locked",
    "sign_in_failed": "wrong PIN",
    "locked": "login locked",
    "deactivated": "deactivated",
    "reactivated": "reactivated",
    "pin_reset": "PIN reset",
    "pin_changed": "PIN changed",
    "role_changed": "role changed",
    "anonymised": "anonymised",
    "purged": "retention purge",
}


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff_id: int | None
    staff_name: str  # "command line" or "" for events without a staff member
    action: str
    entity: str
    entity_id: int | None
    customer_id: int | None
    customer_reference: str
    detail: str

    @property
    def action_words(self) -> str:
        return ACTION_WORDS.get(self.action, self.action.replace("_", " "))

    @property
    def who(self) -> str:
        if self.staff_name:
            return self.staff_name
        return "command line" if self.detail.startswith("cli") else "system"


def _entries(session: SQLModelSession, rows: list[Event]) -> list[AuditEntry]:
    staff_ids = {e.staff_id for e in rows if e.staff_id is not None}
    customer_ids = {e.customer_id for e in rows if e.customer_id is not None}
    names: dict[int, str] = {}
    refs: dict[int, str] = {}
    if staff_ids:
        for s in session.exec(select(Staff).where(Staff.id.in_(staff_ids))):  # type: ignore[union-attr]
            names[s.id or 0] = s.name
    if customer_ids:
        for c in session.exec(select(Customer).where(Customer.id.in_(customer_ids))):  # type: ignore[union-attr]
            refs[c.id or 0] = c.reference
    out = []
    for e in rows:
        assert e.id is not None and e.at is not None
        out.append(
            AuditEntry(
                id=e.id,
                at=e.at,
                staff_id=e.staff_id,
                staff_name=names.get(e.staff_id, "") if e.staff_id is not None else "",
                action=e.action,
                entity=e.entity,
                entity_id=e.entity_id,
                customer_id=e.customer_id,
                customer_reference=refs.get(e.customer_id, "") if e.customer_id is not None else "",
                detail=e.detail,
            )
        )
    return out


def _limit(limit: object) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 100_000:
        raise InputError("the number of events to show must be a whole number from 1 to 100000")
    return limit


def for_customer(
    desk: Desk, customer: int | str, *, limit: int = 500, record_view: bool = True
) -> list[AuditEntry]:
    """Every event about one customer, newest first (team leads and admins).

    Looking is itself accountable: with `record_view` (the first look) an "opened"
    event with detail "audit trail" is appended (and is the first entry returned);
    reloads pass record_view=False.
    """
    from console.desk.customers import resolve

    desk.require(*LEADS)
    limit = _limit(limit)
    ctx = desk.store.write() if record_view else desk.store.read()
    with ctx as session:
        c = resolve(session, customer)
        assert c.id is not None
        if record_view:  # first, so the trail shown includes this look at it
            desk.audit(session, "opened", "customer", c.id, customer_id=c.id, detail="audit trail")
            session.flush()
        rows = list(
            session.exec(
                select(Event)
                .where(
                    or_(
                        col(Event.customer_id) == c.id,
                        and_(col(Event.entity) == "customer", col(Event.entity_id) == c.id),
                    )
                )
                .order_by(Event.at.desc(), Event.id.desc())  # type: ignore[union-attr]
                .limit(limit)
            )
        )
        return _entries(session, rows)


def for_staff(desk: Desk, staff: int | str, *, limit: int = 500) -> list[AuditEntry]:
    """What one staff member did, and what was done to their login, newest first."""
    from console.desk.people import _resolve

    desk.require(*LEADS)
    limit = _limit(limit)
    with desk.store.read() as session:
        s = _resolve(session, staff)
        rows = list(
            session.exec(
                select(Event)
                .where(
                    or_(
                        col(Event.staff_id) == s.id,
                        and_(col(Event.entity) == "staff", col(Event.entity_id) == s.id),
                    )
                )
                .order_by(Event.at.desc(), Event.id.desc())  # type: ignore[union-attr]
                .limit(limit)
            )
        )
        return _entries(session, rows)


def recent(desk: Desk, *, limit: int = 200, since: datetime | None = None) -> list[AuditEntry]:
    """The most recent events across the console, newest first."""
    desk.require(*LEADS)
    limit = _limit(limit)
    if since is not None and (not isinstance(since, datetime) or since.tzinfo is None):
        raise InputError("'since' must be an aware date and time")
    stmt = select(Event)
    if since is not None:
        stmt = stmt.where(Event.at >= since)  # type: ignore[operator]
    stmt = stmt.order_by(Event.at.desc(), Event.id.desc()).limit(limit)  # type: ignore[union-attr]
    with desk.store.read() as session:
        return _entries(session, list(session.exec(stmt)))
