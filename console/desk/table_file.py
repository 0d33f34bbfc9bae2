"""Reading an export file as rows of named cells, the way housing and HR systems write them.

Real exports are untidy: a byte-order mark, Windows line ends, quoted cells holding
commas and line breaks, Excel's semicolon-separated "CSV" in Windows-1252, a row
broken by bad bytes, a runaway line megabytes long. `read_table` reads all of them
and reports each row that cannot be read by its line number, keeping the rest.

- Encoding: UTF-8 (with or without BOM) when the file is UTF-8 apart from a few
  bad rows (those rows are refused as "not UTF-8"); Windows-1252 (Excel's Latin-1)
  when nothing in it reads as UTF-8 beyond plain ASCII. A mapping file can say.
- Delimiter: comma, semicolon, tab or bar, whichever the header line uses most.
- JSON: a list of objects, or an object holding one such list; "line" is then the
  record's number in the list.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from console.rules.errors import InputError

MAX_ROW_CHARS = 64 * 1024  # a customer is a few hundred characters; more is a broken export
_FIELD_LIMIT = 256 * 1024 * 1024  # let the reader hold a runaway line, so it can be refused
_BAD_BYTE = re.compile("[\udc80-\udcff]")
DELIMITERS = (",", ";", "\t", "|")


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str
    reference: str = ""


@dataclass
class Table:
    """Rows of a file as header -> cell, each with the line it starts on."""

    source: str
    format: str  # csv or json
    encoding: str
    delimiter: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


def read_bytes(path: str | Path) -> tuple[bytes, str]:
    """The file's bytes and a name for messages; '-' reads standard input."""
    if str(path) == "-":
        return sys.stdin.buffer.read(), "standard input"
    p = Path(path).expanduser()
    try:
        return p.read_bytes(), str(p)
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{p} is a folder: give the export file itself") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot be read ({exc.strerror})") from None


def decode(raw: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text and the encoding used; bytes that are not UTF-8 stay as surrogates."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        if encoding == "auto":
            encoding = "utf-8"
    if encoding not in ("auto", "utf-8", "utf8"):
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise InputError(
                f"'{encoding}' is not an encoding Python knows: try utf-8 or cp1252"
            ) from None
        except UnicodeDecodeError as exc:
            raise InputError(
                f"the file is not {encoding} (byte {exc.start}): check the mapping's encoding"
            ) from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="surrogateescape")
    if encoding == "auto" and not any(ord(ch) > 0x7F and not _BAD_BYTE.match(ch) for ch in text):
        # Nothing beyond ASCII reads as UTF-8: an Excel or Windows export (Windows-1252).
        return raw.decode("cp1252", errors="replace").replace("\ufffd", "?"), "cp1252"
    return text, "utf-8"


def sniff_delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def clean_header(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").split())


def read_csv(text: str, source: str, encoding: str, delimiter: str = "") -> Table:
    delimiter = delimiter or sniff_delimiter(text)
    old_limit = csv.field_size_limit()
    csv.field_size_limit(_FIELD_LIMIT)
    try:
        table = Table(source, "csv", encoding, delimiter, [])
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        suspect = _BAD_BYTE.search(text) is not None  # any bytes that were not UTF-8 at all
        for start, row in _rows(reader, table):
            if sum(len(c) for c in row) > MAX_ROW_CHARS:
                size = sum(len(c) for c in row)
                table.bad.append(
                    BadRow(
                        start,
                        f"the row is {size:,} characters long (a customer row is at most "
                        f"{MAX_ROW_CHARS:,}): the export is broken here; check this line",
                    )
                )
                continue
            if not any(c.strip() for c in row):
                continue
            if not table.header:
                table.header = [clean_header(c) for c in row]
                if suspect and any(_BAD_BYTE.search(c) for c in row):
                    raise InputError(
                        "the header line is not UTF-8: save the export as UTF-8 or give the "
                        'encoding in a mapping file (encoding = "cp1252")'
                    )
                continue
            if suspect and any(_BAD_BYTE.search(c) for c in row):
                table.bad.append(
                    BadRow(start, "the row has bytes that are not UTF-8: re-type it or re-export")
                )
                continue
            if len(row) > len(table.header) and any(c.strip() for c in row[len(table.header) :]):
                table.bad.append(
                    BadRow(
                        start,
                        f"{len(row)} cells where the header names {len(table.header)}: "
                        "a cell probably holds an unquoted "
                        + ("comma" if delimiter == "," else "separator"),
                    )
                )
                continue
            cells = {h: (row[i] if i < len(row) else "") for i, h in enumerate(table.header)}
            table.rows.append((start, cells))
    finally:
        csv.field_size_limit(old_limit)
    if not table.header:
        raise InputError(f"{source} is empty: nothing to import")
    return table


def _rows(reader: Iterator[list[str]], table: Table) -> Iterator[tuple[int, list[str]]]:
    """Each row with the line it starts on; a row the csv module cannot read becomes bad."""
    line_num = getattr(reader, "line_num", 0)
    while True:
        start = line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line_num = getattr(reader, "line_num", line_num + 1)
            table.bad.append(BadRow(start, f"the row cannot be read as CSV ({exc})"))
            continue
        line_num = getattr(reader, "line_num", line_num + 1)
        yield start, row


def read_json(text: str, source: str, encoding: str) -> Table:
    if _BAD_BYTE.search(text):
        raise InputError(f"{source} is not UTF-8: JSON must be UTF-8; re-export it")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{source} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise InputError(
                f"{source}: expected a list of records, or an object holding one list of them"
            )
        doc = lists[0]
    if not isinstance(doc, list):
        raise InputError(f"{source}: expected a list of records")
    table = Table(source, "json", encoding, "", [])
    seen: dict[str, None] = {}
    for number, item in enumerate(doc, start=1):
        if not isinstance(item, dict):
            table.bad.append(BadRow(number, "the record is not an object of named fields"))
            continue
        cells: dict[str, str] = {}
        for key, value in item.items():
            name = clean_header(str(key))
            seen.setdefault(name, None)
            if value is None:
                cells[name] = ""
            elif isinstance(value, bool):
                cells[name] = "yes" if value else "no"
            elif isinstance(value, (str, int, float)):
                cells[name] = str(value)
            else:
                cells[name] = json.dumps(value)
        if sum(len(c) for c in cells.values()) > MAX_ROW_CHARS:
            table.bad.append(BadRow(number, "the record is too long to be one customer"))
            continue
        table.rows.append((number, cells))
    table.header = list(seen)
    return table


def read_table(
    raw: bytes, source: str, *, fmt: str = "auto", encoding: str = "auto", delimiter: str = ""
) -> Table:
    """The rows of a CSV or JSON export (see the module's docstring)."""
    text, used = decode(raw, encoding)
    if fmt == "auto":
        fmt = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    if fmt == "json":
        return read_json(text, source, used)
    if fmt != "csv":
        raise InputError(f"unknown format '{fmt}': give --format csv or --format json")
    return read_csv(text, source, used, delimiter)
