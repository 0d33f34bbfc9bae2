"""The wall display's data: the live queue and today's figures, initials only.

The wall hangs where visitors and contractors can see it, so nothing here
carries a name: customers and staff appear as initials, a task as its kind in
plain words (never its title, which a handler may have typed a name into), and
visitors only as counts. No sign-in is needed to read it, and
nothing here writes.

Everything comes from stored rows and the desk's clock, so every wall shows the
same figures and a restart loses nothing. The queue comes from `console.desk.queue`
(the top page of the open-task index and its counts, as the queue desk reads
them); the rest are small reads of today's calls and visits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlmodel import col

from console.desk import queue
from console.desk.calls import answer_target, office_line
from console.desk.context import Desk
from console.desk.reception import CHANNEL as VISIT
from console.desk.reception import VisitView, summarise
from console.rules.clock import LONDON, local
from console.store.models import Contact, Customer, Task
from console.store.summary.cells import answer_seconds

if TYPE_CHECKING:
    from sqlmodel import Session

DEFAULT_ROWS = 12
MAX_ROWS = 100
NOBODY = "—"
# Forms of address are not initials: "Mrs Jean Brown" is JB.
_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "rev", "sir", "dame", "lady", "lord"}
)
_LETTER = re.compile(r"[^\W\d_]")


def initials(name: str | None) -> str:
    """ "Jean Brown" -> "JB"; "Mrs Jean Mary Brown-Smith" -> "JMB"; "" -> "—".

    The first letter of each word (forms of address dropped), at most three:
    the first two words and the last. Never more of the name than that.
    """
    words = [w for w in (name or "").replace(".", " ").split() if _LETTER.search(w)]
    named = [w for w in words if w.lower() not in _TITLES] or words
    if len(named) > 3:
        named = [*named[:2], named[-1]]
    letters = []
    for word in named:
        found = _LETTER.search(word)
        if found:
            letters.append(found.group().upper())
    return "".join(letters) or NOBODY


@dataclass(frozen=True)
class WallTask:
    """One open task as the wall shows it: no names, no titles, no notes."""

    id: int
    what: str  # the kind in plain words, e.g. "Urgent call back" (never the title)
    team: str
    customer: str  # initials, or "—"
    assignee: str  # initials, or "—" when nobody has it
    due_at: datetime
    due: str  # "today at 4:15pm"
    left: str  # "2h 15m" / "overdue 1d 3h"
    overdue: bool


@dataclass(frozen=True)
class Wall:
    """Everything on the wall at one instant."""

    at: datetime
    day: date
    organisation: str
    tasks: tuple[WallTask, ...]  # soonest deadline first
    open: int
    overdue: int
    due_today: int  # open, due before midnight tonight, not yet overdue
    calls_offered: int
    calls_answered: int  # not abandoned
    calls_within: int  # answered within the answer-call target
    call_target_seconds: float | None
    visitors: int
    waiting_now: int  # waiting to be served, or for a second staff member
    served_within: int
    visitors_decided: int
    visitor_target_seconds: int | None
    longest_wait_seconds: float
    office: str = ""  # "" while open, else "Closed for lunch: the office re-opens today at 1:30pm."
    calls_waiting: int = 0  # in the phone system's queue now (issue 18)
    calls_longest_wait: float | None = None  # seconds, of the calls waiting now

    @property
    def calls_share(self) -> float | None:
        """The service level, as the reports define it: answered within target / offered.

        None with no calls offered or no answer target in the profile.
        """
        if self.call_target_seconds is None or not self.calls_offered:
            return None
        return self.calls_within / self.calls_offered

    @property
    def calls_abandoned(self) -> int:
        return self.calls_offered - self.calls_answered

    @property
    def visitors_share(self) -> float | None:
        if self.visitor_target_seconds is None or not self.visitors_decided:
            return None
        return self.served_within / self.visitors_decided


def _check_rows(rows: int) -> int:
    from console.rules.errors import InputError

    if isinstance(rows, bool) or not isinstance(rows, int) or not 1 <= rows <= MAX_ROWS:
        raise InputError(f"the wall shows 1 to {MAX_ROWS} tasks, not {rows!r}")
    return rows


def wall(desk: Desk, rows: int = DEFAULT_ROWS) -> Wall:
    """The wall at the desk's clock: top `rows` open tasks, counts, today's calls and visitors.

    Needs no signed-in actor (the wall has no sign-in) because it returns no names.
    """
    rows = _check_rows(rows)
    now = desk.now()
    profile = desk.profile
    day = local(now).date()
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), LONDON)
    call_target = answer_target(profile)
    # The top of the queue and its counts, exactly as the queue desk reads them
    # (keyset page over the partial index on open tasks' deadlines).
    top = queue.wall_page(desk, limit=rows, at=now).rows
    counted = queue.counts(desk, at=now)
    due = col(Task.due_at)
    with desk.store.read() as session:
        due_today = session.execute(
            select(func.count())
            .select_from(Task)
            .where(queue.OPEN)
            .where(due >= now)
            .where(due < midnight)
        ).scalar_one()
        gone = _anonymised(session, {r.task.customer_id for r in top if r.task.customer_id})
        calls = session.execute(
            select(
                col(Contact.abandoned),
                col(Contact.answer_seconds),
                col(Contact.answered_at),
                col(Contact.received_at),
            )
            .where(col(Contact.channel) == "call")
            .where(col(Contact.day) == day)
        ).all()
        visits = session.execute(
            select(
                col(Contact.id),
                col(Contact.received_at),
                col(Contact.served_at),
                col(Contact.second_needed_at),
                col(Contact.second_seen_at),
                col(Contact.left_at),
                col(Contact.left_unseen),
            )
            .where(col(Contact.channel) == VISIT)
            .where(col(Contact.day) == day)
        ).all()
    # The reports' definitions (console/summary.answer_seconds): answered = not abandoned;
    # the service level is answered within the target over calls offered.
    waits = [answer_seconds(c) for c in calls]
    answered_count = sum(1 for c in calls if not c.abandoned)
    within_count = sum(
        1 for w in waits if w is not None and call_target is not None and w <= call_target
    )
    tasks = tuple(
        WallTask(
            id=r.id,
            what=r.kind[:1].upper() + r.kind[1:],
            team=r.task.team,
            customer=(
                NOBODY
                if r.task.customer_id is None or r.task.customer_id in gone
                else initials(r.task.customer_name)
            ),
            assignee=initials(r.task.assignee_name) if r.task.assignee_id else NOBODY,
            due_at=r.task.due_at,
            due=r.due_text,
            left=r.left,
            overdue=r.state == "overdue",
        )
        for r in top
    )
    from console.desk.phone import waiting_now

    line = waiting_now(desk)
    summary = summarise(
        profile,
        (
            VisitView(
                id=vid,
                visitor_name="",
                day=day,
                received_at=received or now,
                served_at=served,
                second_needed_at=second_needed,
                second_seen_at=second_seen,
                left_at=left,
                left_unseen=left_unseen,
            )
            for vid, received, served, second_needed, second_seen, left, left_unseen in visits
        ),
        day,
        now,
    )
    return Wall(
        at=now,
        day=day,
        organisation=profile.name,
        tasks=tasks,
        open=counted.open,
        overdue=counted.overdue,
        due_today=int(due_today),
        calls_offered=len(calls),
        calls_answered=answered_count,
        calls_within=within_count,
        call_target_seconds=call_target,
        visitors=summary.visitors,
        waiting_now=summary.waiting + summary.awaiting_second,
        served_within=summary.served_within,
        visitors_decided=summary.decided,
        visitor_target_seconds=summary.target_seconds,
        longest_wait_seconds=summary.longest_wait_seconds,
        office=office_line(desk),
        calls_waiting=line.waiting,
        calls_longest_wait=line.longest_wait,
    )


def _anonymised(session: Session, ids: set[int]) -> set[int]:
    """Which of these customers were anonymised (their placeholder name has no initials)."""
    if not ids:
        return set()
    found = session.execute(
        select(col(Customer.id)).where(col(Customer.id).in_(ids)).where(col(Customer.anonymised))
    )
    return set(found.scalars())


def format_seconds(seconds: float) -> str:
    """A target as the wall prints it: "20s", "3m", "1m 30s"."""
    whole = round(seconds)
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs}s"
    return f"{minutes}m" if not secs else f"{minutes}m {secs}s"


def share_text(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)}%"
