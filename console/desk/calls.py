"""Calls and voicemail on the freephone line.

A call is logged while the caller is still on the line: its answer time (typed
as seconds, or as rings at the profile's ring cycle) against the profile's
`answer-call` target, the caller (or nobody: anonymous callers exist), the
enquiry category, notes and an outcome from `console.desk.outcomes`, which opens the
tasks it promises. A voicemail message always becomes a call back.

Contact rows: channel "call" or "voicemail"; `received_at` is when the call was
offered (answered minus the answer time, or given by the phone system);
`answered_at`, `answer_seconds` (None for voicemail); `staff_id` is the signed-in
handler; `day` is the Europe/London date of `received_at`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import select

from console.desk.context import Desk
from console.desk.customers import check_restriction
from console.desk.outcomes import (
    BY_KIND,
    CALLBACK_KINDS,
    Outcome,
    Promise,
    apply_outcome,
    as_outcome,
    check_outcome,
    prepare_deadlines,
    promises,
)
from console.rules.clock import LONDON, as_utc, local
from console.rules.errors import InputError, NotFound
from console.rules.profiles import Profile
from console.rules.roles import HANDLERS
from console.store.models import Contact, Customer

MAX_ANSWER_SECONDS = 3600.0  # an hour on hold is a typing mistake, not an answer time
MAX_NOTES = 10_000
_ANSWER = re.compile(
    r"^\s*(?:(?P<min>\d+)\s*:\s*(?P<sec>\d{1,2})"
    r"|(?P<num>\d+(?:\.\d+)?)\s*(?P<unit>s|sec|secs|seconds?|r|rings?|m|mins?|minutes?)?)\s*$",
    re.IGNORECASE,
)


# -- answer time -----------------------------------------------------------------


def parse_answer(profile: Profile, text: str) -> float:
    """Seconds from what the handler typed: "12", "12s", "1:05", "2m", or rings "4r" / "4 rings".

    Rings use the profile's ring cycle (3 s in the UK: 4 rings = 12 s).
    """
    raw = (text or "").strip()
    if not raw:
        raise InputError("type the answer time: seconds (12) or rings (4r)")
    m = _ANSWER.match(raw)
    if m is None:
        raise InputError(
            f"'{raw}' is not an answer time: type seconds (12), minutes (1:05) or rings (4r)"
        )
    seconds: float
    if m.group("min") is not None:
        seconds = int(m.group("min")) * 60 + int(m.group("sec"))
        if int(m.group("sec")) >= 60:
            raise InputError(f"'{raw}': the seconds part must be under 60")
    else:
        value = float(m.group("num"))
        unit = (m.group("unit") or "s").lower()
        if unit.startswith("r"):
            seconds = value * profile.ring_cycle_seconds
        elif unit.startswith("m"):
            seconds = value * 60
        else:
            seconds = value
    if seconds > MAX_ANSWER_SECONDS:
        raise InputError(f"an answer time of {raw} is over an hour: check what you typed")
    return float(seconds)


def answer_target(profile: Profile) -> float | None:
    """The `answer-call` target in seconds, or None where the profile has none."""
    slug = profile.slug_for("answer_call")
    if slug is None:
        return None
    return float(profile.commitment(slug).amount)


def within_target(profile: Profile, seconds: float | None) -> bool | None:
    target = answer_target(profile)
    if seconds is None or target is None:
        return None
    return seconds <= target


def describe_answer(profile: Profile, seconds: float) -> str:
    """ "12 s: within the 20 s target" / "25 s: 5 s over the 20 s target"."""
    secs = _fmt_seconds(seconds)
    target = answer_target(profile)
    if target is None:
        return f"{secs} (no answer target in this profile)"
    t = _fmt_seconds(target)
    if seconds <= target:
        return f"{secs}: within the {t} target"
    return f"{secs}: {_fmt_seconds(seconds - target)} over the {t} target"


def _fmt_seconds(seconds: float) -> str:
    whole = round(seconds)
    if abs(seconds - whole) > 0.05:
        return f"{seconds:.1f} s"
    if whole >= 60:
        return f"{whole // 60}m {whole % 60:02d}s"
    return f"{whole} s"


# -- office hours ------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeStatus:
    open: bool
    next_opening: datetime  # UTC; equal to now while open
    message: str  # empty while open


def office_status(desk: Desk, at: datetime | None = None) -> OfficeStatus:
    """Whether the office is open now, and if not, what to say.

    Follows the profile's blocks and special hours: an office shut for lunch says
    so and when it re-opens; a special day names its reason (a training morning).
    """
    from console.rules.calendar import closed_between_blocks, next_opening, special_hours_on
    from console.rules.deadlines import plain_due

    now = as_utc(at) if at is not None else desk.now()
    nxt = next_opening(desk.profile, now)
    if nxt == now:
        return OfficeStatus(True, nxt, "")
    when = plain_due(nxt, now)
    extra = f" {desk.profile.out_of_hours}" if desk.profile.out_of_hours else ""
    special = special_hours_on(desk.profile, local(now).date())
    between = closed_between_blocks(desk.profile, now)
    if special is not None and special.reason:
        head = f"Closed ({special.reason})"
    elif between:
        head = "Closed for lunch" if _over_lunch(now, nxt) else "Closed"
    else:
        head = "Out of hours"
    verb = "re-opens" if between else "opens"
    return OfficeStatus(False, nxt, f"{head}: the office {verb} {when}.{extra}")


def _over_lunch(now: datetime, nxt: datetime) -> bool:
    """A midday gap (it closes and re-opens between 11:00 and 15:00) is lunch."""
    closed, opens = local(now).hour, local(nxt).hour
    return 11 <= closed <= 15 and 11 <= opens <= 15


def office_line(desk: Desk, at: datetime | None = None) -> str:
    """The office status in one sentence for a board ("" while open); no out-of-hours service."""
    message = office_status(desk, at).message
    return message.split(". ", 1)[0].rstrip(".") + "." if message else ""


def is_open_now(desk: Desk) -> bool:
    return office_status(desk).open


# -- logging -----------------------------------------------------------------------


@dataclass(frozen=True)
class LoggedContact:
    """A call or voicemail just saved, with the promises it made."""

    contact_id: int
    channel: str
    customer_id: int | None
    customer_name: str
    received_at: datetime
    answered_at: datetime | None
    answer_seconds: float | None
    within_target: bool | None
    category: str
    outcome: str
    promises: tuple[Promise, ...]

    @property
    def tell(self) -> tuple[str, ...]:
        return tuple(p.tell for p in self.promises)


def _check_category(profile: Profile, category: str) -> str:
    key = (category or "").strip()
    if not key:
        raise InputError("choose the enquiry category before saving")
    if profile.category(key) is None:
        known = ", ".join(c.key for c in profile.categories)
        raise InputError(
            f"'{key}' is not an enquiry category of the {profile.short_name} profile "
            f"(choose one of: {known})"
        )
    return key


def _check_notes(notes: str) -> str:
    if not isinstance(notes, str):
        raise InputError("notes must be text")
    notes = notes.replace("\x00", "").strip()
    if len(notes) > MAX_NOTES:
        raise InputError(f"the notes are {len(notes)} characters long: keep them under {MAX_NOTES}")
    return notes


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)  # nothing the console logs happened before this


def _aware(value: datetime | None, what: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InputError(f"{what} must be a date and time, not {value!r}")
    try:
        moment = as_utc(value)
    except (OverflowError, ValueError) as exc:
        raise InputError(f"{what} {value} is not a usable date and time: {exc}") from None
    if moment < EARLIEST:
        raise InputError(f"{what} {value} is before the year 2000: check the date")
    return moment


def _customer_for(session: object, customer_id: int | None, acknowledged: bool) -> Customer | None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    if customer_id is None:
        return None
    if (
        not isinstance(customer_id, int)
        or isinstance(customer_id, bool)
        or not 0 < customer_id < 2**63
    ):
        raise InputError(f"customer id must be a positive whole number, not {customer_id!r}")
    customer = session.get(Customer, customer_id)
    if customer is None or customer.anonymised:
        raise NotFound(
            f"no customer with id {customer_id}: search again, or log the call as anonymous"
        )
    check_restriction(customer, acknowledged)
    return customer


def _save_contact(
    desk: Desk,
    session: object,
    contact: Contact,
    out: Outcome,
    customer: Customer | None,
    *,
    within: bool | None,
    action: str = "created",
) -> LoggedContact:
    """Add (or complete) a call or voicemail, open the tasks its outcome promises, audit it."""
    from sqlmodel import Session

    assert isinstance(session, Session)
    session.add(contact)
    session.flush()
    tasks = apply_outcome(desk, session, contact, out)
    desk.audit(
        session,
        action,
        "contact",
        contact.id,
        customer_id=contact.customer_id,
        detail=f"{contact.channel}: {out.kind}",
    )
    made = promises(desk, session, tasks)
    assert contact.id is not None and contact.received_at is not None
    return LoggedContact(
        contact_id=contact.id,
        channel=contact.channel,
        customer_id=contact.customer_id,
        customer_name=customer.name if customer is not None else "",
        received_at=contact.received_at,
        answered_at=contact.answered_at,
        answer_seconds=contact.answer_seconds,
        within_target=within,
        category=contact.category,
        outcome=out.kind,
        promises=made,
    )


def log_call(
    desk: Desk,
    *,
    answer: str | float | None = None,
    outcome: Outcome | str = "resolved",
    category: str = "",
    customer_id: int | None = None,
    notes: str = "",
    answered_at: datetime | None = None,
    received_at: datetime | None = None,
    restriction_acknowledged: bool = False,
    phone_contact_id: int | None = None,
) -> LoggedContact:
    """Log one answered call and open what its outcome promises, in one transaction.

    ``answer`` is the answer time as typed ("12", "4r") or seconds; ``answered_at``
    defaults to now. Calls from the phone system give ``received_at`` (offered)
    and ``answered_at`` instead, and the answer time is their difference.
    ``phone_contact_id`` completes the call the phone system already recorded
    (`console.desk.phone`): its measured answer time stands and cannot be typed over.
    """
    actor = desk.require(*HANDLERS)
    profile = desk.profile
    now = desk.now()
    out = as_outcome(outcome)
    check_outcome(profile, out)
    key = _check_category(profile, category)
    text = _check_notes(notes)
    if phone_contact_id is not None:
        if answer not in (None, "") or answered_at is not None or received_at is not None:
            raise InputError(
                "the phone system measured this call's answer time: it cannot be typed over"
            )
        return _complete_phone_call(
            desk, phone_contact_id, out, key, text, customer_id, restriction_acknowledged
        )
    answered = _aware(answered_at, "answered at") or now
    offered = _aware(received_at, "received at")
    if answered > now + timedelta(minutes=1):
        raise InputError(
            f"the call cannot be answered in the future ({local(answered):%d %b %Y %H:%M})"
        )
    if answer is not None and answer != "":
        if isinstance(answer, bool):
            raise InputError("the answer time must be seconds or rings")
        if isinstance(answer, int | float):
            seconds = float(answer)
            if not 0 <= seconds <= MAX_ANSWER_SECONDS:
                raise InputError(f"an answer time of {answer} seconds is not possible: check it")
        else:
            seconds = parse_answer(profile, str(answer))
        if offered is not None and abs((answered - offered).total_seconds() - seconds) > 1:
            raise InputError("give either the answer time or when the call was offered, not both")
        offered = answered - timedelta(seconds=seconds)
    elif offered is not None:
        seconds = (answered - offered).total_seconds()
        if seconds < 0:
            raise InputError("the call was answered before it was offered: check the times")
        if seconds > MAX_ANSWER_SECONDS:
            raise InputError("the call waited over an hour to be answered: check the times")
    else:
        raise InputError("type the answer time: seconds (12) or rings (4r)")

    prepare_deadlines(desk, out, offered)  # before the write lock, not under it
    with desk.store.write() as session:
        customer = _customer_for(session, customer_id, restriction_acknowledged)
        contact = Contact(
            channel="call",
            customer_id=customer_id,
            staff_id=actor.id,
            received_at=offered,
            day=local(offered).date(),
            answered_at=answered,
            answer_seconds=seconds,
            answer_source="typed" if answer not in (None, "") else "phone",
            category=key,
            notes=text,
            details={"restriction_acknowledged": True}
            if customer is not None and customer.restriction
            else {},
            created_at=now,
        )
        return _save_contact(
            desk,
            session,
            contact,
            out,
            customer,
            within=within_target(profile, seconds),
        )


def _complete_phone_call(
    desk: Desk,
    contact_id: int,
    out: Outcome,
    category: str,
    notes: str,
    customer_id: int | None,
    acknowledged: bool,
) -> LoggedContact:
    """The handler's part of a call the phone system recorded when it was answered."""
    actor = desk.require(*HANDLERS)
    with desk.store.write() as session:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.channel != "call" or contact.answer_source != "phone":
            raise NotFound(f"no call from the phone system with contact id {contact_id}")
        if contact.abandoned or contact.answer_seconds is None:
            raise InputError("that call was never answered: it is a missed call on the queue")
        if contact.category or contact.outcome:
            raise InputError("that call is already logged: look it up in today's calls")
        if contact.staff_id not in (None, actor.id):
            raise InputError("that call was answered at someone else's phone: they log it")
        customer = _customer_for(session, customer_id, acknowledged)
        contact.customer_id = customer_id
        contact.staff_id = actor.id
        contact.category = category
        contact.notes = notes
        if customer is not None and customer.restriction:
            contact.details = {**(contact.details or {}), "restriction_acknowledged": True}
        return _save_contact(
            desk,
            session,
            contact,
            out,
            customer,
            within=within_target(desk.profile, contact.answer_seconds),
            action="changed",
        )


def parse_left_at(desk: Desk, text: str) -> datetime | None:
    """When a voicemail was left: "07:40" is today (yesterday if later than now); blank is now."""
    raw = (text or "").strip()
    if not raw:
        return None
    m = re.fullmatch(r"(\d{1,2})[:.](\d{2})", raw)
    if m is None:
        raise InputError(
            f"'{raw}' is not a time: type when the message was left, like 07:40, or leave it blank"
        )
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23 or minute > 59:
        raise InputError(f"'{raw}' is not a time of day")
    now = desk.now()
    today = now.astimezone(LONDON).date()
    at = datetime.combine(today, time(hour, minute), tzinfo=LONDON).astimezone(UTC)
    if at > now:
        at = datetime.combine(
            today - timedelta(days=1), time(hour, minute), tzinfo=LONDON
        ).astimezone(UTC)
    return at


def log_voicemail(
    desk: Desk,
    *,
    category: str = "",
    customer_id: int | None = None,
    notes: str = "",
    urgent: bool = False,
    received_at: datetime | None = None,
    restriction_acknowledged: bool = False,
) -> LoggedContact:
    """Log a voicemail message: always a call back, routine unless marked urgent (BHA s6).

    ``received_at`` is when the message was left (default now); the call back
    clock runs from it, so a message left overnight counts from the next opening.
    """
    actor = desk.require(*HANDLERS)
    profile = desk.profile
    now = desk.now()
    kind = "callback_urgent" if urgent else "callback_routine"
    if profile.slug_for("callback_routine") == profile.slug_for("callback_urgent"):
        kind = "callback"
    out = Outcome(kind=kind)
    check_outcome(profile, out)
    key = _check_category(profile, category)
    text = _check_notes(notes)
    left = _aware(received_at, "left at") or now
    if left > now + timedelta(minutes=1):
        raise InputError(f"a message cannot be left in the future ({local(left):%d %b %Y %H:%M})")
    if now - left > timedelta(days=31):
        raise InputError("that message is over a month old: check the date it was left")

    prepare_deadlines(desk, out, left)  # before the write lock, not under it
    with desk.store.write() as session:
        customer = _customer_for(session, customer_id, restriction_acknowledged)
        contact = Contact(
            channel="voicemail",
            customer_id=customer_id,
            staff_id=actor.id,
            received_at=left,
            day=local(left).date(),
            category=key,
            notes=text,
            details={"urgent": bool(urgent)},
            created_at=now,
        )
        return _save_contact(desk, session, contact, out, customer, within=None)


# -- my calls today ----------------------------------------------------------------


@dataclass(frozen=True)
class CallRow:
    contact_id: int
    channel: str
    received_at: datetime
    answer_seconds: float | None
    within_target: bool | None
    customer_name: str  # "" for an anonymous caller
    category: str  # label
    outcome: str  # label
    outcome_kind: str  # as stored: "resolved", "callback_routine", ...
    answer_source: str = ""  # phone, queue_log, cdr, typed ("" before the phone system)


@dataclass(frozen=True)
class MyDay:
    day: date
    rows: tuple[CallRow, ...]  # newest first
    answered: int  # calls with an answer time
    within: int  # of those, answered within target
    target_seconds: float | None

    @property
    def share(self) -> float | None:
        return None if not self.answered else self.within / self.answered

    @property
    def summary(self) -> str:
        voicemails = sum(1 for r in self.rows if r.channel == "voicemail")
        vm = f", {voicemails} voicemail{'s' if voicemails != 1 else ''}" if voicemails else ""
        if not self.answered:
            return f"No calls yet today{vm}."
        calls = f"{self.answered} call{'s' if self.answered != 1 else ''}"
        if self.target_seconds is None or self.share is None:
            return f"{calls}{vm}."
        return (
            f"{calls}{vm}: {self.within} of {self.answered} answered within "
            f"{_fmt_seconds(self.target_seconds)} ({self.share:.0%})."
        )


def my_calls_today(desk: Desk, limit: int = 500) -> MyDay:
    """The signed-in handler's calls and voicemails today, with the running share within target."""
    actor = desk.require(*HANDLERS)
    profile = desk.profile
    today = local(desk.now()).date()
    target = answer_target(profile)
    stmt = (
        select(Contact, Customer.name)
        .join(Customer, Contact.customer_id == Customer.id, isouter=True)  # type: ignore[arg-type]
        .where(Contact.staff_id == actor.id, Contact.day == today)
        .where(Contact.channel.in_(("call", "voicemail")))  # type: ignore[attr-defined]
        .order_by(Contact.received_at.desc(), Contact.id.desc())  # type: ignore[union-attr, attr-defined]
    )
    rows: list[CallRow] = []
    answered = within = 0
    with desk.store.read() as session:
        for contact, name in session.exec(stmt):
            ok = within_target(profile, contact.answer_seconds)
            if contact.answer_seconds is not None and contact.channel == "call":
                answered += 1
                within += 1 if ok else 0
            if len(rows) >= limit:
                continue
            category = profile.category(contact.category)
            kind = BY_KIND.get(contact.outcome)
            assert contact.id is not None and contact.received_at is not None
            rows.append(
                CallRow(
                    contact_id=contact.id,
                    channel=contact.channel,
                    received_at=contact.received_at,
                    answer_seconds=contact.answer_seconds,
                    within_target=ok,
                    customer_name=name or "",
                    category=category.label if category else contact.category,
                    outcome=kind.label if kind else contact.outcome,
                    outcome_kind=contact.outcome,
                    answer_source=contact.answer_source,
                )
            )
    return MyDay(today, tuple(rows), answered, within, target)


__all__ = [
    "CALLBACK_KINDS",
    "CallRow",
    "LoggedContact",
    "MyDay",
    "OfficeStatus",
    "answer_target",
    "describe_answer",
    "is_open_now",
    "log_call",
    "log_voicemail",
    "my_calls_today",
    "office_line",
    "office_status",
    "parse_answer",
    "parse_left_at",
    "within_target",
]
