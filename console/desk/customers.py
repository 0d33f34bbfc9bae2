"""Customers: find as you type, create in place, and what every contact must honour.

A customer's communication needs and access restriction are recorded once and
shown wherever that customer appears (BHA s3, s9, s12).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, column, func, literal, or_, table, text
from sqlmodel import col, select

from console.desk.context import Desk
from console.rules.clock import LONDON, local
from console.rules.deadlines import MONTH_NAMES
from console.rules.errors import InputError, NotFound
from console.rules.names import person_name
from console.rules.phone import full_number
from console.rules.roles import HANDLERS, LEADS
from console.store.ids import get_row
from console.store.models import Customer

if TYPE_CHECKING:
    from sqlmodel import Session


@dataclass(frozen=True)
class CustomerView:
    id: int
    reference: str
    name: str
    address: str
    phone: str
    email: str
    needs: tuple[str, ...]  # plain words: "interpreter (Polish)", "large print", ...
    restriction: str  # empty when none
    restriction_reason: str
    restriction_review: date | None
    consent_to_share: bool
    preferred_contact: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else ""


def needs_of(c: Customer) -> tuple[str, ...]:
    needs: list[str] = []
    if c.interpreter_language:
        needs.append(f"interpreter ({c.interpreter_language})")
    if c.bsl_signer:
        needs.append("BSL signer")
    if c.large_print:
        needs.append("large print")
    if c.audio:
        needs.append("audio")
    if c.other_language:
        needs.append(f"written in {c.other_language}")
    if c.induction_loop:
        needs.append("induction loop")
    return tuple(needs)


def view(c: Customer) -> CustomerView:
    assert c.id is not None
    return CustomerView(
        id=c.id,
        reference=c.reference,
        name=c.name,
        address=c.address,
        phone=c.phone,
        email=c.email,
        needs=needs_of(c),
        restriction=c.restriction,
        restriction_reason=c.restriction_reason,
        restriction_review=c.restriction_review,
        consent_to_share=c.consent_to_share,
        preferred_contact=c.preferred_contact,
    )


def search_text(c: Customer) -> str:
    parts = [c.reference, c.name, c.address, c.postcode, c.phone, c.phone_alt, c.email]
    digits = [p.replace(" ", "") for p in (c.phone, c.phone_alt) if p]
    # the one canonical form (console.rules.phone), so +44 7700 … and 07700 … both find it
    canonical = [n for n in (full_number(p) for p in (c.phone, c.phone_alt) if p) if n]
    return "|".join(p.lower() for p in parts + digits + canonical if p)


def _canonical_word(word: str) -> str:
    canonical = full_number(word)
    return canonical.lower() if canonical is not None else word


def search(desk: Desk, query: str, limit: int = 20) -> list[CustomerView]:
    """Any part of a name, address, phone number or reference; every word must match."""
    desk.require(*HANDLERS)
    # % and _ (LIKE wildcards) and control characters dropped; a word made only of them
    # is no word at all (an empty pattern would match every customer).
    from console.rules.names import search_words

    words = search_words(query)
    # A phone number in any form (+44 7700 900123, 0044…) is looked up in its one canonical form.
    whole = full_number(query)
    words = [whole.lower()] if whole is not None else [_canonical_word(w) for w in words]
    if not words:
        return []
    stmt = select(Customer).where(Customer.anonymised == False)  # noqa: E712
    for word in words:
        stmt = stmt.where(Customer.search_text.like(f"%{word}%"))  # type: ignore[attr-defined]
    matching = stmt
    stmt = stmt.order_by(func.lower(Customer.name), col(Customer.id)).limit(limit)
    long_words = [w for w in words if len(w) >= 3]
    with desk.store.read() as session:
        indexed = _has_search_index(session)
        few = _few_matches(session, long_words) if indexed else None
        if few is not None:  # a rare word: look up its few rows rather than walk every name
            return [view(c) for c in session.exec(stmt.where(col(Customer.id).in_(few)))]
        if session.get_bind().dialect.name != "sqlite":
            return [view(c) for c in session.exec(stmt)]
        # Walk the first WALK customers in name order (ix_customer_name_lower): a common
        # word fills the page there. Matches found there come before any later one.
        first = (
            select(col(Customer.id))
            .order_by(func.lower(Customer.name), col(Customer.id))
            .limit(WALK)
            .scalar_subquery()
        )
        found = [view(c) for c in session.exec(stmt.where(col(Customer.id).in_(first)))]
        if len(found) == limit:
            return found
        # Else every match, then sort them: through the search index when a word is long
        # enough for it, else by reading every customer once (the `|| ''` keeps SQLite from
        # walking the whole name index instead).
        unindexed = func.lower(Customer.name).op("||")(literal(""))
        stmt = matching.order_by(unindexed, col(Customer.id)).limit(limit)
        if indexed and long_words:
            stmt = stmt.where(col(Customer.id).in_(_index_query(long_words)))
        return [view(c) for c in session.exec(stmt)]


FEW = 500  # the search index names at most this many rows: look them up; more: walk the names
WALK = 3_000  # customers walked in name order before reading all of them for a rare word


def _few_matches(session: Session, words: list[str]) -> list[int] | None:
    """Ids of customers whose search text holds every word, when there are at most FEW.

    None when there are more (a common word: walking customers in name order finds the
    first matches sooner). Only where the search index is (SQLite 3.34 or later).
    """
    if not words:
        return None
    found = list(session.execute(_index_query(words).limit(FEW + 1)).scalars())
    return found if len(found) <= FEW else None


def _index_query(words: list[str]) -> Select[Any]:
    """Ids whose search text holds every word (3 characters or more), from the trigram index."""
    index = table("customer_search", column("rowid"), column("search_text"))
    query = select(index.c.rowid)
    for word in words:
        query = query.where(index.c.search_text.like(f"%{word}%"))
    return query


def _has_search_index(session: Session) -> bool:
    """The SQLite trigram index of migration 0005 (one cheap catalogue read)."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    found = session.execute(
        text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'customer_search'")
    ).first()
    return found is not None


def get(desk: Desk, customer_id: int) -> CustomerView:
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        c = get_row(session, Customer, customer_id)
        if c is None:
            raise NotFound(f"no customer with id {customer_id}")
        return view(c)


def by_reference(desk: Desk, reference: str) -> CustomerView:
    desk.require(*HANDLERS)
    ref = reference.strip()
    with desk.store.read() as session:
        c = session.exec(select(Customer).where(_reference_is(ref))).first()
        if c is None:
            raise NotFound(
                f"no customer with reference '{ref}': check the reference, or search by name"
            )
        return view(c)


def next_reference(session: object) -> str:
    """The next free C-number, inside the caller's write transaction.

    Not the row count + 1 (a purge or a hand-chosen reference makes that collide):
    one past the highest customer id, stepping over any reference already taken.
    Writers take turns (the store's one-writer rule), so two desks never get the same.
    """
    from sqlmodel import Session

    assert isinstance(session, Session)
    top = session.exec(select(func.max(Customer.id))).one()
    n = int(top or 0) + 1
    while True:
        ref = f"C{n:06d}"
        if session.exec(select(Customer.id).where(Customer.reference == ref)).first() is None:
            return ref
        n += 1


def check_phone(number: str, what: str = "the phone number") -> str:
    """A phone number as typed (trimmed), if it is one; blank is allowed.

    Checked with console.rules.phone: letters, and digits other than 0-9 (Arabic-Indic,
    full-width), are refused, so a call back never goes to a number nobody can dial.
    """
    from console.rules.phone import normalise_uk

    text = " ".join(number.split())
    if text and normalise_uk(text) is None:
        raise InputError(
            f"{what} '{text}' is not a phone number: type the digits 0-9, e.g. 01890 123456 "
            "or +44 1890 123456 (spaces, dashes and brackets are fine), or leave it blank"
        )
    return text


def create(
    desk: Desk,
    name: str,
    *,
    address: str = "",
    phone: str = "",
    email: str = "",
    reference: str = "",
) -> CustomerView:
    """A new customer record, created in place while the caller is on the line."""
    desk.require(*HANDLERS)
    name = person_name(name, empty="the customer's name is empty: type at least a first name")
    if email and "@" not in email:
        raise InputError(f"'{email}' is not an email address: check it, or leave it blank")
    phone = check_phone(phone)
    now = desk.now()
    with desk.store.write() as session:
        ref = reference.strip() or next_reference(session)
        if session.exec(select(Customer).where(Customer.reference == ref)).first() is not None:
            raise InputError(f"reference '{ref}' is already used by another customer")
        c = Customer(
            reference=ref,
            name=name,
            address=address.strip(),
            phone=phone,
            email=email.strip(),
            created_at=now,
            updated_at=now,
        )
        c.search_text = search_text(c)
        session.add(c)
        session.flush()
        desk.audit(session, "created", "customer", c.id, customer_id=c.id)
        return view(c)


# --- The customer record (issue 7): details, needs, restriction, consent, timeline ---------

PREFERRED_CONTACT = ("", "phone", "email", "letter", "text", "visit")
CHANNEL_LABELS = {
    "call": "Call",
    "voicemail": "Voicemail",
    "visit": "Reception visit",
    "email": "Email",
    "social": "Social media",
    "letter": "Letter",
    "home_visit": "Home visit",
}


@dataclass(frozen=True)
class NeedsForm:
    """Communication needs as fields (BHA s3, s9), for the edit dialog and `set_needs`."""

    interpreter_language: str = ""
    bsl_signer: bool = False
    large_print: bool = False
    audio: bool = False
    other_language: str = ""
    induction_loop: bool = False


@dataclass(frozen=True)
class TimelineEntry:
    """One contact or task on a customer's record."""

    at: datetime  # contact: received (letters: the date-stamp); task: when the promise was made
    kind: str  # "contact" or "task"
    id: int
    what: str  # "Letter", "Email", … or the promise ("acknowledge an email, …")
    slug: str  # the channel of a contact, the commitment of a task
    summary: str
    status: str  # contact: its outcome or "logged"; task: open, done, cancelled
    due_at: datetime | None
    staff: str
    details: dict[str, Any]


@dataclass(frozen=True)
class CustomerRecord:
    customer: CustomerView
    phone_alt: str
    needs_form: NeedsForm
    timeline: tuple[TimelineEntry, ...]
    open_tasks: int
    # from the housing system's export (frontdesk import customers); empty when not given
    title: str = ""
    date_of_birth: date | None = None
    tenure: str = ""


def parse_day(value: date | datetime | str, what: str = "the date") -> date:
    """A date typed at the desk: YYYY-MM-DD or DD/MM/YYYY; says exactly what is wrong."""
    if isinstance(value, datetime):
        return value.astimezone(LONDON).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        raise InputError(f"{what} is empty: type it as YYYY-MM-DD, e.g. 2025-11-24")
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    uk = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
    elif uk:
        day, month, year = (int(g) for g in uk.groups())
    else:
        raise InputError(f"{what} '{text}' is not a date: type it as YYYY-MM-DD, e.g. 2025-11-24")
    if not 1 <= month <= 12:
        raise InputError(f"{what} '{text}' has no month {month}: months run 1 to 12")
    if year < 1900:
        raise InputError(f"{what} '{text}' is in the year {year}: check the year")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise InputError(
            f"{what} '{text}' does not exist: {MONTH_NAMES[month - 1]} {year} has {last} days"
        )
    return date(year, month, day)


def parse_time(value: time | str, what: str = "the time") -> time:
    """A time typed at the desk: 14:30, 9:05, 2pm or 2:30pm."""
    if isinstance(value, time):
        return value
    text = str(value).strip().lower().replace(".", ":")
    if not text:
        raise InputError(f"{what} is empty: type it as HH:MM, e.g. 14:30")
    m = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text)
    if m is None or (m.group(2) is None and m.group(3) is None):
        raise InputError(f"{what} '{value}' is not a time: type it as HH:MM, e.g. 14:30")
    hour, minute, half = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if half:
        if not 1 <= hour <= 12:
            raise InputError(f"{what} '{value}' is not a time: with am/pm the hour is 1 to 12")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise InputError(f"{what} '{value}' is not a time: hours run 0-23 and minutes 0-59")
    return time(hour, minute)


def _reference_is(ref: str) -> Any:
    column: Any = Customer.reference
    return or_(column == ref, column == ref.upper())


def resolve(session: Session, customer: int | str) -> Customer:
    """The customer row by id or reference, in the caller's session; NotFound says what to do."""
    if isinstance(customer, int) and not isinstance(customer, bool):
        row = get_row(session, Customer, customer)
        if row is None:
            raise NotFound(f"no customer with id {customer}: search for the customer again")
        return row
    ref = str(customer).strip()
    if not ref:
        raise InputError("no customer chosen: search for the customer first")
    row = session.exec(select(Customer).where(_reference_is(ref))).first()
    if row is None:
        raise NotFound(
            f"no customer with reference '{ref}': check the reference, or search by name"
        )
    return row


class NotAcknowledged(InputError):
    """A contact with a restricted customer, the restriction not yet acknowledged.

    Its own kind, so each screen can add how to acknowledge there (a key, a tick box)."""


def check_restriction(c: Customer, acknowledged: bool) -> None:
    """BHA s12: a contact with a restricted customer is logged only once the restriction is seen."""
    if c.restriction.strip() and not acknowledged:
        raise NotAcknowledged(
            f"{c.name} has an access restriction: {c.restriction}. "
            "Acknowledge it before logging this contact"
        )


def _timeline(session: Session, customer_id: int, limit: int) -> list[TimelineEntry]:
    from console.store.models import Contact, Staff, Task

    names = {s.id: s.name for s in session.exec(select(Staff))}
    entries: list[TimelineEntry] = []
    contacts = session.exec(
        select(Contact)
        .where(Contact.customer_id == customer_id)
        .order_by(Contact.received_at.desc(), Contact.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    for ct in contacts:
        assert ct.id is not None and ct.received_at is not None
        summary = ct.category.replace("-", " ")
        if ct.channel == "home_visit" and ct.scheduled_at is not None:
            visit = local(ct.scheduled_at)
            summary = f"visit {visit:%a %d %b %Y %H:%M}" + (f" · {summary}" if summary else "")
        note = ct.notes.strip().splitlines()[0] if ct.notes.strip() else ""
        if note:
            summary = f"{summary}: {note}" if summary else note
        entries.append(
            TimelineEntry(
                at=ct.received_at,
                kind="contact",
                id=ct.id,
                what=CHANNEL_LABELS.get(ct.channel, ct.channel),
                slug=ct.channel,
                summary=summary,
                status=ct.outcome or "logged",
                due_at=None,
                staff=names.get(ct.staff_id, "") if ct.staff_id else "",
                details=dict(ct.details or {}),
            )
        )
    tasks = session.exec(
        select(Task)
        .where(Task.customer_id == customer_id)
        .order_by(Task.created_at.desc(), Task.id.desc())  # type: ignore[union-attr]
        .limit(limit)
    )
    for t in tasks:
        assert t.id is not None and t.received_at is not None
        staff = names.get(t.assignee_id, "") if t.assignee_id else t.team
        status = t.status if not t.outcome else f"{t.status}: {t.outcome}"
        entries.append(
            TimelineEntry(
                at=t.created_at or t.received_at,
                kind="task",
                id=t.id,
                what=t.title or t.slug,
                slug=t.slug,
                summary=t.note,
                status=status,
                due_at=t.due_at,
                staff=staff,
                details=dict(t.details or {}),
            )
        )
    # Newest first; a task made from a contact sorts above that contact.
    entries.sort(key=lambda e: (e.at, e.kind == "task", e.id), reverse=True)
    return entries[:limit]


def _record(session: Session, c: Customer, limit: int) -> CustomerRecord:
    from console.store.models import Task

    assert c.id is not None
    open_count = session.exec(
        select(func.count())
        .select_from(Task)
        .where(Task.customer_id == c.id, Task.status == "open")
    ).one()
    return CustomerRecord(
        customer=view(c),
        phone_alt=c.phone_alt,
        needs_form=NeedsForm(
            interpreter_language=c.interpreter_language,
            bsl_signer=c.bsl_signer,
            large_print=c.large_print,
            audio=c.audio,
            other_language=c.other_language,
            induction_loop=c.induction_loop,
        ),
        timeline=tuple(_timeline(session, c.id, limit)),
        open_tasks=int(open_count),
        title=c.title,
        date_of_birth=c.date_of_birth,
        tenure=c.tenure,
    )


def open_record(desk: Desk, customer: int | str, *, limit: int = 200) -> CustomerRecord:
    """Open a customer's record: appends the audit event "opened" (who looked, and when)."""
    desk.require(*HANDLERS)
    with desk.store.write() as session:
        c = resolve(session, customer)
        desk.audit(session, "opened", "customer", c.id, customer_id=c.id, detail="record")
        return _record(session, c, limit)


def record(desk: Desk, customer_id: int, *, limit: int = 200) -> CustomerRecord:
    """Reload an open record (after a change elsewhere) without another "opened" event."""
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        return _record(session, resolve(session, customer_id), limit)


def timeline(desk: Desk, customer_id: int, *, limit: int = 200) -> list[TimelineEntry]:
    """Every contact and task of a customer, newest first."""
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        c = resolve(session, customer_id)
        assert c.id is not None
        return _timeline(session, c.id, limit)


def _changed(desk: Desk, session: Session, c: Customer, what: str) -> CustomerView:
    c.updated_at = desk.now()
    c.search_text = search_text(c)
    session.add(c)
    session.flush()
    desk.audit(session, "changed", "customer", c.id, customer_id=c.id, detail=what)
    return view(c)


def update_details(
    desk: Desk,
    customer_id: int,
    *,
    name: str | None = None,
    address: str | None = None,
    phone: str | None = None,
    phone_alt: str | None = None,
    email: str | None = None,
    preferred_contact: str | None = None,
) -> CustomerView:
    """Change contact details; None leaves a field as it is."""
    desk.require(*HANDLERS)
    if name is not None:
        name = person_name(name, empty="the customer's name is empty: type at least a first name")
    if email is not None:
        email = email.strip()
        if email and "@" not in email:
            raise InputError(f"'{email}' is not an email address: check it, or leave it blank")
    if preferred_contact is not None:
        preferred_contact = preferred_contact.strip().lower()
        if preferred_contact not in PREFERRED_CONTACT:
            known = ", ".join(p for p in PREFERRED_CONTACT if p)
            raise InputError(f"'{preferred_contact}' is not a way to contact: choose {known}")
    fields = {
        "name": name,
        "address": None if address is None else address.strip(),
        "phone": None if phone is None else check_phone(phone),
        "phone_alt": None if phone_alt is None else check_phone(phone_alt, "the other number"),
        "email": email,
        "preferred_contact": preferred_contact,
    }
    with desk.store.write() as session:
        c = resolve(session, customer_id)
        changed = [k for k, v in fields.items() if v is not None and getattr(c, k) != v]
        for key in changed:
            setattr(c, key, fields[key])
        return _changed(desk, session, c, "details: " + (", ".join(changed) or "none"))


def set_needs(desk: Desk, customer_id: int, needs: NeedsForm) -> CustomerView:
    """Record communication needs once: every later contact shows and carries them."""
    desk.require(*HANDLERS)
    clean = NeedsForm(
        interpreter_language=" ".join(needs.interpreter_language.split()),
        bsl_signer=bool(needs.bsl_signer),
        large_print=bool(needs.large_print),
        audio=bool(needs.audio),
        other_language=" ".join(needs.other_language.split()),
        induction_loop=bool(needs.induction_loop),
    )
    with desk.store.write() as session:
        c = resolve(session, customer_id)
        for key, value in vars(clean).items():
            setattr(c, key, value)
        return _changed(desk, session, c, "needs: " + (", ".join(needs_of(c)) or "none"))


def set_restriction(
    desk: Desk,
    customer_id: int,
    *,
    what: str,
    why: str,
    review: date | str,
) -> CustomerView:
    """Record an access restriction under the unacceptable behaviour policy (BHA s12).

    A team lead's decision: what is restricted, why, and when it is reviewed
    (a date after today).
    """
    desk.require(*LEADS)
    what = " ".join(what.split())
    why = " ".join(why.split())
    if not what:
        raise InputError("say what the restriction is, e.g. 'contact by letter only'")
    if not why:
        raise InputError("say why the restriction is in place (the decision under the policy)")
    review_day = parse_day(review, "the review date")
    today = local(desk.now()).date()
    if review_day <= today:
        raise InputError(
            f"the review date {review_day:%d %B %Y} is not in the future: choose a date after today"
        )
    with desk.store.write() as session:
        c = resolve(session, customer_id)
        c.restriction, c.restriction_reason, c.restriction_review = what, why, review_day
        return _changed(desk, session, c, f"restriction set, review {review_day.isoformat()}")


def lift_restriction(desk: Desk, customer_id: int, *, why: str) -> CustomerView:
    """End an access restriction (a team lead's decision, with the reason kept in the audit)."""
    desk.require(*LEADS)
    why = " ".join(why.split())
    if not why:
        raise InputError("say why the restriction is lifted")
    with desk.store.write() as session:
        c = resolve(session, customer_id)
        if not c.restriction:
            raise InputError(f"{c.name} has no access restriction to lift")
        c.restriction, c.restriction_reason, c.restriction_review = "", "", None
        return _changed(desk, session, c, f"restriction lifted: {why}")


def set_consent(desk: Desk, customer_id: int, consent: bool) -> CustomerView:
    """Consent to share the customer's information (GDPR): given or withdrawn."""
    desk.require(*HANDLERS)
    with desk.store.write() as session:
        c = resolve(session, customer_id)
        c.consent_to_share = bool(consent)
        return _changed(desk, session, c, "consent given" if consent else "consent withdrawn")
