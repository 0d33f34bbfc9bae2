"""Deadlines: from (commitment, received instant) to the due instant, for all five clocks.

The rules are STANDARDS.md "Clocks", and its worked examples are the contract:

- ``seconds`` / ``hours``: elapsed time added in UTC, so a BST/GMT change never
  shifts it.
- ``working_days``: close of business on the Nth working day after day 0. On the
  organisation calendar a receipt outside office hours counts as received at the
  next opening (so day 0 is that day); on the statutory calendar day 0 is the
  local date of receipt. ``at = "same-time"``: the same local clock time (of the
  effective receipt) on the due day instead of close of business.
- ``working_hours``: when N hours of open office time (the blocks of organisation
  working days, special hours included) have passed since receipt, or since the
  next opening where received while closed; a count ending exactly at a block's
  close is due at that close.
- ``calendar_days``: 23:59:59 local on the Nth calendar day after receipt.
- ``months``: the same date N months on (or the month's last day), moved to the
  next working day of its calendar, due at close of business. Day 0 is the local
  date of receipt on *both* calendars: the out-of-hours shift is a rule about
  working days, and the ICO counts a month from the day a request arrives, so a
  request emailed on Saturday 31 January is due on (Monday after) 28 February,
  not a month after the next opening.

An ``aim`` (``aim_at``) is the commitment's earlier target, computed from the same
receipt on its own clock and never after the due instant.

Every instant returned is timezone-aware UTC. Naive inputs are Europe/London
local time. Local wall-clock times are built through ``zoneinfo`` with fold=0,
so a time skipped or repeated by a DST change never raises.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from console.rules.calendar import (
    DEFAULT_CLOSE,
    OfficeTime,
    WorkingCalendar,
    local_instant,
    office_time,
    time_of,
    working_calendar,
)
from console.rules.clock import LONDON
from console.rules.errors import InputError
from console.rules.profiles import Commitment, Profile

END_OF_DAY = time(23, 59, 59)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# English names whatever the process locale (strftime's %A/%B follow LC_TIME).
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# (close time, ordinal) -> UTC instant: close of business repeats across a queue.
_LOCAL_CACHE: dict[time, dict[int, datetime]] = {}


def months_after(day: date, months: int) -> date:
    """The same date ``months`` later, or the last day of that month where it does not exist."""
    index = day.year * 12 + (day.month - 1) + months
    year, month0 = divmod(index, 12)
    last = _DAYS_IN_MONTH[month0]
    if month0 == 1 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        last = 29
    try:
        return date(year, month0 + 1, min(day.day, last))
    except ValueError:
        raise InputError(f"{months} months after {day} is outside the calendar") from None


def _commitment(profile: Profile, slug_or_commitment: object) -> Commitment:
    if isinstance(slug_or_commitment, Commitment):
        return slug_or_commitment
    if isinstance(slug_or_commitment, str):
        return profile.commitment(slug_or_commitment)  # ProfileError for an unknown slug
    raise InputError(f"expected a commitment or its slug, not {slug_or_commitment!r}")


def _received_utc(received: object) -> datetime:
    """The receipt as aware UTC; naive is Europe/London, a bare date is local midnight."""
    if isinstance(received, datetime):
        if received.tzinfo is None:
            received = received.replace(tzinfo=LONDON)
        return received.astimezone(UTC)
    if isinstance(received, date):
        return local_instant(received, time(0))
    raise InputError(f"expected the date and time of receipt, not {received!r}")


def _local_at(ordinal: int, at: time) -> datetime:
    """UTC instant of local wall time ``at`` on day ``ordinal``, memoised (closing times repeat)."""
    per_day = _LOCAL_CACHE.get(at)
    if per_day is None:
        per_day = _LOCAL_CACHE[at] = {}
    hit = per_day.get(ordinal)
    if hit is None:
        hit = per_day[ordinal] = local_instant(date.fromordinal(ordinal), at)
    return hit


# UTC hour (ordinal * 24 + hour) -> (local ordinal, local second of day at that hour's start).
# Europe/London's offset only changes on a whole UTC hour, so one astimezone() per
# hour seen serves every instant in it: UTC -> local costs two dict look-ups.
_LOCAL_HOUR: dict[int, tuple[int, int] | None] = {}
_UNSEEN = (0, -1)


def _to_local(utc: datetime) -> tuple[int, int]:
    """(local ordinal, local second of the day) of an aware UTC instant, microseconds dropped."""
    key = utc.toordinal() * 24 + utc.hour
    hit = _LOCAL_HOUR.get(key, _UNSEEN)
    if hit is _UNSEEN:
        hit = _LOCAL_HOUR[key] = _local_hour(utc)
        if len(_LOCAL_HOUR) > 2_000_000:  # bounded: about 230 years of distinct hours
            _LOCAL_HOUR.clear()
    if hit is None:  # the offset changes within this hour: do it the long way
        loc = utc.astimezone(LONDON)
        return loc.toordinal(), loc.hour * 3600 + loc.minute * 60 + loc.second
    ordinal, sod = hit
    sod += utc.minute * 60 + utc.second
    if sod >= 86400:
        return ordinal + 1, sod - 86400
    return ordinal, sod


def _local_hour(utc: datetime) -> tuple[int, int] | None:
    """The cache entry for ``utc``'s hour, or None where the offset is not constant over it."""
    start = utc.replace(minute=0, second=0, microsecond=0)
    first = start.astimezone(LONDON)
    last = (start + timedelta(seconds=3599)).astimezone(LONDON)
    if first.utcoffset() != last.utcoffset():
        return None
    return first.toordinal(), first.hour * 3600 + first.minute * 60 + first.second


class _Rules:
    """What the engine needs from one profile, in the shape the hot path wants."""

    __slots__ = (
        "close_at",
        "close_seconds",
        "closes",
        "office",
        "opening",
        "opens",
        "organisation",
        "profile",
        "special_close",
        "statutory",
    )

    def __init__(self, profile: Profile) -> None:
        hours = profile.office_hours
        self.profile = profile
        self.organisation = working_calendar(profile, "organisation")
        self.statutory = working_calendar(profile, "statutory")
        # Per weekday: opening time (None when closed) and close of business (17:00
        # where closed), and both again as seconds of the day for comparisons.
        self.opening = tuple(None if h is None else h[0] for h in hours)
        self.closes = tuple(DEFAULT_CLOSE if h is None else h[1] for h in hours)
        self.opens = tuple(None if h is None else _seconds(h[0]) for h in hours)
        self.close_seconds = tuple(_seconds(t) for t in self.closes)
        self.close_at: dict[int, datetime] = {}  # ordinal -> UTC close of business
        self.office: OfficeTime = office_time(profile)
        # Special-hours dates that open: their own close of business.
        self.special_close = {
            s.day.toordinal(): s.blocks[-1][1] for s in profile.special_hours if s.blocks
        }


def _seconds(at: time) -> int:
    return at.hour * 3600 + at.minute * 60 + at.second


_RULES: dict[int, _Rules] = {}


def _rules(profile: Profile) -> _Rules:
    """The profile's rules, built once; keyed by identity (the entry keeps the profile alive)."""
    r = _RULES.get(id(profile))
    if r is None or r.profile is not profile:
        if len(_RULES) > 256:
            _RULES.clear()
        r = _RULES[id(profile)] = _Rules(profile)
    return r


def _close_at(r: _Rules, ordinal: int) -> datetime:
    """Close of business on a day: that weekday's closing time, else 17:00 (cached)."""
    hit = r.close_at.get(ordinal)
    if hit is None:
        at = r.special_close.get(ordinal) or r.closes[(ordinal - 1) % 7]
        hit = r.close_at[ordinal] = _local_at(ordinal, at)
    return hit


def _calendar(r: _Rules, c: Commitment) -> WorkingCalendar:
    if c.calendar == "organisation":
        return r.organisation
    if c.calendar == "statutory":
        return r.statutory
    if c.calendar is None:
        raise InputError(f"commitment '{c.slug}' runs on clock {c.clock} but names no calendar")
    raise InputError(f"commitment '{c.slug}' names an unknown calendar '{c.calendar}'")


def _working_days(r: _Rules, c: Commitment, utc: datetime) -> datetime:
    ordinal, sod = _to_local(utc)
    cal = _calendar(r, c)
    shifted = -1  # the effective local second of the day, where it is an opening
    if cal is r.organisation:
        # Outside office hours (before, between or after the blocks, or on a day that
        # is not a working day) the receipt counts as made at the next opening.
        office = r.office
        lo = office._lo
        if lo <= ordinal <= office._hi:  # the hot path: the day's blocks by index
            for a, b in office.per_day[ordinal - lo]:
                if sod < b:
                    if sod < a:
                        shifted = a
                    break
            else:
                ordinal = cal.add_ordinal(ordinal, 1)
                shifted = office.blocks_of(ordinal)[0][0]
        else:
            nxt = office.next_open(ordinal, sod)
            if nxt is not None:
                ordinal, shifted = nxt
    due = cal.add_ordinal(ordinal, c.amount)
    if c.at != "same-time":
        hit = r.close_at.get(due)
        return _close_at(r, due) if hit is None else hit
    if shifted >= 0:
        return _local_at(due, time_of(shifted))
    return local_instant(date.fromordinal(due), utc.astimezone(LONDON).time())


def _working_hours(r: _Rules, c: Commitment, utc: datetime) -> datetime:
    """When N hours of open office time have passed since receipt (or the next opening)."""
    if c.calendar not in (None, "organisation"):
        raise InputError(
            f"commitment '{c.slug}' counts working hours, which only the organisation calendar has"
        )
    ordinal, sod = _to_local(utc)
    office = r.office
    if c.amount == 0:
        nxt = office.next_open(ordinal, sod)
        return utc if nxt is None else _local_seconds(nxt[0], nxt[1])
    due, second = office.locate(office.place(ordinal, sod) + c.amount * 3600, ordinal)
    return _local_seconds(due, second)


# Local day ordinal -> UTC instant of its local midnight, where the day has one UTC offset.
_MIDNIGHT: dict[int, datetime | None] = {}


def _local_seconds(ordinal: int, second: int) -> datetime:
    """UTC instant of local (day, second of the day): one addition on a day without a DST change."""
    midnight = _MIDNIGHT.get(ordinal, _NOT_SEEN)
    if midnight is _NOT_SEEN:
        day = date.fromordinal(ordinal)
        start = local_instant(day, time(0))
        end = local_instant(day, time(23, 59, 59))
        midnight = _MIDNIGHT[ordinal] = start if end - start == _DAY_LESS_ONE else None
    if midnight is None:
        return local_instant(date.fromordinal(ordinal), time_of(second))
    return midnight + _elapsed(second)


_NOT_SEEN = datetime.min.replace(tzinfo=UTC)
_DAY_LESS_ONE = timedelta(seconds=86399)


def _months(r: _Rules, c: Commitment, utc: datetime) -> datetime:
    cal = _calendar(r, c)
    ordinal, _ = _to_local(utc)
    target = months_after(date.fromordinal(ordinal), c.amount)
    return _close_at(r, cal.add_ordinal(target.toordinal(), 0))


def due_at(profile: Profile, slug_or_commitment: str | Commitment, received: datetime) -> datetime:
    """The instant (aware, UTC) by which a commitment received at ``received`` is due.

    Raises ProfileError for a slug the profile does not know, InputError for a
    receipt that is not a date and time (or is so far out nothing can be due).
    """
    # The common case (a Commitment and an aware UTC instant) skips the checks: a
    # queue recomputes thousands of these.
    c = slug_or_commitment
    if type(c) is not Commitment:
        c = _commitment(profile, c)
    utc = received
    if type(utc) is not datetime or utc.tzinfo is not UTC:
        utc = _received_utc(received)
    r = _RULES.get(id(profile))
    if r is None or r.profile is not profile:
        r = _rules(profile)
    clock = c.clock
    if c.amount < 0:
        raise InputError(f"commitment '{c.slug}' has a negative amount ({c.amount})")
    try:
        if clock == "working_days":
            return _working_days(r, c, utc)
        if clock == "working_hours":
            return _working_hours(r, c, utc)
        if clock == "hours":
            return utc + _elapsed(c.amount * 3600)
        if clock == "seconds":
            return utc + _elapsed(c.amount)
        if clock == "months":
            return _months(r, c, utc)
        if clock == "calendar_days":
            ordinal, _ = _to_local(utc)
            return _local_at(ordinal + c.amount, END_OF_DAY)
    except (OverflowError, ValueError) as exc:
        raise InputError(f"no deadline for '{c.slug}' received {received}: {exc}") from None
    raise InputError(f"commitment '{c.slug}' has an unknown clock '{clock}'")


_ELAPSED: dict[int, timedelta] = {}


def _elapsed(seconds: int) -> timedelta:
    """A timedelta of whole seconds, memoised (building one costs more than adding it)."""
    hit = _ELAPSED.get(seconds)
    if hit is None:
        hit = _ELAPSED[seconds] = timedelta(seconds=seconds)
    return hit


def aim_at(
    profile: Profile, slug_or_commitment: str | Commitment, received: datetime
) -> datetime | None:
    """The aim instant (UTC) of a commitment with an aim, never after its due instant.

    None where the commitment has no aim.
    """
    c = _commitment(profile, slug_or_commitment)
    if c.aim is None:
        return None
    return min(due_at(profile, c.aim, received), due_at(profile, c, received))


def aim_at_local(
    profile: Profile, slug_or_commitment: str | Commitment, received: datetime
) -> datetime:
    """``aim_at`` in Europe/London; InputError where the commitment has no aim."""
    c = _commitment(profile, slug_or_commitment)
    aim = aim_at(profile, c, received)
    if aim is None:
        raise InputError(f"commitment '{c.slug}' has no aim (only a promise: use it without --aim)")
    return aim.astimezone(LONDON)


def due_at_local(
    profile: Profile, slug_or_commitment: str | Commitment, received: datetime
) -> datetime:
    """``due_at`` shown in Europe/London, for display and the command line."""
    return due_at(profile, slug_or_commitment, received).astimezone(LONDON)


def notice_ok(
    profile: Profile, slug_or_commitment: str | Commitment, booked_at: datetime, visit_at: datetime
) -> bool:
    """True when a visit booked at ``booked_at`` gives the minimum notice the commitment asks.

    For a working-days minimum (Weslo's home-visit notice: at least 7 working
    days) the visit's local date must be at least N working days after the
    booking's local date: the working days after the booking day up to and
    including the visit day number N or more. The out-of-hours shift does not
    apply: notice is given on the day it is given, whether the office is open or
    not. Any other clock: the visit must not come before ``due_at`` of the booking.
    """
    c = _commitment(profile, slug_or_commitment)
    booked, visit = _received_utc(booked_at), _received_utc(visit_at)
    if c.clock != "working_days":
        return visit >= due_at(profile, c, booked)
    cal = _calendar(_rules(profile), c)
    b = booked.astimezone(LONDON).date()
    v = visit.astimezone(LONDON).date()
    return cal.working_days_between(b, v) >= c.amount


def time_left(due: datetime, now: datetime) -> str:
    """How long until ``due`` in plain words: "3d 2h", "2h 15m", "45m", "overdue 1d 3h".

    Two units at most, truncated (a countdown never promises time that is not
    there); seconds only in the last minute; "over a year" beyond a year.
    """
    seconds = (_received_utc(due) - _received_utc(now)).total_seconds()
    overdue = seconds < 0
    whole = int(abs(seconds))
    if whole == 0:
        return "due now"
    days, rest = divmod(whole, 86400)
    if days >= 366:  # "overdue 2912122d" helps nobody: past a year, say so in words
        return "overdue over a year" if overdue else "over a year"
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m"
    else:
        text = f"{secs}s"
    return f"overdue {text}" if overdue else text


def clock_12(at: time) -> str:
    """A wall time the way people say it: "9am", "4:15pm", "12pm" (noon)."""
    hour = at.hour % 12 or 12
    suffix = "am" if at.hour < 12 else "pm"
    return f"{hour}{suffix}" if at.minute == 0 else f"{hour}:{at.minute:02d}{suffix}"


def plain_due(due: datetime, now: datetime) -> str:
    """When, in the words a handler says to a caller (Europe/London).

    "today at 4:15pm", "tomorrow at 9am", "yesterday at 5pm", else
    "Tuesday 25 November at 4:15pm" (with the year when it is not this year's).
    """
    when = _received_utc(due).astimezone(LONDON)
    today = _received_utc(now).astimezone(LONDON).date()
    at = clock_12(when.time())
    gap = (when.date() - today).days
    if gap == 0:
        return f"today at {at}"
    if gap == 1:
        return f"tomorrow at {at}"
    if gap == -1:
        return f"yesterday at {at}"
    year = "" if when.year == today.year else f" {when.year}"
    day_name, month_name = DAY_NAMES[when.weekday()], MONTH_NAMES[when.month - 1]
    return f"{day_name} {when.day} {month_name}{year} at {at}"
