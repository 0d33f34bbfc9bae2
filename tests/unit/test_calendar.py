"""Working-day calendars: Scottish bank holidays, closure days, office hours, next opening."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.rules.calendar import (
    DEFAULT_CLOSE,
    WorkingCalendar,
    close_of_business,
    is_open,
    next_opening,
    office_hours,
    scottish_bank_holidays,
    working_calendar,
)
from console.rules.clock import LONDON
from console.rules.errors import InputError
from console.rules.profiles import Profile, load_profile

BHA = load_profile("bha")
WESLO = load_profile("weslo")
SCT = holidays.country_holidays("GB", subdiv="SCT", years=range(2000, 2061))


def org(profile: Profile = BHA) -> WorkingCalendar:
    return working_calendar(profile, "organisation")


def stat(profile: Profile = BHA) -> WorkingCalendar:
    return working_calendar(profile, "statutory")


def utc_of(*args: int) -> datetime:
    """A Europe/London wall time as the UTC instant it names."""
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)  # type: ignore[misc]


# -- Scottish bank holidays, as the holidays package (GB, subdiv SCT) carries them ----------


@pytest.mark.parametrize("cal", [org, stat], ids=["organisation", "statutory"])
@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 1, 2), "2 January"),
        (date(2026, 1, 2), "2 January"),
        (date(2025, 12, 1), "St Andrew's Day observed (30 Nov 2025 is a Sunday)"),
        (date(2026, 11, 30), "St Andrew's Day"),
        (date(2025, 8, 4), "first Monday of August"),
        (date(2026, 8, 3), "first Monday of August"),
        (date(2027, 8, 2), "first Monday of August"),
        (date(2025, 4, 18), "Good Friday"),
        (date(2025, 5, 5), "May Day"),
        (date(2025, 5, 26), "Spring bank holiday"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2025, 12, 26), "Boxing Day"),
        (date(2026, 12, 28), "Boxing Day observed (26 Dec 2026 is a Saturday)"),
        (date(2027, 1, 4), "2 January observed (2 Jan 2027 is a Saturday)"),
        (date(2026, 6, 15), "proclaimed day"),
    ],
)
def test_scottish_bank_holidays_are_not_working_days(cal, day: date, why: str) -> None:
    assert day.weekday() < 5, "a weekday, so only the holiday can make it non-working"
    assert not cal().is_working_day(day), why


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 4, 21), "Easter Monday is not a bank holiday in Scotland"),
        (date(2025, 8, 25), "the last Monday of August is England's holiday, not Scotland's"),
        (date(2025, 12, 2), "the day after the St Andrew's substitute"),
        (date(2025, 12, 24), "Christmas Eve is an ordinary day"),
    ],
)
def test_ordinary_weekdays_are_working_days(day: date, why: str) -> None:
    assert org().is_working_day(day), why
    assert stat().is_working_day(day), why


def test_the_package_carries_the_15_june_2026_proclaimed_day() -> None:
    found = scottish_bank_holidays([2026])
    assert date(2026, 6, 15) in found
    # holidays 0.109 names it after the event it marks.
    assert "World Cup" in found[date(2026, 6, 15)]


def test_the_package_without_subdivision_lacks_the_scottish_days() -> None:
    """Why the engine always passes subdiv="SCT"."""
    uk = holidays.country_holidays("GB", years=[2025, 2026])
    for day in (date(2026, 1, 2), date(2025, 8, 4), date(2025, 12, 1), date(2026, 6, 15)):
        assert day not in uk
        assert day in SCT


def test_scottish_bank_holidays_helper_filters_by_year() -> None:
    found = scottish_bank_holidays([2025])
    assert found and all(d.year == 2025 for d in found)
    assert found == {d: n for d, n in SCT.items() if d.year == 2025}
    assert scottish_bank_holidays([]) == {}


# -- the two calendars ----------------------------------------------------------------------


def test_statutory_calendar_ignores_closure_days_the_organisation_one_keeps() -> None:
    closed = date(2025, 12, 29)  # Monday between Christmas and New Year
    profile = dataclasses.replace(BHA, closure_days=frozenset({closed}))
    assert not working_calendar(profile, "organisation").is_working_day(closed)
    assert working_calendar(profile, "statutory").is_working_day(closed)
    assert org().is_working_day(closed)  # the shipped profile lists no closure days


def test_organisation_calendar_needs_office_hours_that_weekday() -> None:
    hours = list(BHA.office_hours)
    hours[2] = None  # closed on Wednesdays
    profile = dataclasses.replace(BHA, office_hours=tuple(hours))
    wednesday = date(2025, 11, 26)
    assert not working_calendar(profile, "organisation").is_working_day(wednesday)
    assert working_calendar(profile, "statutory").is_working_day(wednesday)
    assert office_hours(profile, wednesday) is None
    assert close_of_business(profile, wednesday) == DEFAULT_CLOSE


def test_weekends_are_never_working_days() -> None:
    for day in (date(2025, 11, 29), date(2025, 11, 30)):
        assert not org().is_working_day(day)
        assert not stat().is_working_day(day)


def test_christmas_day_never_counts_on_the_statutory_calendar() -> None:
    for year in range(2000, 2061):
        assert not stat().is_working_day(date(year, 12, 25))


def test_calendars_are_built_once_and_shared() -> None:
    assert working_calendar(BHA, "organisation") is working_calendar(BHA, "organisation")
    again = load_profile("bha")
    assert working_calendar(again, "organisation") is working_calendar(BHA, "organisation")
    # Statutory does not depend on the profile at all.
    assert working_calendar(WESLO, "statutory") is working_calendar(BHA, "statutory")


def test_an_unknown_calendar_is_refused() -> None:
    with pytest.raises(InputError, match="unknown calendar"):
        working_calendar(BHA, "lunar")


def _brute_force(profile: Profile, name: str, day: date) -> bool:
    if day.weekday() >= 5 or day in SCT:
        return False
    if name == "statutory":
        return (day.month, day.day) != (12, 25)
    return day not in profile.closure_days and profile.office_hours[day.weekday()] is not None


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(date(2000, 1, 1), date(2060, 12, 31)),
    name=st.sampled_from(["organisation", "statutory"]),
    profile=st.sampled_from([BHA, WESLO]),
)
def test_is_working_day_matches_the_definition(day: date, name: str, profile: Profile) -> None:
    assert working_calendar(profile, name).is_working_day(day) == _brute_force(profile, name, day)


# -- counting -------------------------------------------------------------------------------


def test_add_working_days_counts_from_day_zero() -> None:
    cal = org()
    monday = date(2025, 11, 24)
    assert cal.add_working_days(monday, 1) == date(2025, 11, 25)
    assert cal.add_working_days(monday, 4) == date(2025, 11, 28)
    assert cal.add_working_days(monday, 5) == date(2025, 12, 2)  # Mon 1 Dec skipped
    assert cal.add_working_days(monday, 0) == monday


def test_add_working_days_from_a_non_working_day() -> None:
    cal = stat()
    saturday = date(2025, 11, 29)
    assert cal.add_working_days(saturday, 1) == date(2025, 12, 2)  # Sun, Mon holiday
    assert cal.add_working_days(saturday, 0) == date(2025, 12, 2)  # N=0 rolls forward
    assert cal.next_working_day(saturday) == date(2025, 12, 2)
    assert cal.next_working_day(date(2025, 12, 2)) == date(2025, 12, 2)
    assert cal.next_working_day(date(2025, 12, 2), inclusive=False) == date(2025, 12, 3)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(InputError):
        org().add_working_days(date(2025, 11, 24), -1)


def test_working_days_between() -> None:
    cal = org()
    assert cal.working_days_between(date(2025, 11, 24), date(2025, 11, 28)) == 4
    assert cal.working_days_between(date(2025, 11, 27), date(2025, 12, 4)) == 4
    assert cal.working_days_between(date(2025, 11, 24), date(2025, 11, 24)) == 0
    assert cal.working_days_between(date(2025, 11, 28), date(2025, 11, 24)) == -4


def test_datetimes_are_read_as_their_date() -> None:
    assert org().is_working_day(datetime(2025, 11, 24, 23, 0))  # type: ignore[arg-type]
    with pytest.raises(InputError):
        org().is_working_day("2025-11-24")  # type: ignore[arg-type]


def test_the_calendar_widens_for_dates_outside_its_range() -> None:
    cal = WorkingCalendar("statutory", frozenset(range(5)), frozenset(), 2020, 2021)
    # Fri 31 Dec 2021, then 3 and 4 Jan 2022 are the substitute New Year holidays.
    assert cal.add_working_days(date(2021, 12, 30), 3) == date(2022, 1, 6)
    assert not cal.is_working_day(date(2075, 1, 2))  # a Wednesday: 2 January
    assert cal.is_working_day(date(2075, 1, 3))
    assert cal.add_working_days(date(1995, 12, 22), 1) == date(1995, 12, 27)
    assert cal.add_working_days(date(2021, 1, 4), 2000) > date(2028, 1, 1)


# -- office hours and the next opening ------------------------------------------------------


def test_office_hours_by_day() -> None:
    assert office_hours(BHA, date(2025, 11, 24)) == (time(8, 45), time(17, 0))
    assert office_hours(BHA, date(2025, 11, 26)) == (time(10, 30), time(17, 0))  # Wednesday
    assert office_hours(BHA, date(2025, 11, 29)) is None  # Saturday
    assert office_hours(BHA, date(2025, 12, 1)) is None  # St Andrew's Day observed
    assert office_hours(WESLO, date(2025, 11, 26)) == (time(9), time(17))


def test_close_of_business_is_17_00_where_the_office_keeps_no_hours() -> None:
    assert close_of_business(BHA, date(2025, 11, 24)) == time(17)
    assert close_of_business(BHA, date(2025, 11, 29)) == DEFAULT_CLOSE


@pytest.mark.parametrize(
    ("instant", "opening"),
    [
        (utc_of(2025, 11, 24, 10, 0), utc_of(2025, 11, 24, 10, 0)),  # open: itself
        (utc_of(2025, 11, 24, 8, 45), utc_of(2025, 11, 24, 8, 45)),  # the opening instant
        (utc_of(2025, 11, 24, 7, 0), utc_of(2025, 11, 24, 8, 45)),  # before opening
        (utc_of(2025, 11, 24, 17, 0), utc_of(2025, 11, 25, 8, 45)),  # closing: closed
        (utc_of(2025, 11, 25, 17, 30), utc_of(2025, 11, 26, 10, 30)),  # Wednesday opens late
        (utc_of(2025, 11, 26, 9, 0), utc_of(2025, 11, 26, 10, 30)),
        (utc_of(2025, 12, 19, 18, 10), utc_of(2025, 12, 22, 8, 45)),  # Friday night
        (utc_of(2025, 11, 28, 17, 0), utc_of(2025, 12, 2, 8, 45)),  # over St Andrew's
        (utc_of(2025, 12, 24, 17, 30), utc_of(2025, 12, 29, 8, 45)),  # over Christmas
        (utc_of(2025, 6, 2, 8, 0), utc_of(2025, 6, 2, 8, 45)),  # BST: 07:45 UTC
    ],
)
def test_next_opening(instant: datetime, opening: datetime) -> None:
    got = next_opening(BHA, instant)
    assert got == opening
    assert got.utcoffset() == timedelta(0)
    assert is_open(BHA, instant) is (instant == opening)


def test_next_opening_reads_naive_as_london() -> None:
    assert next_opening(BHA, datetime(2025, 6, 2, 8, 0)) == datetime(2025, 6, 2, 7, 45, tzinfo=UTC)
    with pytest.raises(InputError):
        next_opening(BHA, date(2025, 6, 2))  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.datetimes(datetime(2020, 1, 1), datetime(2035, 12, 31), timezones=st.just(UTC)))
def test_next_opening_is_open_and_never_earlier(instant: datetime) -> None:
    opening = next_opening(BHA, instant)
    assert opening >= instant
    loc = opening.astimezone(LONDON)
    hours = office_hours(BHA, loc.date())
    assert hours is not None
    assert hours[0] <= loc.time() < hours[1]
    if opening > instant:  # nothing open in between: the next opening is exactly at an opening
        assert loc.time() == hours[0]
