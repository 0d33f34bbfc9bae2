"""Working days, weeks and months: how a report groups and counts its days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func

from console.reports.figures import (
    ALL,
)
from console.rules.calendar import next_opening, working_calendar
from console.rules.clock import LONDON, as_utc
from console.rules.profiles import Profile
from console.store.summary.cells import WorkingDays, spec_for

# --- working days --------------------------------------------------------------------------


def working_days_between(
    profile: Profile, start: datetime, end: datetime, calendar: str = "organisation"
) -> int:
    """Working days from an instant of receipt to an instant of completion (never negative).

    Day 0 is the local day of receipt; on the organisation calendar a receipt outside
    office hours counts from the next opening (as the deadline engine counts), so a
    reply on the day of receipt takes 0 working days and one on the next working day 1.
    """
    cal = working_calendar(profile, calendar)
    begin = as_utc(start)
    if calendar == "organisation":
        begin = next_opening(profile, begin)
    day0 = begin.astimezone(LONDON).date()
    last = as_utc(end).astimezone(LONDON).date()
    if last <= day0:
        return 0
    return cal.working_days_between(day0, last)


def working_days_counter(profile: Profile) -> WorkingDays:
    """`working_days_between` on the organisation calendar for many rows (cached look-ups)."""
    return spec_for(profile).working_days


# --- grouping -----------------------------------------------------------------------------


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def group_of_day(by: str | None, day: date) -> str:
    if by == "week":
        return week_of(day).isoformat()
    if by == "month":
        return f"{day:%Y-%m}"
    return ALL


def julian(day: date) -> float:
    """SQLite's julianday() of a date (midnight)."""
    return day.toordinal() + 1721424.5


def month_key(dialect: str, day: Any) -> Any:
    if dialect == "sqlite":
        return func.substr(day, 1, 7)  # dates are kept as YYYY-MM-DD text
    return func.to_char(day, "YYYY-MM")


def as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


Row = TypeVar("Row")
Rows = Callable[[str], list[Row]]


def no_rows(_group: str) -> list[Any]:
    return []


# (group, metric, bucket) -> [count, total, longest, within target, within 5, within 20]
Agg = dict[tuple[str, str, int], list[float]]


class DayFigures:
    """Sums of summary cells for one group."""

    def __init__(self, agg: Agg, group: str) -> None:
        self.agg = agg
        self.group = group

    def cell(self, metric: str, bucket: int = 0) -> list[float]:
        return self.agg.get((self.group, metric, bucket), [0, 0.0, 0.0, 0, 0, 0])

    def n(self, metric: str, bucket: int = 0) -> int:
        return int(self.cell(metric, bucket)[0])

    def total(self, metric: str) -> float:
        return self.cell(metric)[1]

    def longest(self, *metrics: str) -> float | None:
        found = [self.cell(m) for m in metrics]
        if not any(c[0] for c in found):
            return None
        return max(c[2] for c in found if c[0])

    def within(self, metric: str) -> int:
        return int(self.cell(metric)[3])


# --- the report ---------------------------------------------------------------------------
