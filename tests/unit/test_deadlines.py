"""The deadline engine: STANDARDS.md's worked examples, every clock, and its properties."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from console.rules.calendar import next_opening, working_calendar
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import (
    clock_12,
    due_at,
    due_at_local,
    months_after,
    notice_ok,
    plain_due,
    time_left,
)
from console.rules.errors import InputError, ProfileError
from console.rules.profiles import Commitment, Profile, load_profile

BHA = load_profile("bha")
WESLO = load_profile("weslo")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


# STANDARDS.md "Worked examples (BHA profile: 08:45–17:00, Wednesday from 10:30)".
WORKED_EXAMPLES = [
    ("callback-routine", london(2025, 11, 24, 10, 0), london(2025, 11, 28, 17, 0)),
    ("callback-routine", london(2025, 11, 27, 11, 0), london(2025, 12, 4, 17, 0)),
    ("callback-urgent", london(2025, 12, 19, 15, 30), london(2025, 12, 22, 15, 30)),
    ("callback-urgent", london(2025, 12, 19, 18, 10), london(2025, 12, 23, 8, 45)),
    ("repair-emergency", london(2025, 10, 25, 23, 0), london(2025, 10, 26, 4, 0)),
    ("subject-access", london(2026, 1, 31), london(2026, 3, 2, 17, 0)),
    ("foi", london(2025, 12, 1, 9, 0), london(2025, 12, 31, 17, 0)),
]
WHY = [
    "days 1-4 are Tue-Fri",
    "Mon 1 Dec is St Andrew's Day (observed)",
    "weekend skipped",
    "out of hours: received at Mon 08:45 opening",
    "clocks go back at 02:00: 6 elapsed hours",
    "28 Feb is a Saturday",
    "Christmas and Boxing Day skipped",
]


@pytest.mark.parametrize(("slug", "received", "due"), WORKED_EXAMPLES, ids=WHY)
def test_worked_examples(slug: str, received: datetime, due: datetime) -> None:
    got = due_at(BHA, slug, received)
    assert got == due
    assert got.tzinfo is UTC
    assert due_at_local(BHA, slug, received).utcoffset() == due.utcoffset()
    # The same with a naive (local) receipt, and with the Commitment instead of its slug.
    assert due_at(BHA, slug, received.replace(tzinfo=None)) == due
    assert due_at(BHA, BHA.commitment(slug), received.astimezone(UTC)) == due


def test_the_emergency_repair_counts_elapsed_hours_across_the_clock_change() -> None:
    due = due_at_local(BHA, "repair-emergency", london(2025, 10, 25, 23, 0))
    assert (due.hour, due.utcoffset()) == (4, timedelta(0))
    spring = due_at_local(BHA, "repair-emergency", london(2026, 3, 28, 23, 0))
    assert spring == london(2026, 3, 29, 6, 0)  # 23:00 GMT + 6h = 05:00 UTC = 06:00 BST


# -- seconds and calendar days --------------------------------------------------------------


def test_seconds_clock() -> None:
    received = london(2025, 11, 24, 10, 0, 0)
    assert due_at(BHA, "answer-call", received) == received + timedelta(seconds=20)
    assert due_at(WESLO, "answer-call", received) == received + timedelta(seconds=12)  # 4 rings
    assert due_at(WESLO, "reception-serve", received) == received + timedelta(minutes=3)


def test_calendar_days_end_at_23_59_59_local() -> None:
    due = due_at_local(WESLO, "statutory-response", london(2025, 11, 24, 10, 0))
    assert due == london(2025, 12, 8, 23, 59, 59)
    # Across the spring clock change: still 23:59:59 on the wall.
    due = due_at_local(WESLO, "statutory-response", london(2026, 3, 20, 23, 30))
    assert due == london(2026, 4, 3, 23, 59, 59)
    assert due.utcoffset() == timedelta(hours=1)


def test_calendar_days_count_from_the_local_date() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: day 0 is 1 July.
    received = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    assert due_at_local(WESLO, "statutory-response", received) == london(2025, 7, 15, 23, 59, 59)


# -- working days -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (london(2025, 11, 24, 8, 45), london(2025, 11, 28, 17), "the opening instant is in hours"),
        (london(2025, 11, 24, 7, 0), london(2025, 11, 28, 17), "before opening: day 0 is today"),
        (london(2025, 11, 24, 16, 59, 59), london(2025, 11, 28, 17), "a second before close"),
        (london(2025, 11, 24, 17, 0), london(2025, 12, 2, 17), "at close: day 0 is Tuesday"),
        (london(2025, 11, 29, 11, 0), london(2025, 12, 8, 17), "Saturday: day 0 is Tue 2 Dec"),
    ],
)
def test_routine_callback_receipt_edges(received: datetime, due: datetime, why: str) -> None:
    assert due_at(BHA, "callback-routine", received) == due, why


@pytest.mark.parametrize(
    ("received", "due", "why"),
    [
        (
            london(2025, 11, 25, 9, 0),
            london(2025, 11, 26, 9, 0),
            "Wednesday: same time, pre-opening",
        ),
        (
            london(2025, 11, 26, 9, 0),
            london(2025, 11, 27, 10, 30),
            "Wednesday 09:00 is out of hours",
        ),
        (
            london(2025, 11, 28, 16, 59, 59, 500000),
            london(2025, 12, 2, 16, 59, 59, 500000),
            "µs kept",
        ),
        (london(2025, 11, 29, 3, 0), london(2025, 12, 3, 8, 45), "Saturday: opening Tue, due Wed"),
    ],
)
def test_urgent_callback_same_time(received: datetime, due: datetime, why: str) -> None:
    assert due_at(BHA, "callback-urgent", received) == due, why


def test_working_days_in_summer_time() -> None:
    due = due_at(BHA, "callback-routine", london(2025, 6, 2, 10, 0))
    assert due == datetime(2025, 6, 6, 16, 0, tzinfo=UTC)  # 17:00 BST


def test_statutory_calendar_counts_from_the_date_of_receipt() -> None:
    foi = BHA.commitment("foi")
    one = dataclasses.replace(foi, amount=1)
    # Received on a Saturday evening: day 0 is Saturday, day 1 is Monday.
    assert due_at(BHA, one, london(2025, 11, 22, 20, 0)) == london(2025, 11, 24, 17, 0)
    # Received after hours on a weekday: day 0 is still that day (no out-of-hours shift).
    assert due_at(BHA, one, london(2025, 11, 24, 23, 0)) == london(2025, 11, 25, 17, 0)
    # Christmas Day is never a statutory working day.
    assert due_at(BHA, one, london(2025, 12, 24, 12, 0)) == london(2025, 12, 29, 17, 0)
    same_time = dataclasses.replace(one, at="same-time")
    assert due_at(BHA, same_time, london(2025, 11, 22, 20, 0)) == london(2025, 11, 24, 20, 0)


def test_statutory_close_of_business_is_17_00_on_a_day_the_office_keeps_closed() -> None:
    hours = list(BHA.office_hours)
    hours[0] = None  # never open on Mondays
    hours[1] = (time(8, 45), time(16, 0))  # closes at four on Tuesdays
    profile = dataclasses.replace(BHA, office_hours=tuple(hours))
    one = dataclasses.replace(BHA.commitment("foi"), amount=1)
    assert due_at(profile, one, london(2025, 11, 21, 12)) == london(2025, 11, 24, 17, 0)
    assert due_at(profile, one, london(2025, 11, 24, 12)) == london(2025, 11, 25, 16, 0)


def test_closure_days_count_on_the_organisation_calendar_only() -> None:
    profile = dataclasses.replace(BHA, closure_days=frozenset({date(2025, 11, 25)}))
    assert due_at(profile, "callback-routine", london(2025, 11, 24, 10)) == london(2025, 12, 2, 17)
    # Receipt on the closure day counts from the next opening.
    assert due_at(profile, "callback-urgent", london(2025, 11, 25, 10)) == london(
        2025, 11, 27, 10, 30
    )
    foi = dataclasses.replace(BHA.commitment("foi"), amount=1)
    assert due_at(profile, foi, london(2025, 11, 24, 10)) == london(2025, 11, 25, 17)


def test_zero_working_days_is_close_of_the_effective_day() -> None:
    zero = dataclasses.replace(BHA.commitment("callback-routine"), amount=0)
    assert due_at(BHA, zero, london(2025, 11, 24, 10)) == london(2025, 11, 24, 17)
    assert due_at(BHA, zero, london(2025, 11, 29, 10)) == london(2025, 12, 2, 17)


# -- months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),
        (date(2025, 3, 31), 12, date(2026, 3, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_months_after(day: date, months: int, expected: date) -> None:
    assert months_after(day, months) == expected


def test_months_after_refuses_dates_past_the_calendar() -> None:
    with pytest.raises(InputError):
        months_after(date(9999, 12, 1), 1)


def test_months_clock() -> None:
    # Extended subject access: three months from receipt, 30 April 2026 is a Thursday.
    got = due_at(BHA, "subject-access-extended", london(2026, 1, 31, 14))
    assert got == london(2026, 4, 30, 17)
    # A month after 2 Dec 2025 is Fri 2 Jan 2026, a Scottish holiday: Monday 5 January.
    assert due_at(BHA, "subject-access", london(2025, 12, 2, 10)) == london(2026, 1, 5, 17)
    # Gas safety, 12 months on the organisation calendar: 26 Nov 2026 is a Thursday.
    assert due_at(BHA, "gas-safety", london(2025, 11, 26, 11)) == london(2026, 11, 26, 17)
    # ... counted from the local date of receipt even out of hours (documented choice).
    assert due_at(BHA, "gas-safety", london(2025, 11, 26, 9)) == london(2026, 11, 26, 17)
    # 30 Nov 2026 is St Andrew's Day: the next organisation working day.
    assert due_at(BHA, "gas-safety", london(2025, 11, 30, 12)) == london(2026, 12, 1, 17)


# -- DST and bad input ------------------------------------------------------------------------


def test_local_times_that_do_not_exist_or_repeat_do_not_crash() -> None:
    gap = datetime(2025, 3, 30, 1, 30)  # naive: clocks jump from 01:00 to 02:00
    repeat = datetime(2025, 10, 26, 1, 30)  # naive: happens twice
    for received in (gap, repeat, repeat.replace(fold=1)):
        for slug in WESLO.commitments:
            assert due_at(WESLO, slug, received).tzinfo is UTC
        for slug in BHA.commitments:
            assert due_at(BHA, slug, received).tzinfo is UTC
    # A statutory same-time deadline whose wall time is repeated on the due day.
    sunday = Commitment("x", "p", "t", "working_days", 0, "statutory", "same-time")
    noon = dataclasses.replace(sunday, at="close")
    assert due_at(BHA, noon, repeat) == london(2025, 10, 27, 17)
    assert due_at(BHA, sunday, repeat).astimezone(LONDON).time() == time(1, 30)


def test_a_profile_open_in_the_small_hours_survives_the_clock_change() -> None:
    hours = tuple((time(1, 30), time(23, 0)) for _ in range(7))
    profile = dataclasses.replace(BHA, office_hours=hours)
    c = Commitment("x", "p", "t", "working_days", 1, "organisation", "same-time")
    # Fri 28 Mar 2025 00:30 is before opening: counts from 01:30; due Mon 31 Mar 01:30.
    assert due_at(profile, c, london(2025, 3, 28, 0, 30)) == london(2025, 3, 31, 1, 30)


def test_unknown_slug_is_a_profile_error() -> None:
    with pytest.raises(ProfileError, match="unknown commitment 'nope'"):
        due_at(BHA, "nope", london(2025, 11, 24, 10))


@pytest.mark.parametrize("received", ["2025-11-24T10:00", None, 12345])
def test_a_receipt_that_is_not_a_datetime_is_an_input_error(received: object) -> None:
    with pytest.raises(InputError):
        due_at(BHA, "callback-routine", received)  # type: ignore[arg-type]


def test_a_bare_date_is_local_midnight() -> None:
    assert due_at(BHA, "subject-access", date(2026, 1, 31)) == london(2026, 3, 2, 17)  # type: ignore[arg-type]


def test_bad_commitments_are_input_errors() -> None:
    with pytest.raises(InputError, match="names no calendar"):
        due_at(BHA, Commitment("x", "p", "t", "working_days", 1), london(2025, 11, 24))
    with pytest.raises(InputError, match="unknown clock"):
        due_at(BHA, Commitment("x", "p", "t", "fortnights", 1), london(2025, 11, 24))
    with pytest.raises(InputError, match="negative"):
        due_at(BHA, Commitment("x", "p", "t", "hours", -1), london(2025, 11, 24))
    with pytest.raises(InputError):
        due_at(BHA, 42, london(2025, 11, 24))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        due_at(BHA, "repair-emergency", datetime.max.replace(tzinfo=UTC))


def test_minimum_and_live_commitments_are_computable() -> None:
    received = london(2025, 11, 24, 10)
    assert due_at(WESLO, "home-visit-notice", received) == london(2025, 12, 4, 17)
    assert due_at(WESLO, "reception-second", received) == received + timedelta(minutes=3)


# -- minimum notice ---------------------------------------------------------------------------


def test_home_visit_notice() -> None:
    booked = london(2025, 11, 24, 10)
    # Working days after Mon 24 Nov: 25, 26, 27, 28, (1 Dec holiday), 2, 3, 4 -> 7th is Thu 4 Dec.
    assert notice_ok(WESLO, "home-visit-notice", booked, london(2025, 12, 4, 9, 0))
    assert not notice_ok(WESLO, "home-visit-notice", booked, london(2025, 12, 3, 16, 0))
    assert notice_ok(WESLO, "home-visit-notice", booked, london(2026, 1, 5, 9, 0))
    assert not notice_ok(WESLO, "home-visit-notice", booked, london(2025, 11, 20, 9, 0))
    # Booked on a Saturday: day 0 is the Saturday (notice runs from when it is given):
    # 24-28 Nov are days 1-5, Mon 1 Dec is a holiday, Tue 2 is day 6, Wed 3 day 7.
    saturday = london(2025, 11, 22, 11)
    assert notice_ok(WESLO, "home-visit-notice", saturday, london(2025, 12, 3, 9))
    assert not notice_ok(WESLO, "home-visit-notice", saturday, london(2025, 12, 2, 16))


def test_notice_ok_on_other_clocks_compares_with_the_due_instant() -> None:
    received = london(2025, 11, 24, 10)
    assert notice_ok(WESLO, "statutory-response", received, london(2025, 12, 8, 23, 59, 59))
    assert not notice_ok(WESLO, "statutory-response", received, london(2025, 12, 7, 12))


# -- time left and plain words ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(hours=2, minutes=15), "2h 15m"),
        (timedelta(hours=2, minutes=15, seconds=59), "2h 15m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(days=3, hours=2, minutes=10), "3d 2h"),
        (timedelta(days=3), "3d"),
        (timedelta(hours=2), "2h"),
        (timedelta(seconds=40), "40s"),
        (timedelta(0), "due now"),
        (-timedelta(days=1, hours=3, minutes=5), "overdue 1d 3h"),
        (-timedelta(minutes=5), "overdue 5m"),
        (-timedelta(seconds=5), "overdue 5s"),
        (timedelta(days=365, hours=23), "365d 23h"),
        (timedelta(days=400), "over a year"),
        (-timedelta(days=2000), "overdue over a year"),
    ],
)
def test_time_left(delta: timedelta, words: str) -> None:
    clock = FrozenClock(london(2025, 11, 24, 10))
    assert time_left(clock.now() + delta, clock.now()) == words


def test_time_left_counts_elapsed_time_across_the_clock_change() -> None:
    now = london(2025, 10, 25, 23, 0)
    assert time_left(london(2025, 10, 26, 4, 0), now) == "6h"


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (time(9), "9am"),
        (time(16, 15), "4:15pm"),
        (time(12), "12pm"),
        (time(0, 5), "12:05am"),
        (time(23, 59, 59), "11:59pm"),
        (time(8, 45), "8:45am"),
    ],
)
def test_clock_12(at: time, words: str) -> None:
    assert clock_12(at) == words


def test_plain_due() -> None:
    clock = FrozenClock(london(2025, 11, 24, 10))  # Monday
    now = clock.now()
    assert plain_due(london(2025, 11, 24, 16, 15), now) == "today at 4:15pm"
    assert plain_due(london(2025, 11, 25, 9, 0), now) == "tomorrow at 9am"
    assert plain_due(london(2025, 11, 23, 17, 0), now) == "yesterday at 5pm"
    assert plain_due(london(2025, 11, 25, 16, 15) + timedelta(days=7), now) == (
        "Tuesday 2 December at 4:15pm"
    )
    assert plain_due(london(2026, 1, 5, 17), now) == "Monday 5 January 2026 at 5pm"
    # Late at night in UTC terms is already tomorrow in BST.
    summer = FrozenClock(datetime(2025, 6, 2, 22, 30, tzinfo=UTC)).now()  # 23:30 BST
    assert plain_due(datetime(2025, 6, 3, 7, 45, tzinfo=UTC), summer) == "tomorrow at 8:45am"
    clock.advance(days=1)
    assert plain_due(london(2025, 11, 25, 9, 0), clock.now()) == "today at 9am"


def test_the_caller_is_told_when_in_plain_words() -> None:
    clock = FrozenClock(london(2025, 12, 19, 15, 30))
    due = due_at(BHA, "callback-urgent", clock.now())
    assert plain_due(due, clock.now()) == "Monday 22 December at 3:30pm"
    assert time_left(due, clock.now()) == "3d"


# -- properties -------------------------------------------------------------------------------

INSTANTS = st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC))
DATE_BASED = [
    (p, c)
    for p in (BHA, WESLO)
    for c in p.commitments.values()
    if c.clock in ("working_days", "months")
]


@settings(max_examples=400, deadline=None)
@given(pc=st.sampled_from(DATE_BASED), received=INSTANTS)
def test_a_date_based_deadline_lands_on_a_working_day(
    pc: tuple[Profile, Commitment], received: datetime
) -> None:
    profile, c = pc
    assert c.calendar is not None
    due = due_at(profile, c, received).astimezone(LONDON)
    assert working_calendar(profile, c.calendar).is_working_day(due.date())
    assert due >= received


@settings(max_examples=400, deadline=None)
@given(
    clock=st.sampled_from(["working_days", "months", "hours", "calendar_days", "seconds"]),
    calendar=st.sampled_from(["organisation", "statutory"]),
    at=st.sampled_from(["close", "same-time"]),
    amount=st.integers(0, 40),
    more=st.integers(1, 30),
    received=INSTANTS,
)
def test_more_days_never_give_an_earlier_deadline(
    clock: str, calendar: str, at: str, amount: int, more: int, received: datetime
) -> None:
    assume(at == "close" or clock == "working_days")
    c = Commitment("x", "p", "t", clock, amount, calendar, at)
    longer = dataclasses.replace(c, amount=amount + more)
    assert due_at(BHA, longer, received) >= due_at(BHA, c, received)


@settings(max_examples=300, deadline=None)
@given(
    clock=st.sampled_from(["working_days", "months", "hours", "calendar_days"]),
    calendar=st.sampled_from(["organisation", "statutory"]),
    at=st.sampled_from(["close", "same-time"]),
    amount=st.integers(0, 25),
    received=INSTANTS,
    later=st.timedeltas(timedelta(0), timedelta(days=10)),
)
def test_a_later_receipt_never_gives_an_earlier_deadline(
    clock: str, calendar: str, at: str, amount: int, received: datetime, later: timedelta
) -> None:
    # Profiles allow "same-time" only on working days of the organisation calendar.
    assume(at == "close" or (clock == "working_days" and calendar == "organisation"))
    c = Commitment("x", "p", "t", clock, amount, calendar, at)
    assert due_at(BHA, c, received + later) >= due_at(BHA, c, received)


def test_same_time_on_the_statutory_calendar_could_go_backwards() -> None:
    """Why profiles refuse it: Saturday 22:48 would be due after Sunday 00:00."""
    c = Commitment("x", "p", "t", "working_days", 1, "statutory", "same-time")
    saturday_night = datetime(2020, 4, 4, 22, 48, tzinfo=LONDON)
    sunday_midnight = datetime(2020, 4, 5, 0, 0, tzinfo=LONDON)
    assert due_at(BHA, c, sunday_midnight) < due_at(BHA, c, saturday_night)


@settings(max_examples=400, deadline=None)
@given(
    profile=st.sampled_from([BHA, WESLO]),
    day=st.dates(date(2020, 1, 1), date(2035, 12, 31)),
    seconds=st.integers(0, 86399),
    amount=st.integers(0, 25),
    at=st.sampled_from(["close", "same-time"]),
)
def test_a_closed_day_receipt_counts_from_the_next_opening(
    profile: Profile, day: date, seconds: int, amount: int, at: str
) -> None:
    cal = working_calendar(profile, "organisation")
    assume(not cal.is_working_day(day))
    received = datetime.combine(day, time(0), tzinfo=LONDON) + timedelta(seconds=seconds)
    c = Commitment("x", "p", "t", "working_days", amount, "organisation", at)
    assert due_at(profile, c, received) == due_at(profile, c, next_opening(profile, received))


@settings(max_examples=400, deadline=None)
@given(
    profile=st.sampled_from([BHA, WESLO]),
    received=INSTANTS,
    amount=st.integers(0, 25),
    at=st.sampled_from(["close", "same-time"]),
)
def test_any_receipt_counts_as_made_at_the_next_opening(
    profile: Profile, received: datetime, amount: int, at: str
) -> None:
    c = Commitment("x", "p", "t", "working_days", amount, "organisation", at)
    assert due_at(profile, c, received) == due_at(profile, c, next_opening(profile, received))


def _reference(profile: Profile, c: Commitment, received: datetime) -> datetime:
    """STANDARDS.md read literally, with plain zoneinfo arithmetic and no caches."""
    assert c.calendar is not None
    cal = working_calendar(profile, c.calendar)

    def wall(day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)

    def close(day: date) -> time:
        hours = profile.office_hours[day.weekday()]
        return time(17) if hours is None else hours[1]

    if c.clock == "months":
        target = months_after(received.astimezone(LONDON).date(), c.amount)
        while not cal.is_working_day(target):
            target += timedelta(days=1)
        return wall(target, close(target))
    start = received
    if c.calendar == "organisation":
        start = next_opening(profile, received)
    loc = start.astimezone(LONDON)
    day = loc.date()
    for _ in range(c.amount):
        day += timedelta(days=1)
        while not cal.is_working_day(day):
            day += timedelta(days=1)
    if c.amount == 0:
        while not cal.is_working_day(day):
            day += timedelta(days=1)
    return wall(day, loc.time().replace(tzinfo=None) if c.at == "same-time" else close(day))


@settings(max_examples=500, deadline=None)
@given(pc=st.sampled_from(DATE_BASED), received=INSTANTS, amount=st.integers(0, 30))
def test_the_fast_engine_agrees_with_a_literal_reading(
    pc: tuple[Profile, Commitment], received: datetime, amount: int
) -> None:
    profile, c = pc
    c = dataclasses.replace(c, amount=amount)
    assert due_at(profile, c, received) == _reference(profile, c, received)


@settings(max_examples=200, deadline=None)
@given(
    received=st.datetimes(
        datetime(2020, 1, 1),
        datetime(2035, 12, 31),
        timezones=st.just(LONDON),
        allow_imaginary=False,
    )
)
def test_aware_naive_and_utc_receipts_agree(received: datetime) -> None:
    for slug in (
        "callback-urgent",
        "callback-routine",
        "foi",
        "subject-access",
        "repair-emergency",
    ):
        expected = due_at(BHA, slug, received.astimezone(UTC))
        assert due_at(BHA, slug, received) == expected
        if received.fold == 0:
            assert due_at(BHA, slug, received.replace(tzinfo=None)) == expected


def test_many_deadlines_compute() -> None:
    """A queue's worth through every clock (no timing: bench/ measures speed)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    slugs = list(BHA.commitments.values())
    for i in range(5000):
        received = start + timedelta(minutes=397 * i)
        c = slugs[i % len(slugs)]
        assert due_at(BHA, c, received) >= received
