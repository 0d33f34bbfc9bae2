"""Home visits: booked by appointment, recorded with the next steps agreed.

One visit is one `Contact` with channel "home_visit": ``received_at`` is when it
was booked (or, for a visit not booked here, when it happened), ``scheduled_at``
the date and time of the visit. Its ``outcome`` moves from "booked" to "visited"
or "no_access" (nobody home, calling card left), or "cancelled";
``details["visit"]`` keeps the rest.

- Weslo promises at least 7 working days' notice (`home-visit-notice`, a
  minimum): a booking with less notice is flagged and needs a reason.
- BHA s4: identification shown on every visit (recorded for each visit that
  took place; a visit without it is recorded, with a warning), an agreed record
  with next steps, a calling card when nobody is home.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from console.desk.contacts import customer_contact_row
from console.desk.context import Desk, for_audit
from console.desk.correspondence import add_contact, save_contact, utc_instant
from console.desk.customers import check_restriction, get_row, parse_day, parse_time, resolve
from console.rules.calendar import local_instant
from console.rules.clock import local
from console.rules.deadlines import notice_ok
from console.rules.errors import InputError, NotFound
from console.rules.roles import HANDLERS
from console.store.ids import checked_id
from console.store.models import Contact, Customer, Staff

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.rules.profiles import Profile

OUTCOMES = {
    "visited": "visited: record agreed",
    "no_access": "nobody home, calling card left",
}
ALIASES = {"nobody_home": "no_access", "calling_card": "no_access", "no_answer": "no_access"}
STATUSES = ("booked", "visited", "no_access", "cancelled")
SEARCH_DAYS = 60  # how far ahead to look for the first date with enough notice


@dataclass(frozen=True)
class VisitView:
    contact_id: int
    customer_id: int
    customer_name: str
    status: str  # booked, visited, no_access, cancelled
    booked_at: datetime
    visit_at: datetime
    purpose: str
    notice_ok: bool | None  # None where the profile sets no minimum notice
    short_notice_reason: str
    id_shown: bool | None
    record: str
    next_steps: str
    staff: str
    warnings: tuple[str, ...] = ()

    @property
    def status_label(self) -> str:
        return OUTCOMES.get(self.status, self.status)


def _view(session: Session, contact: Contact, warnings: tuple[str, ...] = ()) -> VisitView:
    assert contact.id is not None and contact.received_at is not None
    v: dict[str, Any] = dict((contact.details or {}).get("visit") or {})
    c = session.get(Customer, contact.customer_id) if contact.customer_id else None
    staff = session.get(Staff, contact.staff_id) if contact.staff_id else None
    return VisitView(
        contact_id=contact.id,
        customer_id=contact.customer_id or 0,
        customer_name=c.name if c else "",
        status=contact.outcome or "booked",
        booked_at=contact.received_at,
        visit_at=contact.scheduled_at or contact.received_at,
        purpose=str(v.get("purpose", "")),
        notice_ok=v.get("notice_ok"),
        short_notice_reason=str(v.get("short_notice_reason", "")),
        id_shown=v.get("id_shown"),
        record=str(v.get("record", "")),
        next_steps=str(v.get("next_steps", "")),
        staff=staff.name if staff else "",
        warnings=warnings,
    )


def _visit_instant(day: date | str, at: time | str) -> datetime:
    return local_instant(parse_day(day, "the visit date"), parse_time(at, "the visit time"))


def enough_notice(profile: Profile, booked_at: datetime, visit_at: datetime) -> bool | None:
    """Whether a visit booked at `booked_at` gives the profile's minimum notice (None: none set)."""
    slug = profile.slug_for("home_visit_notice")
    if slug is None:
        return None
    return notice_ok(profile, slug, booked_at, visit_at)


def booking_row(
    customer: Customer,
    *,
    booked_at: datetime,
    visit_at: datetime,
    purpose: str,
    notice_ok: bool | None,
    staff_id: int | None,
    notes: str = "",
    short_notice_reason: str = "",
) -> Contact:
    """A booked visit as the desk writes it: shared by `book_visit` and the demo."""
    visit: dict[str, Any] = {"purpose": purpose, "notice_ok": notice_ok}
    if notice_ok is False:
        visit["short_notice_reason"] = short_notice_reason
    return customer_contact_row(
        "home_visit",
        customer,
        received_at=booked_at,
        created_at=booked_at,
        staff_id=staff_id,
        category="",
        notes=notes or purpose,
        outcome="booked",
        details={"visit": visit},
        scheduled_at=visit_at,
    )


def mark_visit(
    contact: Contact,
    key: str,
    *,
    when: datetime,
    by: str,
    id_shown: bool | None = None,
    record: str = "",
    next_steps: str = "",
) -> None:
    """What recording a visit writes on it (`record_visit`, and the demo): visited or no_access."""
    visit = dict((contact.details or {}).get("visit") or {})
    visit.update(visited_at=when.astimezone(UTC).isoformat(), recorded_by=by)
    if key == "visited":
        visit.update(id_shown=bool(id_shown), record=record, next_steps=next_steps)
    else:
        visit.update(calling_card=True, id_shown=None)
        if record:
            visit["record"] = record
    contact.details = {**(contact.details or {}), "visit": visit}
    contact.outcome = key


def notice_check(desk: Desk, visit_at: datetime) -> tuple[bool | None, str]:
    """(enough notice?, what to tell the handler). None where the profile sets no minimum."""
    slug = desk.profile.slug_for("home_visit_notice")
    if slug is None:
        return None, ""
    now = desk.now()
    if enough_notice(desk.profile, now, visit_at):
        return True, ""
    commitment = desk.profile.commitment(slug)
    at = local(visit_at).time()
    earliest = None
    day = local(now).date()
    for _ in range(SEARCH_DAYS):
        day = date.fromordinal(day.toordinal() + 1)
        if notice_ok(desk.profile, slug, now, local_instant(day, at)):
            earliest = day
            break
    when = f"{local(visit_at):%a %d %b %Y at %H:%M}"
    hint = f", or book on or after {earliest:%a %d %b %Y}" if earliest else ""
    return False, (
        f"the visit on {when} gives less than {commitment.target} notice "
        f"({desk.profile.short_name}'s standard): give a reason for the short notice{hint}"
    )


def book_visit(
    desk: Desk,
    customer: int | str,
    *,
    day: date | str,
    at: time | str,
    purpose: str,
    short_notice_reason: str = "",
    notes: str = "",
    restriction_acknowledged: bool = False,
) -> VisitView:
    """Book a home visit for a date and time; short notice (where the profile sets a minimum)
    needs a reason and stays flagged on the visit."""
    actor = desk.require(*HANDLERS)
    purpose = " ".join(purpose.split())
    if not purpose:
        raise InputError("say what the visit is for, e.g. 'tenancy check' or 'repair inspection'")
    visit_at = _visit_instant(day, at)
    now = desk.now()
    if visit_at <= now:
        raise InputError(
            f"{local(visit_at):%a %d %b %Y at %H:%M} is not in the future: "
            "book a visit for a later date and time"
        )
    ok, message = notice_check(desk, visit_at)
    reason = " ".join(short_notice_reason.split())
    if ok is False and not reason:
        raise InputError(message)
    warnings: tuple[str, ...] = ()
    if ok is False:
        warnings = (f"flagged: short notice ({reason})",)
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        row = booking_row(
            c,
            booked_at=now,
            visit_at=visit_at,
            purpose=purpose,
            notice_ok=ok,
            staff_id=actor.id,
            notes=notes.strip(),
            short_notice_reason=reason,
        )
        contact = save_contact(desk, session, row)
        return _view(session, contact, warnings)


def record_visit(
    desk: Desk,
    contact_id: int | None = None,
    *,
    customer: int | str | None = None,
    outcome: str,
    id_shown: bool | None = None,
    record: str = "",
    next_steps: str = "",
    visited_at: datetime | None = None,
    purpose: str = "",
    restriction_acknowledged: bool = False,
) -> VisitView:
    """Record what happened at a visit: booked (``contact_id``) or not booked (``customer``).

    "visited": the agreed record, the next steps (or "none") and whether
    identification was shown (required). "no_access": nobody home, a calling card
    left.
    """
    desk.require(*HANDLERS)
    key = "_".join(outcome.strip().lower().replace(",", " ").split())
    key = ALIASES.get(key, key)
    if key not in OUTCOMES:
        raise InputError(
            f"'{outcome}' is not a visit outcome: choose visited, or no_access (nobody home, "
            "calling card left)"
        )
    record = record.strip()
    next_steps = " ".join(next_steps.split())
    warnings: list[str] = []
    if key == "visited":
        if id_shown is None:
            raise InputError("say whether you showed your identification at the visit")
        if not record:
            raise InputError("type the record of the visit as agreed with the customer")
        if not next_steps:
            raise InputError("type the next steps agreed at the visit, or 'none'")
        if not id_shown:
            warnings.append("identification must be shown on every visit: this visit is flagged")
    now = desk.now()
    when = utc_instant(visited_at, "the visit time") if visited_at is not None else now
    if when > now:
        raise InputError("a visit is recorded after it happens: the time given is in the future")
    if contact_id is None and customer is None:
        raise InputError("choose the booked visit, or the customer for a visit not booked here")
    with desk.store.write() as session:
        if contact_id is not None:
            contact = get_row(session, Contact, contact_id)
            if contact is None or contact.channel != "home_visit":
                raise NotFound(f"no home visit with id {contact_id}: choose the visit again")
            if contact.outcome != "booked":
                done = OUTCOMES.get(contact.outcome, contact.outcome)
                raise InputError(f"this visit is already recorded as {done}")
            c = resolve(session, contact.customer_id or 0)
            check_restriction(c, restriction_acknowledged)
        else:
            assert customer is not None
            c = resolve(session, customer)
            check_restriction(c, restriction_acknowledged)
            what = " ".join(purpose.split()) or "visit not booked here"
            contact = add_contact(
                desk,
                session,
                "home_visit",
                c,
                when,
                notes=what,
                outcome="booked",
                details={"visit": {"purpose": what, "notice_ok": None}},
                scheduled_at=when,
            )
        mark_visit(
            contact,
            key,
            when=when,
            by=desk.actor.name if desk.actor else "",
            id_shown=id_shown,
            record=record,
            next_steps=next_steps,
        )
        session.add(contact)
        session.flush()
        desk.audit(
            session,
            "changed",
            "contact",
            contact.id,
            customer_id=c.id,
            detail=f"home visit: {OUTCOMES[key]}",
        )
        return _view(session, contact, tuple(warnings))


def cancel_visit(desk: Desk, contact_id: int, *, reason: str) -> VisitView:
    """Cancel a booked visit (the customer asked to rearrange, say) with the reason."""
    desk.require(*HANDLERS)
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("say why the visit is cancelled")
    with desk.store.write() as session:
        contact = get_row(session, Contact, contact_id)
        if contact is None or contact.channel != "home_visit":
            raise NotFound(f"no home visit with id {contact_id}: choose the visit again")
        if contact.outcome != "booked":
            raise InputError("only a booked visit can be cancelled")
        visit = dict((contact.details or {}).get("visit") or {})
        visit["cancelled_reason"] = reason
        contact.details = {**(contact.details or {}), "visit": visit}
        contact.outcome = "cancelled"
        session.add(contact)
        session.flush()
        desk.audit(
            session,
            "cancelled",
            "contact",
            contact.id,
            customer_id=contact.customer_id,
            detail=f"home visit: {for_audit(reason)}",
        )
        return _view(session, contact)


def visits_for(desk: Desk, customer_id: int, *, booked_only: bool = False) -> list[VisitView]:
    """A customer's home visits, soonest first among booked ones, then the rest newest first."""
    desk.require(*HANDLERS)
    customer_id = checked_id(customer_id, "customer")
    with desk.store.read() as session:
        stmt = select(Contact).where(
            Contact.customer_id == customer_id, Contact.channel == "home_visit"
        )
        if booked_only:
            stmt = stmt.where(Contact.outcome == "booked")
        rows = [_view(session, ct) for ct in session.exec(stmt)]
    booked = sorted((v for v in rows if v.status == "booked"), key=lambda v: v.visit_at)
    rest = sorted((v for v in rows if v.status != "booked"), key=lambda v: v.visit_at, reverse=True)
    return booked + rest
