"""One description of a contact row: what every channel's contact carries.

The desk services add a contact through these inside their transaction, and the demo
builds its bulk insert from them, so demo data cannot drift from what a desk writes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from console.desk.customers import needs_of
from console.rules.clock import local
from console.rules.errors import InputError
from console.store.models import CHANNELS, Contact, Customer


def contact_row(
    channel: str,
    *,
    received_at: datetime,
    created_at: datetime,
    **fields: Any,
) -> Contact:
    """A new contact on `channel`; `day` is the local (Europe/London) date it was received."""
    if channel not in CHANNELS:
        raise InputError(f"'{channel}' is not a channel: use one of {', '.join(CHANNELS)}")
    if received_at.tzinfo is None:
        raise InputError("a contact needs an aware 'received at' instant")
    return Contact(
        channel=channel,
        received_at=received_at,
        day=local(received_at).date(),
        created_at=created_at,
        **fields,
    )


def customer_contact_row(
    channel: str,
    customer: Customer,
    *,
    received_at: datetime,
    created_at: datetime,
    staff_id: int | None,
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> Contact:
    """A contact from a known customer, carrying the customer's needs of the day (so a
    report of the contact still shows them after the customer's record changes)."""
    extra = dict(details or {})
    needs = needs_of(customer)
    if needs:
        extra.setdefault("needs", list(needs))
    return contact_row(
        channel,
        received_at=received_at,
        created_at=created_at,
        customer_id=customer.id,
        staff_id=staff_id,
        details=extra,
        **fields,
    )
