"""The phone system's events: calls timed as they happen, missed calls kept as promises.

A PBX (through the generic CTI endpoint or the Asterisk Manager Interface) reports
each call as ``newCall`` (offered: ringing or queued), ``answer`` (a person picked
up) and ``hangup`` (with a cause). `take_event` applies one event in one
transaction:

- ``newCall`` records a `PhoneCall` (state ringing): it counts as waiting on the
  desks and pops on the screen of the staff member it rings for.
- ``answer`` of an inbound call records the contact (channel "call", answer source
  "phone", answered minus offered as the answer time, the answering staff member,
  the caller where exactly one customer has the number); the handler completes it
  on the calls desk (`console.desk.calls.log_call` with ``phone_contact_id``).
  An outbound call that connects is a call back.
- ``hangup`` before an answer of an inbound call is a missed call (causes cancel,
  noAnswer, busy, congestion, normalClearing): an abandoned contact and the
  profile's ``missed_call`` promise (``missed_call_anonymous`` for a withheld
  number; nothing where the profile has none). ``forwarded`` (the PBX sent it on)
  and ``notFound`` record the call and promise nothing.

A later answered call from the same number, or an outbound call to it that
connects, completes the open missed call promise, and the audit trail says why.

Events are idempotent: the same event twice changes nothing the second time.
An event that does not fit the call as recorded (an answer after the hangup, an
answer for a call never offered) raises `OutOfOrder` and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, update
from sqlmodel import Session, col, select

from console.desk.context import Desk
from console.desk.customers import needs_of
from console.rules.clock import as_utc, local
from console.rules.errors import FrontDeskError, InputError, NotFound
from console.rules.phone import ANONYMOUS, caller_number, is_withheld, normalise_uk
from console.rules.roles import ADMINS
from console.store.models import Contact, Customer, PhoneCall, Staff, Task

EVENTS = ("newCall", "answer", "hangup")
CAUSES = (
    "normalClearing",
    "busy",
    "cancel",
    "noAnswer",
    "congestion",
    "notFound",
    "forwarded",
)
MISSED_CAUSES = frozenset({"normalClearing", "busy", "cancel", "noAnswer", "congestion"})
ENDED = ("ended", "abandoned", "forwarded", "failed")
MAX_FIELD = 200  # characters in any one field
MAX_USERS = 20
STALE_RINGING = timedelta(hours=2)  # a call "ringing" longer than this lost its hangup


class OutOfOrder(InputError):
    """An event that does not fit the call as recorded: nothing was written."""


@dataclass(frozen=True)
class CallEvent:
    """One event from the phone system, already checked by `check_event`."""

    event: str  # newCall, answer, hangup
    call_id: str
    direction: str = "in"  # in, out
    from_number: str = ""
    to_number: str = ""
    users: tuple[str, ...] = ()
    queue: str = ""
    answering_number: str = ""
    cause: str = ""
    at: datetime | None = None  # when it happened; None: when it arrived
    wait_seconds: float | None = None  # the PBX's own measure of the wait (AMI HoldTime)
    source: str = "cti"

    @property
    def other_party(self) -> str:
        return self.from_number if self.direction == "in" else self.to_number


@dataclass(frozen=True)
class Taken:
    """What one event did, for the endpoint's reply and the log."""

    call_id: str
    event: str
    state: str
    repeat: bool  # the event had been applied before: nothing changed
    message: str
    contact_id: int | None = None
    missed_task_id: int | None = None
    closed_task_ids: tuple[int, ...] = ()


# -- checking what arrived -----------------------------------------------------------


def _text(fields: Mapping[str, Any], name: str, *, required: bool = False) -> str:
    value = fields.get(name, "")
    if isinstance(value, list | tuple):
        value = value[0] if len(value) == 1 else ""
    if value is None:
        value = ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InputError(f"{name} must be text, not {type(value).__name__}")
    value = str(value).strip()
    if required and not value:
        raise InputError(f"{name} is missing: every event needs it")
    if len(value) > MAX_FIELD:
        raise InputError(f"{name} is {len(value)} characters long: at most {MAX_FIELD}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InputError(f"{name} contains control characters")
    return value


def _users(fields: Mapping[str, Any]) -> tuple[str, ...]:
    raw = fields.get("user[]", fields.get("user", ()))
    if raw is None or raw == "":
        return ()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise InputError("user must be a name or a list of names")
    if len(items) > MAX_USERS:
        raise InputError(f"{len(items)} users on one event: at most {MAX_USERS}")
    out = []
    for item in items:
        name = _text({"user": item}, "user")
        if name:
            out.append(name)
    return tuple(out)


def _number(value: str, name: str) -> str:
    if is_withheld(value):
        return value
    if normalise_uk(value) is None:
        raise InputError(
            f"{name} '{value}' is not a phone number: send digits (0131 555 0123, +44…) "
            "or 'anonymous'"
        )
    return value


def check_event(
    fields: Mapping[str, Any], *, at: datetime | None = None, source: str = "cti"
) -> CallEvent:
    """A `CallEvent` from the fields a Zammad-style CTI bridge posts; else InputError saying why."""
    event = _text(fields, "event", required=True)
    if event not in EVENTS:
        raise InputError(f"event '{event}' is not one of {', '.join(EVENTS)}")
    call_id = _text(fields, "callId", required=True)
    direction = _text(fields, "direction") or "in"
    if direction not in ("in", "out"):
        raise InputError(f"direction '{direction}' must be 'in' or 'out'")
    from_number = _text(fields, "from")
    to_number = _text(fields, "to")
    if direction == "in":
        from_number = _number(from_number, "from")
    else:
        to_number = _number(to_number, "to")
        if not to_number or is_withheld(to_number):
            raise InputError("an outbound call needs the number it dialled in 'to'")
    cause = _text(fields, "cause")
    if event == "hangup":
        cause = cause or "normalClearing"
        if cause not in CAUSES:
            raise InputError(f"cause '{cause}' is not one of {', '.join(CAUSES)}")
    elif cause:
        raise InputError(f"a {event} event has no cause (only hangup does)")
    return CallEvent(
        event=event,
        call_id=call_id,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        users=_users(fields),
        queue=_text(fields, "queue"),
        answering_number=_text(fields, "answeringNumber"),
        cause=cause,
        at=at,
        source=source,
    )


# -- who and which customer ----------------------------------------------------------


def _bare_extension(name: str) -> str:
    """``PJSIP/201-0000001a`` or ``SIP/201`` or ``Local/201@from-queue`` -> ``201``."""
    tail = name.split("/", 1)[1] if "/" in name else name
    for stop in ("@", "-", ";"):
        tail = tail.split(stop, 1)[0]
    return tail


def staff_for(session: Session, names: Iterable[str]) -> Staff | None:
    """The active staff member whose extension, PBX agent name or login is one of these."""
    for name in names:
        if not name:
            continue
        for candidate in dict.fromkeys((name, _bare_extension(name))):
            row = session.exec(
                select(Staff).where(
                    col(Staff.active).is_(True),
                    or_(
                        col(Staff.extension) == candidate,
                        col(Staff.agent) == candidate,
                        col(Staff.login) == candidate,
                    ),
                )
            ).first()
            if row is not None:
                return row
    return None


def customers_with_number(session: Session, number: str, limit: int = 10) -> list[Customer]:
    """Customers whose phone or other phone is this number, however either was typed."""
    wanted = normalise_uk(number)
    if wanted is None or wanted == ANONYMOUS:
        return []
    digits = wanted.lstrip("+")
    if len(digits) < 7:
        return []
    tail = digits[-9:]
    rows = session.exec(
        select(Customer)
        .where(col(Customer.search_text).contains(tail), col(Customer.anonymised).is_(False))
        .order_by(col(Customer.id))
        .limit(200)
    ).all()
    found = [c for c in rows if wanted in (normalise_uk(c.phone), normalise_uk(c.phone_alt))]
    return found[:limit]


# -- applying one event --------------------------------------------------------------


def _moment(desk: Desk, ev: CallEvent) -> datetime:
    return as_utc(ev.at) if ev.at is not None else desk.now()


def _find(session: Session, call_id: str) -> PhoneCall | None:
    return session.exec(select(PhoneCall).where(PhoneCall.call_id == call_id)).first()


def _taken(call: PhoneCall, ev: CallEvent, repeat: bool, message: str, **extra: Any) -> Taken:
    return Taken(
        call_id=call.call_id,
        event=ev.event,
        state=call.state,
        repeat=repeat,
        message=message,
        contact_id=call.contact_id,
        missed_task_id=call.missed_task_id,
        **extra,
    )


def take_event(desk: Desk, ev: CallEvent) -> Taken:
    """Apply one phone system event in one transaction (see the module docstring)."""
    with desk.store.write() as session:
        return _take(desk, session, ev)


def take_events(desk: Desk, events: list[CallEvent]) -> list[Taken | FrontDeskError]:
    """Events that arrived together, in order, in one transaction: one commit, one disk flush.

    Each event runs in its own savepoint, so a refused one (its error in its place in
    the result) leaves nothing behind and the others stand. A database failure fails
    them all: nothing is written and each caller hears so.
    """
    out: list[Taken | FrontDeskError] = []
    with desk.store.write() as session:
        for ev in events:
            try:
                with session.begin_nested():
                    out.append(_take(desk, session, ev))
            except FrontDeskError as exc:
                out.append(exc)
    return out


def _take(desk: Desk, session: Session, ev: CallEvent) -> Taken:
    call = _find(session, ev.call_id)
    if ev.event == "newCall":
        return _new_call(desk, session, call, ev)
    if call is None:
        raise OutOfOrder(
            f"{ev.event} for call {ev.call_id}, which was never offered: send its newCall first"
        )
    if call.direction != ev.direction:
        raise OutOfOrder(
            f"call {ev.call_id} is {'inbound' if call.direction == 'in' else 'outbound'}; "
            f"this {ev.event} says direction '{ev.direction}'"
        )
    if ev.event == "answer":
        return _answer(desk, session, call, ev)
    return _hangup(desk, session, call, ev)


def _new_call(desk: Desk, session: Session, call: PhoneCall | None, ev: CallEvent) -> Taken:
    if call is not None:
        if call.direction != ev.direction:
            raise OutOfOrder(
                f"call {ev.call_id} was already offered in the other direction: "
                "a call id names one call"
            )
        return _taken(call, ev, True, f"call {ev.call_id} was already offered")
    now = _moment(desk, ev)
    staff = staff_for(session, (*ev.users, ev.answering_number))
    call = PhoneCall(
        call_id=ev.call_id,
        source=ev.source,
        direction=ev.direction,
        number=caller_number(ev.other_party),
        from_number=ev.from_number,
        to_number=ev.to_number,
        queue=ev.queue,
        state="ringing",
        agent=next(iter(ev.users), "") or ev.answering_number,
        offered_at=now,
        staff_id=staff.id if staff is not None else None,
        updated_at=desk.now(),
    )
    session.add(call)
    session.flush()
    return _taken(call, ev, False, f"call {ev.call_id} offered")


def _answer(desk: Desk, session: Session, call: PhoneCall, ev: CallEvent) -> Taken:
    if call.state == "answered":
        return _taken(call, ev, True, f"call {ev.call_id} was already answered")
    if call.state in ENDED:
        raise OutOfOrder(
            f"call {ev.call_id} already ended ({call.state}): an answer after the hangup "
            "is refused and the call is kept as recorded"
        )
    now = _moment(desk, ev)
    assert call.offered_at is not None
    if ev.wait_seconds is not None:
        wait = ev.wait_seconds
    else:
        wait = (now - call.offered_at).total_seconds()
    if wait < 0:
        raise OutOfOrder(f"call {ev.call_id} would be answered before it was offered")
    staff = staff_for(session, (*ev.users, ev.answering_number))
    call.state = "answered"
    call.answered_at = now
    call.agent = next(iter(ev.users), "") or ev.answering_number or call.agent
    if staff is not None:
        call.staff_id = staff.id
    call.updated_at = desk.now()
    closed: list[int] = []
    if call.direction == "in":
        matches = customers_with_number(session, call.number, limit=2)
        customer = matches[0] if len(matches) == 1 else None
        contact = Contact(
            channel="call",
            customer_id=customer.id if customer is not None else None,
            staff_id=call.staff_id,
            received_at=call.offered_at,
            day=local(call.offered_at).date(),
            answered_at=now,
            answer_seconds=round(wait, 3),
            answer_source="phone",
            details={"phone_call": call.call_id, "number": call.number},
            external_id=_external_id(session, call),
            created_at=desk.now(),
        )
        session.add(contact)
        session.flush()
        call.contact_id = contact.id
        desk.audit(
            session,
            "created",
            "contact",
            contact.id,
            customer_id=contact.customer_id,
            detail=f"call: answered in {wait:.1f} s (phone system, call {call.call_id})",
        )
        who = f"answered by {staff.name}" if staff is not None else "answered"
        closed = _close_missed(
            desk, session, call, f"the caller rang again and was {who} (call {call.call_id})"
        )
    else:
        closed = _close_missed(
            desk, session, call, f"called back: outbound call {call.call_id} connected"
        )
    session.add(call)
    session.flush()
    return _taken(
        call,
        ev,
        False,
        f"call {ev.call_id} answered after {wait:.1f} s",
        closed_task_ids=tuple(closed),
    )


def _hangup(desk: Desk, session: Session, call: PhoneCall, ev: CallEvent) -> Taken:
    if call.state in ENDED:
        return _taken(call, ev, True, f"call {ev.call_id} had already ended ({call.state})")
    now = _moment(desk, ev)
    call.ended_at = now
    call.cause = ev.cause
    call.updated_at = desk.now()
    if call.state == "answered":
        call.state = "ended"
        if call.contact_id is not None:
            # A plain UPDATE: the end of an answered call changes no figure, and the
            # summary's ORM hook would recount the whole day for every hangup.
            table = Contact.__table__  # type: ignore[attr-defined]
            session.connection().execute(
                update(table)
                .where(table.c.id == call.contact_id, table.c.ended_at.is_(None))
                .values(ended_at=now)
            )
        session.add(call)
        session.flush()
        return _taken(call, ev, False, f"call {ev.call_id} ended")
    if ev.cause == "forwarded":
        call.state = "forwarded"
    elif ev.cause == "notFound" or call.direction == "out":
        call.state = "failed" if ev.cause == "notFound" else "ended"
    else:
        call.state = "abandoned"
        _missed(desk, session, call, now)
    session.add(call)
    session.flush()
    words = {"abandoned": "missed", "forwarded": "forwarded", "failed": "not connected"}
    return _taken(
        call, ev, False, f"call {ev.call_id} {words.get(call.state, 'ended')} ({ev.cause})"
    )


def _external_id(session: Session, call: PhoneCall) -> str | None:
    """Asterisk's Uniqueid, as the CDR and queue_log import name the call, so it counts once."""
    if call.source != "ami":
        return None
    key = f"asterisk:{call.call_id}"[:200]
    held = session.exec(select(Contact.id).where(Contact.external_id == key)).first()
    return None if held is not None else key


def _missed(desk: Desk, session: Session, call: PhoneCall, now: datetime) -> None:
    """An inbound call that ended before anyone answered: an abandoned contact, and the promise."""
    assert call.offered_at is not None
    anonymous = call.number in (ANONYMOUS, "")
    matches = [] if anonymous else customers_with_number(session, call.number, limit=2)
    customer = matches[0] if len(matches) == 1 else None
    contact = Contact(
        channel="call",
        customer_id=customer.id if customer is not None else None,
        received_at=call.offered_at,
        day=local(call.offered_at).date(),
        ended_at=now,
        abandoned=True,
        answer_source="phone",
        details={"phone_call": call.call_id, "number": call.number, "cause": call.cause},
        external_id=_external_id(session, call),
        created_at=desk.now(),
    )
    session.add(contact)
    session.flush()
    call.contact_id = contact.id
    waited = (now - call.offered_at).total_seconds()
    desk.audit(
        session,
        "created",
        "contact",
        contact.id,
        customer_id=contact.customer_id,
        detail=f"call: missed after {waited:.1f} s ({call.cause}, phone system, "
        f"call {call.call_id})",
    )
    use = "missed_call_anonymous" if anonymous else "missed_call"
    slug = desk.profile.slug_for(use)
    if slug is None:
        return
    if not anonymous:
        already = _open_missed(session, call.number)
        if already:
            call.missed_task_id = already[0].id
            desk.audit(
                session,
                "changed",
                "task",
                already[0].id,
                customer_id=already[0].customer_id,
                detail=f"missed call: rang again unanswered (call {call.call_id})",
            )
            return
    from console.desk.tasks import open_task

    shown = "a withheld number" if anonymous else call.number
    task = open_task(
        desk,
        session,
        slug,
        received_at=call.offered_at,
        customer_id=contact.customer_id,
        contact_id=contact.id,
        title=f"Missed call from {shown}" + (f" ({customer.name})" if customer is not None else ""),
        details={"missed_call": {"number": call.number, "call_id": call.call_id}},
    )
    call.missed_task_id = task.id
    contact.outcome = ""
    session.add(contact)


def _open_missed(session: Session, number: str) -> list[Task]:
    if number in (ANONYMOUS, ""):
        return []
    return list(
        session.exec(
            select(Task)
            .join(PhoneCall, col(PhoneCall.missed_task_id) == col(Task.id))
            .where(PhoneCall.number == number, Task.status == "open")
            .distinct()
        ).all()
    )


def _close_missed(desk: Desk, session: Session, call: PhoneCall, why: str) -> list[int]:
    closed: list[int] = []
    for task in _open_missed(session, call.number):
        task.status = "done"
        task.outcome = "customer contacted"
        task.note = why
        task.completed_at = call.answered_at or desk.now()
        if task.assignee_id is None and call.staff_id is not None:
            task.assignee_id = call.staff_id
        session.add(task)
        desk.audit(
            session,
            "completed",
            "task",
            task.id,
            customer_id=task.customer_id,
            detail=f"missed call closed: {why}",
        )
        assert task.id is not None
        closed.append(task.id)
    return closed


# -- what the desks show -------------------------------------------------------------


@dataclass(frozen=True)
class LiveFigures:
    """The line right now and today, for the calls desk header and the wall."""

    waiting: int
    longest_wait: float | None  # seconds, of the calls waiting now
    answered_today: int
    within_today: int
    abandoned_today: int
    target_seconds: float | None
    connected: bool = True  # the phone system has reported at least one call

    @property
    def line(self) -> str:
        wait = f", longest {round(self.longest_wait)} s" if self.longest_wait is not None else ""
        share = f" ({self.within_today / self.answered_today:.0%})" if self.answered_today else ""
        target = f" within {round(self.target_seconds)} s" if self.target_seconds else ""
        return (
            f"Waiting {self.waiting}{wait} · answered{target} today "
            f"{self.within_today}/{self.answered_today}{share} · abandoned {self.abandoned_today}"
        )


@dataclass(frozen=True)
class Waiting:
    waiting: int
    longest_wait: float | None  # seconds


def _waiting(session: Session, now: datetime) -> Waiting:
    count, oldest = session.exec(
        select(func.count(), func.min(PhoneCall.offered_at)).where(
            PhoneCall.state == "ringing",
            PhoneCall.direction == "in",
            col(PhoneCall.offered_at) > now - STALE_RINGING,
        )
    ).one()
    oldest_at = as_utc(oldest) if oldest is not None else None
    longest = max(0.0, (now - oldest_at).total_seconds()) if oldest_at is not None else None
    return Waiting(int(count or 0), longest)


def waiting_now(desk: Desk) -> Waiting:
    """Inbound calls ringing or queued now, as the phone system last reported them."""
    with desk.store.read() as session:
        return _waiting(session, desk.now())


def live_figures(desk: Desk) -> LiveFigures:
    """Calls waiting now (the phone system's view) and today's answered and abandoned calls."""
    from console.desk.calls import answer_target

    now = desk.now()
    target = answer_target(desk.profile)
    today = local(now).date()
    with desk.store.read() as session:
        waiting = _waiting(session, now)
        connected = session.exec(select(PhoneCall.id).limit(1)).first() is not None
        answered = col(Contact.answer_seconds).is_not(None) & col(Contact.abandoned).is_(False)
        limit = target if target is not None else -1.0
        within = answered & (col(Contact.answer_seconds) <= limit)
        counts = session.exec(
            select(
                func.sum(case((answered, 1), else_=0)),
                func.sum(case((within, 1), else_=0)),
                func.sum(case((col(Contact.abandoned).is_(True), 1), else_=0)),
            ).where(Contact.channel == "call", Contact.day == today)
        ).one()
    answered_n, within_n, abandoned_n = (int(n or 0) for n in counts)
    return LiveFigures(
        waiting=waiting.waiting,
        longest_wait=waiting.longest_wait,
        answered_today=answered_n,
        within_today=within_n if target is not None else 0,
        abandoned_today=abandoned_n,
        target_seconds=target,
        connected=connected,
    )


@dataclass(frozen=True)
class PoppedCaller:
    customer_id: int
    reference: str
    name: str
    open_promises: tuple[str, ...]  # "Call back (due Tue 14:00)"
    needs: tuple[str, ...]
    restriction: str


@dataclass(frozen=True)
class ScreenPop:
    """The call ringing or just answered at the signed-in handler's phone, and who it is."""

    phone_call_id: int
    call_id: str
    state: str  # ringing, answered, ended
    number: str  # normalised, "anonymous", or "" when the PBX sent nothing usable
    offered_at: datetime
    answered_at: datetime | None
    answer_seconds: float | None
    contact_id: int | None  # the contact to complete; None while ringing
    callers: tuple[PoppedCaller, ...] = field(default_factory=tuple)  # 0, 1 or several

    @property
    def shown_number(self) -> str:
        if self.number == ANONYMOUS:
            return "withheld (anonymous)"
        return self.number or "number not given"


POP_AFTER_HANGUP = timedelta(minutes=30)  # an answered call stays to be logged this long


def screen_pop(desk: Desk) -> ScreenPop | None:
    """The newest call at this handler's phone not yet logged: ringing, answered or just ended."""
    actor = desk.actor
    if actor is None:
        return None
    now = desk.now()
    with desk.store.read() as session:
        rows = session.exec(
            select(PhoneCall)
            .where(
                PhoneCall.staff_id == actor.id,
                PhoneCall.direction == "in",
                col(PhoneCall.state).in_(("ringing", "answered", "ended")),
                col(PhoneCall.offered_at) > now - STALE_RINGING,
            )
            .order_by(col(PhoneCall.offered_at).desc(), col(PhoneCall.id).desc())
            .limit(5)
        ).all()
        for call in rows:
            contact = session.get(Contact, call.contact_id) if call.contact_id else None
            if contact is not None and (contact.category or contact.outcome):
                continue  # already logged by the handler
            if call.state == "ended" and (
                call.ended_at is None or now - call.ended_at > POP_AFTER_HANGUP
            ):
                continue
            assert call.id is not None and call.offered_at is not None
            callers = tuple(
                _popped(desk, session, c) for c in customers_with_number(session, call.number)
            )
            return ScreenPop(
                phone_call_id=call.id,
                call_id=call.call_id,
                state=call.state,
                number=call.number,
                offered_at=call.offered_at,
                answered_at=call.answered_at,
                answer_seconds=contact.answer_seconds if contact is not None else None,
                contact_id=call.contact_id,
                callers=callers,
            )
    return None


def _popped(desk: Desk, session: Session, c: Customer) -> PoppedCaller:
    from console.rules.deadlines import plain_due

    tasks = session.exec(
        select(Task)
        .where(Task.customer_id == c.id, Task.status == "open")
        .order_by(col(Task.due_at))
        .limit(5)
    ).all()
    now = desk.now()
    promises = tuple(
        f"{t.title} (due {plain_due(t.due_at, now)})" for t in tasks if t.due_at is not None
    )
    assert c.id is not None
    return PoppedCaller(c.id, c.reference, c.name, promises, needs_of(c), c.restriction)


# -- mapping staff to the phone system ---------------------------------------------------


@dataclass(frozen=True)
class PhoneMapping:
    staff_id: int
    login: str
    name: str
    extension: str
    agent: str


def set_mapping(
    desk: Desk, login: str, *, extension: str | None, agent: str | None
) -> PhoneMapping:
    """Say where a staff member's calls ring: their desk phone's extension and PBX agent name."""
    desk.require(*ADMINS)
    values = {}
    for name, value in (("extension", extension), ("agent", agent)):
        if value is None:
            continue
        value = value.strip()
        if len(value) > 64 or any(ch.isspace() for ch in value):
            raise InputError(
                f"the {name.replace('_', ' ')} '{value}' must be one word of up to 64 characters"
            )
        values[name] = value
    with desk.store.write() as session:
        staff = session.exec(select(Staff).where(Staff.login == login)).first()
        if staff is None:
            raise NotFound(f"no staff member signs in as '{login}'")
        for name, value in values.items():
            if value:
                clash = session.exec(
                    select(Staff).where(getattr(Staff, name) == value, Staff.id != staff.id)
                ).first()
                if clash is not None:
                    raise InputError(
                        f"{clash.name} already has {name.replace('_', ' ')} '{value}': "
                        "one phone rings for one person"
                    )
            setattr(staff, name, value)
        session.add(staff)
        desk.audit(
            session,
            "changed",
            "staff",
            staff.id,
            detail=f"phone: extension '{staff.extension}', agent '{staff.agent}'",
        )
        assert staff.id is not None
        return PhoneMapping(staff.id, staff.login, staff.name, staff.extension, staff.agent)
