"""Properties of opening blocks, special hours and the working_hours clock.

Profiles are drawn at random (up to three blocks a weekday, on a quarter-hour grid),
keeping the special hours of tests/data/lunch.toml, and checked against the rules
of STANDARDS.md "Another landlord's profile" and against a plain minute-by-minute
walk (the slow way the engine must agree with).
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from console.rules.calendar import is_open, next_opening, office_blocks
from console.rules.deadlines import aim_at, due_at
from console.rules.profiles import Block, Commitment, Profile, load_profile

LONDON = ZoneInfo("Europe/London")
LUNCH = load_profile(Path(__file__).resolve().parents[1] / "data" / "lunch.toml")
START = datetime(2026, 10, 1, tzinfo=UTC)


def _day_blocks(cuts: list[int]) -> tuple[Block, ...]:
    """An even number of distinct quarter-hour cuts, paired into blocks in time order."""
    marks = sorted(set(cuts))
    if len(marks) % 2:
        marks = marks[:-1]
    return tuple(
        (time(*divmod(marks[i] * 15, 60)), time(*divmod(marks[i + 1] * 15, 60)))
        for i in range(0, len(marks), 2)
    )


# Quarter hours from 06:00 (24) to 20:00 (80): never near the 01:00-02:00 clock changes.
DAY = st.lists(st.integers(24, 80), min_size=0, max_size=6).map(_day_blocks)


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    week = [draw(DAY) for _ in range(5)]
    if not any(week):
        week[0] = ((time(9), time(17)),)
    blocks = (*week, (), ())
    spans = tuple(None if not b else (b[0][0], b[-1][1]) for b in blocks)
    keep = tuple(s for s in LUNCH.special_hours if blocks[s.day.weekday()])
    return dataclasses.replace(LUNCH, office_hours=spans, blocks=blocks, special_hours=keep)


INSTANTS = st.integers(0, 100 * 24 * 60).map(lambda m: START + timedelta(minutes=m))
HOURS = st.integers(0, 30)


def working_hours(n: int) -> Commitment:
    return Commitment("wh", "p", "t", "working_hours", n, "organisation")


def working_days(n: int, at: str = "close") -> Commitment:
    return Commitment("wd", "p", "t", "working_days", n, "organisation", at)


def at_a_close(profile: Profile, instant: datetime) -> bool:
    loc = instant.astimezone(LONDON)
    return any(b == loc.time() for _, b in office_blocks(profile, loc.date()))


def walk(profile: Profile, received: datetime, hours: int) -> datetime:
    """The slow oracle: step minute by minute through local time, counting open minutes."""
    t = received.astimezone(LONDON).replace(tzinfo=None)
    left = hours * 60
    blocks: dict[date, tuple[Block, ...]] = {}
    while left:
        day = t.date()
        if day not in blocks:
            blocks[day] = office_blocks(profile, day)
        if any(a <= t.time() < b for a, b in blocks[day]):
            left -= 1
        t += timedelta(minutes=1)
    return t.replace(tzinfo=LONDON).astimezone(UTC)


@settings(max_examples=150, deadline=None)
@given(profile=profiles(), received=INSTANTS, hours=st.integers(1, 12))
def test_working_hours_agrees_with_a_minute_by_minute_walk(
    profile: Profile, received: datetime, hours: int
) -> None:
    assert due_at(profile, working_hours(hours), received) == walk(profile, received, hours)


@settings(max_examples=300, deadline=None)
@given(profile=profiles(), received=INSTANTS, hours=HOURS, days=st.integers(0, 10))
def test_a_due_instant_is_never_inside_a_closed_period(
    profile: Profile, received: datetime, hours: int, days: int
) -> None:
    for c in (working_hours(hours), working_days(days)):
        due = due_at(profile, c, received)
        assert is_open(profile, due) or at_a_close(profile, due), (c, due)


@settings(max_examples=300, deadline=None)
@given(profile=profiles(), received=INSTANTS, hours=HOURS, more=st.integers(1, 20))
def test_more_hours_never_give_an_earlier_due_instant(
    profile: Profile, received: datetime, hours: int, more: int
) -> None:
    assert due_at(profile, working_hours(hours), received) <= due_at(
        profile, working_hours(hours + more), received
    )
    # ... and a later receipt never either.
    later = received + timedelta(minutes=more * 7)
    assert due_at(profile, working_hours(hours), received) <= due_at(
        profile, working_hours(hours), later
    )


@settings(max_examples=300, deadline=None)
@given(profile=profiles(), received=INSTANTS, hours=HOURS, days=st.integers(0, 5))
def test_receipt_while_closed_is_receipt_at_the_next_opening(
    profile: Profile, received: datetime, hours: int, days: int
) -> None:
    assume(not is_open(profile, received))
    opening = next_opening(profile, received)
    assert opening > received
    for c in (working_hours(hours), working_days(days), working_days(days, "same-time")):
        assert due_at(profile, c, received) == due_at(profile, c, opening), c


@settings(max_examples=200, deadline=None)
@given(
    profile=profiles(),
    received=INSTANTS,
    days=st.integers(0, 5),
    aim=st.sampled_from([("working_hours", 3), ("hours", 24), ("working_days", 9)]),
)
def test_an_aim_is_never_after_the_due_instant(
    profile: Profile, received: datetime, days: int, aim: tuple[str, int]
) -> None:
    c = dataclasses.replace(
        working_days(days), aim=Commitment("wd", "p", "t", aim[0], aim[1], "organisation")
    )
    got = aim_at(profile, c, received)
    assert got is not None
    assert got <= due_at(profile, c, received)


TIMES = st.one_of(
    st.sampled_from(["09:00", "12:30", "13:30", "17:00", "00:00", "23:59", "24:00", "9", "x:y"]),
    st.integers(-1, 2000),
)
BLOCK = st.lists(TIMES, min_size=0, max_size=3)
DAY_VALUE = st.one_of(BLOCK, st.lists(BLOCK, min_size=0, max_size=3), st.just("closed"))


def _toml(value: object) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


@settings(max_examples=200, deadline=None)
@given(
    monday=DAY_VALUE,
    special=st.one_of(st.none(), DAY_VALUE),
    day=st.dates(date(2026, 11, 20), date(2026, 12, 31)),
)
def test_any_office_hours_load_or_are_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, monday: object, special: object, day: date
) -> None:
    """Whatever is written for a weekday or a special date: a profile, or one clear line."""
    from console.rules.errors import ProfileError

    text = (Path(__file__).resolve().parents[1] / "data" / "lunch.toml").read_text("utf-8")
    text = text.replace(
        'monday    = [["09:00", "12:30"], ["13:30", "17:00"]]', f"monday = {_toml(monday)}"
    )
    if special is not None:
        text += f"\n[[special_hours]]\ndate = {day}\nhours = {_toml(special)}\n"
    path = tmp_path_factory.mktemp("fuzz") / "p.toml"
    path.write_text(text, encoding="utf-8")
    try:
        profile = load_profile(path)
    except ProfileError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    # It loaded: its blocks are in order and never overlap, every day.
    for wd in range(7):
        blocks = profile.blocks_on(wd)
        assert all(a < b for a, b in blocks)
        assert all(blocks[i][1] <= blocks[i + 1][0] for i in range(len(blocks) - 1))
    for s in profile.special_hours:
        assert s.day.weekday() < 5 and profile.blocks_on(s.day.weekday())
