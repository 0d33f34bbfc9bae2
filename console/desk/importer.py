"""Call records from the phone system: Asterisk's Master.csv and a plain CSV.

- **Asterisk** CDR CSV (``Master.csv``), no header, one call leg a row: accountcode,
  src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
  end, duration, billsec, disposition, amaflags, uniqueid, userfield (later
  columns, which some setups add, are ignored). ``disposition`` ANSWERED is an
  answered call; NO ANSWER, BUSY, FAILED and CONGESTION are calls never answered.
- **Plain** CSV with a header naming ``started_at, answered_at, ended_at, caller,
  agent`` (any order; ``answered_at`` empty for a call never answered).

Times without an offset are Europe/London wall time. The answer time is answer
minus start; a call never answered is recorded as abandoned. Each call carries an
external id (``asterisk:<uniqueid>`` or ``plain:<hash of the row>``) that the
database keeps unique, so importing a file twice adds nothing. Bad rows are
reported by line number and skipped; good rows are kept. The agent is matched to
a staff login where one fits, the caller's number to one customer where exactly
one has it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from console.rules.clock import LONDON
from console.rules.errors import InputError
from console.rules.phone import normalise_uk
from console.store.engine import Store
from console.store.models import Contact, Customer, Event, Staff

FORMATS = ("auto", "asterisk", "plain")
ASTERISK_COLUMNS = (
    "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
    "lastdata", "start", "answer", "end", "duration", "billsec", "disposition", "amaflags",
    "uniqueid", "userfield",
)  # fmt: skip
ANSWERED = {"ANSWERED"}
UNANSWERED = {"NO ANSWER", "NOANSWER", "BUSY", "FAILED", "CONGESTION", "CANCEL"}
PLAIN_COLUMNS = ("started_at", "answered_at", "ended_at", "caller", "agent")
_CHANNEL_PEER = re.compile(r"^[A-Za-z0-9_]+/([^-@/]+)")
_LONGEST_CALL = timedelta(hours=12)
# A phone system's clock may run a little ahead of this machine's; more than this is an error.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class CallRecord:
    line: int
    started: datetime  # aware UTC
    answered: datetime | None
    ended: datetime | None
    caller: str
    agents: tuple[str, ...]  # candidate staff logins, best first
    external_id: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def abandoned(self) -> bool:
        return self.answered is None

    @property
    def answer_seconds(self) -> float | None:
        return None if self.answered is None else (self.answered - self.started).total_seconds()


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass(frozen=True)
class ParsedFile:
    format: str
    records: list[CallRecord]
    bad: list[BadRow]
    repeated: int  # rows repeating a call already read from this file


@dataclass(frozen=True)
class ImportResult:
    file: str
    format: str
    rows: int
    imported: int
    duplicates: int
    bad: tuple[BadRow, ...]
    staff_matched: int
    customers_matched: int
    abandoned: int
    # Answered calls whose agent is no staff login: imported, with no handler, and said so.
    unknown_agents: tuple[BadRow, ...] = ()

    @property
    def exit_status(self) -> int:
        """0 when no row was bad (even if every one was already there); 1 when any row was bad."""
        return 1 if self.bad else 0


class RowError(ValueError):
    """One bad row: the message says what is wrong with it."""


# -- parsing -----------------------------------------------------------------------------------


def parse_time(text: str, what: str) -> datetime:
    """A phone system's timestamp: ISO 8601 or "2025-11-24 10:00:03"; naive means Europe/London."""
    value = text.strip()
    if not value:
        raise RowError(f"the {what} time is empty")
    try:
        moment = datetime.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise RowError(
            f"the {what} time '{value}' is not a date and time like 2025-11-24 10:00:03"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    return moment.astimezone(UTC)


def _optional_time(text: str, what: str) -> datetime | None:
    return parse_time(text, what) if text.strip() else None


def _check_order(started: datetime, answered: datetime | None, ended: datetime | None) -> None:
    if answered is not None and answered < started:
        raise RowError("the answer time is before the start time")
    if ended is not None and ended < started:
        raise RowError("the end time is before the start time")
    if answered is not None and ended is not None and ended < answered:
        raise RowError("the end time is before the answer time")
    if ended is not None and ended - started > _LONGEST_CALL:
        raise RowError("the call lasts more than 12 hours: check the times")


def _peer(channel: str) -> str:
    """The endpoint in an Asterisk channel name: SIP/hreid-0000001a -> hreid."""
    match = _CHANNEL_PEER.match(channel.strip())
    return match.group(1) if match else ""


def _int(text: str, what: str) -> int:
    try:
        return int(text.strip() or 0)
    except ValueError:
        raise RowError(f"{what} '{text}' is not a whole number of seconds") from None


def parse_asterisk_row(row: list[str], line: int) -> CallRecord:
    if len(row) < 17:
        raise RowError(f"{len(row)} columns where Asterisk's Master.csv has 17 or more")
    f = dict(zip(ASTERISK_COLUMNS, row, strict=False))
    started = parse_time(f["start"], "start")
    ended = _optional_time(f["end"], "end")
    disposition = " ".join(f["disposition"].upper().split())
    if disposition in ANSWERED:
        answered = _optional_time(f["answer"], "answer")
        if answered is None:
            duration, billsec = _int(f["duration"], "duration"), _int(f["billsec"], "billsec")
            answered = started + timedelta(seconds=max(0, duration - billsec))
    elif disposition in UNANSWERED:
        answered = None
    else:
        raise RowError(
            f"unknown disposition '{f['disposition']}' "
            "(expected ANSWERED, NO ANSWER, BUSY or FAILED)"
        )
    _check_order(started, answered, ended)
    uniqueid = f["uniqueid"].strip()
    if not uniqueid:
        uniqueid = "row-" + hashlib.sha256("\x1f".join(row).encode()).hexdigest()[:32]
    userfield = f.get("userfield", "").strip()
    agents = tuple(a for a in (userfield, _peer(f["dstchannel"])) if a)
    return CallRecord(
        line=line,
        started=started,
        answered=answered,
        ended=ended,
        caller=f["src"].strip(),
        agents=agents,
        external_id=f"asterisk:{uniqueid}"[:200],
        details={
            "source": "asterisk",
            "caller": f["src"].strip(),
            "dialled": f["dst"].strip(),
            "disposition": disposition,
            "agent": agents[0] if agents else "",
        },
    )


def parse_plain_row(row: dict[str, str], line: int) -> CallRecord:
    def get(name: str) -> str:
        return (row.get(name) or "").strip()

    started = parse_time(get("started_at"), "start")
    answered = _optional_time(get("answered_at"), "answer")
    ended = _optional_time(get("ended_at"), "end")
    _check_order(started, answered, ended)
    caller, agent = get("caller"), get("agent")
    key = "\x1f".join(
        [
            started.isoformat(),
            answered.isoformat() if answered else "",
            ended.isoformat() if ended else "",
            caller,
            agent,
        ]
    )
    return CallRecord(
        line=line,
        started=started,
        answered=answered,
        ended=ended,
        caller=caller,
        agents=(agent,) if agent else (),
        external_id="plain:" + hashlib.sha256(key.encode()).hexdigest()[:40],
        details={"source": "plain", "caller": caller, "agent": agent},
    )


def detect_format(first_row: list[str]) -> str:
    """'plain' for a header naming started_at; 'asterisk' for a CDR row; InputError otherwise."""
    names = {cell.strip().lower() for cell in first_row}
    if "started_at" in names:
        return "plain"
    if len(first_row) >= 17:
        try:
            parse_time(first_row[9], "start")
            return "asterisk"
        except RowError:
            pass
    raise InputError(
        "cannot tell the file's format: expected Asterisk's Master.csv (17+ columns, no header) "
        "or a CSV with a header started_at, answered_at, ended_at, caller, agent; "
        "give --format asterisk or --format plain"
    )


def parse_calls(text: str, fmt: str = "auto") -> ParsedFile:
    """Every call in the text, the bad rows by line number, and repeats within the file."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    if not rows:
        return ParsedFile(fmt if fmt != "auto" else "empty", [], [], 0)
    if fmt == "auto":
        fmt = detect_format(rows[0][1])
    records: list[CallRecord] = []
    bad: list[BadRow] = []
    if fmt == "plain":
        header = [cell.strip().lower() for cell in rows[0][1]]
        if "started_at" not in header:
            raise InputError(
                "the plain CSV has no header with started_at: the first line must name the columns "
                "started_at, answered_at, ended_at, caller, agent"
            )
        missing = [c for c in PLAIN_COLUMNS if c not in header]
        if "answered_at" in missing:
            raise InputError(
                "the plain CSV header has no answered_at column: "
                "it tells answered calls from abandoned ones"
            )
        for line, row in rows[1:]:
            try:
                if len(row) > len(header):
                    raise RowError(f"{len(row)} columns where the header names {len(header)}")
                records.append(parse_plain_row(dict(zip(header, row, strict=False)), line))
            except RowError as exc:
                bad.append(BadRow(line, str(exc)))
    else:
        for line, row in rows:
            try:
                records.append(parse_asterisk_row(row, line))
            except RowError as exc:
                bad.append(BadRow(line, str(exc)))
    kept, repeated = _merge_legs(records)
    return ParsedFile(fmt, kept, bad, repeated)


def _merge_legs(records: list[CallRecord]) -> tuple[list[CallRecord], int]:
    """One call per external id: Asterisk writes a row per leg; the answered leg wins."""
    best: dict[str, CallRecord] = {}
    for record in records:
        held = best.get(record.external_id)
        if held is None or (held.answered is None and record.answered is not None):
            best[record.external_id] = record
    kept = sorted(best.values(), key=lambda r: r.line)
    return kept, len(records) - len(kept)


# -- storing -----------------------------------------------------------------------------------


def _digits(phone: str) -> str:
    """The number in console.rules.phone's canonical form; else just its digits."""
    return normalise_uk(phone) or "".join(ch for ch in phone if ch.isdigit())


def _phone_book(session: Any) -> dict[str, int]:
    """Phone digits -> customer id, for numbers exactly one customer has."""
    owners: dict[str, set[int]] = {}
    stmt = select(col(Customer.id), col(Customer.phone), col(Customer.phone_alt)).where(
        col(Customer.anonymised).is_(False)
    )
    for cid, phone, alt in session.execute(stmt):
        for number in (phone, alt):
            digits = _digits(number or "")
            if len(digits) >= 6:
                owners.setdefault(digits, set()).add(cid)
    return {digits: next(iter(ids)) for digits, ids in owners.items() if len(ids) == 1}


def _existing(session: Any, ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    wanted = list(ids)
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        stmt = select(col(Contact.external_id)).where(col(Contact.external_id).in_(chunk))
        found.update(str(x) for x in session.execute(stmt).scalars())
    return found


def read_text(path: str | Path) -> tuple[str, str]:
    """The file's text and a name for messages; '-' reads standard input."""
    import sys

    if str(path) == "-":
        return sys.stdin.read(), "standard input"
    p = Path(path).expanduser()
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a folder: give the call records file (e.g. Master.csv)") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8-sig"), str(p)
    except UnicodeDecodeError:
        return raw.decode("latin-1"), str(p)


def import_calls(
    store: Store, text: str, *, fmt: str = "auto", source: str = "", now: datetime
) -> ImportResult:
    """Parse and store the calls in `text` in one transaction; calls already there are skipped."""
    parsed = parse_calls(text, fmt)
    future = [r for r in parsed.records if r.started > now + CLOCK_SKEW]
    if future:
        late = [
            BadRow(
                r.line,
                f"the start time {r.started.astimezone(LONDON):%Y-%m-%d %H:%M} is in the future: "
                "check the phone system's clock (or the year) and import the row again",
            )
            for r in future
        ]
        parsed = ParsedFile(
            parsed.format,
            [r for r in parsed.records if r.started <= now + CLOCK_SKEW],
            sorted([*parsed.bad, *late], key=lambda b: b.line),
            parsed.repeated,
        )
    records = parsed.records
    unknown: list[BadRow] = []
    imported = staff_matched = customers_matched = abandoned = 0
    duplicates = parsed.repeated
    if records:
        with store.read() as session:
            seen = _existing(session, (r.external_id for r in records))
        if len(seen) == len(records):
            records = []  # all there already: no write, so no desk reloads for nothing
            duplicates += len(seen)
    if records:
        with store.write() as session:
            seen = _existing(session, (r.external_id for r in records))
            fresh = [r for r in records if r.external_id not in seen]
            duplicates += len(records) - len(fresh)
            logins: dict[str, int] = {}
            names = select(col(Staff.id), col(Staff.login), col(Staff.agent), col(Staff.extension))
            for sid, *known in session.execute(names):  # login first, then PBX agent, extension
                for name in known:
                    if name:
                        logins.setdefault(str(name).lower(), sid)
            phones = _phone_book(session) if fresh else {}
            rows = []
            for r in fresh:
                staff_id = next((logins[a.lower()] for a in r.agents if a.lower() in logins), None)
                customer_id = phones.get(_digits(r.caller)) if r.caller else None
                if r.abandoned:
                    staff_id = None
                elif staff_id is None and parsed.format == "plain" and r.agents:
                    unknown.append(
                        BadRow(
                            r.line,
                            f"agent '{r.agents[0]}' is no staff login: imported with no handler "
                            "(add them with frontdesk staff add, or correct the file)",
                        )
                    )
                staff_matched += staff_id is not None
                customers_matched += customer_id is not None
                abandoned += r.abandoned
                rows.append(
                    {
                        "channel": "call",
                        "customer_id": customer_id,
                        "staff_id": staff_id,
                        "received_at": r.started,
                        "day": r.started.astimezone(LONDON).date(),
                        "answered_at": r.answered,
                        "ended_at": r.ended,
                        "answer_seconds": r.answer_seconds,
                        "abandoned": r.abandoned,
                        "outcome": "abandoned" if r.abandoned else "",
                        "details": {**r.details, "line": r.line},
                        "external_id": r.external_id,
                        "created_at": now,
                    }
                )
            if rows:
                session.execute(insert(Contact), rows)
                session.add(
                    Event(
                        at=now,
                        action="imported",
                        entity="contact",
                        entity_id=None,
                        detail=(
                            f"{len(rows)} calls from {source or 'a file'} ({parsed.format}); "
                            f"{duplicates} already there, {len(parsed.bad)} bad rows"
                        ),
                    )
                )
            imported = len(rows)
    return ImportResult(
        file=source,
        format=parsed.format,
        rows=len(parsed.records) + parsed.repeated + len(parsed.bad),
        imported=imported,
        duplicates=duplicates,
        bad=tuple(parsed.bad),
        staff_matched=staff_matched,
        customers_matched=customers_matched,
        abandoned=abandoned,
        unknown_agents=tuple(unknown),
    )
