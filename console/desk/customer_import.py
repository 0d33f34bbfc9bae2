"""Customers from the housing management system's export: `frontdesk import customers`.

- **Upsert by reference** (tenancy or application number): a known reference is
  updated field by field; a new one is added. An empty cell never clears what the
  desk holds (the desk may know a newer phone number than the export); a filled
  cell that differs replaces it, because the housing system is the landlord's
  record of tenancy, name and address. Every customer added or changed is one
  audit event naming the fields the import changed (never their values).
- A customer the export does not mention is left alone; `missing` lists them.
- Bad rows are refused by line number with what to fix; good rows are kept.
  Two rows with one reference are both refused: the import cannot know which is
  right.
- One transaction per batch of `BATCH` rows. Because the upsert is idempotent, an
  interrupted import run again finishes the job and duplicates nothing.
- Columns: a mapping file (TOML, see docs/import-mapping-example.toml) names which
  column is which; without one, common header names are recognised (`ALIASES`).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlmodel import col

from console.desk.context import Desk, is_cli
from console.desk.customers import PREFERRED_CONTACT, parse_day, search_text
from console.desk.table_file import BadRow, Table, read_table
from console.rules.clock import local
from console.rules.errors import InputError
from console.rules.phone import full_number, group_uk
from console.rules.roles import ADMINS
from console.store.models import Customer, Event

BATCH = 2_000
SHOWN_CHANGES = 20

# The fields an export can carry, each with the header names recognised without a mapping.
# Headers are compared lower-case with everything but letters and digits removed.
ALIASES: dict[str, tuple[str, ...]] = {
    "reference": (
        "reference", "ref", "customerref", "customerreference", "customerno", "customernumber",
        "tenancyref", "tenancyreference", "tenancyno", "tenancynumber", "tenancyid",
        "applicationref", "applicationno", "applicationnumber", "personref", "personno",
        "accountref", "accountno", "accountnumber", "paymentref",
    ),
    "title": ("title", "salutation"),
    "first_name": ("firstname", "firstnames", "forename", "forenames", "givenname", "givennames"),
    "surname": ("surname", "lastname", "familyname"),
    "name": ("name", "fullname", "customername", "tenantname", "applicantname"),
    "address_1": ("address1", "addressline1", "addr1", "address", "street", "houseandstreet"),
    "address_2": ("address2", "addressline2", "addr2", "locality"),
    "address_3": ("address3", "addressline3", "addr3", "district"),
    "address_4": ("address4", "addressline4", "addr4", "town", "city", "posttown"),
    "postcode": ("postcode", "postalcode", "post code", "zip"),
    "phone": (
        "phone", "telephone", "tel", "phonenumber", "telephonenumber", "homephone",
        "hometelephone", "landline", "mainphone", "telno",
    ),
    "phone_alt": (
        "mobile", "mobilephone", "mobilenumber", "mobiletel", "otherphone", "workphone",
        "altphone", "phone2", "telephone2", "alternativephone",
    ),
    "email": ("email", "emailaddress", "mail"),
    "date_of_birth": ("dateofbirth", "dob", "birthdate", "born"),
    "tenure": ("tenure", "tenuretype", "tenancytype", "status", "customertype", "type"),
    "preferred_contact": (
        "preferredcontact", "preferredcontactmethod", "contactpreference", "contactmethod",
        "contactby",
    ),
    "communication_needs": ("communicationneeds", "commsneeds", "needs", "accessibilityneeds"),
    "interpreter_language": ("interpreter", "interpreterlanguage", "spokenlanguage"),
    "bsl_signer": ("bsl", "bslsigner", "bslinterpreter"),
    "large_print": ("largeprint",),
    "audio": ("audio", "audioformat"),
    "other_language": ("writtenlanguage", "translation", "otherlanguage"),
    "induction_loop": ("inductionloop", "hearingloop", "loop"),
    "restriction": ("restriction", "accessrestriction", "contactrestriction"),
    "restriction_reason": ("restrictionreason", "restrictionwhy"),
    "restriction_review": ("restrictionreview", "restrictionreviewdate", "reviewdate"),
}  # fmt: skip
FIELDS = tuple(ALIASES)
_BOOLEAN = ("bsl_signer", "large_print", "audio", "induction_loop")
_TRUE = {"y", "yes", "true", "1", "x", "required", "needed"}
_FALSE = {"n", "no", "false", "0", "none", "not required", "-"}
_NO_LANGUAGE = {"english", "none", "no", "n", "-", "not required"}
_CONTACT_WORDS = {
    "phone": "phone", "telephone": "phone", "tel": "phone", "call": "phone", "mobile": "phone",
    "email": "email", "e-mail": "email", "mail": "letter", "letter": "letter", "post": "letter",
    "text": "text", "sms": "text", "visit": "visit", "home visit": "visit", "in person": "visit",
}  # fmt: skip
_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Customer columns the import writes, in the order changes are reported.
COLUMNS = (
    "name", "title", "address", "postcode", "phone", "phone_alt", "email", "date_of_birth",
    "tenure", "preferred_contact", "interpreter_language", "bsl_signer", "large_print", "audio",
    "other_language", "induction_loop", "restriction", "restriction_reason", "restriction_review",
)  # fmt: skip


def _key(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


@dataclass(frozen=True)
class Mapping:
    """Which column is which, and how to read the file (a mapping TOML, or recognised)."""

    columns: dict[str, str]  # field -> header in the file
    encoding: str = "auto"
    delimiter: str = ""
    dates: str = "dmy"  # dmy (31/01/1980) or mdy (01/31/1980); ISO dates are always read


def load_mapping(path: str | Path) -> Mapping:
    """A mapping file: `[columns]` field = "Header in the file"; encoding, delimiter, dates."""
    p = Path(path).expanduser()
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"the mapping file {p} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"the mapping file {p} cannot be read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"the mapping file {p} is not valid TOML: {exc}") from None
    columns = doc.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) for v in columns.values()):
        raise InputError(f"{p}: [columns] must map field names to header names, as text")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise InputError(
            f"{p}: unknown field {', '.join(unknown)} in [columns]: the fields are "
            + ", ".join(FIELDS)
        )
    dates = str(doc.get("dates", "dmy")).lower()
    if dates not in ("dmy", "mdy"):
        raise InputError(f"{p}: dates = '{dates}': give dmy (31/01/1980) or mdy (01/31/1980)")
    delimiter = str(doc.get("delimiter", ""))
    if delimiter in ("\\t", "tab"):
        delimiter = "\t"
    if len(delimiter) > 1:
        raise InputError(f'{p}: delimiter must be one character, e.g. ";"')
    return Mapping(dict(columns), str(doc.get("encoding", "auto")), delimiter, dates)


def recognise(header: Iterable[str], mapping: Mapping | None = None) -> dict[str, str]:
    """field -> header: the mapping's columns, else the first header matching an alias."""
    header = list(header)
    if mapping is not None and mapping.columns:
        missing = [h for h in mapping.columns.values() if h not in header]
        if missing:
            raise InputError(
                f"the mapping names column(s) the file does not have: {', '.join(missing)} "
                f"(the file's columns: {', '.join(header[:30])})"
            )
        return dict(mapping.columns)
    by_key: dict[str, str] = {}
    for h in header:
        by_key.setdefault(_key(h), h)
    found: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            match = by_key.get(_key(alias))
            if match is not None and match not in found.values():
                found[name] = match
                break
    if "reference" not in found:
        raise InputError(
            "no reference column: name it Reference (or Tenancy Ref, Customer No, ...), or say "
            f"which column it is in a mapping file (the file's columns: {', '.join(header[:30])})"
        )
    if "name" not in found and "surname" not in found and "first_name" not in found:
        raise InputError(
            "no name column: name it Name, or Forename and Surname, or use a mapping file"
        )
    return found


# --- one row --------------------------------------------------------------------------------


class RowError(ValueError):
    """What is wrong with one row, in words a person can fix it from."""


def _date(text: str, what: str, dates: str) -> date:
    value = text.strip()
    value = re.sub(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", value)  # a midnight time part
    value = re.sub(r"^(\d{1,2})[.\-](\d{1,2})[.\-](\d{4})$", r"\1/\2/\3", value)
    if dates == "mdy":
        value = re.sub(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", r"\2/\1/\3", value)
    try:
        return parse_day(value, what)
    except InputError as exc:
        raise RowError(str(exc)) from None


def _boolean(text: str, what: str) -> bool:
    value = text.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise RowError(f"{what} is '{text.strip()[:40]}': write yes or no")


def _phone(text: str, what: str) -> str:
    canonical = full_number(text)
    if canonical is None:
        shown = text.strip()[:40]
        raise RowError(
            f"{what} '{shown}' is not a telephone number: it must be digits (UK 0…, +44… or "
            "0044…), with no letters or extensions"
        )
    return group_uk(canonical)


def _needs(text: str, out: dict[str, Any]) -> None:
    """A free-text needs cell: "BSL; large print; interpreter (Polish)"."""
    for part in re.split(r"[;,/|]", text):
        word = part.strip().lower()
        if not word or word in _FALSE:
            continue
        if "bsl" in word or "sign" in word:
            out["bsl_signer"] = True
        elif "large" in word:
            out["large_print"] = True
        elif "audio" in word:
            out["audio"] = True
        elif "loop" in word:
            out["induction_loop"] = True
        elif "interpret" in word:
            m = re.search(r"\(([^)]+)\)|:\s*(.+)$", part)
            language = (m.group(1) or m.group(2)).strip() if m else ""
            if not language:
                raise RowError(
                    f"communication needs '{part.strip()}': name the language, "
                    "e.g. interpreter (Polish)"
                )
            out["interpreter_language"] = language
        else:
            raise RowError(
                f"communication need '{part.strip()[:40]}' is not one the desk records: "
                "use BSL, large print, audio, induction loop or interpreter (language)"
            )


def clean_row(
    cells: dict[str, str], columns: dict[str, str], dates: str = "dmy", today: date | None = None
) -> dict[str, Any]:
    """The Customer columns one row sets (only those it fills).

    RowError names every problem of the row at once, so one pass fixes it.
    """
    values = {name: " ".join((cells.get(header) or "").split()) for name, header in columns.items()}
    for name in FIELDS:
        values.setdefault(name, "")
    cell = values.__getitem__
    out: dict[str, Any] = {}
    problems: list[str] = []

    def checked(key: str, read: Callable[[], Any]) -> None:
        try:
            out[key] = read()
        except RowError as exc:
            problems.append(str(exc))

    reference = cell("reference")
    if not reference:
        problems.append("no reference: every row needs the tenancy or application number")
    elif len(reference) > 64:
        problems.append(f"the reference is {len(reference)} characters long: at most 64")
    out["reference"] = reference
    name = cell("name") or " ".join(p for p in (cell("first_name"), cell("surname")) if p)
    if not name:
        problems.append("no name: give the customer's name (or forename and surname)")
    out["name"] = name
    if cell("title"):
        out["title"] = cell("title")
    lines = [cell(f"address_{i}") for i in range(1, 5)]
    postcode = cell("postcode").upper()
    if postcode:
        compact = postcode.replace(" ", "")
        if not _POSTCODE.match(postcode) or not 5 <= len(compact) <= 7:
            problems.append(f"the postcode '{postcode[:20]}' is not a UK postcode (e.g. EH1 1YZ)")
        postcode = f"{compact[:-3]} {compact[-3:]}"
        out["postcode"] = postcode
    if any(lines):
        out["address"] = ", ".join(
            [line for line in lines if line] + ([postcode] if postcode else [])
        )
    for key, what in (("phone", "the phone number"), ("phone_alt", "the other phone number")):
        if cell(key):
            checked(key, partial(_phone, cell(key), what))
    email = cell("email")
    if email:
        if "@" not in email or not _EMAIL.match(email):
            problems.append(f"the email '{email[:60]}' is not an email address (no @ or no domain)")
        out["email"] = email
    if cell("date_of_birth"):
        checked("date_of_birth", lambda: _born(cell("date_of_birth"), dates, today))
    if cell("tenure"):
        out["tenure"] = cell("tenure").lower()
    if cell("preferred_contact"):
        checked("preferred_contact", lambda: _contact(cell("preferred_contact")))
    if cell("communication_needs"):
        try:
            _needs(cell("communication_needs"), out)
        except RowError as exc:
            problems.append(str(exc))
    for flag in _BOOLEAN:
        if cell(flag):
            checked(flag, partial(_boolean, cell(flag), flag.replace("_", " ")))
    for language in ("interpreter_language", "other_language"):
        said = cell(language)
        if said:
            if said.lower() in _TRUE:
                problems.append(f"{language.replace('_', ' ')} says '{said}': name the language")
            out[language] = "" if said.lower() in _NO_LANGUAGE else said
    if cell("restriction"):
        out["restriction"] = cell("restriction")
        out["restriction_reason"] = cell("restriction_reason") or "recorded in the housing system"
        if not cell("restriction_review"):
            problems.append("the access restriction has no review date: every restriction has one")
    if cell("restriction_review"):
        if not cell("restriction"):
            problems.append("a restriction review date without a restriction: give both or neither")
        checked(
            "restriction_review",
            lambda: _date(cell("restriction_review"), "the review date", dates),
        )
    if problems:
        raise RowError("; ".join(problems))
    return out


def _born(text: str, dates: str, today: date | None) -> date:
    born = _date(text, "the date of birth", dates)
    if born > (today or date.today()):
        raise RowError(f"the date of birth {born:%d/%m/%Y} is in the future")
    return born


def _contact(text: str) -> str:
    said = text.lower()
    word = _CONTACT_WORDS.get(said, said)
    if word not in PREFERRED_CONTACT:
        raise RowError(
            f"preferred contact '{said[:30]}' is not one the desk knows: "
            "phone, email, letter, text or visit"
        )
    return word


# --- the import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    line: int
    reference: str
    fields: tuple[str, ...]  # empty for a customer added


@dataclass
class CustomerImport:
    source: str
    format: str
    encoding: str
    delimiter: str
    columns: dict[str, str]
    dry_run: bool
    rows: int = 0
    added: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # references held but not in the export
    batches: int = 0

    @property
    def exit_status(self) -> int:
        """0 when every row was good; 1 when any row was refused (the good ones are kept)."""
        return 1 if self.bad else 0


def parse(
    table: Table, columns: dict[str, str], dates: str, today: date | None = None
) -> tuple[list[tuple[int, dict[str, Any]]], list[BadRow]]:
    """Clean rows and refused rows (duplicated references refused on every line)."""
    good: list[tuple[int, dict[str, Any]]] = []
    bad = list(table.bad)
    lines_of: dict[str, list[int]] = {}
    for line, cells in table.rows:
        try:
            row = clean_row(cells, columns, dates, today)
        except RowError as exc:
            ref = " ".join((cells.get(columns.get("reference", ""), "") or "").split())
            bad.append(BadRow(line, str(exc), ref[:64]))
            continue
        lines_of.setdefault(row["reference"].upper(), []).append(line)
        good.append((line, row))
    repeated = {ref: lines for ref, lines in lines_of.items() if len(lines) > 1}
    if repeated:
        kept = []
        for line, row in good:
            lines = repeated.get(row["reference"].upper())
            if lines is None:
                kept.append((line, row))
                continue
            others = ", ".join(str(n) for n in lines if n != line)
            bad.append(
                BadRow(
                    line,
                    f"reference {row['reference']} is also on line {others}: one customer per "
                    "reference; fix the export, then import again",
                    row["reference"],
                )
            )
        good = kept
    bad.sort(key=lambda b: b.line)
    return good, bad


def import_customers(
    desk: Desk,
    raw: bytes,
    *,
    source: str = "",
    fmt: str = "auto",
    mapping: Mapping | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> CustomerImport:
    """Read an export and upsert its customers, one transaction per batch (see module doc)."""
    actor = desk.require(*ADMINS)
    mapping = mapping or Mapping({})
    table = read_table(raw, source, fmt=fmt, encoding=mapping.encoding, delimiter=mapping.delimiter)
    columns = recognise(table.header, mapping)
    good, bad = parse(table, columns, mapping.dates, local(desk.now()).date())
    result = CustomerImport(
        source=source,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        columns=columns,
        dry_run=dry_run,
        rows=len(table.rows) + len(table.bad),
        bad=bad,
    )
    # Core inserts (for speed) write the events themselves, marked as Desk.audit marks them.
    who = actor.login.split(":", 1)[-1] if is_cli(actor) else ""
    staff_id = actor.id or None
    for start in range(0, len(good), BATCH):
        batch = good[start : start + BATCH]
        if dry_run:
            with desk.store.read() as session:
                _upsert(session.connection(), batch, result, desk.now(), staff_id, who, write=False)
        else:
            with desk.store.write_connection() as conn:
                _upsert(conn, batch, result, desk.now(), staff_id, who, write=True)
        result.batches += 1
        if progress is not None:
            progress(min(start + BATCH, len(good)), len(good))
    result.missing = _missing(
        desk,
        {row["reference"].upper() for _, row in good}
        | {b.reference.upper() for b in bad if b.reference},
    )
    return result


_CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
_EVENT = Event.__table__  # type: ignore[attr-defined]


class _Row:
    """Attribute access over a dict, for `search_text`."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _upsert(
    conn: Connection,
    batch: list[tuple[int, dict[str, Any]]],
    result: CustomerImport,
    now: datetime,
    staff_id: int | None,
    who: str,
    *,
    write: bool,
) -> None:
    refs = [row["reference"] for _, row in batch]
    wanted = list({v for r in refs for v in (r, r.upper(), r.lower())})
    held: dict[str, dict[str, Any]] = {}
    for found in conn.execute(
        select(_CUSTOMER).where(col(Customer.reference).in_(wanted))
    ).mappings():
        held[found["reference"]] = dict(found)
    additions: list[dict[str, Any]] = []
    added_lines: list[int] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    prefix = f"cli {who}: " if who else ""
    where = result.source or "a file"
    for line, row in batch:
        ref = row["reference"]
        old = held.get(ref) or held.get(ref.upper()) or held.get(ref.lower())
        if old is None:
            new = _defaults()
            new.update(row)
            new["created_at"] = new["updated_at"] = now
            new["search_text"] = search_text(_Row(new))  # type: ignore[arg-type]
            additions.append(new)
            added_lines.append(line)
            result.added.append(Change(line, ref, ()))
            continue
        if old["anonymised"]:
            result.unchanged += 1
            continue
        changes = {k: v for k, v in row.items() if k != "reference" and old.get(k) != v}
        if not changes:
            result.unchanged += 1
            continue
        merged = {**old, **changes}
        changes["search_text"] = search_text(_Row(merged))  # type: ignore[arg-type]
        changes["updated_at"] = now
        names = tuple(k for k in COLUMNS if k in changes)
        updates.append(
            {
                "_id": old["id"],
                **{f"v_{k}": v for k, v in changes.items()},
                "_keys": tuple(sorted(changes)),
            }
        )
        result.changed.append(Change(line, ref, names))
        events.append(
            {
                "at": now, "staff_id": staff_id, "action": "changed", "entity": "customer",
                "entity_id": old["id"], "customer_id": old["id"],
                "detail": f"{prefix}import from {where} line {line}: {', '.join(names)}",
            }
        )  # fmt: skip
    if not write:
        return
    if additions:
        ids = _insert_customers(conn, additions)
        for line, cid in zip(added_lines, ids, strict=True):
            events.append(
                {
                    "at": now, "staff_id": staff_id, "action": "created", "entity": "customer",
                    "entity_id": cid, "customer_id": cid,
                    "detail": f"{prefix}import from {where} line {line}",
                }
            )  # fmt: skip
    # Group updates by the set of columns they change: one executemany per shape.
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for u in updates:
        keys = u.pop("_keys")
        shapes.setdefault(keys, []).append(u)
    for keys, params in shapes.items():
        stmt = (
            update(_CUSTOMER)
            .where(_CUSTOMER.c.id == bindparam("_id"))
            .values({k: bindparam(f"v_{k}") for k in keys})
        )
        conn.execute(stmt, params)
    if events:
        conn.execute(insert(_EVENT), events)


def _defaults() -> dict[str, Any]:
    return {
        "address": "", "phone": "", "phone_alt": "", "email": "", "interpreter_language": "",
        "bsl_signer": False, "large_print": False, "audio": False, "other_language": "",
        "induction_loop": False, "preferred_contact": "", "restriction": "",
        "restriction_reason": "", "restriction_review": None, "consent_to_share": False,
        "anonymised": False, "search_text": "", "title": "", "postcode": "",
        "date_of_birth": None, "tenure": "",
    }  # fmt: skip


def _insert_customers(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in order (looked up by reference: portable and exact)."""
    conn.execute(insert(_CUSTOMER), rows)
    refs = [r["reference"] for r in rows]
    ids: dict[str, Any] = dict(
        conn.execute(
            select(col(Customer.reference), col(Customer.id)).where(
                col(Customer.reference).in_(refs)
            )
        ).all()
    )
    return [int(ids[r]) for r in refs]


def _missing(desk: Desk, seen: set[str]) -> list[str]:
    with desk.store.read() as session:
        held = session.execute(
            select(col(Customer.reference)).where(col(Customer.anonymised).is_(False))
        ).scalars()
        return sorted(r for r in held if r.upper() not in seen)
