"""Customers: find as you type, create in place, and what every contact must honour.

A customer's communication needs and access restriction are recorded once and
shown wherever that customer appears (BHA s3, s9, s12).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_
from sqlmodel import select

from console.desk import HANDLERS, Desk
from console.errors import InputError, NotFound
from console.models import Customer


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
    parts = [c.reference, c.name, c.address, c.phone, c.phone_alt, c.email]
    digits = [p.replace(" ", "") for p in (c.phone, c.phone_alt) if p]
    return "|".join(p.lower() for p in parts + digits if p)


def search(desk: Desk, query: str, limit: int = 20) -> list[CustomerView]:
    """Any part of a name, address, phone number or reference; every word must match."""
    desk.require(*HANDLERS)
    words = [w for w in query.lower().split() if w]
    if not words:
        return []
    stmt = select(Customer).where(Customer.anonymised == False)  # noqa: E712
    for word in words:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(Customer.search_text.like(like))  # type: ignore[attr-defined]
    stmt = stmt.order_by(func.lower(Customer.name)).limit(limit)
    with desk.store.read() as session:
        return [view(c) for c in session.exec(stmt)]


def get(desk: Desk, customer_id: int) -> CustomerView:
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        c = session.get(Customer, customer_id)
        if c is None:
            raise NotFound(f"no customer with id {customer_id}")
        return view(c)


def by_reference(desk: Desk, reference: str) -> CustomerView:
    desk.require(*HANDLERS)
    ref = reference.strip()
    with desk.store.read() as session:
        c = session.exec(
            select(Customer).where(or_(Customer.reference == ref, Customer.reference == ref.upper()))
        ).first()
        if c is None:
            raise NotFound(f"no customer with reference '{ref}': check the reference, or search by name")
        return view(c)


def next_reference(session: object) -> str:
    from sqlmodel import Session

    assert isinstance(session, Session)
    count = session.exec(select(func.count()).select_from(Customer)).one()
    return f"C{int(count) + 1:06d}"


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
    name = " ".join(name.split())
    if not name:
        raise InputError("the customer's name is empty: type at least a first name")
    if email and "@" not in email:
        raise InputError(f"'{email}' is not an email address: check it, or leave it blank")
    now = desk.now()
    with desk.store.write() as session:
        ref = reference.strip() or next_reference(session)
        if session.exec(select(Customer).where(Customer.reference == ref)).first() is not None:
            raise InputError(f"reference '{ref}' is already used by another customer")
        c = Customer(
            reference=ref,
            name=name,
            address=address.strip(),
            phone=phone.strip(),
            email=email.strip(),
            created_at=now,
            updated_at=now,
        )
        c.search_text = search_text(c)
        session.add(c)
        session.flush()
        desk.audit(session, "created", "customer", c.id, customer_id=c.id)
        return view(c)
