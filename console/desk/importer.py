"""Call records from the phone system: Asterisk's Master.csv, its queue_log, and a plain CSV.

- **Asterisk** CDR CSV (``Master.csv``), no header, one call leg a row: accountcode,
  src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
  end, duration, billsec, disposition, amaflags, uniqueid, userfield (later
  columns, which some setups add, are ignored). ``disposition`` ANSWERED is an
  answered call; NO ANSWER, BUSY, FAILED and CONGESTION are calls never answered.
- **Plain** CSV with a header naming ``started_at, answered_at, ended_at, caller,
  agent`` (any order; ``answered_at`` empty for a call never answered).

- **Asterisk queue_log** (``/var/log/asterisk/queue_log``), one event a line:
  ``time|callid|queue|agent|event|data1|data2|...``. ``ENTERQUEUE`` offers a call
  (data2 is the caller's number), ``CONNECT`` answers it (data1 is the hold time,
  the PBX's own measure of the wait), ``ABANDON``, ``EXITWITHTIMEOUT``,
  ``EXITEMPTY`` and ``EXITWITHKEY`` end it unanswered, ``COMPLETECALLER``,
  ``COMPLETEAGENT``, ``TRANSFER`` and ``BLINDTRANSFER`` end an answered one.
  Calls still in the queue when the log ends are left for the next import.

Times without an offset are Europe/London wall time. A call never answered is
recorded as abandoned. In a CDR the answer time is answer minus start, but only
where the call went straight to a person (``lastapp`` Dial): where it went
through a queue or a greeting (``lastapp`` Queue, Playback, Background, an IVR,
...), the CDR's answer is the PBX's own ``Answer()``, not a person's. Such a call
keeps that instant as ``pbx_answered_at``, has no answer time (untimed) unless the
queue_log gives it, and counts as abandoned when no agent channel
(``dstchannel``) was ever connected. Each call carries an
external id (``asterisk:<uniqueid>`` or ``plain:<hash of the row>``) that the
database keeps unique, so importing a file twice adds nothing; a queue_log call
shares its CDR's id and fills in the measured answer time of a call the CDR left
untimed (never one the phone system measured live). Bad rows are
reported by line number and skipped; good rows are kept. The agent is matched to
a staff login where one fits, the caller's number to one customer where exactly
one has it.

The file is streamed (`open_lines`) and stored in batches of `BATCH` calls, each its
own short write transaction, so desks keep saving between batches and memory stays
flat for a file of any length.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlmodel import col

from console.rules.clock import LONDON
from console.rules.errors import InputError
from console.rules.phone import normalise_uk
from console.store.engine import Store
from console.store.models import Contact, Customer, Event, Staff

if TYPE_CHECKING:
    from console.desk.context import Actor

FORMATS = ("auto", "asterisk", "queue_log", "plain")
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
FIRST_YEAR, LAST_YEAR = 1990, 2200  # before any phone system's log; after anyone's
BATCH = 500  # calls per write transaction: each commits in a fraction of a second
FIELD_LIMIT = 131_072  # characters in one CSV field (Python's own default)
KEEP_BAD = 1_000  # bad rows kept by line number; past that they are only counted
# SQLite's write lock is not a queue: a desk waiting for it retries after sleeping up to
# 100 ms, so an import that took the lock again at once could keep it from a desk for
# many batches. Leaving it free this long after each batch lets every waiting desk in.
# (PostgreSQL's lock is a queue: no pause there.)
SQLITE_PAUSE = 0.11
# lastapp of a CDR where the PBX reached a person directly; anything else (Queue,
# Playback, Background, Read, WaitExten, an AGI IVR, VoiceMail) answered itself first
PERSON_APPS = {"DIAL", "RETRYDIAL", "FOLLOWME", "PAGE"}
QUEUE_ENTER = {"ENTERQUEUE"}
QUEUE_CONNECT = {"CONNECT"}
QUEUE_GONE = {"ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY", "EXITWITHKEY"}
QUEUE_DONE = {"COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
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
    source: str = "cdr"  # the answer time's source: cdr or queue_log
    untimed: bool = False  # a person answered, at an instant this record does not give
    pbx_answered: datetime | None = None  # the PBX's own Answer() (greeting, queue)
    wait: float | None = None  # the PBX's own measure of the wait (queue_log hold time)

    @property
    def abandoned(self) -> bool:
        return self.answered is None and not self.untimed

    @property
    def answer_seconds(self) -> float | None:
        if self.answered is None:
            return None
        if self.wait is not None:
            return self.wait
        return (self.answered - self.started).total_seconds()


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
    timed: int = 0  # calls already held (from a CDR) that the queue_log timed
    # Answered calls whose agent is no staff login: imported, with no handler, and said so.
    unknown_agents: tuple[BadRow, ...] = ()
    bad_count: int = -1  # every bad row, where `bad` keeps the first KEEP_BAD (-1: len(bad))

    @property
    def bad_rows(self) -> int:
        return len(self.bad) if self.bad_count < 0 else self.bad_count

    @property
    def exit_status(self) -> int:
        """0 when no row was bad (even if every one was already there); 1 when any row was bad."""
        return 1 if self.bad_rows else 0


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
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise RowError(f"the {what} time '{value}' is not a date a phone system could record")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LONDON)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # an offset that carries it out of the calendar
        raise RowError(f"the {what} time '{value}' is out of range") from None


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
    lastapp = f["lastapp"].strip()
    pbx_answered: datetime | None = None
    untimed = False
    if disposition in ANSWERED:
        answered = _optional_time(f["answer"], "answer")
        if answered is None:
            duration, billsec = _int(f["duration"], "duration"), _int(f["billsec"], "billsec")
            answered = started + timedelta(seconds=max(0, duration - billsec))
        if lastapp and lastapp.upper() not in PERSON_APPS:
            # the PBX answered (greeting, queue): not a person; a connected agent is untimed
            pbx_answered, answered = answered, None
            untimed = bool(_peer(f["dstchannel"]))
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
            **({"lastapp": lastapp} if pbx_answered is not None else {}),
        },
        untimed=untimed,
        pbx_answered=pbx_answered,
    )


def _queue_time(text: str) -> datetime:
    value = text.strip()
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return parse_time(value, "event")


def _seconds(text: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise RowError(f"{what} '{text}' is not a number of seconds") from None
    if not 0 <= value <= _LONGEST_CALL.total_seconds():
        raise RowError(f"{what} {value:g} s is not possible: check the line")
    return value


def is_queue_log(line: str) -> bool:
    parts = line.strip().split("|")
    if len(parts) < 5 or not parts[4].strip().isupper():
        return False
    try:
        _queue_time(parts[0])
    except RowError:
        return False
    return True


def parse_queue_log(text: str) -> tuple[list[CallRecord], list[BadRow]]:
    """One record per caller that entered a queue and has left it (answered or not)."""
    calls: dict[str, dict[str, Any]] = {}
    bad: list[BadRow] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.strip().split("|")
        if len(parts) < 5:
            bad.append(BadRow(number, f"{len(parts)} fields where queue_log has 5 or more"))
            continue
        stamp, callid, queue, agent, event = (p.strip() for p in parts[:5])
        data = [p.strip() for p in parts[5:]] + [""] * 4
        if not callid or callid.upper() == "NONE":
            continue  # a queue or member event (QUEUESTART, ADDMEMBER, PAUSE): not a call
        try:
            at = _queue_time(stamp)
            call = calls.setdefault(callid, {"line": number, "queue": queue})
            if event in QUEUE_ENTER:
                call["entered"] = at
                call["caller"] = data[1]
            elif event in QUEUE_CONNECT:
                call["hold"] = _seconds(data[0], "hold time")
                call["connected"] = at
                call["agent"] = agent
            elif event in QUEUE_GONE:
                call["wait"] = _seconds(data[2], "wait time") if data[2] else None
                call["gone"] = at
                call["event"] = event
            elif event in QUEUE_DONE:
                call["done"] = at
                call.setdefault("hold", _seconds(data[0], "hold time") if data[0] else None)
                call["agent"] = call.get("agent") or agent
        except RowError as exc:
            bad.append(BadRow(number, str(exc)))
    records = []
    for callid, call in calls.items():
        if "connected" in call:
            answered: datetime = call["connected"]
            hold: float = call["hold"]
            started = call.get("entered") or answered - timedelta(seconds=hold)
            ended = call.get("done")
        elif "gone" in call:
            answered = None  # type: ignore[assignment]
            hold = call.get("wait") or 0.0
            ended = call["gone"]
            started = call.get("entered") or ended - timedelta(seconds=hold)
        elif "done" in call:
            bad.append(BadRow(call["line"], f"call {callid} completed with no CONNECT line"))
            continue
        else:
            continue  # still waiting when the log ends: the next import has it
        agent = str(call.get("agent", ""))
        agents = tuple(dict.fromkeys(a for a in (agent, _peer(agent)) if a))
        records.append(
            CallRecord(
                line=call["line"],
                started=started,
                answered=answered,
                ended=ended,
                caller=str(call.get("caller", "")),
                agents=agents,
                external_id=f"asterisk:{callid}"[:200],
                details={
                    "source": "queue_log",
                    "queue": call["queue"],
                    "caller": str(call.get("caller", "")),
                    "agent": agent,
                    **({"exit": call["event"]} if "event" in call else {}),
                },
                source="queue_log",
                wait=hold if answered is not None else None,
            )
        )
    records.sort(key=lambda r: r.line)
    bad.sort(key=lambda b: b.line)
    return records, bad


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
        if " ".join(first_row[14].upper().split()) in ANSWERED | UNANSWERED:
            return "asterisk"  # even when that first row's times are bad
        try:
            parse_time(first_row[9], "start")
            return "asterisk"
        except RowError:
            pass
    raise InputError(
        "cannot tell the file's format: expected Asterisk's Master.csv (17+ columns, no header), "
        "its queue_log (time|callid|queue|agent|EVENT|...) or a CSV with a header "
        "started_at, answered_at, ended_at, caller, agent; "
        "give --format asterisk, --format queue_log or --format plain"
    )


@dataclass
class _Tally:
    """What streaming a file found besides the calls: bad rows and repeated legs."""

    format: str = ""
    bad: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    repeated: int = 0
    rows: int = 0

    def refuse(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < KEEP_BAD:
            self.bad.append(BadRow(line, reason))


def _csv_rows(lines: Iterable[str], tally: _Tally) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-blank row; a row csv cannot read is a bad row."""
    csv.field_size_limit(FIELD_LIMIT)
    reader = csv.reader(lines)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            reason = str(exc)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than {FIELD_LIMIT:,} characters"
            tally.rows += 1
            tally.refuse(reader.line_num, reason)
            continue
        if any(cell.strip() for cell in row):
            tally.rows += 1
            yield reader.line_num, row


def _records(lines: Iterable[str], fmt: str, tally: _Tally) -> Iterator[CallRecord]:
    """Every good call record in file order; bad rows go to the tally."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format '{fmt}' (expected one of {', '.join(FORMATS)})")
    lines = iter(lines)
    head: list[str] = []
    for raw in lines:  # the first non-blank line tells a queue_log from a CSV
        head.append(raw)
        if raw.strip():
            break
    first_line = head[-1] if head else ""
    if fmt == "queue_log" or (fmt == "auto" and is_queue_log(first_line)):
        # queue_log events of one call are spread over the file: parsed whole (such files
        # are a day's or a month's calls, not a million rows of CDR)
        queued, bad_lines = parse_queue_log("".join(itertools.chain(head, lines)))
        tally.format = "queue_log"
        tally.rows += len(queued) + len(bad_lines)
        for b in bad_lines:
            tally.refuse(b.line, b.reason)
        yield from queued
        return
    rows = _csv_rows(itertools.chain(head, lines), tally)
    first = next(rows, None)
    if first is None:
        tally.format = fmt if fmt != "auto" else "empty"
        return
    if fmt == "auto":
        fmt = detect_format(first[1])
    tally.format = fmt
    if fmt == "plain":
        header = [cell.strip().lower() for cell in first[1]]
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
        for line, row in rows:
            try:
                if len(row) > len(header):
                    raise RowError(f"{len(row)} columns where the header names {len(header)}")
                yield parse_plain_row(dict(zip(header, row, strict=False)), line)
            except RowError as exc:
                tally.refuse(line, str(exc))
    else:
        for line, row in itertools.chain([first], rows):
            try:
                yield parse_asterisk_row(row, line)
            except RowError as exc:
                tally.refuse(line, str(exc))


def _batches(
    records: Iterable[CallRecord], tally: _Tally, size: int = BATCH
) -> Iterator[list[CallRecord]]:
    """Calls in batches of `size`, one per external id (Asterisk writes a row per leg; the
    answered leg wins). Legs are merged while their call is among the last 2 x `size` read,
    so memory stays flat however long the file is."""
    pending: dict[str, CallRecord] = {}
    for record in records:
        held = pending.get(record.external_id)
        if held is not None:
            tally.repeated += 1
            if held.abandoned and not record.abandoned:
                pending[record.external_id] = record
            continue
        pending[record.external_id] = record
        if len(pending) >= 2 * size:
            ids = list(itertools.islice(pending, size))
            yield [pending.pop(i) for i in ids]
    while pending:
        ids = list(itertools.islice(pending, size))
        yield [pending.pop(i) for i in ids]


def parse_calls(text: str, fmt: str = "auto") -> ParsedFile:
    """Every call in the text, the bad rows by line number, and repeats within the file."""
    tally = _Tally()
    kept = [
        r
        for batch in _batches(_records(io.StringIO(text, newline=""), fmt, tally), tally)
        for r in batch
    ]
    kept.sort(key=lambda r: r.line)
    return ParsedFile(tally.format or fmt, kept, tally.bad, tally.repeated)


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


def _staff_book(session: Any) -> dict[str, int]:
    """Login, PBX agent name and extension (lower case) -> staff id, in that order of trust."""
    book: dict[str, int] = {}
    stmt = select(col(Staff.id), col(Staff.login), col(Staff.agent), col(Staff.extension))
    for sid, *names in session.execute(stmt):
        for name in names:
            if name:
                book.setdefault(str(name).lower(), sid)
    return book


def _untimed(
    session: Any, records: list[CallRecord], seen: set[str]
) -> list[tuple[Contact, CallRecord]]:
    """Contacts already held whose answer time a queue_log record gives and they lack.

    A call the phone system timed live, or a queue_log import already timed, is kept.
    """
    wanted = {r.external_id: r for r in records if r.external_id in seen}
    out: list[tuple[Contact, CallRecord]] = []
    ids = list(wanted)
    for i in range(0, len(ids), 500):
        stmt = select(Contact).where(col(Contact.external_id).in_(ids[i : i + 500]))
        for contact in session.execute(stmt).scalars():
            if contact.answer_source in ("phone", "queue_log") or contact.anonymised:
                continue
            out.append((contact, wanted[contact.external_id]))
    return out


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


@contextmanager
def open_lines(path: str | Path) -> Iterator[tuple[Iterable[str], str]]:
    """The file's lines, streamed (memory stays flat for any size), and a name for messages.

    UTF-8 (with or without a byte-order mark), else Latin-1, as `read_text`; '-' reads
    standard input (read whole: a pipe cannot be read twice).
    """
    if str(path) == "-":
        text, name = read_text(path)
        yield io.StringIO(text, newline=""), name
        return
    p = Path(path).expanduser()
    encoding = "utf-8-sig"
    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        with p.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        encoding = "latin-1"
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a folder: give the call records file (e.g. Master.csv)") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    try:
        handle = p.open(encoding=encoding, newline="")
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None
    with handle:
        yield handle, str(p)


def import_calls(
    store: Store,
    text: str | Iterable[str],
    *,
    fmt: str = "auto",
    source: str = "",
    now: datetime,
    actor: Actor | None = None,
    batch: int = BATCH,
) -> ImportResult:
    """Store the calls in `text` (the whole text, or its lines streamed from a file).

    Batches of `batch` calls, each its own short transaction with its own audit event,
    so the desks keep writing between them (no desk waits behind more than one batch)
    and memory stays flat. Calls already there are skipped (a queue_log still times
    those the call records left untimed), so an interrupted import is finished by
    running it again. `actor` is who ran it (the command line's "cli <user>"), named
    in each audit event.
    """
    lines = io.StringIO(text, newline="") if isinstance(text, str) else text
    tally = _Tally()
    imported = staff_matched = customers_matched = abandoned = duplicates = 0
    timed = 0  # calls a queue_log gave the answer time the CDR could not
    records = _records(lines, fmt, tally)
    staff: dict[str, int] | None = None
    phones: dict[str, int] = {}
    unknown: list[BadRow] = []
    for batch_calls in _batches(records, tally, batch):
        calls = []
        for r in batch_calls:
            if r.started > now + CLOCK_SKEW:
                tally.refuse(
                    r.line,
                    f"the start time {r.started.astimezone(LONDON):%Y-%m-%d %H:%M} is in the "
                    "future: check the phone system's clock (or the year) and import the row "
                    "again",
                )
            else:
                calls.append(r)
        if not calls:
            continue
        queued = [r for r in calls if r.source == "queue_log"]
        with store.read() as session:  # the cheap checks outside the write lock
            seen = _existing(session, (r.external_id for r in calls))
            better = _untimed(session, queued, seen)
        if len(seen) == len(calls) and not better:
            duplicates += len(seen)
            continue  # all there already: no write, so no desk reloads for nothing
        with store.write() as session:
            seen = _existing(session, (r.external_id for r in calls))  # another import raced
            better = _untimed(session, queued, seen)
            fresh = [r for r in calls if r.external_id not in seen]
            duplicates += len(calls) - len(fresh) - len(better)
            if staff is None:
                staff = _staff_book(session)
                phones = _phone_book(session)
            rows = []
            for r in fresh:
                staff_id = next((staff[a.lower()] for a in r.agents if a.lower() in staff), None)
                customer_id = phones.get(_digits(r.caller)) if r.caller else None
                if r.abandoned:
                    staff_id = None
                elif (
                    staff_id is None
                    and tally.format == "plain"
                    and r.agents
                    and len(unknown) < KEEP_BAD
                ):
                    unknown.append(
                        BadRow(
                            r.line,
                            f"agent '{r.agents[0]}' is no staff login: imported with no "
                            "handler (add them with frontdesk staff add, or correct the file)",
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
                        "answer_source": "" if r.untimed else r.source,
                        "pbx_answered_at": r.pbx_answered,
                        "abandoned": r.abandoned,
                        "outcome": "abandoned" if r.abandoned else "",
                        "details": {**r.details, "line": r.line},
                        "external_id": r.external_id,
                        "created_at": now,
                    }
                )
            for contact, r in better:
                contact.received_at = r.started
                contact.day = r.started.astimezone(LONDON).date()
                contact.answered_at = r.answered
                contact.answer_seconds = r.answer_seconds
                contact.answer_source = "queue_log"
                contact.abandoned = r.abandoned
                if contact.staff_id is None and not r.abandoned:
                    contact.staff_id = next(
                        (staff[a.lower()] for a in r.agents if a.lower() in staff), None
                    )
                contact.details = {**(contact.details or {}), "queue": r.details.get("queue", "")}
                session.add(contact)
                timed += 1
            if rows:
                session.execute(insert(Contact), rows)
            if rows or better:
                session.add(
                    _imported_event(actor, now, len(rows), len(better), calls, source, tally.format)
                )
            imported += len(rows)
        if store.is_sqlite:
            time.sleep(SQLITE_PAUSE)
    return ImportResult(
        file=source,
        format=tally.format or fmt,
        rows=tally.rows - (1 if tally.format == "plain" else 0),
        imported=imported,
        duplicates=duplicates + tally.repeated,
        bad=tuple(sorted(tally.bad, key=lambda b: b.line)),
        staff_matched=staff_matched,
        customers_matched=customers_matched,
        abandoned=abandoned,
        unknown_agents=tuple(unknown),
        timed=timed,
        bad_count=tally.bad_count,
    )


def _imported_event(
    actor: Actor | None,
    now: datetime,
    count: int,
    timed: int,
    calls: list[CallRecord],
    source: str,
    fmt: str,
) -> Event:
    from console.desk.context import is_cli

    lines = sorted(r.line for r in calls)
    detail = f"{count} calls from {source or 'a file'} ({fmt}), lines {lines[0]}-{lines[-1]}"
    if timed:
        detail += f"; {timed} timed from the queue log"
    if actor is not None and is_cli(actor):
        detail = f"cli {actor.login.split(':', 1)[-1]}: {detail}"
    return Event(
        at=now,
        staff_id=actor.id if actor is not None and actor.id else None,
        action="imported",
        entity="contact",
        entity_id=None,
        detail=detail,
    )
