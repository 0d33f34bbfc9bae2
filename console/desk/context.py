"""The desk: who is acting, under which profile, at what time, on which store.

Every desk service takes a `Desk` first. Services validate, write in one
transaction through `desk.store.write()`, append audit events with `desk.audit()`,
and return plain dataclasses (never ORM objects) to the screens and the CLI.
"""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from console.rules.clock import Clock, SystemClock
from console.rules.errors import PermissionDenied
from console.store.models import Event

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.rules.profiles import Profile
    from console.store.engine import Store


@dataclass(frozen=True)
class Actor:
    """The signed-in staff member. Every record carries who made it."""

    id: int
    name: str
    login: str
    role: str  # handler, reception, team_lead, admin
    team: str = ""

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split() if part).upper()


# What an audit event may quote of text a person typed: lower-case words (an outcome such
# as "called back", a reason such as "duplicate"). Anything else (a capital, a digit, an @)
# may be a name, a phone number or an address: the event says where the text is kept
# instead, because the trail is append-only and retention can blank the record but never
# the event (issue 14).
_QUOTABLE = re.compile(r"[a-z][a-z ,.;:'()/#-]{0,59}")
KEPT_ON_RECORD = "(text kept on the record)"


def for_audit(text: str) -> str:
    """`text` if an audit event may quote it, else a pointer to the record that keeps it."""
    text = " ".join((text or "").split())
    bare = re.sub(r"#\d{1,12}\b", "#", text)  # a task number ("duplicate of #12") is no one's
    return text if not text or _QUOTABLE.fullmatch(bare) else KEPT_ON_RECORD


CLI_LOGIN = "cli"


def cli_actor() -> Actor:
    """The command line acts as an admin with no staff row (id 0): events get staff_id NULL.

    Whoever can run `frontdesk` on this machine account can open the database file
    anyway; the audit detail names the operating-system user.
    """
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment
        user = "unknown"
    return Actor(0, f"command line ({user})", f"{CLI_LOGIN}:{user}", "admin", "")


def is_cli(actor: Actor | None) -> bool:
    return actor is not None and actor.id == 0 and actor.login.startswith(CLI_LOGIN)


@dataclass
class Desk:
    store: Store
    profile: Profile
    clock: Clock = field(default_factory=SystemClock)
    actor: Actor | None = None
    # Due instants worked out before a write (see outcomes.prepare_deadlines), by slug and
    # receipt: the next open_task under the write lock finds its deadline here.
    _dues: dict[tuple[str, datetime], datetime] = field(
        default_factory=dict, repr=False, compare=False
    )

    def now(self) -> datetime:
        return self.clock.now()

    def due(self, slug: str, received: datetime) -> datetime:
        """When a commitment received at `received` is due (remembered for the next write)."""
        from console.rules.deadlines import due_at

        key = (slug, received)
        found = self._dues.get(key)
        if found is None:
            if len(self._dues) > 64:
                self._dues.clear()
            found = self._dues[key] = due_at(self.profile, slug, received)
        return found

    def require(self, *roles: str) -> Actor:
        """The actor, if signed in with one of these roles; otherwise PermissionDenied.

        The role and the active flag are read from the database at every call, not
        remembered from sign-in: a member of staff an admin has just deactivated or
        demoted loses those powers at the next thing their open seat does.
        """
        if self.actor is None:
            raise PermissionDenied("sign in first: every record carries who made it")
        if self.actor.id:  # id 0 is the command line, which has no staff row
            self.actor = self._current(self.actor)
        if roles and self.actor.role not in roles:
            allowed = ", ".join(r.replace("_", " ") for r in roles)
            raise PermissionDenied(
                f"{self.actor.name} is signed in as {self.actor.role.replace('_', ' ')}; "
                f"this needs one of: {allowed}"
            )
        return self.actor

    def _current(self, actor: Actor) -> Actor:
        from console.store.ids import get_row
        from console.store.models import Staff

        with self.store.read() as session:
            row = get_row(session, Staff, actor.id)
            if row is None or not row.active:
                raise PermissionDenied(
                    f"{actor.name} is no longer an active member of staff: "
                    "sign out, and ask an admin if this is a mistake"
                )
            if row.role == actor.role and row.name == actor.name and row.team == actor.team:
                return actor
            return Actor(actor.id, row.name, actor.login, row.role, row.team)

    def audit(
        self,
        session: Session,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        customer_id: int | None = None,
        detail: str = "",
    ) -> None:
        """Append one audit event in the caller's transaction (append-only: never updated).

        Command-line work has no staff row: its events say "cli <user>" (the
        operating-system user) in the detail, on every path.
        """
        if is_cli(self.actor):
            assert self.actor is not None
            who = self.actor.login.split(":", 1)[-1]
            detail = f"cli {who}" + (f": {detail}" if detail else "")
        session.add(
            Event(
                at=self.now(),
                staff_id=self.actor.id if self.actor and self.actor.id else None,  # id 0: the CLI
                action=action,
                entity=entity,
                entity_id=entity_id,
                customer_id=customer_id,
                detail=detail,
            )
        )

    def with_actor(self, actor: Actor | None) -> Desk:
        return Desk(self.store, self.profile, self.clock, actor)
