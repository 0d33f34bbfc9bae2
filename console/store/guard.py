"""The append-only guard on the audit trail (the `event` table).

Nothing in Front Desk updates or deletes an event. `open_store` calls
`install()`, which refuses it at three levels, for every session and engine
in the process:

- the ORM session (`before_flush`): an Event changed or deleted in a session;
- ORM statements (`do_orm_execute`): `update(Event)` / `delete(Event)`;
- the wire (`before_cursor_execute`): any SQL that updates, deletes, truncates, drops
  or alters `event`, wherever it sits in the statement (after a comment, in a WITH,
  an upsert's DO UPDATE).

Each raises `AppendOnlyViolation` and the transaction rolls back. This is the
second line: the first is the database's own triggers (migration 0003), which hold
for a raw driver cursor and for any other program too.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session

from console.store.models import Event


class AppendOnlyViolation(RuntimeError):
    """A code path tried to change or delete an audit event: a bug, refused."""


# --- the append-only guards ----------------------------------------------------------------

_EVENT = r"""(?:["`\[]?\w+["`\]]?\.)?["`\[]?event["`\]]?(?![\w"`\]])"""
# Anywhere in the statement (after a comment, inside WITH ...), not only at its start.
_WRITE_TO_EVENT = re.compile(
    r"\b(?:UPDATE\s+(?:OR\s+\w+\s+)?(?:ONLY\s+)?|DELETE\s+FROM\s+(?:ONLY\s+)?|REPLACE\s+INTO\s+"
    r"|INSERT\s+OR\s+REPLACE\s+INTO\s+|TRUNCATE\s+(?:TABLE\s+)?(?:ONLY\s+)?"
    r"|DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?|ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?)"
    + _EVENT,
    re.IGNORECASE,
)
_UPSERT_EVENT = re.compile(
    r"\bINSERT\s+INTO\s+" + _EVENT + r".*\bON\s+CONFLICT\b.*\bDO\s+UPDATE\b",
    re.IGNORECASE | re.DOTALL,
)
_COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
_SUSPECT = ("UPDATE", "DELETE", "REPLACE", "TRUNCATE", "DROP", "ALTER", "CONFLICT")


def tampers_with_events(statement: str) -> bool:
    """True for SQL that would change, remove or unshape the audit trail."""
    upper = statement.upper()
    if "EVENT" not in upper or not any(word in upper for word in _SUSPECT):
        return False  # the common case, decided without a regex
    bare = _COMMENTS.sub(" ", statement)
    return bool(_WRITE_TO_EVENT.search(bare) or _UPSERT_EVENT.search(bare))


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.deleted:
        if isinstance(obj, Event):
            raise AppendOnlyViolation(
                f"audit event {obj.id} cannot be deleted: the trail is append-only"
            )
    for obj in session.dirty:
        if isinstance(obj, Event) and session.is_modified(obj, include_collections=False):
            raise AppendOnlyViolation(
                f"audit event {obj.id} cannot be changed: the trail is append-only"
            )


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    table = getattr(state.statement, "table", None)
    if (mapper is not None and mapper.class_ is Event) or getattr(table, "name", None) == "event":
        raise AppendOnlyViolation(
            "audit events cannot be updated or deleted: the trail is append-only"
        )


def _before_cursor_execute(
    _conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _executemany: bool
) -> None:
    if tampers_with_events(statement):
        raise AppendOnlyViolation(
            "audit events cannot be updated or deleted: the trail is append-only"
        )


def install() -> None:
    """Register the guards once, for every session and engine in the process."""
    if not sa_event.contains(Session, "before_flush", _before_flush):
        sa_event.listen(Session, "before_flush", _before_flush)
    if not sa_event.contains(Session, "do_orm_execute", _do_orm_execute):
        sa_event.listen(Session, "do_orm_execute", _do_orm_execute)
    if not sa_event.contains(Engine, "before_cursor_execute", _before_cursor_execute):
        sa_event.listen(Engine, "before_cursor_execute", _before_cursor_execute)
