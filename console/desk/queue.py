"""The live queue: every open promise, soonest deadline first, the same at every desk.

Reads are keyset-paged over the partial index ``ix_task_open_due`` on
``(due_at, id) WHERE status = 'open'``: a page is "the next N open tasks after this
(due_at, id)", so the first page of 20,000 open tasks among a million reads N index
entries, never the whole table. Every query here names ``task.status = 'open'`` as
a literal (a bound parameter would stop SQLite using the partial index), and
equality filters on indexed columns (assignee, kind) are written so the planner
keeps walking the deadline index instead of fetching every task a person ever had.

Progress updates (`ensure_progress_updates`) are opened here too: BHA promises a
progress update every 5 working days while a response is overdue; Weslo promises
to contact the customer with the reason and a new date when a statutory response
cannot be met.

The queue is readable by every role and by the command line (which has the
database file, not a sign-in); the actions on a task are in console/desk/tasks.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, false, func, literal, or_, text, tuple_
from sqlalchemy import select as columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from console.desk.tasks import TaskView, kind_label
from console.rules.clock import LONDON, as_utc, local
from console.rules.errors import InputError, NotFound
from console.store.ids import checked_id
from console.store.models import Customer, Staff, Task, UTCDateTime

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.desk.context import Desk
    from console.rules.profiles import Profile

PAGE = 50  # rows per page: a screenful and a half
ENSURE_BATCH = 50  # progress-update tasks opened per transaction (~1 s at most)
# The literal the partial index is declared with (see the module docstring).
OPEN = text("task.status = 'open'")


def headline(profile: Profile, slug: str, title: str) -> str:
    """The kind and the title in one line, the title's own copy of the kind left out.

    A call back's title is "Urgent call back: <notes>"; shown after its kind it read
    "urgent call back: Urgent call back: <notes>".
    """
    kind = kind_label(profile, slug)
    text = " ".join(title.split())
    commitment = profile.commitments.get(slug)
    prefixes = sorted((kind, commitment.promise if commitment else ""), key=len, reverse=True)
    for prefix in prefixes:  # the longer first: "emergency repair attended", not "… repair"
        if prefix and text.lower().startswith(prefix.lower()):
            rest = text[len(prefix) :]
            if not rest or rest[0] in " :;,-–—":  # a whole word, not "call backs"
                text = rest.lstrip(" :;,-–—")
                break
    return f"{kind}: {text}" if text else kind


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the next page starts after this (due_at, id)."""

    due_at: datetime
    id: int


@dataclass(frozen=True)
class QueueFilter:
    """What the queue is narrowed to. Every field empty: everything open."""

    assignee_id: int | None = None  # "mine": tasks assigned to this staff member
    team: str | None = None  # "my team": the task's team, or assigned to someone in it
    kind: str = ""  # a slug, or a slug prefix ("complaint" matches every complaint stage)
    overdue: bool = False  # only tasks past their due instant (as at the queue's instant)
    customer_id: int | None = None
    search: str = ""  # words matching the customer's name/reference/address or the title
    labels: tuple[str, ...] = field(default=(), compare=False)  # plain words, for the screen

    def describe(self) -> str:
        return ", ".join(self.labels) if self.labels else "everything open"

    @property
    def empty(self) -> bool:
        return self == QueueFilter()


@dataclass(frozen=True)
class QueueRow:
    """One row of the queue, with its deadline in words as at the queue's instant."""

    task: TaskView
    kind: str  # short plain words
    due_text: str  # "today at 4:15pm", "Tuesday 25 November at 5pm"
    left: str  # "2h 15m", "overdue 1d 3h"
    state: str  # "overdue", "past aim" (not yet due), "today" (due later today) or "" (later)
    aim_text: str = ""  # "today at 11am" where the task has an aim before its due instant

    @property
    def id(self) -> int:
        return self.task.id

    @property
    def who(self) -> str:
        return self.task.assignee_name or (f"{self.task.team} (team)" if self.task.team else "")

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.task.due_at, self.task.id)


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    at: datetime  # the instant the page is "as at"
    next: Cursor | None  # where the next page starts; None when this was the last


@dataclass(frozen=True)
class KindCount:
    slug: str
    kind: str
    open: int
    overdue: int


@dataclass(frozen=True)
class HandlerLoad:
    staff_id: int | None  # None: nobody has claimed these yet
    name: str
    open: int
    overdue: int


@dataclass(frozen=True)
class QueueCounts:
    at: datetime
    open: int
    overdue: int
    by_kind: tuple[KindCount, ...]
    by_handler: tuple[HandlerLoad, ...]


# --- filters ---------------------------------------------------------------------------


def kind_slugs(profile: Profile, kind: str) -> list[str]:
    """The profile's task slugs a kind filter names.

    A slug, or every slug starting 'kind-' ("complaint"), or the words the queue shows:
    every kind whose words hold them ("call back": routine and urgent call backs).
    """
    k = " ".join(kind.strip().lower().split())
    if not k:
        return []
    slugs = [s for s, c in profile.commitments.items() if c.is_task]
    hits = [s for s in slugs if s == k or s.startswith(f"{k}-")]
    if not hits:
        words = re.compile(rf"(?<![\w-]){re.escape(k)}(?![\w-])")
        hits = [
            s
            for s in slugs
            if words.search(kind_label(profile, s).lower())
            or words.search(profile.commitments[s].promise.lower())
        ]
    if not hits:
        raise InputError(
            f"'{kind}' is not a kind of task in the {profile.short_name} profile: "
            f"try one of {', '.join(kind_names(profile))}"
        )
    return hits


def kind_names(profile: Profile) -> list[str]:
    """The kinds of task in the queue's words, each once, in the profile's order."""
    names: list[str] = []
    for slug, c in profile.commitments.items():
        label = kind_label(profile, slug)
        if c.is_task and label not in names:
            names.append(label)
    return names


def kind_words(profile: Profile, kind: str) -> str:
    """A kind filter in the queue's words: "urgent call back", not "callback-urgent"."""
    try:
        labels = list(dict.fromkeys(kind_label(profile, s) for s in kind_slugs(profile, kind)))
    except InputError:
        return kind
    if len(labels) == 1:
        return labels[0]
    if len(labels) == 2:
        return " or ".join(labels)
    return " ".join(kind.strip().split()).replace("-", " ")


def staff_id_for(desk: Desk, login: str) -> int:
    """The staff id for a login (``--mine LOGIN`` on the command line)."""
    name = login.strip()
    with desk.store.read() as session:
        row = session.exec(select(Staff).where(col(Staff.login) == name)).first()
        if row is None or row.id is None:
            raise NotFound(f"no staff member with login '{name}': check the login")
        return row.id


def mine(desk: Desk) -> QueueFilter:
    actor = desk.require()
    return QueueFilter(assignee_id=actor.id, labels=("mine",))


def my_team(desk: Desk) -> QueueFilter:
    actor = desk.require()
    if not actor.team:
        raise InputError(f"{actor.name} has no team on the staff list: ask an admin to set one")
    return QueueFilter(team=actor.team, labels=(f"team {actor.team}",))


def _where(desk: Desk, stmt: Any, f: QueueFilter, at: datetime) -> Any:
    stmt = stmt.where(OPEN)
    if f.assignee_id is not None:
        checked_id(f.assignee_id, "staff member")
        # "+ 0": keep the planner on the deadline index (a person's open tasks are
        # a few among the tens of thousands they ever had).
        stmt = stmt.where(col(Task.assignee_id) + 0 == f.assignee_id)
    if f.team:
        members = select(col(Staff.id)).where(col(Staff.team) == f.team)
        stmt = stmt.where(or_(col(Task.team) == f.team, col(Task.assignee_id).in_(members)))
    if f.kind:
        slugs = kind_slugs(desk.profile, f.kind)
        stmt = stmt.where(func.coalesce(col(Task.slug), "").in_(slugs))
    if f.overdue:
        stmt = stmt.where(col(Task.due_at) < at)
    if f.customer_id is not None:
        checked_id(f.customer_id, "customer")
        stmt = stmt.where(col(Task.customer_id) == f.customer_id)
    from console.rules.names import search_words

    words = search_words(f.search)
    if f.search.strip() and not words:
        return stmt.where(false())  # only wildcards or control codes: nothing can match
    for word in words:
        like = f"%{word}%"
        stmt = stmt.where(
            or_(
                col(Customer.search_text).like(like),
                func.lower(col(Task.title)).like(like),
            )
        )
    return stmt


# --- the queue -------------------------------------------------------------------------


def _row(desk: Desk, r: Any, at: datetime) -> QueueRow:
    from console.rules.deadlines import plain_due, time_left

    due = r.due_at
    commitment = desk.profile.commitments.get(r.slug)
    view = TaskView(
        id=r.id,
        slug=r.slug,
        promise=commitment.promise if commitment else r.slug,
        title=r.title,
        customer_id=r.customer_id,
        customer_name=r.customer_name or "",
        customer_reference=r.customer_reference or "",
        restriction=r.restriction or "",
        assignee_id=r.assignee_id,
        assignee_name=r.assignee_name or "",
        team=r.team,
        received_at=r.received_at,
        due_at=due,
        status=r.status,
        outcome=r.outcome,
        note=r.note,
        contact_id=r.contact_id,
        parent_id=r.parent_id,
        details=dict(r.details or {}),
        aim_at=r.aim_at,
    )
    aim = r.aim_at
    if due < at:
        state = "overdue"
    elif aim is not None and aim < at:
        state = "past aim"  # the earlier target is missed, the promise is not (yet)
    elif local(due).date() == local(at).date():
        state = "today"
    else:
        state = ""
    aim_text = plain_due(aim, at) if aim is not None and aim < due else ""
    return QueueRow(
        view,
        kind_label(desk.profile, r.slug),
        plain_due(due, at),
        time_left(due, at),
        state,
        aim_text,
    )


def _select() -> Any:
    return (
        columns(
            col(Task.id),
            col(Task.slug),
            col(Task.title),
            col(Task.customer_id),
            col(Customer.name).label("customer_name"),
            col(Customer.reference).label("customer_reference"),
            col(Customer.restriction).label("restriction"),
            col(Task.assignee_id),
            col(Staff.name).label("assignee_name"),
            col(Task.team),
            col(Task.received_at),
            col(Task.due_at),
            col(Task.status),
            col(Task.outcome),
            col(Task.note),
            col(Task.contact_id),
            col(Task.parent_id),
            col(Task.details),
            col(Task.aim_at),
        )
        .select_from(Task)
        .outerjoin(Customer, col(Customer.id) == col(Task.customer_id))
        .outerjoin(Staff, col(Staff.id) == col(Task.assignee_id))
    )


def page(
    desk: Desk,
    filters: QueueFilter | None = None,
    *,
    after: Cursor | None = None,
    limit: int = PAGE,
    at: datetime | None = None,
) -> QueuePage:
    """One page of open tasks, ordered by due instant then id, after ``after``.

    ``at`` is the instant the queue is viewed "as at" (default now): it decides
    what is overdue, the time left and the plain words of each deadline. It holds
    customers' and staff names: someone must be signed in (the command line acts as
    its admin).
    """
    from console.rules.roles import HANDLERS

    desk.require(*HANDLERS)
    return wall_page(desk, filters, after=after, limit=limit, at=at)


def wall_page(
    desk: Desk,
    filters: QueueFilter | None = None,
    *,
    after: Cursor | None = None,
    limit: int = PAGE,
    at: datetime | None = None,
) -> QueuePage:
    """`page` with nobody signed in: only for the wall (console/desk/wall.py), which
    reduces every name to initials before anything is shown."""
    if limit < 1:
        raise InputError(f"a page has at least one row, not {limit}")
    f = filters or QueueFilter()
    when = as_utc(at) if at is not None else desk.now()
    stmt = _where(desk, _select(), f, when)
    if after is not None:
        stmt = stmt.where(
            tuple_(col(Task.due_at), col(Task.id))
            > tuple_(literal(as_utc(after.due_at), UTCDateTime()), literal(after.id))
        )
    stmt = stmt.order_by(col(Task.due_at), col(Task.id)).limit(limit + 1)
    with desk.store.read() as session:
        found = session.execute(stmt).all()
    rows = tuple(_row(desk, r, when) for r in found[:limit])
    more = len(found) > limit
    return QueuePage(rows, when, rows[-1].cursor if more and rows else None)


def rows(
    desk: Desk,
    filters: QueueFilter | None = None,
    *,
    limit: int = PAGE,
    at: datetime | None = None,
    page_size: int = 500,
) -> Iterator[QueueRow]:
    """Up to ``limit`` rows in queue order, read page by page (for the command line)."""
    after: Cursor | None = None
    left = limit
    when = as_utc(at) if at is not None else desk.now()
    while left > 0:
        p = page(desk, filters, after=after, limit=min(page_size, left), at=when)
        yield from p.rows
        left -= len(p.rows)
        if p.next is None:
            return
        after = p.next


@dataclass(frozen=True)
class ReturnCall:
    """What a handler needs to return a call from the queue: the numbers and what was said."""

    phone: str
    phone_alt: str
    notes: str  # the call's or voicemail's notes ("" when the task came from elsewhere)
    channel: str  # "call", "voicemail", "visit", ...


def return_call(desk: Desk, task_id: int) -> ReturnCall:
    """The phone numbers and the first contact's notes for a task (a call back above all)."""
    from console.store.models import Contact

    checked_id(task_id, "task")
    desk.require()
    with desk.store.read() as session:
        task = session.get(Task, task_id)
        if task is None:
            raise NotFound(f"no task #{task_id}: it may have been purged")
        customer = session.get(Customer, task.customer_id) if task.customer_id else None
        contact = session.get(Contact, task.contact_id) if task.contact_id else None
        return ReturnCall(
            phone=customer.phone if customer else "",
            phone_alt=customer.phone_alt if customer else "",
            notes=contact.notes if contact else "",
            channel=contact.channel if contact else "",
        )


def find(
    desk: Desk, task_id: int, filters: QueueFilter | None = None, *, at: datetime | None = None
) -> QueueRow | None:
    """The queue row of one open task (None when it is closed or filtered out)."""
    checked_id(task_id, "task")
    f = filters or QueueFilter()
    when = as_utc(at) if at is not None else desk.now()
    stmt = _where(desk, _select(), f, when).where(col(Task.id) == task_id)
    with desk.store.read() as session:
        r = session.execute(stmt).first()
    return _row(desk, r, when) if r is not None else None


def counts(
    desk: Desk, *, at: datetime | None = None, assignee_id: int | None = None
) -> QueueCounts:
    """Open and overdue tasks by kind and by handler (GROUP BY over the open tasks only).

    With ``assignee_id`` only that person's tasks are counted (what a handler sees).
    """
    when = as_utc(at) if at is not None else desk.now()
    overdue = func.sum(case((col(Task.due_at) < when, 1), else_=0))
    # One GROUP BY (kind, handler) over the open tasks; "slug >= ''" (true for every
    # row) lets the planner read it all from the covering partial index
    # ix_task_open_slug (slug, assignee_id, due_at WHERE open): ~10 ms for 20,000
    # open tasks, where walking the table takes ~200 ms.
    stmt = (
        columns(col(Task.slug), col(Task.assignee_id), func.count(), overdue)
        .select_from(Task)
        .where(OPEN, col(Task.slug) >= "")
        .group_by(col(Task.slug), col(Task.assignee_id))
    )
    if assignee_id is not None:
        checked_id(assignee_id, "staff member")
        stmt = stmt.where(col(Task.assignee_id) == assignee_id)
    kinds: dict[str, list[int]] = {}
    loads: dict[int | None, list[int]] = {}
    with desk.store.read() as session:
        for slug, staff_id, n, late in session.execute(stmt).all():
            for key, table in ((slug, kinds), (staff_id, loads)):
                pair = table.setdefault(key, [0, 0])  # type: ignore[arg-type]
                pair[0] += int(n)
                pair[1] += int(late or 0)
        ids = [i for i in loads if i is not None]
        names: dict[int, str] = {}
        if ids:
            found = session.execute(
                columns(col(Staff.id), col(Staff.name)).where(col(Staff.id).in_(ids))
            )
            names = {int(i): str(name) for i, name in found.all()}
    by_kind = sorted(
        (KindCount(s, kind_label(desk.profile, s), n, o) for s, (n, o) in kinds.items()),
        key=lambda k: (-k.overdue, -k.open, k.slug),
    )
    by_handler = sorted(
        (
            HandlerLoad(sid, names.get(sid, "?") if sid is not None else "unassigned", n, o)
            for sid, (n, o) in loads.items()
        ),
        key=lambda h: (h.staff_id is None, -h.open, h.name),
    )
    return QueueCounts(
        at=when,
        open=sum(k.open for k in by_kind),
        overdue=sum(k.overdue for k in by_kind),
        by_kind=tuple(by_kind),
        by_handler=tuple(by_handler),
    )


# --- "as at" ---------------------------------------------------------------------------

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_as_at(value: str, now: datetime) -> datetime | None:
    """An instant typed at the desk; None for "now" (or nothing).

    Accepts ISO 8601 ("2025-11-28T17:00", with or without an offset), "2025-11-28
    17:00", a date alone (its close: 17:00), "today 17:00", "tomorrow 9:00" and a
    weekday with a time ("Fri 17:00", "friday 5pm": the next such day, today
    included). Local times are Europe/London.
    """
    from console.desk.customers import parse_time

    text_value = " ".join(value.strip().split())
    low = text_value.lower()
    if low in ("", "now"):
        return None
    today = local(now).date()
    day: date | None = None
    rest = ""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})(?:[ t](.+))?", low)
    if m:
        if m.group(2) and re.search(r"[+-]\d{2}:?\d{2}$|z$", m.group(2)):
            try:
                moment = datetime.fromisoformat(text_value.replace("z", "Z"))
            except ValueError:
                pass
            else:
                try:
                    return as_utc(moment)
                except OverflowError:
                    raise InputError(
                        f"'{text_value}' is too far from today: it falls outside the calendar"
                    ) from None
        from console.desk.customers import parse_day

        day = parse_day(m.group(1))  # says which month has how many days, as F5 does
        rest = m.group(2) or ""
    else:
        first, _, rest = low.partition(" ")
        if first == "today":
            day = today
        elif first == "tomorrow":
            day = today + timedelta(days=1)
        elif len(first) >= 3 and any(d.startswith(first) for d in _WEEKDAYS):
            target = next(i for i, d in enumerate(_WEEKDAYS) if d.startswith(first))
            day = today + timedelta(days=(target - today.weekday()) % 7)
        else:
            raise InputError(
                f"'{text_value}' is not an instant: type e.g. 'Fri 17:00', 'tomorrow 9:00' "
                "or '2025-11-28 17:00'"
            )
    at = parse_time(rest, "the time") if rest.strip() else time(17, 0)
    return as_utc(datetime.combine(day, at, tzinfo=LONDON))


# --- progress updates ------------------------------------------------------------------


def _owed(desk: Desk, session: Session, at: datetime, among: list[int] | None = None) -> list[int]:
    """Ids of open tasks past due still owed a progress update (BHA) or overdue contact (Weslo).

    Set reads rather than a correlated NOT EXISTS, so the cost is linear in the
    overdue tasks whatever the planner's statistics say. BHA: the overdue open tasks
    (read from the covering index ix_task_open_slug: "slug >= ''" steers the planner
    there), minus the parents of the open progress updates. Weslo: the overdue
    statutory responses (few), minus those with a contact task (looked up by parent).
    """
    profile = desk.profile
    progress = profile.slug_for("progress_update")
    stmt = columns(col(Task.id)).where(OPEN, col(Task.slug) >= "", col(Task.due_at) < at)
    if among is not None:
        stmt = stmt.where(col(Task.id).in_(among))
    if progress is not None:
        stmt = stmt.where(col(Task.slug) != progress)  # any open task but an update
        overdue = [int(i) for i in session.execute(stmt).scalars()]
        if not overdue:
            return []
        open_updates = columns(col(Task.parent_id)).where(OPEN, col(Task.slug) == progress)
        covered = {int(i) for i in session.execute(open_updates).scalars() if i is not None}
        return [i for i in overdue if i not in covered]
    statutory = profile.slug_for("statutory_response")
    contact = profile.slug_for("overdue_contact")
    if statutory is None or contact is None:
        return []
    overdue = [int(i) for i in session.execute(stmt.where(col(Task.slug) == statutory)).scalars()]
    done: set[int] = set()
    for start in range(0, len(overdue), 500):  # once per statutory response, open or not
        q = columns(col(Task.parent_id)).where(
            col(Task.parent_id).in_(overdue[start : start + 500]), col(Task.slug) == contact
        )
        done.update(int(i) for i in session.execute(q).scalars() if i is not None)
    return [i for i in overdue if i not in done]


def ensure_progress_updates(desk: Desk, at: datetime | None = None) -> int:
    """Open the progress-update tasks that overdue open tasks are owed; return how many.

    BHA (``progress_update`` in the profile): each open task past its due instant
    with no open progress update gets one, received at the task's due instant (so
    it is due 5 working days after the deadline passed), or, where an update was
    already given, at the last update (so again 5 working days later). Weslo
    (``overdue_contact``): an overdue statutory response gets one task to contact
    the customer with the reason and a new date.

    Idempotent: a task with an open update (or, at Weslo, any such contact task) is
    skipped. Cheap: two index reads (see `_owed`); it writes (and so moves every
    desk's revision) only when something is missing, in short transactions of
    ENSURE_BATCH tasks so other desks never wait long. The console runs it on one
    app-level timer (when someone signs in, then every minute); ``frontdesk queue``
    runs it before printing. It uses the real now, never an "as at" instant. They are the
    system's work: created by no one, whoever's desk ran this.
    """
    profile = desk.profile
    if not (profile.has("progress_update") or profile.has("overdue_contact")):
        return 0
    # The system opens them, not whoever happened to open the queue: the tasks carry no
    # creator and their audit events no staff member (the audit trail shows "system").
    desk = desk.with_actor(None)
    when = as_utc(at) if at is not None else desk.now()
    with desk.store.read() as session:
        owed = _owed(desk, session, when)
    made = 0
    for start in range(0, len(owed), ENSURE_BATCH):
        batch = owed[start : start + ENSURE_BATCH]
        with desk.store.write() as session:  # re-checked under the write lock
            ids = _owed(desk, session, when, among=batch)
            if not ids:
                continue
            parents = list(session.exec(select(Task).where(col(Task.id).in_(ids))).all())
            parents.sort(key=lambda t: (t.due_at, t.id))
            _open_updates(desk, session, parents)
            made += len(parents)
    return made


def _open_updates(desk: Desk, session: Session, parents: list[Task]) -> None:
    from console.desk.tasks import open_overdue_contact, open_progress_update

    progress = desk.profile.slug_for("progress_update")
    if progress is None:
        for parent in parents:
            open_overdue_contact(desk, session, parent)
        return
    child = aliased(Task)
    ids = [p.id for p in parents]
    last = dict(
        session.execute(
            columns(col(child.parent_id), func.max(col(child.completed_at)))
            .where(
                col(child.parent_id).in_(ids),
                col(child.slug) == progress,
                col(child.status) != "open",
            )
            .group_by(col(child.parent_id))
        ).all()
    )
    for parent in parents:
        assert parent.due_at is not None
        base = parent.due_at
        previous = last.get(parent.id)
        if previous is not None and as_utc(previous) > base:
            base = as_utc(previous)
        open_progress_update(desk, session, parent, received_at=base)
