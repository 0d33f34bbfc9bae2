"""Row ids that come from outside (a screen, the CLI, an import), checked before any query.

SQLite and PostgreSQL hold row ids up to 2**63 - 1. A bigger (or very negative)
Python int makes the database driver raise OverflowError, which is not a
FrontDeskError, so every service that looks a row up by an id it was given
checks it here first: anything that cannot be a row id is simply not found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console.rules.errors import NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

MAX_ID = 2**63 - 1  # the largest row id SQLite and PostgreSQL can hold


def is_row_id(value: object) -> bool:
    """True for a whole number that a row could have as its id (1 to MAX_ID)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def checked_id(value: object, what: str) -> int:
    """`value` if it can be a row id; otherwise NotFound("no <what> with id <value>")."""
    if not is_row_id(value):
        raise NotFound(f"no {what} with id {value!r}")
    assert isinstance(value, int)
    return value


def get_row(session: Session, model: Any, row_id: object) -> Any:
    """``session.get`` for an id from outside: None for anything that cannot be a row id."""
    if not is_row_id(row_id):
        return None
    return session.get(model, row_id)
