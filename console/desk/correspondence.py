"""Emails, social media messages and letters: logged against a customer, with their promises.

BHA s7 and s14: every one is acknowledged (1 working day, same time) and replied
to as urgent (1 working day) or routine (4 working days); a letter is date-stamped
on its day of receipt and generally followed up with a phone call or an attempt to
visit. Weslo: acknowledged in 1 working day, a detailed response in 10, or a
statutory response in 14 days for assignments and alterations.

**When a letter counts as received.** A letter carries only its date-stamp (the
day of receipt, which may be earlier than today, never later). It counts as
received when the office opens on that day (BHA 08:45, 10:30 on Wednesdays);
on a day the office keeps no hours (a Saturday, a bank holiday) at 09:00 local,
which the engine then reads as received at the next opening, exactly like an
email arriving out of hours. A letter stamped today before the office opens
counts from the moment it is logged.

The helpers here (`add_contact`, `resolve_received`, `Logged`) are shared by
repairs, complaints, requests and home visits; the promises each returns are
`console.desk.outcomes.Promise`, with the sentence to tell the customer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from console.desk.contacts import customer_contact_row
from console.desk.context import Desk
from console.desk.customers import check_restriction, needs_of, parse_day, parse_time, resolve
from console.desk.outcomes import Promise, promises, verb_for
from console.desk.tasks import open_task, slug_for
from console.rules.calendar import local_instant, office_hours
from console.rules.clock import as_utc, local
from console.rules.errors import InputError
from console.rules.roles import HANDLERS
from console.store.models import Contact, Customer, Task

if TYPE_CHECKING:
    from sqlmodel import Session

WRITTEN = ("email", "social", "letter")
CHANNEL_WORDS = {"email": "email", "social": "social media message", "letter": "letter"}
STATUTORY_CATEGORY = "assignment-alteration"  # Weslo: assignments and alterations
LETTER_DEFAULT_TIME = time(9, 0)  # a date-stamp on a day the office keeps no hours
OLDEST_DAYS = 366  # a receipt date further back than this is almost certainly a typo
REPLY_WORDS = {
    "reply-urgent": "urgent reply to",
    "reply-routine": "reply to",
    "response": "detailed response to",
    "statutory-response": "statutory response to",
}


@dataclass(frozen=True)
class Logged:
    """What a desk service logged: the contact (if any) and the promises it made."""

    contact_id: int | None
    channel: str
    customer_id: int
    customer_name: str
    received_at: datetime
    day: date
    category: str
    promises: tuple[Promise, ...]  # each with the sentence to tell the customer (outcomes.py)
    needs: tuple[str, ...]  # the customer's communication needs, to honour in every reply
    warnings: tuple[str, ...] = ()


def local_day(moment: datetime) -> date:
    return local(moment).date()


def letter_received_at(desk: Desk, stamped: date) -> datetime:
    """The instant a letter date-stamped ``stamped`` counts as received (see the module doc)."""
    hours = office_hours(desk.profile, stamped)
    at = local_instant(stamped, hours[0] if hours else LETTER_DEFAULT_TIME)
    return min(at, desk.now())


def utc_instant(moment: datetime, what: str) -> datetime:
    """An instant from outside as aware UTC (naive: Europe/London); refuses the calendar's ends."""
    try:
        instant = as_utc(moment)
        local(instant)  # must also exist in local time
    except (OverflowError, ValueError):
        raise InputError(f"{what} {moment} is not a date and time that can be used") from None
    return instant


def resolve_received(
    desk: Desk,
    received: date | datetime | str | None,
    *,
    at: time | str | None = None,
    what: str = "the date of receipt",
) -> datetime:
    """The receipt instant (aware UTC) from what the handler typed; never in the future.

    None is now. A datetime is taken as it is (naive = Europe/London). A date (or
    "YYYY-MM-DD") with ``at`` is that local time; without ``at`` it is a date-stamp
    and counts from the office opening of that day (`letter_received_at`).
    """
    now = desk.now()
    today = local_day(now)
    if received is None or (isinstance(received, str) and not received.strip() and at is None):
        return now
    if isinstance(received, datetime):
        instant = utc_instant(received, what)
        day = local_day(instant)
    else:
        day = parse_day(received, what)
        instant = None
    if day > today:
        raise InputError(
            f"{what} {day:%d %B %Y} is in the future: a date-stamp is the day it arrived, "
            f"today ({today:%d %B %Y}) or earlier"
        )
    if (today - day).days > OLDEST_DAYS:
        raise InputError(f"{what} {day:%d %B %Y} is more than a year ago: check the year")
    if instant is None:
        if at is not None and (not isinstance(at, str) or at.strip()):
            instant = local_instant(day, parse_time(at, "the time of receipt"))
        else:
            instant = letter_received_at(desk, day)
    if instant > now:
        raise InputError(
            f"{what} {local(instant):%d %B %Y %H:%M} is in the future: it is {local(now):%H:%M} now"
        )
    return instant.astimezone(UTC)


def add_contact(
    desk: Desk,
    session: Session,
    channel: str,
    customer: Customer,
    received_at: datetime,
    *,
    category: str = "",
    notes: str = "",
    outcome: str = "",
    details: dict[str, Any] | None = None,
    scheduled_at: datetime | None = None,
) -> Contact:
    """Add one contact in the caller's transaction, carrying the customer's needs of the day."""
    actor = desk.require(*HANDLERS)
    contact = customer_contact_row(
        channel,
        customer,
        received_at=received_at,
        created_at=desk.now(),
        staff_id=actor.id,
        details=details,
        category=category,
        outcome=outcome,
        notes=notes,
        scheduled_at=scheduled_at,
    )
    return save_contact(desk, session, contact)


def save_contact(desk: Desk, session: Session, contact: Contact) -> Contact:
    """Add a contact built by console/desk/contacts.py in the caller's transaction, audited."""
    session.add(contact)
    session.flush()
    desk.audit(
        session,
        "created",
        "contact",
        contact.id,
        customer_id=contact.customer_id,
        detail=contact.channel,
    )
    return contact


def category_key(desk: Desk, category: str) -> str:
    """A profile category key; InputError lists the known ones."""
    key = category.strip()
    if desk.profile.category(key) is None:
        known = ", ".join(c.key for c in desk.profile.categories)
        what = f"'{key}'" if key else "no category"
        org = desk.profile.short_name
        raise InputError(f"{what} is not an enquiry category of {org}: choose {known}")
    return key


def task_details(customer: Customer, **more: Any) -> dict[str, Any]:
    """Task details with the customer's needs copied in, so whoever replies honours them."""
    details = {k: v for k, v in more.items() if v not in (None, "")}
    needs = needs_of(customer)
    if needs:
        details["needs"] = list(needs)
    return details


def log_correspondence(
    desk: Desk,
    channel: str,
    customer: int | str,
    *,
    category: str,
    urgent: bool = False,
    received: date | datetime | str | None = None,
    received_time: time | str | None = None,
    subject: str = "",
    notes: str = "",
    restriction_acknowledged: bool = False,
) -> Logged:
    """Log an email, social media message or letter and open the tasks it promises.

    BHA: an acknowledgement and an urgent or routine reply. Weslo: an
    acknowledgement and a detailed response, or a statutory response for
    assignments and alterations. A letter also gets a follow-up task (a phone
    call or an attempt to visit: the profile's `letter_follow_up`).
    """
    desk.require(*HANDLERS)
    if channel not in WRITTEN:
        raise InputError(f"'{channel}' is not a written channel: choose email, social or letter")
    key = category_key(desk, category)
    if channel == "letter":
        if received_time not in (None, ""):
            raise InputError("a letter carries only its date-stamp: leave the time blank")
        if received is None or (isinstance(received, str) and not received.strip()):
            raise InputError(
                "the date-stamp is empty: type the day the letter arrived, e.g. 2025-11-24"
            )
    received_at = resolve_received(desk, received, at=received_time)
    subject = " ".join(subject.split())
    statutory = key == STATUTORY_CATEGORY and desk.profile.has("statutory_response")
    ack_slug = slug_for(desk, "acknowledge")
    reply_slug = slug_for(
        desk, "statutory_response" if statutory else ("reply_urgent" if urgent else "reply_routine")
    )
    follow_slug = slug_for(desk, "letter_follow_up") if channel == "letter" else None
    category_team = desk.profile.category(key).team  # type: ignore[union-attr]
    word = CHANNEL_WORDS[channel]
    about = f": {subject}" if subject else ""
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        contact = add_contact(
            desk,
            session,
            channel,
            c,
            received_at,
            category=key,
            notes=notes.strip(),
            details={"subject": subject, "urgent": bool(urgent)},
        )

        def promise(slug: str, title: str, team: str | None, **more: Any) -> Task:
            return open_task(
                desk,
                session,
                slug,
                received_at=received_at,
                customer_id=c.id,
                contact_id=contact.id,
                title=title,
                team=team,
                details=task_details(c, channel=channel, **more),
            )

        tasks = [promise(ack_slug, f"acknowledge the {word}{about}", None)]
        verb = REPLY_WORDS.get(reply_slug, "reply to")
        tasks.append(
            promise(reply_slug, f"{verb} the {word}{about}", category_team, urgent=urgent or None)
        )
        if follow_slug is not None:
            title = f"follow up the letter{about}: a phone call or an attempt to visit"
            tasks.append(promise(follow_slug, title, category_team, follow_up=True))
        assert contact.id is not None and c.id is not None
        return Logged(
            contact_id=contact.id,
            channel=channel,
            customer_id=c.id,
            customer_name=c.name,
            received_at=received_at,
            day=contact.day,
            category=key,
            promises=_follow_up_words(desk, promises(desk, session, tasks), follow_slug),
            needs=needs_of(c),
        )


def _follow_up_words(
    desk: Desk, promised: tuple[Promise, ...], follow_slug: str | None
) -> tuple[Promise, ...]:
    """The letter's follow-up is said as what it is: a phone call or a visit, not a reply."""
    if follow_slug is None or not promised:
        return promised
    *rest, last = promised
    verb = f" will {verb_for(desk.profile, follow_slug)} by "
    tell = last.tell.replace(verb, " will follow up with a phone call or a visit by ", 1)
    return (*rest, replace(last, tell=tell))


def log_email(desk: Desk, customer: int | str, **kwargs: Any) -> Logged:
    return log_correspondence(desk, "email", customer, **kwargs)


def log_social(desk: Desk, customer: int | str, **kwargs: Any) -> Logged:
    return log_correspondence(desk, "social", customer, **kwargs)


def log_letter(desk: Desk, customer: int | str, *, stamped: date | str, **kwargs: Any) -> Logged:
    """A letter, date-stamped with its day of receipt (today or earlier)."""
    return log_correspondence(desk, "letter", customer, received=stamped, **kwargs)


def received_label(received_at: datetime, channel: str) -> str:
    """How the receipt reads on screen: a letter by its date-stamp, others with the time."""
    when = local(received_at)
    if channel == "letter":
        return f"stamped {when:%a %d %b %Y}"
    return f"received {when:%a %d %b %Y %H:%M}"
