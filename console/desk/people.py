"""Staff: sign-in with a PIN, roles, and the admin's staff list.

- A PIN is 4 to 8 digits, stored only as a salted scrypt hash (console.rules.pins);
  there is never a default PIN. Five wrong PINs in a row lock that login for
  five minutes; an admin's PIN reset unlocks it at once.
- Roles: handler, reception, team_lead, admin (console.desk.context HANDLERS/LEADS/ADMINS).
  Adding staff, deactivating, resetting a PIN and changing a role are for admins.
  The last active admin cannot be deactivated or demoted, and nobody can
  deactivate themselves, so the console can never lock everyone out.
- First run: while no active admin with a PIN exists, `first_run_needed()` is
  true and `create_first_admin()` (the sign-in screen's form) or
  `frontdesk staff add --role admin` makes one.
- The command line runs as `cli_actor()`: whoever holds the machine account and
  can open the database file. Its audit events have no staff id (staff_id NULL)
  and a detail that starts "cli <user>".
- Every change, sign-in, failed PIN and lock is an audit event (never the PIN).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select

from console.desk.context import Actor, Desk
from console.rules.clock import Clock, SystemClock, local
from console.rules.errors import InputError, NotFound, PermissionDenied, SignInError
from console.rules.pins import hash_pin, verify_pin
from console.rules.roles import ADMINS, HANDLERS, ROLE_WORDS, ROLES
from console.store.models import Event, Staff

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.store.engine import Store

MAX_TRIES = 5
LOCK_MINUTES = 5
PIN_MIN, PIN_MAX = 4, 8
NAME_MAX = 100
TEAM_MAX = 60
_LOGIN_RE = re.compile(r"[a-z][a-z0-9._-]{0,31}")


@dataclass(frozen=True)
class StaffView:
    """A staff member as screens and the CLI see it (never the PIN hash)."""

    id: int
    name: str
    login: str
    role: str
    team: str
    active: bool
    has_pin: bool
    locked_until: datetime | None
    created_at: datetime | None

    @property
    def role_words(self) -> str:
        return ROLE_WORDS.get(self.role, self.role)

    def status(self, now: datetime) -> str:
        if not self.active:
            return "deactivated"
        if self.locked_until is not None and self.locked_until > now:
            return f"locked until {local(self.locked_until):%H:%M}"
        if not self.has_pin:
            return "no PIN"
        return "active"


@dataclass(frozen=True)
class Colleague:
    """Who else works here: enough to assign a task or show a name."""

    id: int
    name: str
    role: str
    team: str


def view(s: Staff) -> StaffView:
    assert s.id is not None
    return StaffView(
        id=s.id,
        name=s.name,
        login=s.login,
        role=s.role,
        team=s.team,
        active=s.active,
        has_pin=bool(s.pin_hash),
        locked_until=s.locked_until,
        created_at=s.created_at,
    )


def actor_of(s: Staff) -> Actor:
    assert s.id is not None
    return Actor(s.id, s.name, s.login, s.role, s.team)


# --- input rules -------------------------------------------------------------------------


def check_pin(pin: object, what: str = "the PIN") -> str:
    """A PIN is 4 to 8 digits (0-9). Returns it; InputError says what is wrong."""
    if not isinstance(pin, str):
        raise InputError(f"{what} must be typed as digits")
    if not pin:
        raise InputError(f"{what} is empty: type {PIN_MIN} to {PIN_MAX} digits")
    if not pin.isascii() or not pin.isdigit():
        raise InputError(f"{what} must be digits only (0-9), {PIN_MIN} to {PIN_MAX} of them")
    if not PIN_MIN <= len(pin) <= PIN_MAX:
        raise InputError(f"{what} must be {PIN_MIN} to {PIN_MAX} digits long, not {len(pin)}")
    if len(set(pin)) == 1:
        raise InputError(f"{what} must not be one digit repeated: choose a harder PIN")
    if pin in "0123456789" or pin in "9876543210":
        raise InputError(f"{what} must not be a run of digits like 1234: choose a harder PIN")
    return pin


def check_login(login: object) -> str:
    """A login: lower case letters, digits, dots, dashes, underscores; starts with a letter."""
    if not isinstance(login, str):
        raise InputError("the login must be text, e.g. asmith")
    clean = login.strip().lower()
    if not clean:
        raise InputError("the login is empty: type one, e.g. asmith")
    if not _LOGIN_RE.fullmatch(clean):
        raise InputError(
            f"the login '{clean[:40]}' is not allowed: use 1 to 32 letters, digits, dots, dashes "
            "or underscores, starting with a letter (e.g. asmith)"
        )
    return clean


def check_name(name: object) -> str:
    from console.rules.names import person_name

    return person_name(name, empty="the name is empty: type the staff member's full name")


def check_role(role: object) -> str:
    text = str(role).strip().lower().replace(" ", "_").replace("-", "_")
    if text not in ROLES:
        allowed = ", ".join(ROLE_WORDS[r] for r in ROLES)
        raise InputError(f"'{str(role)[:40]}' is not a role: choose {allowed}")
    return text


def check_team(team: object) -> str:
    if not isinstance(team, str):
        raise InputError("the team must be text")
    clean = " ".join(team.split())
    if len(clean) > TEAM_MAX:
        raise InputError(f"the team name is {len(clean)} characters long: keep it under {TEAM_MAX}")
    if not clean.isprintable():
        raise InputError("the team name holds control characters: type it again")
    return clean


def suggest_login(name: str) -> str:
    """A login from a name: first initial and surname, e.g. 'Ann Smith' -> 'asmith'."""
    words = [re.sub(r"[^a-z0-9]", "", w.lower()) for w in name.split()]
    words = [w for w in words if w]
    if not words:
        return ""
    login = words[0] if len(words) == 1 else words[0][0] + words[-1]
    login = login.lstrip("0123456789")
    return login[:32]


# --- look-ups ----------------------------------------------------------------------------


def _resolve(session: Session, staff: int | str) -> Staff:
    if isinstance(staff, int) and not isinstance(staff, bool):
        row = session.get(Staff, staff) if 0 < staff < 2**63 else None
        if row is None:
            raise NotFound(f"no staff member with id {staff}: check the staff list")
        return row
    login = str(staff).strip().lower()
    if not login:
        raise InputError("no staff member chosen: give a login")
    row = session.exec(select(Staff).where(Staff.login == login)).first()
    if row is None:
        raise NotFound(f"no staff member with login '{login[:40]}': see `frontdesk staff list`")
    return row


def _active_admins(session: Session) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(Staff)
            .where(Staff.role == "admin", col(Staff.active).is_(True), Staff.pin_hash != "")
        ).one()
    )


def first_run_needed(store: Store) -> bool:
    """True while no active admin with a PIN exists: the console asks to create one."""
    with store.read() as session:
        return _active_admins(session) == 0


def sign_in_choices(store: Store) -> list[StaffView]:
    """Active staff with a PIN, by name: the list the sign-in screen shows (no desk yet)."""
    with store.read() as session:
        rows = session.exec(
            select(Staff)
            .where(col(Staff.active).is_(True), Staff.pin_hash != "")
            .order_by(func.lower(Staff.name), col(Staff.id))
        )
        return [view(s) for s in rows]


def list_staff(desk: Desk, *, include_inactive: bool = True) -> list[StaffView]:
    """Everyone, active first then by name (admins only)."""
    desk.require(*ADMINS)
    stmt = select(Staff)
    if not include_inactive:
        stmt = stmt.where(col(Staff.active).is_(True))
    stmt = stmt.order_by(col(Staff.active).desc(), func.lower(Staff.name), col(Staff.id))
    with desk.store.read() as session:
        return [view(s) for s in session.exec(stmt)]


def get_staff(desk: Desk, staff: int | str) -> StaffView:
    desk.require(*ADMINS)
    with desk.store.read() as session:
        return view(_resolve(session, staff))


def colleagues(desk: Desk) -> list[Colleague]:
    """Active staff (names, roles, teams) for anyone signed in: to assign or show a name."""
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        rows = session.exec(
            select(Staff)
            .where(col(Staff.active).is_(True))
            .order_by(func.lower(Staff.name), col(Staff.id))
        )
        return [Colleague(s.id or 0, s.name, s.role, s.team) for s in rows]


# --- sign-in -----------------------------------------------------------------------------


def _sign_in_event(session: Session, staff_id: int, at: datetime, action: str, detail: str) -> None:
    session.add(
        Event(
            at=at,
            staff_id=staff_id,
            action=action,
            entity="staff",
            entity_id=staff_id,
            detail=detail,
        )
    )


SIGN_OUT_REASONS = {
    "signed_out": "signed out",
    "desk_locked": "locked the desk",
    "idle": "desk locked after {minutes:g} minutes idle",
}


def sign_out(desk: Desk, reason: str = "signed_out", *, minutes: float = 0) -> None:
    """Audit the end of a sitting at the desk: a sign-out, a lock, or the idle lock.

    The screen does the rest (the sign-in screen, the kept form); the trail shows who
    left the desk when, so a record made later under the wrong name can be questioned.
    """
    actor = desk.actor
    if actor is None:
        return
    if reason not in SIGN_OUT_REASONS:
        raise InputError(f"'{reason}' is not a way to leave the desk")
    action = "signed_out" if reason == "signed_out" else "desk_locked"
    detail = SIGN_OUT_REASONS[reason].format(minutes=minutes)
    with desk.store.write() as session:
        _sign_in_event(session, actor.id, desk.clock.now(), action, detail)


def seat_source() -> str:
    """Where this seat is, for the lock-out: the browser's address for a web seat (set by
    `frontdesk serve`), else the SSH client's address, else this machine's name."""
    import os
    import socket

    web = os.environ.get("FRONTDESK_SEAT", "").strip()
    if web:
        return web[:80]
    ssh = os.environ.get("SSH_CONNECTION", "").split()
    if ssh:
        return f"ssh {ssh[0]}"[:80]
    return f"terminal on {socket.gethostname()}"[:80]


ELSEWHERE = "elsewhere"  # every seat this login has never signed in from, counted as one
_SIGN_IN_ACTIONS = ("signed_in", "sign_in_failed", "locked", "pin_reset")
MAX_LOCK_DOUBLINGS = 20  # 5 min x 2**20 is ten years: past that it makes no difference


def lock_minutes(failures: int) -> int:
    """How long a seat waits after its `failures`-th wrong PIN in a row: nothing for the first
    four, then 5 minutes, doubling with every further wrong PIN (5, 10, 20, 40 ... minutes)."""
    if failures < MAX_TRIES:
        return 0
    return LOCK_MINUTES * 2 ** min(failures - MAX_TRIES, MAX_LOCK_DOUBLINGS)


@dataclass(frozen=True)
class _Ledger:
    """The wrong PINs in a row that count against one seat, read from the audit trail."""

    key: str  # the seat, or ELSEWHERE for a seat this login never signed in from
    failures: int
    last_failure: datetime | None

    @property
    def locked_until(self) -> datetime | None:
        wait = lock_minutes(self.failures)
        if not wait or self.last_failure is None:
            return None
        return self.last_failure + timedelta(minutes=wait)


def _ledger(session: Session, staff_id: int, source: str) -> _Ledger:
    """Wrong PINs per seat since that seat's last good sign-in (or the last PIN reset).

    Counting per seat means a stranger guessing from elsewhere never locks the real person
    out of the seat they sign in from; counting every unknown seat as one means a stranger
    gains nothing by moving (or by opening more browser tabs).
    """
    rows = session.exec(
        select(Event.action, Event.detail, Event.at)
        .where(
            Event.entity == "staff",
            Event.entity_id == staff_id,
            col(Event.action).in_(_SIGN_IN_ACTIONS),
        )
        .order_by(col(Event.id))
    ).all()
    known = {_source_of(d) for a, d, _ in rows if a == "signed_in"}
    key = source if source in known else ELSEWHERE
    failures = 0
    last: datetime | None = None
    for action, detail, at in rows:
        if action == "pin_reset" or (action == "signed_in" and _source_of(detail) == key):
            failures, last = 0, None
        elif action in ("sign_in_failed", "locked"):
            where = _source_of(detail)
            if (where if where in known else ELSEWHERE) == key:
                failures += 1
                last = at
    return _Ledger(key, failures, last)


def _source_of(detail: str) -> str:
    """The seat in an event's detail ("from <seat>", "wrong PIN from <seat>")."""
    padded = f" {detail}"
    return padded.rsplit(" from ", 1)[1] if " from " in padded else ""


def _locked_message(s: Staff, until: datetime, failures: int, now: datetime) -> str:
    when = (
        f"{local(until):%H:%M:%S}"
        if until - now < timedelta(hours=20)
        else (f"{local(until):%d %b %Y %H:%M}")
    )
    return (
        f"{s.name}'s login is locked after {failures} wrong PINs until {when}"
        f"{'' if failures <= MAX_TRIES else ' (each wrong PIN doubles the wait)'}: "
        "try again then, or ask an admin to reset the PIN"
    )


def sign_in(
    store: Store, login: str, pin: str, clock: Clock | None = None, *, source: str | None = None
) -> Actor:
    """The signed-in Actor, or SignInError saying why not (and, when locked, until when).

    Lock-out is per seat (`source`; default: this seat, see `seat_source`): four wrong
    PINs in a row are free, the fifth locks that seat out of this login for five
    minutes, and every further wrong PIN from it doubles the wait. While locked the PIN
    is not even checked. Something no PIN can be (too short, too long, not digits) is
    refused without using up a try. A good sign-in from a seat clears that seat's count;
    an admin's PIN reset clears every seat's. Every sign-in, wrong PIN and lock is
    audited, and the counts are read back from those audit events.
    """
    clock = clock or SystemClock()
    where = " ".join((source if source is not None else seat_source()).split())[:80]
    where = where.replace(" from ", " ") or "unknown seat"
    if not isinstance(login, str) or not login.strip():
        raise SignInError("choose your name from the list first")
    if not isinstance(pin, str) or not pin:
        raise SignInError("type your PIN")
    key = login.strip().lower()
    with store.read() as session:
        row = session.exec(select(Staff).where(Staff.login == key)).first()
        if row is None:
            raise SignInError(f"nobody signs in as '{key[:40]}': choose your name from the list")
        if not row.active:
            raise SignInError(f"{row.name}'s login is deactivated: ask an admin")
        if not row.pin_hash:
            raise SignInError(f"{row.name} has no PIN yet: ask an admin to set one")
        assert row.id is not None
        now = clock.now()
        ledger = _ledger(session, row.id, where)
        until = ledger.locked_until
        if until is not None and until > now:
            raise SignInError(_locked_message(row, until, ledger.failures, now))
        stored = row.pin_hash
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        # No PIN has that shape: a slip of the finger, not a guess, so no try is used up.
        raise SignInError(
            f"a PIN is {PIN_MIN} to {PIN_MAX} digits (0-9): type it again "
            "(that did not count as a wrong PIN)"
        )
    # The slow hash runs outside the write lock; the count is then settled in one transaction.
    good = len(pin) <= 64 and verify_pin(pin, stored)
    failure: str | None = None
    with store.write() as session:
        s = session.get(Staff, row.id)
        now = clock.now()
        if s is None or not s.active or s.pin_hash != stored:
            failure = "your login changed while signing in: try again"
        else:
            assert s.id is not None
            ledger = _ledger(session, s.id, where)
            until = ledger.locked_until
            if until is not None and until > now:
                failure = _locked_message(s, until, ledger.failures, now)
            elif good:
                s.failed_attempts = 0
                s.locked_until = None
                session.add(s)
                _sign_in_event(session, s.id, now, "signed_in", f"from {where}")
                return actor_of(s)
            else:
                failures = ledger.failures + 1
                wait = lock_minutes(failures)
                s.failed_attempts = failures
                if wait:
                    until = now + timedelta(minutes=wait)
                    s.locked_until = until
                    _sign_in_event(
                        session, s.id, now, "locked", f"{failures} wrong PINs from {where}"
                    )
                    failure = "wrong PIN. " + _locked_message(s, until, failures, now)
                else:
                    left = MAX_TRIES - failures
                    _sign_in_event(session, s.id, now, "sign_in_failed", f"wrong PIN from {where}")
                    failure = (
                        f"wrong PIN: {left} {'try' if left == 1 else 'tries'} left before "
                        f"the login locks for {LOCK_MINUTES} minutes"
                    )
                session.add(s)
    raise SignInError(failure or "sign-in failed: try again")


def create_first_admin(
    store: Store, name: str, login: str, pin: str, clock: Clock | None = None, *, team: str = ""
) -> Actor:
    """The first run: make the first admin (only while no active admin exists) and sign in."""
    clock = clock or SystemClock()
    name = check_name(name)
    login = check_login(login)
    pin = check_pin(pin)
    team = check_team(team)
    digest = hash_pin(pin)
    with store.write() as session:
        if _active_admins(session) > 0:
            raise PermissionDenied("an admin already exists: sign in, and ask them to add you")
        existing = session.exec(select(Staff).where(Staff.login == login)).first()
        if existing is not None:
            raise InputError(f"the login '{login}' belongs to {existing.name}: choose another")
        now = clock.now()
        row = Staff(
            name=name, login=login, role="admin", team=team, pin_hash=digest, created_at=now
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        session.add(
            Event(
                at=now,
                staff_id=row.id,
                action="created",
                entity="staff",
                entity_id=row.id,
                detail="first admin, role admin",
            )
        )
        _sign_in_event(session, row.id, now, "signed_in", "first run")
        return actor_of(row)


# --- staff admin (admins only) -----------------------------------------------------------


def add_staff(
    desk: Desk, name: str, login: str, role: str, pin: str, *, team: str = ""
) -> StaffView:
    """A new staff member with their own PIN (never a default one)."""
    desk.require(*ADMINS)
    name = check_name(name)
    login = check_login(login)
    role = check_role(role)
    pin = check_pin(pin)
    team = check_team(team)
    digest = hash_pin(pin)
    with desk.store.write() as session:
        taken = session.exec(select(Staff).where(Staff.login == login)).first()
        if taken is not None:
            raise InputError(f"the login '{login}' is already used by {taken.name}: choose another")
        row = Staff(
            name=name, login=login, role=role, team=team, pin_hash=digest, created_at=desk.now()
        )
        session.add(row)
        session.flush()
        desk.audit(session, "created", "staff", row.id, detail=f"role {role}")
        return view(row)


def _not_last_admin(session: Session, s: Staff, doing: str) -> None:
    if s.role == "admin" and s.active and s.pin_hash and _active_admins(session) <= 1:
        raise InputError(f"{s.name} is the only active admin: add another admin before you {doing}")


def deactivate(desk: Desk, staff: int | str) -> StaffView:
    """Stop someone signing in (their records keep their name)."""
    me = desk.require(*ADMINS)
    with desk.store.write() as session:
        s = _resolve(session, staff)
        if s.id == me.id:
            raise InputError("you cannot deactivate yourself: ask another admin")
        if not s.active:
            raise InputError(f"{s.name} is already deactivated")
        _not_last_admin(session, s, "deactivate them")
        s.active = False
        session.add(s)
        desk.audit(session, "deactivated", "staff", s.id)
        return view(s)


def reactivate(desk: Desk, staff: int | str) -> StaffView:
    desk.require(*ADMINS)
    with desk.store.write() as session:
        s = _resolve(session, staff)
        if s.active:
            raise InputError(f"{s.name} is already active")
        s.active = True
        s.failed_attempts = 0
        s.locked_until = None
        session.add(s)
        desk.audit(session, "reactivated", "staff", s.id)
        return view(s)


def reset_pin(desk: Desk, staff: int | str, new_pin: str) -> StaffView:
    """Set a new PIN chosen with the staff member; it also lifts a lock."""
    desk.require(*ADMINS)
    pin = check_pin(new_pin, "the new PIN")
    digest = hash_pin(pin)
    with desk.store.write() as session:
        s = _resolve(session, staff)
        s.pin_hash = digest
        s.failed_attempts = 0
        s.locked_until = None
        session.add(s)
        desk.audit(session, "pin_reset", "staff", s.id)
        return view(s)


def change_role(desk: Desk, staff: int | str, role: str) -> StaffView:
    me = desk.require(*ADMINS)
    new_role = check_role(role)
    with desk.store.write() as session:
        s = _resolve(session, staff)
        if s.role == new_role:
            raise InputError(f"{s.name} is already {ROLE_WORDS[new_role]}")
        if new_role != "admin":
            _not_last_admin(session, s, "change their role")
        if s.id == me.id and new_role != "admin":
            raise InputError("you cannot take away your own admin role: ask another admin")
        old = s.role
        s.role = new_role
        session.add(s)
        desk.audit(session, "role_changed", "staff", s.id, detail=f"role {old} -> {new_role}")
        return view(s)


def change_own_pin(desk: Desk, current_pin: str, new_pin: str) -> None:
    """Anyone signed in may change their own PIN, knowing the current one."""
    me = desk.require(*HANDLERS)
    pin = check_pin(new_pin, "the new PIN")
    if not isinstance(current_pin, str) or not current_pin:
        raise InputError("type your current PIN")
    with desk.store.read() as session:
        s = session.get(Staff, me.id)
        if s is None:
            raise NotFound("your staff record is missing: ask an admin")
        stored = s.pin_hash
    if not stored or len(current_pin) > 64 or not verify_pin(current_pin, stored):
        raise InputError("the current PIN is wrong: nothing was changed")
    digest = hash_pin(pin)
    with desk.store.write() as session:
        s = session.get(Staff, me.id)
        assert s is not None
        s.pin_hash = digest
        session.add(s)
        desk.audit(session, "pin_changed", "staff", s.id)
