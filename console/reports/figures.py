"""The figures of the team lead's report, as plain frozen dataclasses.

A `Report` holds every commitment of the profile, the telephone line, the
reception desk, complaints (the SPSO's KPIs) and repairs (the ARC indicators),
each broken down by handler, week or month when asked, plus the two charts'
figures. `console.reports.builder` fills one; `console.reports.render` shows it
to people (text) and to other programs (CSV, JSON).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any

from console.rules.clock import local
from console.store.models import Contact, DailySummary, Task

BYS = ("handler", "week", "month")
ALL = "all"
NOBODY_LABEL = "nobody"
S = DailySummary.__table__  # type: ignore[attr-defined]
T = Task.__table__  # type: ignore[attr-defined]
C = Contact.__table__  # type: ignore[attr-defined]

OUTCOME_LABELS = {
    "upheld": "upheld",
    "partially-upheld": "partially upheld",
    "not-upheld": "not upheld",
    "resolved": "resolved",
    "escalated": "escalated",
    "": "not recorded",
}


# --- the figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date  # first local day
    end: date  # last local day (inclusive)
    at: datetime  # the as-at instant (UTC): what is open and overdue, and what is not yet due
    by: str | None  # None, "handler", "week", "month"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        span = f"{self.start:%a %d %b %Y} to {self.end:%a %d %b %Y}"
        days = f"{self.days} day{'s' if self.days != 1 else ''}"
        return f"{span} ({days}), as at {local(self.at):%a %d %b %Y %H:%M}"


@dataclass(frozen=True)
class CommitmentRow:
    group: str
    slug: str
    promise: str
    target: str
    fell_due: int  # calls offered / visitors decided for a live target
    met: int
    late: int
    open_overdue: int  # fell due in the period, still open past its due instant
    not_yet_due: int  # falls in the period but is still open and not yet due
    share_met: float | None
    average_seconds: float | None  # time taken (live targets: the wait)
    longest_seconds: float | None
    # Commitments with an aim inside the promise: done by the aim instant, and that share.
    met_aim: int | None = None
    share_met_aim: float | None = None


@dataclass(frozen=True)
class OpenRow:
    """Open and overdue now, as the queue counts them (whatever the period)."""

    group: str
    slug: str
    promise: str
    open: int
    overdue: int


@dataclass(frozen=True)
class TelephoneRow:
    group: str
    offered: int
    answered: int
    abandoned: int
    answered_within: int
    service_level: float | None
    average_answer_seconds: float | None
    longest_wait_seconds: float | None
    resolved: int
    first_contact_resolution: float | None


@dataclass(frozen=True)
class ReceptionRow:
    group: str
    visitors: int
    served: int
    left_unseen: int
    served_within: int
    share_within: float | None
    average_wait_seconds: float | None
    longest_wait_seconds: float | None
    second_needed: int
    second_seen: int
    second_within: int
    second_share_within: float | None
    second_average_seconds: float | None
    second_longest_seconds: float | None


@dataclass(frozen=True)
class ComplaintRow:
    group: str
    stage: int  # 1 or 2
    received: int
    frontline: int  # stage 1: of which resolved at the front line
    escalated_from_stage1: int  # stage 2: of which escalated from stage 1
    closed_in_full: int
    within_5: int
    within_20: int
    share_within_5: float | None
    share_within_20: float | None
    average_working_days: float | None
    upheld: int
    partially_upheld: int
    not_upheld: int
    resolved: int
    escalated: int  # stage 1 closed by escalation before a decision
    no_outcome: int


@dataclass(frozen=True)
class RepairRow:
    group: str
    priority: str  # "emergency", "non-emergency", "urgent", "routine"
    slugs: str
    unit: str  # "hours" or "working days"
    completed: int
    average: float | None
    longest: float | None


@dataclass(frozen=True)
class HourRow:
    hour: int  # local hour of day, 0-23
    offered: int
    answered: int
    answered_within: int | None  # None where the profile sets no answer target
    average_answer_seconds: float | None


@dataclass(frozen=True)
class WeekShare:
    slug: str
    week: date  # Monday
    fell_due: int  # decided: fell due and not still waiting for its due instant
    met: int
    share_met: float | None


@dataclass(frozen=True)
class Report:
    organisation: str
    profile: str
    period: Period
    answer_target_seconds: int | None
    serve_target_seconds: int | None
    second_target_seconds: int | None
    groups: tuple[str, ...]  # group labels in order, "all" last
    commitments: tuple[CommitmentRow, ...]
    open_now: tuple[OpenRow, ...]
    telephone: tuple[TelephoneRow, ...]
    reception: tuple[ReceptionRow, ...]
    complaints: tuple[ComplaintRow, ...]
    repairs: tuple[RepairRow, ...]
    hours: tuple[HourRow, ...]
    weekly: tuple[WeekShare, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def open_total(self) -> int:
        return sum(r.open for r in self.open_now if r.group == ALL)

    @property
    def overdue_total(self) -> int:
        return sum(r.overdue for r in self.open_now if r.group == ALL)

    def tables(self) -> dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]:
        """Every table as (column names, rows): what --csv writes."""
        out: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = {}
        for name in TABLES:
            rows = getattr(self, name)
            cls = TABLE_TYPES[name]
            columns = tuple(f.name for f in fields(cls))
            out[name] = (columns, [tuple(_cell(getattr(r, c)) for c in columns) for r in rows])
        return out

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["open_total"] = self.open_total
        data["overdue_total"] = self.overdue_total
        return data


TABLES = (
    "commitments",
    "open_now",
    "telephone",
    "reception",
    "complaints",
    "repairs",
    "hours",
    "weekly",
)
TABLE_TYPES: dict[str, type] = {
    "commitments": CommitmentRow,
    "open_now": OpenRow,
    "telephone": TelephoneRow,
    "reception": ReceptionRow,
    "complaints": ComplaintRow,
    "repairs": RepairRow,
    "hours": HourRow,
    "weekly": WeekShare,
}


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mean(total: float, count: int) -> float | None:
    return total / count if count else None
