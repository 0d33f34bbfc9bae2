"""Policy profiles: a landlord's published standards as data.

A profile is a TOML file (`data/policies/*.toml`, installed as `console.policies`).
It is loaded and checked once; a broken one is refused with one message naming
the file, the key and the problem.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

from console.rules.errors import ProfileError


def _policy_dir() -> Path:
    """Where the shipped profiles are: the installed package `console.policies`.

    The wheel installs data/policies as that package; a checkout that was never
    installed (`python -m console` in the source tree) reads data/policies itself.
    """
    try:
        spec = importlib.util.find_spec("console.policies")
    except ModuleNotFoundError:
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "data" / "policies"


POLICY_DIR = _policy_dir()
# The profile a new database gets when nobody says which (`--policy`, FRONTDESK_POLICY).
DEFAULT_POLICY = "bha"

CLOCKS = ("seconds", "hours", "working_hours", "working_days", "calendar_days", "months")
# The longest amount a landlord could mean on each clock. Past these a deadline is a typo,
# and a huge one (2,000,000 working days; a 20-digit number) would take minutes, or never
# finish, to count out while a desk holds the write lock. Anything longer is written on
# the next clock up: an hour of seconds, 30 days of hours (or of open office hours), a
# working year, a year of days, two years of months.
MAX_AMOUNT = {
    "seconds": 3_600,
    "hours": 720,
    "working_hours": 720,
    "working_days": 260,
    "calendar_days": 366,
    "months": 24,
}
TIMEZONE = "Europe/London"  # the calendars (bank holidays, office hours) are Scotland's
CALENDARS = ("organisation", "statutory")
ATS = ("close", "same-time")
KINDS = ("deadline", "minimum", "live")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

# What a desk action promises, by role; each profile maps a role to one of its slugs.
USES = (
    "answer_call",
    "reception_serve",
    "reception_second",
    "callback_routine",
    "callback_urgent",
    "acknowledge",
    "reply_routine",
    "reply_urgent",
    "statutory_response",
    "letter_follow_up",
    "repair_emergency",
    "repair_urgent",
    "repair_routine",
    "progress_update",
    "alternative_format",
    "housing_application",
    "complaint_stage1",
    "complaint_stage1_extended",
    "complaint_stage2",
    "subject_access",
    "subject_access_extended",
    "foi",
    "gas_safety",
    "home_visit_notice",
    "overdue_contact",
    "missed_call",  # a call abandoned before anyone answered (issue 18)
    "missed_call_anonymous",  # the same from a withheld number; absent: nothing is promised
)


Block = tuple[time, time]  # one opening block, local: opens (included) to closes (excluded)


@dataclass(frozen=True)
class SpecialHours:
    """A dated change to the office's blocks: a short day, a training morning, a day closed."""

    day: date
    blocks: tuple[Block, ...]  # () closes the office all day
    reason: str = ""


@dataclass(frozen=True)
class Commitment:
    slug: str
    promise: str
    target: str
    clock: str
    amount: int
    calendar: str | None = None
    at: str = "close"
    kind: str = "deadline"
    repeating: bool = False
    team: str = ""
    source: str = ""
    extends_to: str | None = None
    # The earlier target inside the promise ("within 24 hours where possible"): a
    # commitment of its own (same slug) whose instant is capped at the due instant.
    aim: Commitment | None = None

    @property
    def is_task(self) -> bool:
        """Live targets (answer a call, serve a visitor) are timed, not queued."""
        return self.kind == "deadline" and self.clock != "seconds"


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    team: str


@dataclass(frozen=True)
class Profile:
    key: str
    name: str
    short_name: str
    policy: str
    path: Path
    timezone: str
    ring_cycle_seconds: float
    # Monday..Sunday: (the day's opening, its close of business), or None when closed.
    office_hours: tuple[tuple[time, time] | None, ...]
    closure_days: frozenset[date]
    commitments: dict[str, Commitment]
    uses: dict[str, str]
    categories: tuple[Category, ...]
    teams: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    out_of_hours: str = ""
    # Monday..Sunday: the opening blocks in time order (() when closed); a day with
    # one block has it alone. office_hours is the span of these.
    blocks: tuple[tuple[Block, ...], ...] = ()
    special_hours: tuple[SpecialHours, ...] = ()  # in date order

    def commitment(self, slug: str) -> Commitment:
        try:
            return self.commitments[slug]
        except KeyError:
            known = ", ".join(self.commitments)
            raise ProfileError(
                f"unknown commitment '{slug}' in profile {self.key} (known: {known})"
            ) from None

    def slug_for(self, use: str) -> str | None:
        """The slug this profile uses for a desk action, or None where it promises nothing."""
        return self.uses.get(use)

    def has(self, use: str) -> bool:
        return use in self.uses

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def hours_on(self, weekday: int) -> tuple[time, time] | None:
        return self.office_hours[weekday]

    def blocks_on(self, weekday: int) -> tuple[Block, ...]:
        """That weekday's usual blocks (special hours are the calendar's business)."""
        span = self.office_hours[weekday]
        if span is None:
            return ()
        blocks = self.blocks[weekday] if self.blocks else ()
        # office_hours is the span of the blocks; a copy made with other office_hours
        # (dataclasses.replace) has stale blocks, and then the span is the one block.
        if blocks and (blocks[0][0], blocks[-1][1]) == span:
            return blocks
        return (span,)


def available_profiles() -> list[str]:
    return sorted(p.stem for p in POLICY_DIR.glob("*.toml"))


def resolve_path(name_or_path: str | Path) -> Path:
    """A profile by name (`bha`) from data/policies, or a path to a landlord's own file."""
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or "\\" in text:
        return Path(text).expanduser()
    return POLICY_DIR / f"{text}.toml"


@lru_cache(maxsize=16)
def _load_cached(path: Path, mtime: float) -> Profile:
    return _parse(path)


def load_profile(name_or_path: str | Path = DEFAULT_POLICY) -> Profile:
    path = resolve_path(name_or_path)
    if not path.exists():
        names = ", ".join(available_profiles())
        raise ProfileError(f"{path}: no such policy profile (shipped profiles: {names})")
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ProfileError(f"{path}: cannot be read ({exc.strerror})") from None
    return _load_cached(path.resolve(), mtime)


def _parse(path: Path) -> Profile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read ({exc})") from None
    return _Parser(path, raw).profile()


class _Parser:
    def __init__(self, path: Path, raw: dict[str, Any]) -> None:
        self.path = path
        self.raw = raw

    def timezone(self, org: dict[str, Any]) -> str:
        """Only Europe/London: every calendar, office hour and bank holiday is Scotland's."""
        zone = self.text(org, "timezone", "organisation.", default=TIMEZONE)
        if zone != TIMEZONE:
            raise self.fail(
                "organisation.timezone",
                f"'{zone[:60]}' is not supported: Front Desk keeps Scottish time only "
                f'(timezone = "{TIMEZONE}", or leave it out)',
            )
        return zone

    def fail(self, key: str, problem: str) -> ProfileError:
        return ProfileError(f"{self.path}: key '{key}': {problem}")

    def text(self, table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.fail(f"{where}{key}", "is missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}{key}", f"must be non-empty text, not {value!r}")
        return value.strip()

    def clock_time(self, value: Any, key: str) -> time:
        if not isinstance(value, str):
            raise self.fail(key, f'must be a time like "08:45", not {value!r}')
        try:
            hour, minute = value.split(":")
            return time(int(hour), int(minute))
        except ValueError:
            raise self.fail(key, f"'{value}' is not a time like \"08:45\"") from None

    def profile(self) -> Profile:
        org = self.raw.get("organisation")
        if not isinstance(org, dict):
            raise self.fail("organisation", "the [organisation] table is missing")
        key = self.text(org, "key", "organisation.")
        ring = org.get("ring_cycle_seconds", 3)
        if not isinstance(ring, int | float) or isinstance(ring, bool) or not 0 < ring <= 10:
            raise self.fail(
                "organisation.ring_cycle_seconds",
                f"must be a number of seconds up to 10, not {ring!r}",
            )
        closures: set[date] = set()
        for i, day in enumerate(org.get("closure_days", [])):
            if not isinstance(day, date) or isinstance(day, datetime):
                raise self.fail(
                    f"organisation.closure_days[{i}]",
                    f"must be a date like 2026-12-29, not {day!r}",
                )
            closures.add(day)
        blocks = self.office_hours()
        commitments = self.commitments()
        uses = self.uses(commitments)
        categories = self.categories()
        teams = tuple(str(t) for t in org.get("teams", sorted({c.team for c in categories})))
        notes = tuple(str(n) for n in org.get("notes", []))
        return Profile(
            key=key,
            name=self.text(org, "name", "organisation."),
            short_name=self.text(org, "short_name", "organisation.", default=key.upper()),
            policy=self.text(org, "policy", "organisation.", default="Customer Care Policy"),
            path=self.path,
            timezone=self.timezone(org),
            ring_cycle_seconds=float(ring),
            office_hours=tuple(None if not b else (b[0][0], b[-1][1]) for b in blocks),
            closure_days=frozenset(closures),
            commitments=commitments,
            uses=uses,
            categories=categories,
            teams=teams,
            notes=notes,
            out_of_hours=str(org.get("out_of_hours", "")),
            blocks=blocks,
            special_hours=self.special_hours(blocks, frozenset(closures)),
        )

    def office_hours(self) -> tuple[tuple[Block, ...], ...]:
        table = self.raw.get("office_hours")
        if not isinstance(table, dict):
            raise self.fail("office_hours", "the [office_hours] table is missing")
        unknown = set(table) - set(WEEKDAYS)
        if unknown:
            raise self.fail(
                f"office_hours.{sorted(unknown)[0]}", "is not a weekday (monday … sunday)"
            )
        week = tuple(self.blocks(table.get(day, []), f"office_hours.{day}") for day in WEEKDAYS)
        if not any(week):
            raise self.fail("office_hours", "the office is never open")
        return week

    def blocks(self, value: Any, key: str) -> tuple[Block, ...]:
        """One day's blocks: [] (closed), ["09:00", "17:00"], or a list of such pairs."""
        if value in ([], None, "closed"):
            return ()
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            value = [value]
        shape = 'must be ["opens", "closes"], a list of them in time order, or []'
        if not isinstance(value, list) or not all(
            isinstance(b, list) and len(b) == 2 for b in value
        ):
            raise self.fail(key, f"{shape}, not {value!r}")
        out: list[Block] = []
        for i, pair in enumerate(value):
            opens, closes = (self.clock_time(v, key) for v in pair)
            if closes <= opens:
                raise self.fail(key, f"closes at {closes:%H:%M}, before it opens at {opens:%H:%M}")
            if out and opens < out[-1][1]:
                prev = out[-1]
                problem = "overlaps" if opens >= prev[0] else "comes before"
                raise self.fail(
                    key,
                    f"block {i + 1} ({opens:%H:%M}-{closes:%H:%M}) {problem} block {i} "
                    f"({prev[0]:%H:%M}-{prev[1]:%H:%M}): list blocks in time order, "
                    "each opening at or after the previous one closes",
                )
            out.append((opens, closes))
        return tuple(out)

    def special_hours(
        self, week: tuple[tuple[Block, ...], ...], closures: frozenset[date]
    ) -> tuple[SpecialHours, ...]:
        items = self.raw.get("special_hours", [])
        if not isinstance(items, list):
            raise self.fail("special_hours", "must be [[special_hours]] tables")
        found: dict[date, SpecialHours] = {}
        for i, item in enumerate(items):
            key = f"special_hours[{i}]"
            if not isinstance(item, dict):
                raise self.fail(key, f"must be a [[special_hours]] table, not {item!r}")
            day = item.get("date")
            if not isinstance(day, date) or isinstance(day, datetime):
                raise self.fail(f"{key}.date", f"must be a date like 2026-12-24, not {day!r}")
            key = f"special_hours {day}"
            if day in found:
                raise self.fail(f"{key}.date", f"{day} is listed twice")
            if "hours" not in item:
                raise self.fail(f"{key}.hours", 'is missing (give [["09:00", "12:00"]] or [])')
            problem = self.not_working(day, week, closures)
            if problem:
                raise self.fail(
                    f"{key}.date",
                    f"{day:%A} {day} is {problem}, not a working day of the organisation "
                    "calendar: special hours go on working days only (use closure_days "
                    "to close a working day)",
                )
            reason = item.get("reason", "")
            if not isinstance(reason, str):
                raise self.fail(f"{key}.reason", f"must be text, not {reason!r}")
            found[day] = SpecialHours(day, self.blocks(item["hours"], f"{key}.hours"), reason)
        return tuple(found[d] for d in sorted(found))

    @staticmethod
    def not_working(
        day: date, week: tuple[tuple[Block, ...], ...], closures: frozenset[date]
    ) -> str:
        """Why ``day`` is not an organisation working day, or "" where it is one."""
        if day.weekday() >= 5:
            return "a weekend day"
        if not week[day.weekday()]:
            return "a weekday the office keeps closed"
        if day in closures:
            return "one of the closure_days"
        from console.rules.bank_holidays import scottish_bank_holidays  # heavy: only when used

        name = scottish_bank_holidays([day.year]).get(day)
        if name:
            return f"a Scottish bank holiday ({name})"
        return ""

    def commitments(self) -> dict[str, Commitment]:
        items = self.raw.get("commitment")
        if not isinstance(items, list) or not items:
            raise self.fail("commitment", "no [[commitment]] tables")
        found: dict[str, Commitment] = {}
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"commitment[{i}]", f"must be a [[commitment]] table, not {item!r}")
            where = f"commitment[{i}]."
            slug = self.text(item, "slug", where)
            where = f"commitment '{slug}'."
            if slug in found:
                raise self.fail(f"{where}slug", f"duplicate slug '{slug}'")
            clock, amount, calendar, at = self.clock_rules(item, where, None)
            kind = item.get("kind", "live" if clock == "seconds" else "deadline")
            if kind not in KINDS:
                raise self.fail(f"{where}kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
            found[slug] = Commitment(
                slug=slug,
                promise=self.text(item, "promise", where),
                target=self.text(item, "target", where),
                clock=clock,
                amount=amount,
                calendar=calendar,
                at=at,
                kind=kind,
                repeating=bool(item.get("repeating", False)),
                team=str(item.get("team", "")),
                source=str(item.get("source", "")),
                extends_to=item.get("extends_to"),
                aim=self.aim(item, where, slug, calendar),
            )
        for slug, c in found.items():
            if c.extends_to is not None and c.extends_to not in found:
                raise self.fail(
                    f"commitment '{slug}'.extends_to", f"names unknown commitment '{c.extends_to}'"
                )
        return found

    def clock_rules(
        self, item: dict[str, Any], where: str, default_calendar: str | None
    ) -> tuple[str, int, str | None, str]:
        """A clock, its amount, calendar and ``at``, checked together (commitment or aim)."""
        clock = self.text(item, "clock", where)
        if clock not in CLOCKS:
            raise self.fail(
                f"{where}clock",
                f"unknown clock '{clock}' (expected one of {', '.join(CLOCKS)})",
            )
        if "amount" not in item:
            raise self.fail(f"{where}amount", "is missing")
        amount = item["amount"]
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise self.fail(f"{where}amount", f"must be a whole number of {clock}, not {amount!r}")
        unit = item.get("unit")
        if unit == "rings":
            if clock != "seconds":
                raise self.fail(f"{where}unit", 'rings go with clock = "seconds"')
            ring = float(self.raw["organisation"].get("ring_cycle_seconds", 3))
            if amount * ring > MAX_AMOUNT["seconds"]:
                raise self.fail(
                    f"{where}amount",
                    f"{amount} rings is over an hour: give at most "
                    f"{int(MAX_AMOUNT['seconds'] // ring)} rings",
                )
            amount = round(amount * ring)
        elif unit is not None:
            raise self.fail(f"{where}unit", f"unknown unit '{unit}' (only \"rings\")")
        elif amount > MAX_AMOUNT[clock]:
            raise self.fail(
                f"{where}amount",
                f"{amount} {clock.replace('_', ' ')} is more than any standard means: "
                f"give at most {MAX_AMOUNT[clock]} (a longer time goes on a longer clock)",
            )
        calendar = item.get("calendar", default_calendar)
        if clock == "working_hours":
            # Open office time only exists on the organisation's calendar.
            calendar = item.get("calendar", "organisation")
            if calendar != "organisation":
                raise self.fail(
                    f"{where}calendar",
                    'clock = "working_hours" counts open office time, so it takes only '
                    f'calendar = "organisation", not {calendar!r}',
                )
        elif clock in ("working_days", "months"):
            if calendar not in CALENDARS:
                raise self.fail(
                    f"{where}calendar",
                    f"must be one of {', '.join(CALENDARS)} for clock {clock}, not {calendar!r}",
                )
        elif calendar is not None and calendar not in CALENDARS:
            raise self.fail(f"{where}calendar", f"unknown calendar '{calendar}'")
        at = item.get("at", "close")
        if at not in ATS:
            raise self.fail(f"{where}at", f"must be one of {', '.join(ATS)}, not {at!r}")
        if at == "same-time" and clock != "working_days":
            raise self.fail(f"{where}at", '"same-time" goes with clock = "working_days"')
        if at == "same-time" and calendar != "organisation":
            # The statutory calendar has no out-of-hours rule, so a receipt late on a
            # Saturday would be due later than one just after midnight.
            raise self.fail(f"{where}at", '"same-time" goes with calendar = "organisation"')
        return clock, amount, calendar, at

    def aim(
        self, item: dict[str, Any], where: str, slug: str, calendar: str | None
    ) -> Commitment | None:
        """The ``aim = {clock, amount, calendar, at}`` table, as a commitment of its own."""
        if "aim" not in item:
            return None
        table = item["aim"]
        if not isinstance(table, dict):
            raise self.fail(
                f"{where}aim",
                f'must be a table like {{ clock = "hours", amount = 24 }}, not {table!r}',
            )
        unknown = set(table) - {"clock", "amount", "calendar", "at", "unit"}
        if unknown:
            raise self.fail(
                f"{where}aim.{sorted(unknown)[0]}",
                "is not an aim key (an aim takes clock, amount, calendar, at)",
            )
        clock, amount, aim_calendar, at = self.clock_rules(table, f"{where}aim.", calendar)
        return Commitment(
            slug=slug,
            promise=self.text(item, "promise", where),
            target=self.text(item, "target", where),
            clock=clock,
            amount=amount,
            calendar=aim_calendar,
            at=at,
        )

    def uses(self, commitments: dict[str, Commitment]) -> dict[str, str]:
        table = self.raw.get("uses", {})
        if not isinstance(table, dict):
            raise self.fail("uses", "must be a table")
        for use, slug in table.items():
            if use not in USES:
                raise self.fail(
                    f"uses.{use}", f"unknown desk action (expected one of {', '.join(USES)})"
                )
            if slug not in commitments:
                raise self.fail(f"uses.{use}", f"names unknown commitment '{slug}'")
        return dict(table)

    def categories(self) -> tuple[Category, ...]:
        items = self.raw.get("category", [])
        if not isinstance(items, list) or not items:
            raise self.fail("category", "no [[category]] tables (enquiry categories)")
        seen: set[str] = set()
        out = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise self.fail(f"category[{i}]", f"must be a [[category]] table, not {item!r}")
            key = self.text(item, "key", f"category[{i}].")
            if key in seen:
                raise self.fail(f"category[{i}].key", f"duplicate category '{key}'")
            seen.add(key)
            out.append(
                Category(
                    key,
                    self.text(item, "label", f"category '{key}'."),
                    str(item.get("team", "Customer Services")),
                )
            )
        return tuple(out)
