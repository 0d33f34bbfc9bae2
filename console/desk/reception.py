"""Reception: timing every visitor against the profile's reception standards.

A visit is a `Contact` with channel "visit". Its timestamps are the timers:
arrival (`received_at`) starts the serve timer (`reception-serve`); being served
(`served_at`) stops it, and, when a second staff member is needed, the second
timer (`reception-second`) runs from `served_at` until `second_seen_at`. A
visitor who goes before being seen gets `left_at` and `left_unseen`.

Every timer is computed from these stored instants and the desk's clock, so a
restart or a second reception seat shows the same times. The board shows first
names or initials only: it may be seen by others in the room.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from console.desk.context import Actor, Desk
from console.desk.customers import check_restriction
from console.desk.outcomes import (
    BY_KIND,
    Outcome,
    Promise,
    apply_outcome,
    as_outcome,
    check_outcome,
    promises,
)
from console.rules.clock import local
from console.rules.errors import InputError, NotFound
from console.rules.roles import HANDLERS
from console.store.ids import get_row
from console.store.models import Contact, Customer, Staff, Task

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.rules.profiles import Profile

CHANNEL = "visit"
MAX_NAME = 40
MAX_NOTES = 4000
# Visitors still waiting from earlier days stay on the board (so they can be
# cleared) for this many days; finished visits show for today only.
STALE_DAYS = 7

# Stages of a visit. The first two are live (a timer runs); the rest are finished.
SERVE = "serve"  # waiting to be served
SECOND = "second"  # served; waiting for a second staff member
SERVED = "served"  # served, nobody else needed
SEEN = "seen"  # seen by the second staff member
LEFT = "left"  # left without being seen
LIVE_STAGES = (SERVE, SECOND)
STAGES = (SERVE, SECOND, SERVED, SEEN, LEFT)

# wait_state's stage -> the desk action whose commitment sets the target
_TIMER_USES = {SERVE: "reception_serve", SECOND: "reception_second"}
WAIT_STATES = ("normal", "amber", "red", "none")


# --------------------------------------------------------------------------- pure


def target_seconds(profile: Profile, stage: str) -> int | None:
    """The profile's target in seconds for a timer ("serve" or "second"); None if it has none."""
    use = _TIMER_USES.get(stage)
    if use is None:
        raise InputError(f"unknown reception timer '{stage}': expected 'serve' or 'second'")
    slug = profile.slug_for(use)
    if slug is None:
        return None
    commitment = profile.commitments.get(slug)
    if commitment is None or commitment.clock != "seconds":
        return None
    return commitment.amount


def wait_state(profile: Profile, stage: str, seconds: float) -> str:
    """The colour of a wait: "normal", "amber", "red", or "none" where the profile has no target.

    Normal until two thirds of the target, amber until the target (a wait of
    exactly the target is still within it), red beyond it.
    """
    target = target_seconds(profile, stage)
    if target is None:
        return "none"
    if seconds > target:
        return "red"
    if seconds * 3 >= target * 2:
        return "amber"
    return "normal"


def format_wait(seconds: float) -> str:
    """A timer as people read it: "0:07", "2:05", "1:02:05" (whole seconds, never negative)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_target(seconds: int) -> str:
    """ "3 minutes", "90 seconds", "1 minute"."""
    if seconds and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds} second{'s' if seconds != 1 else ''}"


def board_name(visitor_name: str) -> str:
    """What the board shows: the first word, or the initials when that is all there is.

    "Jo Smith" -> "Jo"; "J S" -> "JS"; "J.S." -> "J.S."; "" -> "?".
    """
    words = visitor_name.split()
    if not words:
        return "?"
    if len(words) > 1 and all(len(w.strip(".")) <= 1 for w in words):
        return "".join(w.strip(".")[:1].upper() for w in words)[:MAX_NAME]
    return words[0][:20]


def _initials(name: str) -> str:
    return "".join(part[0] for part in name.split() if part).upper()


@dataclass(frozen=True)
class VisitView:
    """One visit as screens and the CLI see it (no ORM object, no customer name)."""

    id: int
    visitor_name: str  # as typed at arrival
    day: date
    received_at: datetime
    served_at: datetime | None = None
    served_by: str = ""  # initials of who served
    second_needed_at: datetime | None = None
    second_seen_at: datetime | None = None
    second_seen_by: str = ""
    left_at: datetime | None = None
    left_unseen: bool = False
    customer_id: int | None = None
    category: str = ""
    category_label: str = ""
    outcome: str = ""
    notes: str = ""
    tasks: tuple[str, ...] = ()  # slugs of the tasks this visit created
    restriction: str = ""  # the linked customer's access restriction, if any

    @property
    def board_name(self) -> str:
        return board_name(self.visitor_name)

    @property
    def outcome_label(self) -> str:
        return _outcome_label(self.outcome) if self.outcome else ""

    @property
    def stage(self) -> str:
        if self.left_unseen or (self.left_at is not None and self.served_at is None):
            return LEFT
        if self.served_at is None:
            return SERVE
        if self.second_needed_at is None:
            return SERVED
        if self.second_seen_at is None:
            return SECOND if self.left_at is None else LEFT
        return SEEN

    @property
    def live(self) -> bool:
        return self.stage in LIVE_STAGES

    @property
    def timer_started(self) -> datetime:
        """When the timer that matters now (or mattered last) started."""
        if self.served_at is not None and self.second_needed_at is not None:
            return self.served_at
        return self.received_at

    def timer(self, now: datetime) -> tuple[str, float]:
        """(timer "serve"|"second", seconds): running for a live visit, final for a finished one."""
        if self.served_at is not None and self.second_needed_at is not None:
            end = self.second_seen_at or self.left_at or now
            return SECOND, (end - self.served_at).total_seconds()
        return SERVE, self.serve_wait(now)

    def serve_wait(self, now: datetime) -> float:
        """Seconds from arrival to being served (or leaving, or now while still waiting)."""
        end = self.served_at or self.left_at or now
        return (end - self.received_at).total_seconds()

    def second_wait(self, now: datetime) -> float | None:
        """Seconds from being served to being seen by a second staff member; None if not needed."""
        if self.served_at is None or self.second_needed_at is None:
            return None
        end = self.second_seen_at or self.left_at or now
        return (end - self.served_at).total_seconds()

    def status(self) -> str:
        """The stage in plain words."""
        stage = self.stage
        if stage == SERVE:
            return "waiting"
        if stage == SECOND:
            by = f" (served by {self.served_by})" if self.served_by else ""
            return f"waiting for a second staff member{by}"
        if stage == SERVED:
            return f"served by {self.served_by}" if self.served_by else "served"
        if stage == SEEN:
            return f"seen by {self.second_seen_by}" if self.second_seen_by else "seen"
        return "left without being seen"


@dataclass(frozen=True)
class Board:
    """The reception board: live visits longest wait first, then today's finished ones."""

    day: date
    live: tuple[VisitView, ...]
    finished: tuple[VisitView, ...]

    @property
    def visits(self) -> tuple[VisitView, ...]:
        return self.live + self.finished


@dataclass(frozen=True)
class TodaySummary:
    """Today's visitors against the reception standards."""

    day: date
    visitors: int
    waiting: int  # waiting to be served now
    awaiting_second: int
    served: int
    left_unseen: int
    target_seconds: int | None  # reception-serve; None for a profile without one
    served_within: int
    decided: int  # served, left, or still waiting past the target: the share's denominator
    longest_wait_seconds: float  # arrival to served/left/now, over today's visitors
    second_target_seconds: int | None
    second_needed: int
    second_within: int
    second_decided: int
    longest_wait_id: int | None = None
    longest_wait_who: str = ""  # the board name of that visitor, so the wait is findable

    @property
    def share_within(self) -> float | None:
        """Share of decided visitors served within the target; None without a target or decided."""
        if self.target_seconds is None or self.decided == 0:
            return None
        return self.served_within / self.decided

    @property
    def second_share(self) -> float | None:
        if self.second_target_seconds is None or self.second_decided == 0:
            return None
        return self.second_within / self.second_decided

    def text(self) -> str:
        """One line for the board: visitors so far, share served within target, longest wait."""
        parts = [f"{self.visitors} visitor{'s' if self.visitors != 1 else ''} today"]
        if self.target_seconds is None:
            parts.append("no reception target in this profile")
        elif self.share_within is None:
            parts.append(f"served within {format_target(self.target_seconds)}: —")
        else:
            parts.append(
                f"{round(self.share_within * 100)}% served within "
                f"{format_target(self.target_seconds)}"
                f" ({self.served_within} of {self.decided})"
            )
        who = f" ({self.longest_wait_who})" if self.longest_wait_who else ""
        parts.append(f"longest wait {format_wait(self.longest_wait_seconds)}{who}")
        if self.second_needed and self.second_target_seconds is not None:
            share = self.second_share
            if share is not None:
                parts.append(
                    f"{round(share * 100)}% seen by a second staff member within "
                    f"{format_target(self.second_target_seconds)} "
                    f"({self.second_within} of {self.second_decided})"
                )
        if self.waiting or self.awaiting_second:
            parts.append(f"{self.waiting + self.awaiting_second} waiting now")
        return " · ".join(parts)


def summarise(
    profile: Profile, visits: Iterable[VisitView], day: date, now: datetime
) -> TodaySummary:
    """Today's figures from visits (other days are ignored); pure, so a board can tick it."""
    target = target_seconds(profile, SERVE)
    second_target = target_seconds(profile, SECOND)
    visitors = waiting = awaiting = served = left = within = decided = 0
    second_needed = second_within = second_decided = 0
    longest = 0.0
    longest_id: int | None = None
    longest_who = ""
    for v in visits:
        if v.day != day:
            continue
        visitors += 1
        wait = v.serve_wait(now)
        if longest_id is None or wait > longest:
            longest, longest_id = max(wait, 0.0), v.id
            longest_who = v.board_name if v.visitor_name else ""  # the wall has no names
        stage = v.stage
        if v.served_at is not None:
            served += 1
        if stage == SERVE:
            waiting += 1
        elif stage == SECOND:
            awaiting += 1
        if v.left_unseen or (v.left_at is not None and v.served_at is None):
            left += 1
        if target is not None:
            if v.served_at is not None:
                decided += 1
                within += wait <= target
            elif v.left_at is not None or wait > target:
                decided += 1
        second = v.second_wait(now)
        if second is not None:
            second_needed += 1
            if second_target is not None:
                if v.second_seen_at is not None:
                    second_decided += 1
                    second_within += second <= second_target
                elif v.left_at is not None or second > second_target:
                    second_decided += 1
    return TodaySummary(
        day=day,
        visitors=visitors,
        waiting=waiting,
        awaiting_second=awaiting,
        served=served,
        left_unseen=left,
        target_seconds=target,
        served_within=within,
        decided=decided,
        longest_wait_seconds=longest,
        second_target_seconds=second_target,
        second_needed=second_needed,
        second_within=second_within,
        second_decided=second_decided,
        longest_wait_id=longest_id,
        longest_wait_who=longest_who,
    )


def order_board(visits: Iterable[VisitView], day: date) -> Board:
    """Live visits, longest-running timer first; then today's finished, latest first."""
    items = list(visits)
    live = sorted((v for v in items if v.live), key=lambda v: (v.timer_started, v.id))
    finished = sorted(
        (v for v in items if not v.live and v.day == day),
        key=lambda v: (_finished_at(v), v.id),
        reverse=True,
    )
    return Board(day=day, live=tuple(live), finished=tuple(finished))


def _finished_at(v: VisitView) -> datetime:
    return v.second_seen_at or v.left_at or v.served_at or v.received_at


# --------------------------------------------------------------------------- validation


def _check_id(contact_id: object) -> int:
    if isinstance(contact_id, bool) or not isinstance(contact_id, int) or contact_id <= 0:
        raise InputError(f"{contact_id!r} is not a visit number: pick a visitor on the board")
    return contact_id


def _check_text(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InputError(f"the {what} must be text, not {type(value).__name__}")
    if "\x00" in value:
        raise InputError(f"the {what} holds a NUL character: retype it")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"the {what} holds characters that cannot be stored: retype it") from None
    if len(value) > limit:
        raise InputError(f"the {what} is {len(value)} characters long: keep it to {limit}")
    return value


def clean_visitor_name(name_or_initials: object) -> str:
    """What is typed at arrival, with its spaces tidied; InputError if empty or too long."""
    from console.rules.names import person_name

    text = _check_text(name_or_initials, "visitor's name", 10 * MAX_NAME)
    name = person_name(
        text,
        empty="type the visitor's first name or initials (the customer can be found later)",
        limit=10 * MAX_NAME,
    )
    if len(name) > MAX_NAME:
        raise InputError(
            f"'{name[:MAX_NAME]}…' is too long for the board: a first name or initials is enough "
            f"(at most {MAX_NAME} characters)"
        )
    return name


# --------------------------------------------------------------------------- reads


def _staff_initials(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Staff).where(col(Staff.id).in_(wanted)))
    return {s.id: _initials(s.name) for s in rows if s.id is not None}


def _views(desk: Desk, session: Session, contacts: Sequence[Contact]) -> list[VisitView]:
    if not contacts:
        return []
    staff = _staff_initials(
        session, [c.served_by_id for c in contacts] + [c.second_seen_by_id for c in contacts]
    )
    ids = [c.id for c in contacts if c.id is not None]
    tasks: dict[int, list[str]] = {}
    for contact_id, slug in session.exec(
        select(Task.contact_id, Task.slug)
        .where(col(Task.contact_id).in_(ids))
        .order_by(col(Task.id))
    ):
        if contact_id is not None:
            tasks.setdefault(contact_id, []).append(slug)
    customer_ids = {c.customer_id for c in contacts if c.customer_id is not None}
    restrictions: dict[int, str] = {}
    if customer_ids:
        for cid, restriction in session.exec(
            select(Customer.id, Customer.restriction).where(col(Customer.id).in_(customer_ids))
        ):
            if cid is not None:
                restrictions[cid] = restriction or ""
    out = []
    for c in contacts:
        assert c.id is not None and c.received_at is not None
        category = desk.profile.category(c.category) if c.category else None
        out.append(
            VisitView(
                id=c.id,
                visitor_name=c.visitor_name,
                day=c.day,
                received_at=c.received_at,
                served_at=c.served_at,
                served_by=staff.get(c.served_by_id, "") if c.served_by_id else "",
                second_needed_at=c.second_needed_at,
                second_seen_at=c.second_seen_at,
                second_seen_by=staff.get(c.second_seen_by_id, "") if c.second_seen_by_id else "",
                left_at=c.left_at,
                left_unseen=c.left_unseen,
                customer_id=c.customer_id,
                category=c.category,
                category_label=category.label if category else c.category,
                outcome=c.outcome,
                notes=c.notes,
                tasks=tuple(tasks.get(c.id, ())),
                restriction=restrictions.get(c.customer_id, "") if c.customer_id else "",
            )
        )
    return out


def today(desk: Desk) -> date:
    return local(desk.now()).date()


def _board_contacts(session: Session, day: date) -> list[Contact]:
    live = col(Contact.left_at).is_(None) & (
        col(Contact.served_at).is_(None)
        | (col(Contact.second_needed_at).is_not(None) & col(Contact.second_seen_at).is_(None))
    )
    stmt = (
        select(Contact)
        .where(Contact.channel == CHANNEL)
        .where(col(Contact.day) >= day - timedelta(days=STALE_DAYS))
        .where(col(Contact.day) <= day)
        .where((col(Contact.day) == day) | live)
        .order_by(col(Contact.received_at), col(Contact.id))
    )
    return list(session.exec(stmt))


def waiting_board(desk: Desk) -> Board:
    """Everyone waiting now (longest wait first), then today's finished visits (latest first)."""
    desk.require(*HANDLERS)
    day = today(desk)
    with desk.store.read() as session:
        views = _views(desk, session, _board_contacts(session, day))
    return order_board(views, day)


def today_summary(desk: Desk) -> TodaySummary:
    """Today: visitors so far, share served within target, longest wait (and the second stage)."""
    desk.require(*HANDLERS)
    day = today(desk)
    now = desk.now()
    with desk.store.read() as session:
        contacts = session.exec(
            select(Contact).where(Contact.channel == CHANNEL).where(Contact.day == day)
        ).all()
        views = [
            VisitView(
                id=c.id or 0,
                visitor_name="",
                day=c.day,
                received_at=c.received_at or now,
                served_at=c.served_at,
                second_needed_at=c.second_needed_at,
                second_seen_at=c.second_seen_at,
                left_at=c.left_at,
                left_unseen=c.left_unseen,
            )
            for c in contacts
        ]
    return summarise(desk.profile, views, day, now)


def get_visit(desk: Desk, contact_id: int) -> VisitView:
    desk.require(*HANDLERS)
    cid = _check_id(contact_id)
    with desk.store.read() as session:
        return _views(desk, session, [_visit(session, cid)])[0]


# --------------------------------------------------------------------------- writes


def _visit(session: Session, contact_id: int) -> Contact:
    contact = get_row(session, Contact, contact_id)
    if contact is None or contact.channel != CHANNEL:
        raise NotFound(f"no visit number {contact_id}: it may have been removed; reload the board")
    return contact


def _who(contact: Contact) -> str:
    return board_name(contact.visitor_name)


def _when(moment: datetime | None) -> str:
    return f"{local(moment):%H:%M}" if moment is not None else ""


def _finish(desk: Desk, session: Session, contact: Contact, detail: str) -> VisitView:
    session.add(contact)
    session.flush()
    desk.audit(
        session, "changed", "contact", contact.id, customer_id=contact.customer_id, detail=detail
    )
    return _views(desk, session, [contact])[0]


def arrive(desk: Desk, name_or_initials: str) -> VisitView:
    """Log a visitor's arrival now: starts the serve timer. A first name or initials is enough."""
    actor = desk.require(*HANDLERS)
    name = clean_visitor_name(name_or_initials)
    now = desk.now()
    with desk.store.write() as session:
        contact = Contact(
            channel=CHANNEL,
            staff_id=actor.id,
            received_at=now,
            day=local(now).date(),
            visitor_name=name,
            created_at=now,
        )
        session.add(contact)
        session.flush()
        desk.audit(session, "created", "contact", contact.id, detail="visitor arrived")
        return _views(desk, session, [contact])[0]


def _update_visit(
    desk: Desk, contact_id: int, change: Callable[[Contact, Actor, datetime], str]
) -> VisitView:
    """Load the visit, let `change` check and stamp it (returning the audit detail), save it."""
    actor = desk.require(*HANDLERS)
    cid = _check_id(contact_id)
    now = desk.now()
    with desk.store.write() as session:
        contact = _visit(session, cid)
        detail = change(contact, actor, now)
        return _finish(desk, session, contact, detail)


def serve(desk: Desk, contact_id: int) -> VisitView:
    """The signed-in staff member is serving this visitor now: stops the serve timer."""

    def change(contact: Contact, actor: Actor, now: datetime) -> str:
        if contact.served_at is not None:
            raise InputError(f"{_who(contact)} was already served at {_when(contact.served_at)}")
        if contact.left_at is not None:
            raise InputError(f"{_who(contact)} left at {_when(contact.left_at)} without being seen")
        contact.served_at = now
        contact.served_by_id = actor.id
        return "visitor served"

    return _update_visit(desk, contact_id, change)


def needs_second(desk: Desk, contact_id: int) -> VisitView:
    """This visitor needs another staff member: the second timer runs from when they were served."""

    def change(contact: Contact, actor: Actor, now: datetime) -> str:
        if contact.left_at is not None:
            raise InputError(f"{_who(contact)} left at {_when(contact.left_at)}")
        if contact.served_at is None:
            raise InputError(f"{_who(contact)} has not been served yet: mark them served first")
        if contact.second_needed_at is not None:
            raise InputError(
                f"{_who(contact)} has been waiting for a second staff member since "
                f"{_when(contact.second_needed_at)}"
            )
        contact.second_needed_at = now
        return "second staff member needed"

    return _update_visit(desk, contact_id, change)


def seen_by_second(desk: Desk, contact_id: int) -> VisitView:
    """The signed-in staff member is the second one seeing this visitor: stops the second timer."""

    def change(contact: Contact, actor: Actor, now: datetime) -> str:
        if contact.second_needed_at is None:
            raise InputError(
                f"{_who(contact)} is not waiting for a second staff member: "
                "mark them as needing one first"
            )
        if contact.second_seen_at is not None:
            raise InputError(f"{_who(contact)} was already seen at {_when(contact.second_seen_at)}")
        if contact.left_at is not None:
            raise InputError(f"{_who(contact)} left at {_when(contact.left_at)} without being seen")
        if contact.served_by_id is not None and contact.served_by_id == actor.id:
            # The standard times how long the visitor waits for someone else.
            raise InputError(
                f"you served {_who(contact)} yourself: the second staff member must be "
                "someone else, signed in at this desk or their own"
            )
        contact.second_seen_at = now
        contact.second_seen_by_id = actor.id
        return "seen by a second staff member"

    return _update_visit(desk, contact_id, change)


def left_unseen(desk: Desk, contact_id: int) -> VisitView:
    """The visitor went before being served (or before the second staff member saw them)."""

    def change(contact: Contact, actor: Actor, now: datetime) -> str:
        if contact.left_at is not None:
            raise InputError(
                f"{_who(contact)} was already recorded as gone at {_when(contact.left_at)}"
            )
        if contact.served_at is not None and (
            contact.second_needed_at is None or contact.second_seen_at is not None
        ):
            raise InputError(
                f"{_who(contact)} was seen: there is nobody left waiting to record as gone"
            )
        stage = SERVE if contact.served_at is None else SECOND
        contact.left_at = now
        contact.left_unseen = True
        contact.details = {**(contact.details or {}), "left_while": stage}
        return f"visitor left without being seen ({stage})"

    return _update_visit(desk, contact_id, change)


class _Keep:
    """Leave this field as it is (record_visit's default)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class VisitRecorded:
    """What recording a visit's purpose, customer and outcome did."""

    visit: VisitView
    promises: tuple[Promise, ...] = ()

    @property
    def tell(self) -> tuple[str, ...]:
        """What to tell the visitor, one sentence per task opened."""
        return tuple(p.tell for p in self.promises)


def _check_category(profile: Profile, category: object) -> str:
    key = _check_text(category, "purpose", 200).strip()
    if key and profile.category(key) is None:
        known = ", ".join(c.key for c in profile.categories)
        raise InputError(
            f"'{key}' is not an enquiry category of the {profile.short_name} profile "
            f"(choose one of: {known})"
        )
    return key


def _check_customer_id(customer_id: object) -> int | None:
    if customer_id is None:
        return None
    if isinstance(customer_id, bool) or not isinstance(customer_id, int) or customer_id <= 0:
        raise InputError(f"customer id must be a whole number, not {customer_id!r}")
    return customer_id


def record_visit(
    desk: Desk,
    contact_id: int,
    *,
    category: str | None = None,
    customer_id: int | None = KEEP,
    outcome: Outcome | str | None = None,
    notes: str | None = None,
    restriction_acknowledged: bool = False,
) -> VisitRecorded:
    """Add a visit's purpose (category), customer, notes and outcome, during or after the visit.

    Leave a field out to keep what is recorded; `customer_id=None` unlinks the
    customer. The outcome opens its tasks exactly as a call's does (call back,
    repair, complaint, ...), received at the visitor's arrival; a visit has one
    outcome, so giving another once it is set is refused (its tasks are in the
    queue). A customer with an access restriction needs `restriction_acknowledged`.
    """
    desk.require(*HANDLERS)
    cid = _check_id(contact_id)
    profile = desk.profile
    key = None if category is None else _check_category(profile, category)
    text = None if notes is None else _check_text(notes, "notes", MAX_NOTES).strip()
    new_customer = KEEP if customer_id is KEEP else _check_customer_id(customer_id)
    out: Outcome | None = None
    if outcome is not None and outcome != "":
        out = as_outcome(outcome)
        check_outcome(profile, out)
    if not isinstance(restriction_acknowledged, bool):
        raise InputError("restriction_acknowledged must be true or false")

    with desk.store.write() as session:
        contact = _visit(session, cid)
        tasks_before = session.exec(
            select(Task.id, Task.customer_id).where(Task.contact_id == cid)
        ).all()
        changes: list[str] = []
        if new_customer is not KEEP and new_customer != contact.customer_id:
            if new_customer is not None:
                found = get_row(session, Customer, new_customer)
                if found is None or found.anonymised:
                    raise NotFound(f"no customer with id {new_customer}: search again")
            if contact.customer_id is not None and tasks_before:
                raise InputError(
                    "this visit's tasks are for the customer already linked: "
                    "change the customer on those tasks in the queue"
                )
            contact.customer_id = new_customer
            changes.append("customer")
        customer = session.get(Customer, contact.customer_id) if contact.customer_id else None
        if customer is not None:
            check_restriction(customer, restriction_acknowledged)
            if customer.restriction.strip():
                contact.details = {**(contact.details or {}), "restriction_acknowledged": True}
        if key is not None and key != contact.category:
            contact.category = key
            changes.append("purpose")
        if text is not None and text != contact.notes:
            contact.notes = text
            changes.append("notes")
        made: tuple[Promise, ...] = ()
        if out is not None and out.kind != contact.outcome:
            if contact.outcome:
                raise InputError(
                    f"this visit's outcome is already recorded "
                    f"({_outcome_label(contact.outcome)}): its tasks are in the queue; "
                    "change them there"
                )
            session.add(contact)
            session.flush()
            tasks = apply_outcome(desk, session, contact, out)
            made = promises(desk, session, tasks)
            changes.append(f"outcome {out.kind}")
        if "customer" in changes and contact.customer_id is not None:
            # tasks opened before the customer was found now carry the customer
            for task_id, task_customer in tasks_before:
                if task_customer is None and task_id is not None:
                    task = session.get(Task, task_id)
                    if task is not None:
                        task.customer_id = contact.customer_id
                        session.add(task)
                        desk.audit(
                            session,
                            "changed",
                            "task",
                            task_id,
                            customer_id=contact.customer_id,
                            detail="customer linked from visit",
                        )
        if not changes:
            return VisitRecorded(_views(desk, session, [contact])[0])
        view = _finish(desk, session, contact, "visit recorded: " + ", ".join(changes))
        return VisitRecorded(view, made)


def _outcome_label(kind: str) -> str:
    k = BY_KIND.get(kind)
    return k.label if k else kind.replace("_", " ")
