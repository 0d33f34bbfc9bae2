"""Subject access export: everything held on one customer, as JSON and CSV.

`export_customer(desk, REF, out_dir)` writes a new folder
``subject-access-<REF>-<YYYYMMDD-HHMMSS>`` inside `out_dir` holding:

- ``export.json``: one document with the customer, contacts, tasks and audit events;
- ``customer.csv``, ``contacts.csv``, ``tasks.csv``, ``events.csv``: the same rows as tables;
- ``README.txt``: what each file is.

The folder and files are readable by their owner only (0700/0600): they hold
personal data. JSON holds every value literally. In the CSV files a text cell
that starts with = + - @ (which a spreadsheet would run as a formula) gets a
leading apostrophe. Team leads and admins only; the export is audited
("exported") in the same transaction that reads the data, and the folder only
appears (renamed from a hidden partial folder) once that event is committed.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlmodel import SQLModel, col, or_, select

from console.desk.context import Desk
from console.rules.errors import InputError
from console.rules.roles import LEADS
from console.store.models import Contact, Customer, Event, Staff, Task

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    files: tuple[Path, ...]
    customer_reference: str
    contacts: int
    tasks: int
    events: int


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _row(obj: SQLModel, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {name: _plain(getattr(obj, name)) for name in type(obj).model_fields}
    data.pop("search_text", None)  # derived from the other fields
    data.pop("pin_hash", None)
    if extra:
        data.update(extra)
    return data


def csv_cell(value: Any) -> str:
    """A value as a CSV cell: JSON for structures, and formulas defused."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text
    return text


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(row.get(c)) for c in columns])
    os.chmod(path, 0o600)


def _columns(model: type[SQLModel], rows: list[dict[str, Any]]) -> list[str]:
    columns = [c for c in model.model_fields if c not in ("search_text", "pin_hash")]
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    return columns


README = """Subject access export from Front Desk
Customer: {reference}    Exported: {at}    By: {by}

export.json   everything below in one JSON document (values exactly as stored)
customer.csv  the customer record: contact details, communication needs, restriction, consent
contacts.csv  every call, voicemail, visit, letter, email, social media message and home visit
tasks.csv     every promise made to the customer (call backs, replies, repairs, complaints...)
events.csv    the audit trail: who created, changed, opened or exported the customer's records

Times are UTC (ISO 8601). In the CSV files a text value starting with = + - or @ has a
leading apostrophe so that a spreadsheet shows it as text; export.json has it as stored.
This folder holds personal data: keep it safe and delete it once the request is answered.
"""


def _out_folder(out_dir: str | os.PathLike[str]) -> Path:
    text = str(out_dir)
    if not text.strip() or "\x00" in text:
        raise InputError("the export folder is empty: give a folder, e.g. --out ~/exports")
    folder = Path(text).expanduser()
    if not folder.exists():
        raise InputError(f"the folder {folder} does not exist: create it, or choose another")
    if not folder.is_dir():
        raise InputError(f"{folder} is a file, not a folder: choose a folder for the export")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"the folder {folder} is not writable: choose another")
    return folder.resolve()


def _safe(text: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)
    return keep.strip("-")[:40] or "customer"


def export_customer(
    desk: Desk, customer: int | str, out_dir: str | os.PathLike[str] = "."
) -> ExportResult:
    """Write everything held on one customer into a new folder in `out_dir` (leads, admins)."""
    from console.desk.customers import resolve

    actor = desk.require(*LEADS)
    folder = _out_folder(out_dir)
    now = desk.now()
    stamp = now.strftime("%Y%m%d-%H%M%S")
    partial: Path | None = None
    final: Path | None = None
    try:
        with desk.store.write() as session:
            c = resolve(session, customer)
            assert c.id is not None
            names = {s.id: s.name for s in session.exec(select(Staff))}
            contacts = list(
                session.exec(
                    select(Contact)
                    .where(Contact.customer_id == c.id)
                    .order_by(col(Contact.received_at), col(Contact.id))
                )
            )
            contact_ids = [ct.id for ct in contacts]
            task_filter = col(Task.customer_id) == c.id
            if contact_ids:
                task_filter = or_(task_filter, col(Task.contact_id).in_(contact_ids))
            tasks = list(
                session.exec(
                    select(Task).where(task_filter).order_by(col(Task.received_at), col(Task.id))
                )
            )
            events = list(
                session.exec(
                    select(Event)
                    .where(
                        or_(
                            col(Event.customer_id) == c.id,
                            (col(Event.entity) == "customer") & (col(Event.entity_id) == c.id),
                        )
                    )
                    .order_by(col(Event.at), col(Event.id))
                )
            )

            def staff_name(staff_id: int | None) -> str:
                return names.get(staff_id, "") if staff_id is not None else ""

            customer_row = _row(c)
            contact_rows = [_row(ct, {"staff_name": staff_name(ct.staff_id)}) for ct in contacts]
            task_rows = [_row(t, {"assignee_name": staff_name(t.assignee_id)}) for t in tasks]
            event_rows = [_row(e, {"staff_name": staff_name(e.staff_id)}) for e in events]
            document = {
                "export": {
                    "kind": "subject access",
                    "exported_at": now.isoformat(),
                    "exported_by": actor.name,
                    "organisation": desk.profile.name,
                },
                "customer": customer_row,
                "contacts": contact_rows,
                "tasks": task_rows,
                "events": event_rows,
            }
            name = f"subject-access-{_safe(c.reference)}-{stamp}"
            final = folder / name
            n = 1
            while final.exists():
                n += 1
                final = folder / f"{name}-{n}"
            partial = folder / f".{final.name}.partial"
            if partial.exists():
                shutil.rmtree(partial)
            partial.mkdir(mode=0o700)
            json_path = partial / "export.json"
            with open(json_path, "w", encoding="utf-8") as fh:
                json.dump(document, fh, ensure_ascii=False, indent=2)
                fh.write("\n")
            os.chmod(json_path, 0o600)
            _write_csv(partial / "customer.csv", [customer_row], _columns(Customer, [customer_row]))
            _write_csv(partial / "contacts.csv", contact_rows, _columns(Contact, contact_rows))
            _write_csv(partial / "tasks.csv", task_rows, _columns(Task, task_rows))
            _write_csv(partial / "events.csv", event_rows, _columns(Event, event_rows))
            readme = partial / "README.txt"
            readme.write_text(
                README.format(reference=c.reference, at=now.isoformat(), by=actor.name),
                encoding="utf-8",
            )
            os.chmod(readme, 0o600)
            desk.audit(
                session,
                "exported",
                "customer",
                c.id,
                customer_id=c.id,
                detail=(
                    f"subject access: {len(contacts)} contacts, {len(tasks)} tasks, "
                    f"{len(events)} events to {final}"
                ),
            )
            reference = c.reference
        os.replace(partial, final)
        partial = None
    except OSError as exc:
        raise InputError(f"cannot write the export into {folder}: {exc.strerror or exc}") from None
    finally:
        if partial is not None and partial.exists():
            shutil.rmtree(partial, ignore_errors=True)
    files = tuple(sorted(final.iterdir()))
    return ExportResult(
        folder=final,
        files=files,
        customer_reference=reference,
        contacts=len(contacts),
        tasks=len(tasks),
        events=len(events),
    )
