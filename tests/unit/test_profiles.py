"""Policy profiles: the shipped ones match STANDARDS.md; broken ones are refused clearly."""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path

import pytest

from console.rules.errors import ProfileError
from console.rules.profiles import POLICY_DIR, load_profile

# STANDARDS.md's tables: slug -> (clock, amount, calendar, at).
BHA_TABLE = {
    "answer-call": ("seconds", 20, None, "close"),
    "callback-urgent": ("working_days", 1, "organisation", "same-time"),
    "callback-routine": ("working_days", 4, "organisation", "close"),
    "reply-urgent": ("working_days", 1, "organisation", "same-time"),
    "reply-routine": ("working_days", 4, "organisation", "close"),
    "acknowledge": ("working_days", 1, "organisation", "same-time"),
    "repair-emergency": ("hours", 6, None, "close"),
    "repair-urgent": ("working_days", 3, "organisation", "close"),
    "repair-routine": ("working_days", 10, "organisation", "close"),
    "progress-update": ("working_days", 5, "organisation", "close"),
    "alternative-format": ("working_days", 5, "organisation", "close"),
    "housing-application": ("working_days", 5, "organisation", "close"),
    "complaint-stage1": ("working_days", 5, "organisation", "close"),
    "complaint-stage1-extended": ("working_days", 10, "organisation", "close"),
    "complaint-stage2": ("working_days", 20, "organisation", "close"),
    "subject-access": ("months", 1, "statutory", "close"),
    "subject-access-extended": ("months", 3, "statutory", "close"),
    "foi": ("working_days", 20, "statutory", "close"),
    "gas-safety": ("months", 12, "organisation", "close"),
}
WESLO_TABLE = {
    "reception-serve": ("seconds", 180, None, "close"),
    "reception-second": ("seconds", 180, None, "close"),
    "answer-call": ("seconds", 12, None, "close"),
    "callback": ("working_days", 1, "organisation", "close"),
    "acknowledge": ("working_days", 1, "organisation", "close"),
    "response": ("working_days", 10, "organisation", "close"),
    "statutory-response": ("calendar_days", 14, None, "close"),
    "home-visit-notice": ("working_days", 7, "organisation", "close"),
}


@pytest.mark.parametrize(("key", "table"), [("bha", BHA_TABLE), ("weslo", WESLO_TABLE)])
def test_shipped_profiles_match_the_standards(key: str, table: dict[str, tuple]) -> None:
    profile = load_profile(key)
    assert profile.key == key
    got = {s: (c.clock, c.amount, c.calendar, c.at) for s, c in profile.commitments.items()}
    assert got == table


def test_bha_office_hours_and_special_commitments() -> None:
    bha = load_profile("bha")
    weekday = (time(8, 45), time(17, 0))
    assert bha.office_hours == (
        weekday,
        weekday,
        (time(10, 30), time(17, 0)),
        weekday,
        weekday,
        None,
        None,
    )
    assert bha.commitment("progress-update").repeating
    assert bha.commitment("complaint-stage1").extends_to == "complaint-stage1-extended"
    assert bha.commitment("subject-access").extends_to == "subject-access-extended"


def test_weslo_office_hours_and_minimum_notice() -> None:
    weslo = load_profile("weslo")
    assert weslo.office_hours == ((time(9), time(17)),) * 5 + (None, None)
    assert weslo.commitment("home-visit-notice").kind == "minimum"
    assert weslo.commitment("answer-call").kind == "live"
    assert weslo.ring_cycle_seconds == 3


def test_profiles_load_by_name_or_path_and_once() -> None:
    by_name = load_profile("bha")
    assert load_profile(POLICY_DIR / "bha.toml") is by_name
    assert load_profile(str(POLICY_DIR / "bha.toml")) is by_name


def test_a_missing_profile_names_the_shipped_ones(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match=r"no such policy profile.*bha, .*weslo"):
        load_profile(tmp_path / "nowhere.toml")


BHA_TEXT = (POLICY_DIR / "bha.toml").read_text(encoding="utf-8")


def _replace(old: str, new: str) -> str:
    assert BHA_TEXT.count(old) == 1, f"the shipped profile changed: {old!r}"
    return BHA_TEXT.replace(old, new)


BROKEN = {
    "bad-toml": (BHA_TEXT + "\nthis is = = not toml\n", "not valid TOML", None),
    "unknown-clock": (
        _replace('clock = "hours"', 'clock = "fortnights"'),
        "unknown clock 'fortnights'",
        "commitment 'repair-emergency'.clock",
    ),
    "missing-amount": (
        _replace('clock = "hours"\namount = 6\n', 'clock = "hours"\n'),
        "is missing",
        "commitment 'repair-emergency'.amount",
    ),
    "duplicate-slug": (
        _replace('slug = "reply-routine"', 'slug = "callback-routine"'),
        "duplicate slug 'callback-routine'",
        "commitment 'callback-routine'.slug",
    ),
    "hours-close-before-open": (
        _replace('monday    = ["08:45", "17:00"]', 'monday    = ["17:00", "08:45"]'),
        "closes at 08:45, before it opens at 17:00",
        "office_hours.monday",
    ),
    "unknown-uses-target": (
        _replace('\nfoi = "foi"\n', '\nfoi = "freedom-of-information"\n'),
        "names unknown commitment 'freedom-of-information'",
        "uses.foi",
    ),
    "bad-time": (
        _replace('tuesday   = ["08:45", "17:00"]', 'tuesday   = ["8.45am", "17:00"]'),
        "is not a time",
        "office_hours.tuesday",
    ),
    "working-days-without-calendar": (
        _replace('amount = 20\ncalendar = "statutory"\n', "amount = 20\n"),
        "must be one of organisation, statutory",
        "commitment 'foi'.calendar",
    ),
    "same-time-on-hours": (
        _replace(
            'clock = "hours"\namount = 6\n', 'clock = "hours"\namount = 6\nat = "same-time"\n'
        ),
        '"same-time" goes with clock = "working_days"',
        "commitment 'repair-emergency'.at",
    ),
    "same-time-on-statutory": (
        _replace(
            'amount = 20\ncalendar = "statutory"\n',
            'amount = 20\ncalendar = "statutory"\nat = "same-time"\n',
        ),
        '"same-time" goes with calendar = "organisation"',
        "commitment 'foi'.at",
    ),
    # issue 14: amounts a landlord cannot mean, and a timezone Front Desk does not keep
    "two-million-working-days": (
        _replace(
            'amount = 20\ncalendar = "statutory"\n', 'amount = 2000000\ncalendar = "statutory"\n'
        ),
        "give at most 260",
        "commitment 'foi'.amount",
    ),
    "twenty-digit-hours": (
        _replace(
            'clock = "hours"\namount = 6\n', 'clock = "hours"\namount = 12345678901234567890\n'
        ),
        "give at most 720",
        "commitment 'repair-emergency'.amount",
    ),
    "too-many-rings": (
        _replace(
            'clock = "seconds"\namount = 20\n', 'clock = "seconds"\namount = 5000\nunit = "rings"\n'
        ),
        "is over an hour",
        "commitment 'answer-call'.amount",
    ),
    "mars": (
        _replace('timezone = "Europe/London"', 'timezone = "Mars/Olympus"'),
        "Scottish time only",
        "organisation.timezone",
    ),
    "ring-cycle-nan": (
        _replace("ring_cycle_seconds = 3 ", "ring_cycle_seconds = nan "),
        "must be a number of seconds up to 10",
        "organisation.ring_cycle_seconds",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_profile_is_refused_naming_file_key_and_problem(tmp_path: Path, case: str) -> None:
    text, problem, key = BROKEN[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    message = str(caught.value)
    assert str(path) in message
    assert problem in message
    if key is not None:
        assert f"key '{key}'" in message
    assert "\n" not in message  # one line, as the CLI and the screens show it


def test_a_fixed_profile_loads_again(tmp_path: Path) -> None:
    """The cache is keyed by modification time: mending the file is enough."""
    path = tmp_path / "mine.toml"
    path.write_text(BROKEN["unknown-clock"][0], encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(path)
    path.write_text(BHA_TEXT, encoding="utf-8")
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    assert load_profile(path).commitment("repair-emergency").clock == "hours"


def test_a_commitment_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "flat.toml"
    path.write_text(
        'commitment = ["oops"]\n[organisation]\nkey = "x"\nname = "X"\n'
        '[office_hours]\nmonday = ["09:00", "17:00"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(path) in str(caught.value)
    assert "key 'commitment[0]': must be a [[commitment]] table" in str(caught.value)
