"""Retention: anonymise what is older than the retention period, keeping the counts.

`plan(desk, years)` says what `purge(desk, years)` would do; nothing is written
until `purge` is called. Admins only (the command line acts as an admin).

What is anonymised (the rows stay, so every count and report stays right):

- **contacts** received before the cut-off (today's date N years ago), unless an
  open task still hangs off them: the visitor's name and the notes are blanked,
  free text in the outcome, category and details is blanked.
- **closed tasks** (done or cancelled) completed before the cut-off (received,
  where no completion time was kept): title, note, extension reason and free
  text in the outcome and details are blanked.
- **customers with no recent activity** (unless `customers=False`): created and
  last changed before the cut-off, with no contact and no task received or
  completed since, and no open task. Name becomes "Anonymised customer", the
  reference becomes ANON-<id>, address, phone numbers, email, communication
  needs, restriction and consent are cleared and the record leaves search.

"Free text" is any string that is not a short code: codes such as `resolved`,
`repair-urgent` or `upheld` (lower case, starting with a letter, at most 40 of
a-z 0-9 - _), ISO dates, numbers and yes/no flags are kept, because the
reports count by them. Everything else (names, phone numbers, emails, notes)
becomes "".

Work is done in batches of 500 rows, each its own transaction with its own audit
event ("anonymised"), so the desks keep working while it runs; an interrupted
purge is finished by running it again. The audit trail itself is never changed.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, or_
from sqlmodel import col, select

from console.desk.context import Desk
from console.rules.clock import LONDON, local
from console.rules.errors import InputError
from console.rules.roles import ADMINS
from console.store.models import Contact, Customer, Task

if TYPE_CHECKING:
    from sqlalchemy.sql.elements import ColumnElement
    from sqlmodel import Session

BATCH = 500
MIN_YEARS, MAX_YEARS = 1, 100
ANONYMOUS_NAME = "Anonymised customer"
_CODE = re.compile(r"[a-z][a-z0-9_\-]{0,39}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ][0-9:.+\-Z]*)?")


@dataclass(frozen=True)
class PurgePlan:
    years: int
    cutoff: date  # anything before this local date is anonymised
    contacts: int
    tasks: int
    customers: int
    done: bool = False  # False: a dry run (the plan); True: it was carried out

    @property
    def total(self) -> int:
        return self.contacts + self.tasks + self.customers

    def summary(self) -> str:
        verb = "Anonymised" if self.done else "Would anonymise"
        return (
            f"{verb}, for records older than {self.years} "
            f"{'year' if self.years == 1 else 'years'} (before {self.cutoff:%d %B %Y}): "
            f"{self.contacts} contacts, {self.tasks} closed tasks, {self.customers} customers"
        )


def check_years(years: object) -> int:
    if isinstance(years, bool) or not isinstance(years, int | float | str):
        raise InputError("the retention period must be a whole number of years, e.g. 6")
    try:
        value = float(years)
    except ValueError:
        raise InputError(f"'{str(years)[:20]}' is not a number of years: give e.g. 6") from None
    if not math.isfinite(value) or value != int(value):  # nan, inf, 1e309, 6.5
        raise InputError("the retention period must be a whole number of years, e.g. 6")
    if not MIN_YEARS <= value <= MAX_YEARS:
        raise InputError(
            f"the retention period must be {MIN_YEARS} to {MAX_YEARS} years, not {years}"
        )
    return int(value)


def cutoff_for(now: datetime, years: int) -> tuple[date, datetime]:
    """The local date N years before today (29 Feb -> 28 Feb) and its start in UTC."""
    today = local(now).date()
    year = today.year - years
    day = min(today.day, calendar.monthrange(year, today.month)[1])
    cut = date(year, today.month, day)
    return cut, datetime.combine(cut, time(0, 0), tzinfo=LONDON).astimezone(UTC)


def scrub(value: Any) -> Any:
    """Keep codes, dates, numbers and flags; blank free text (recursively)."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if value == "" or _CODE.fullmatch(value) or _ISO.fullmatch(value):
            return value
        return ""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return ""


# --- what is due --------------------------------------------------------------------------


def _open_task_on(contact_id: Any) -> ColumnElement[bool]:
    return exists().where(col(Task.contact_id) == contact_id, col(Task.status) == "open")


def _contact_filter(before: datetime) -> ColumnElement[bool]:
    return and_(
        col(Contact.received_at) < before,
        col(Contact.anonymised).is_(False),
        ~_open_task_on(Contact.id),
    )


def _task_filter(before: datetime) -> ColumnElement[bool]:
    return and_(
        col(Task.status) != "open",
        col(Task.anonymised).is_(False),
        func.coalesce(col(Task.completed_at), col(Task.received_at)) < before,
    )


def _customer_filter(before: datetime) -> ColumnElement[bool]:
    recent_contact = exists().where(
        col(Contact.customer_id) == Customer.id, col(Contact.received_at) >= before
    )
    recent_task = exists().where(
        col(Task.customer_id) == Customer.id,
        or_(
            col(Task.status) == "open",
            col(Task.received_at) >= before,
            col(Task.completed_at) >= before,
        ),
    )
    return and_(
        col(Customer.anonymised).is_(False),
        or_(col(Customer.created_at).is_(None), col(Customer.created_at) < before),
        or_(col(Customer.updated_at).is_(None), col(Customer.updated_at) < before),
        ~recent_contact,
        ~recent_task,
    )


def _count(session: Session, model: Any, where: ColumnElement[bool]) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(where)).one())


def plan(desk: Desk, years: int, *, customers: bool = True) -> PurgePlan:
    """What a purge would anonymise now: a dry run, nothing written."""
    desk.require(*ADMINS)
    n = check_years(years)
    cut, before = cutoff_for(desk.now(), n)
    with desk.store.read() as session:
        return PurgePlan(
            years=n,
            cutoff=cut,
            contacts=_count(session, Contact, _contact_filter(before)),
            tasks=_count(session, Task, _task_filter(before)),
            customers=_count(session, Customer, _customer_filter(before)) if customers else 0,
        )


# --- doing it -----------------------------------------------------------------------------


def _batches(desk: Desk, model: Any, where: ColumnElement[bool]) -> Iterator[list[int]]:
    last = 0
    while True:
        with desk.store.read() as session:
            ids = list(
                session.exec(
                    select(model.id).where(where, model.id > last).order_by(model.id).limit(BATCH)
                )
            )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _anonymise_contact(ct: Contact) -> None:
    ct.visitor_name = ""
    ct.notes = ""
    ct.outcome = scrub(ct.outcome)
    ct.category = scrub(ct.category)
    ct.details = scrub(dict(ct.details or {}))
    ct.anonymised = True


def _anonymise_task(t: Task) -> None:
    t.title = ""
    t.note = ""
    t.extended_reason = ""
    t.outcome = scrub(t.outcome)
    t.details = scrub(dict(t.details or {}))
    t.anonymised = True


def _anonymise_customer(c: Customer) -> None:
    c.name = ANONYMOUS_NAME
    c.reference = f"ANON-{c.id:06d}"
    c.address = c.phone = c.phone_alt = c.email = ""
    c.interpreter_language = c.other_language = ""
    c.bsl_signer = c.large_print = c.audio = c.induction_loop = False
    c.preferred_contact = ""
    c.restriction = c.restriction_reason = ""
    c.restriction_review = None
    c.consent_to_share = False
    c.title = c.postcode = c.tenure = ""
    c.date_of_birth = None
    c.search_text = ""
    c.anonymised = True


def purge(desk: Desk, years: int, *, customers: bool = True) -> PurgePlan:
    """Anonymise what `plan` counts; returns what was done (done=True)."""

    desk.require(*ADMINS)
    n = check_years(years)
    cut, before = cutoff_for(desk.now(), n)
    why = f"retention {n} {'year' if n == 1 else 'years'}, before {cut.isoformat()}"
    totals = {"contact": 0, "task": 0, "customer": 0}

    for ids in _batches(desk, Contact, _contact_filter(before)):
        with desk.store.write() as session:
            rows = session.exec(
                select(Contact).where(col(Contact.id).in_(ids), _contact_filter(before))
            ).all()
            for ct in rows:
                _anonymise_contact(ct)
                session.add(ct)
            if rows:
                desk.audit(
                    session,
                    "anonymised",
                    "contact",
                    None,
                    detail=f"{len(rows)} contacts: {why}",
                )
            totals["contact"] += len(rows)

    for ids in _batches(desk, Task, _task_filter(before)):
        with desk.store.write() as session:
            rows_t = session.exec(
                select(Task).where(col(Task.id).in_(ids), _task_filter(before))
            ).all()
            for t in rows_t:
                _anonymise_task(t)
                session.add(t)
            if rows_t:
                desk.audit(
                    session,
                    "anonymised",
                    "task",
                    None,
                    detail=f"{len(rows_t)} closed tasks: {why}",
                )
            totals["task"] += len(rows_t)

    if customers:
        for ids in _batches(desk, Customer, _customer_filter(before)):
            with desk.store.write() as session:
                rows_c = session.exec(
                    select(Customer).where(col(Customer.id).in_(ids), _customer_filter(before))
                ).all()
                for c in rows_c:
                    _anonymise_customer(c)
                    c.updated_at = desk.now()
                    session.add(c)
                    desk.audit(
                        session, "anonymised", "customer", c.id, customer_id=c.id, detail=why
                    )
                totals["customer"] += len(rows_c)

    done = PurgePlan(
        years=n,
        cutoff=cut,
        contacts=totals["contact"],
        tasks=totals["task"],
        customers=totals["customer"],
        done=True,
    )
    with desk.store.write() as session:
        desk.audit(session, "purged", "retention", None, detail=done.summary())
    return done
