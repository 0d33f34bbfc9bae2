"""Scottish bank holidays: the `holidays` package, country GB, subdivision SCT.

Without the subdivision the package lacks 2 January, the August holiday and St
Andrew's Day, so it is never called without it. A module of its own so that the
profile parser (which refuses special hours on a bank holiday) and the calendars
(which skip them) share it without importing each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache


@lru_cache(maxsize=8)
def _bank_holidays(first_year: int, last_year: int) -> dict[date, str]:
    """Scottish bank holidays (substitutes and proclaimed days included) for a year range."""
    import holidays  # heavy (~0.1 s): only when a calendar is first needed

    found = holidays.country_holidays("GB", subdiv="SCT", years=range(first_year, last_year + 1))
    return dict(found.items())


def scottish_bank_holidays(years: Iterable[int]) -> dict[date, str]:
    """Scottish bank holidays, date -> name, for the given years (GB, subdivision SCT)."""
    wanted = sorted(set(years))
    if not wanted:
        return {}
    every = _bank_holidays(wanted[0], wanted[-1])
    keep = set(wanted)
    return {day: name for day, name in every.items() if day.year in keep}
