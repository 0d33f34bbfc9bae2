"""Working-day calendars: which days count, and the office's opening hours.

Two calendars (STANDARDS.md "Clocks"):

- ``organisation``: Monday to Friday, not a Scottish bank holiday, not a closure
  day the profile lists, and the weekday has office hours in the profile.
- ``statutory``: Monday to Friday, not a Scottish bank holiday, not Christmas Day
  (FOISA s73). The organisation's closure days do not count here.

Scottish bank holidays come from ``holidays.country_holidays("GB", subdiv="SCT")``;
without the subdivision the package lacks 2 January, the August holiday and St
Andrew's Day, so it is never called without it.

Each calendar keeps a sorted list of the ordinals of its working days (2000-2060
at first, widened when a date falls outside), so "the Nth working day after D" is
``days[bisect_right(days, D) + N - 1]``. The bisect is also precomputed per day
(``rank``), because on the hot path two list indexes are cheaper than a bisect:
deadlines for a whole queue cost microseconds.
Calendars are built once per process and shared: the statutory calendar does not
depend on the profile at all, and organisation calendars are keyed by what they
depend on (open weekdays and closure days), so a reloaded profile whose closure
days changed gets a fresh calendar.

Opening hours are blocks (an office that closes for lunch has two a day) and dated
special hours replace a date's blocks; a special date with no hours is a closure
day. ``OfficeTime`` keeps each day's blocks and a table of cumulative open seconds,
which answers "the next opening" and the ``working_hours`` clock by index and
bisect (STANDARDS.md "Another landlord's profile").
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time

from console.rules.bank_holidays import _bank_holidays
from console.rules.bank_holidays import scottish_bank_holidays as scottish_bank_holidays
from console.rules.clock import LONDON, as_utc
from console.rules.errors import InputError
from console.rules.profiles import CALENDARS, Block, Profile, SpecialHours

FIRST_YEAR = 2000
LAST_YEAR = 2060
# Where a statutory due day has no office hours, close of business is 17:00 (STANDARDS.md).
DEFAULT_CLOSE = time(17, 0)
# Python's date range; a calendar never widens past it.
_MIN_YEAR = 1
_MAX_YEAR = 9999


class WorkingCalendar:
    """The working days of one calendar, as a sorted list of ordinals for ``bisect``.

    ``day 0`` follows STANDARDS.md: ``add_working_days(d, n)`` is the Nth working
    day *after* ``d`` whether or not ``d`` itself is a working day.
    """

    def __init__(
        self,
        name: str,
        open_weekdays: frozenset[int],
        closures: frozenset[int],
        first_year: int = FIRST_YEAR,
        last_year: int = LAST_YEAR,
    ) -> None:
        if name not in CALENDARS:
            raise InputError(f"unknown calendar '{name}' (expected one of {', '.join(CALENDARS)})")
        self.name = name
        self.open_weekdays = open_weekdays
        self.closures = closures
        self.first_year = first_year
        self.last_year = last_year
        self.days: list[int] = []
        self._rank: list[int] = []
        self._working: set[int] = set()
        self._lo = 0
        self._hi = 0
        self._build(first_year, last_year)

    def __repr__(self) -> str:
        span = f"{self.first_year}-{self.last_year}"
        return f"WorkingCalendar({self.name!r}, {span}, {len(self.days)} days)"

    # -- building -------------------------------------------------------------

    def _build(self, first_year: int, last_year: int) -> None:
        """(Re)compute the working-day list for whole years first_year..last_year."""
        first_year = max(first_year, _MIN_YEAR)
        last_year = min(last_year, _MAX_YEAR)
        holidays = {d.toordinal() for d in _bank_holidays(first_year, last_year)}
        lo = date(first_year, 1, 1).toordinal()
        hi = date(last_year, 12, 31).toordinal()
        statutory = self.name == "statutory"
        days: list[int] = []
        for o in range(lo, hi + 1):
            # ordinal 1 (1 Jan 0001) was a Monday, so (o - 1) % 7 is date.weekday()
            if (o - 1) % 7 not in self.open_weekdays or o in holidays or o in self.closures:
                continue
            if statutory:
                day = date.fromordinal(o)
                if day.month == 12 and day.day == 25:
                    continue
            days.append(o)
        self.first_year, self.last_year = first_year, last_year
        # rank[o - lo]: how many working days fall on or before ordinal o, i.e.
        # bisect_right(days, o) precomputed, so the hot path is two list indexes.
        rank: list[int] = []
        count = 0
        working = set(days)
        for o in range(lo, hi + 1):
            if o in working:
                count += 1
            rank.append(count)
        self.days = days
        self._rank = rank
        self._working = working
        self._lo, self._hi = lo, hi

    def _widen(self, ordinal: int) -> bool:
        """Cover the year of ``ordinal`` (plus margin); False when no wider range is possible."""
        year = date.fromordinal(min(max(ordinal, 1), date.max.toordinal())).year
        first = min(self.first_year, year - 10)
        last = max(self.last_year, year + 10)
        first, last = max(first, _MIN_YEAR), min(last, _MAX_YEAR)
        if (first, last) == (self.first_year, self.last_year):
            return False
        self._build(first, last)
        return True

    def _cover(self, ordinal: int) -> None:
        if not self._lo <= ordinal <= self._hi and not self._widen(ordinal):
            raise InputError(f"day {ordinal} (proleptic ordinal) is outside the calendar's range")

    # -- queries (ordinals: the fast path the deadline engine uses) ------------

    def is_working_ordinal(self, ordinal: int) -> bool:
        if not self._lo <= ordinal <= self._hi:
            self._cover(ordinal)
        return ordinal in self._working

    def add_ordinal(self, ordinal: int, n: int) -> int:
        """The ordinal of the Nth working day after ``ordinal`` (N=0: on or after it)."""
        lo = self._lo
        if n > 0 and lo <= ordinal <= self._hi:  # the hot path: two list indexes
            j = self._rank[ordinal - lo] + n - 1
            if j < len(self.days):
                return self.days[j]
        if n < 0:
            raise InputError(f"cannot count {n} working days: the number must not be negative")
        self._cover(ordinal)
        while True:
            days = self.days
            j = bisect_right(days, ordinal) + n - 1 if n else bisect_left(days, ordinal)
            if j < len(days):
                return days[j]
            if not self._widen(self._hi + 1):
                raise InputError("the deadline falls past the end of the calendar")

    def next_ordinal(self, ordinal: int) -> int:
        """The first working day strictly after ``ordinal``."""
        return self.add_ordinal(ordinal, 1)

    # -- queries on dates ------------------------------------------------------

    def is_working_day(self, day: date) -> bool:
        """True when ``day`` counts as a working day on this calendar."""
        return self.is_working_ordinal(_as_date(day).toordinal())

    def add_working_days(self, day: date, n: int) -> date:
        """The Nth working day after ``day`` (``day`` is day 0, working or not).

        N=0 gives ``day`` itself where it is a working day, else the next one, so
        a date-based deadline never lands on a non-working day.
        """
        return date.fromordinal(self.add_ordinal(_as_date(day).toordinal(), n))

    def next_working_day(self, day: date, *, inclusive: bool = True) -> date:
        """The first working day on or after ``day`` (strictly after with inclusive=False)."""
        return self.add_working_days(day, 0 if inclusive else 1)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after ``start`` up to and including ``end``."""
        a, b = _as_date(start).toordinal(), _as_date(end).toordinal()
        self._cover(a)
        self._cover(b)
        if b <= a:
            return -self.working_days_between(end, start) if b < a else 0
        return bisect_right(self.days, b) - bisect_right(self.days, a)


def _as_date(day: date) -> date:
    """A plain date (a datetime's date part), refusing anything else."""
    if isinstance(day, datetime):
        return day.date()
    if not isinstance(day, date):
        raise InputError(f"expected a date, not {day!r}")
    return day


_CALENDARS: dict[tuple[object, ...], WorkingCalendar] = {}
# Fast path: profile identity -> its calendars. Holding the profile keeps its id unique.
_BY_PROFILE: dict[tuple[int, str], tuple[Profile, WorkingCalendar]] = {}
_WEEKDAYS = frozenset(range(5))


def calendar_key(profile: Profile, name: str) -> tuple[object, ...]:
    """What a calendar depends on: nothing of the profile for statutory."""
    if name == "statutory":
        return ("statutory",)
    if name == "organisation":
        open_days = frozenset(i for i in range(5) if profile.office_hours[i] is not None)
        # A special-hours date with no blocks closes the office all day, like a closure day.
        closed = {s.day for s in profile.special_hours if not s.blocks}
        closures = frozenset(d.toordinal() for d in profile.closure_days | closed)
        return ("organisation", open_days, closures)
    raise InputError(f"unknown calendar '{name}' (expected one of {', '.join(CALENDARS)})")


def working_calendar(profile: Profile, name: str) -> WorkingCalendar:
    """The named calendar for a profile, built once per process."""
    hit = _BY_PROFILE.get((id(profile), name))
    if hit is not None and hit[0] is profile:
        return hit[1]
    key = calendar_key(profile, name)
    cal = _CALENDARS.get(key)
    if cal is None:
        if name == "statutory":
            cal = WorkingCalendar("statutory", _WEEKDAYS, frozenset())
        else:
            _, open_days, closures = key
            assert isinstance(open_days, frozenset) and isinstance(closures, frozenset)
            cal = WorkingCalendar("organisation", open_days, closures)
        _CALENDARS[key] = cal
    if len(_BY_PROFILE) > 256:
        _BY_PROFILE.clear()
    _BY_PROFILE[(id(profile), name)] = (profile, cal)
    return cal


def office_hours(profile: Profile, day: date) -> tuple[time, time] | None:
    """(opening, close of business) local on ``day``, or None when the office is closed all day.

    Closed means a weekend or weekday without hours, a Scottish bank holiday, one
    of the profile's closure days or a special-hours date with no hours. The
    office may close between the two (lunch): ``office_blocks`` has the blocks.
    """
    blocks = office_blocks(profile, day)
    return (blocks[0][0], blocks[-1][1]) if blocks else None


def office_blocks(profile: Profile, day: date) -> tuple[Block, ...]:
    """The opening blocks on ``day``, special hours applied; () when closed all day."""
    day = _as_date(day)
    if not working_calendar(profile, "organisation").is_working_day(day):
        return ()
    special = special_hours_on(profile, day)
    return special.blocks if special is not None else profile.blocks_on(day.weekday())


def special_hours_on(profile: Profile, day: date) -> SpecialHours | None:
    return office_time(profile).special.get(_as_date(day).toordinal())


def close_of_business(profile: Profile, day: date) -> time:
    """The closing time on ``day``; 17:00 where the office keeps no hours that weekday.

    Bank holidays do not matter here: a statutory due day is never one, and the
    weekday's closing time is what a statutory deadline uses (STANDARDS.md). A
    special-hours date closes at its own last block's end.
    """
    day = _as_date(day)
    special = special_hours_on(profile, day)
    if special is not None and special.blocks:
        return special.blocks[-1][1]
    hours = profile.office_hours[day.weekday()]
    return DEFAULT_CLOSE if hours is None else hours[1]


def local_instant(day: date, at: time) -> datetime:
    """The UTC instant of a Europe/London wall time, never failing on a DST change.

    A time that does not exist (clocks go forward) or happens twice (clocks go
    back) is read with fold=0 and normalised through UTC.
    """
    return datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=LONDON).astimezone(UTC)


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


def time_of(seconds: int) -> time:
    """A second of the day (0..86400) as a wall time; 86400 (midnight after) as 23:59:59."""
    if seconds >= 86400:
        return time(23, 59, 59)
    hour, rest = divmod(seconds, 3600)
    return time(hour, *divmod(rest, 60))


SecondsBlock = tuple[int, int]


class OfficeTime:
    """Open office time as a table: cumulative open seconds before each day's start.

    The ``working_hours`` clock counts open time: from a receipt's place in the
    table (the day's cumulative count plus the open seconds of that day before the
    receipt) N hours on is one bisect over the table and a walk over that day's
    two or three blocks, never a walk minute by minute. A receipt while closed has
    the same place as the next opening, which is exactly STANDARDS.md's rule.
    Built over the organisation calendar's range and rebuilt when it widens.
    """

    def __init__(self, profile: Profile, calendar: WorkingCalendar) -> None:
        self.calendar = calendar
        self.week: tuple[tuple[SecondsBlock, ...], ...] = tuple(
            tuple((_seconds(a), _seconds(b)) for a, b in profile.blocks_on(wd)) for wd in range(7)
        )
        self.special: dict[int, SpecialHours] = {
            s.day.toordinal(): s for s in profile.special_hours
        }
        self.special_blocks: dict[int, tuple[SecondsBlock, ...]] = {
            o: tuple((_seconds(a), _seconds(b)) for a, b in s.blocks)
            for o, s in self.special.items()
        }
        self._lo = self._hi = 0
        self.cumulative: list[int] = []
        self.per_day: list[tuple[SecondsBlock, ...]] = []  # each day's blocks, () when closed
        self._build()

    def _build(self) -> None:
        cal = self.calendar
        lo, hi = cal._lo, cal._hi
        cum = [0]
        total = 0
        working = cal._working
        week, special = self.week, self.special_blocks
        per_day: list[tuple[SecondsBlock, ...]] = []
        for o in range(lo, hi + 1):
            blocks: tuple[SecondsBlock, ...] = ()
            if o in working:
                blocks = special.get(o) or week[(o - 1) % 7]
                for a, b in blocks:
                    total += b - a
            per_day.append(blocks)
            cum.append(total)
        self._lo, self._hi, self.cumulative, self.per_day = lo, hi, cum, per_day

    def _cover(self, ordinal: int) -> None:
        self.calendar._cover(ordinal)
        if (self._lo, self._hi) != (self.calendar._lo, self.calendar._hi):
            self._build()

    def blocks_of(self, ordinal: int) -> tuple[SecondsBlock, ...]:
        """That day's blocks in seconds of the day; () where it is not a working day."""
        if not self._lo <= ordinal <= self._hi:
            self._cover(ordinal)
        return self.per_day[ordinal - self._lo]

    def next_open(self, ordinal: int, sod: int) -> tuple[int, int] | None:
        """(day, second) of the next opening after local (day, second); None while open."""
        for a, b in self.blocks_of(ordinal):
            if sod < b:
                return None if sod >= a else (ordinal, a)
        nxt = self.calendar.next_ordinal(ordinal)
        return nxt, self.blocks_of(nxt)[0][0]

    def place(self, ordinal: int, sod: int) -> int:
        """Open seconds from the table's start up to local (day, second)."""
        if not self._lo <= ordinal <= self._hi:
            self._cover(ordinal)
        i = ordinal - self._lo
        done = self.cumulative[i]
        for a, b in self.per_day[i]:
            if sod >= b:
                done += b - a
            elif sod > a:
                done += sod - a
        return done

    def locate(self, place: int, after: int = 0) -> tuple[int, int]:
        """Local (day, second) at which open time reaches ``place`` (> 0).

        A count that ends exactly at a block's close is at that close, not at the
        next opening. ``after``: a day (ordinal) known to come no later than the answer,
        which narrows the search.
        """
        while True:
            cum = self.cumulative
            k = bisect_left(cum, place, max(after - self._lo, 0))
            if k < len(cum):
                break
            if not self.calendar._widen(self._hi + 1):
                raise InputError("the deadline falls past the end of the calendar")
            self._build()
        ordinal = self._lo + k - 1
        left = place - cum[k - 1]
        for a, b in self.per_day[k - 1]:
            if left <= b - a:
                return ordinal, a + left
            left -= b - a
        raise AssertionError("open time table out of step with the blocks")  # pragma: no cover


_OFFICE: dict[tuple[int, int], tuple[Profile, OfficeTime]] = {}


def office_time(profile: Profile) -> OfficeTime:
    """The profile's open-time table, built once per process (and per profile object)."""
    cal = working_calendar(profile, "organisation")
    hit = _OFFICE.get((id(profile), id(cal)))
    if hit is not None and hit[0] is profile:
        return hit[1]
    if len(_OFFICE) > 64:
        _OFFICE.clear()
    table = OfficeTime(profile, cal)
    _OFFICE[(id(profile), id(cal))] = (profile, table)
    return table


def _local_place(instant: datetime) -> tuple[datetime, int, int]:
    if not isinstance(instant, datetime):
        raise InputError(f"expected a date and time, not {instant!r}")
    utc = as_utc(instant)
    loc = utc.astimezone(LONDON)
    return utc, loc.toordinal(), loc.hour * 3600 + loc.minute * 60 + loc.second


def next_opening(profile: Profile, instant: datetime) -> datetime:
    """The next instant the office is open, in UTC; an instant within hours is returned as is.

    Follows the blocks (closed for lunch: re-opens at the next block) and special
    hours. Naive instants are Europe/London local time.
    """
    utc, ordinal, sod = _local_place(instant)
    nxt = office_time(profile).next_open(ordinal, sod)
    if nxt is None:
        return utc
    return local_instant(date.fromordinal(nxt[0]), time_of(nxt[1]))


def next_closing(profile: Profile, instant: datetime) -> datetime | None:
    """When the office next closes (end of the current block), or None while closed."""
    _, ordinal, sod = _local_place(instant)
    for a, b in office_time(profile).blocks_of(ordinal):
        if a <= sod < b:
            return local_instant(date.fromordinal(ordinal), time_of(b))
    return None


def closed_between_blocks(profile: Profile, instant: datetime) -> bool:
    """True while the office is shut between two blocks of the same day (lunch)."""
    _, ordinal, sod = _local_place(instant)
    blocks = office_time(profile).blocks_of(ordinal)
    return any(blocks[i][1] <= sod < blocks[i + 1][0] for i in range(len(blocks) - 1))


def is_open(profile: Profile, instant: datetime) -> bool:
    """True while the office is open (the out-of-hours service covers the rest)."""
    return next_opening(profile, instant) == as_utc(instant)
