"""Subject access export: everything on one customer as JSON and CSV, audited."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from console.desk import customers
from console.desk.context import Actor, Desk
from console.desk.export import csv_cell, export_customer
from console.desk.tasks import open_task
from console.rules.clock import FrozenClock, local
from console.rules.errors import InputError, NotFound, PermissionDenied
from console.store.models import Contact, Event

NASTY = "Bobby'); DROP TABLE customer;--\x1b[31m [red]x[/red]"


def add_contact(desk: Desk, customer_id: int | None, notes: str, **fields: Any) -> int:
    now = desk.now()
    with desk.store.write() as session:
        ct = Contact(
            channel="call",
            customer_id=customer_id,
            staff_id=desk.actor.id if desk.actor else None,
            received_at=now,
            day=local(now).date(),
            notes=notes,
            created_at=now,
            **fields,
        )
        session.add(ct)
        session.flush()
        assert ct.id is not None
        if customer_id is not None:
            open_task(
                desk,
                session,
                "callback-routine",
                received_at=now,
                customer_id=customer_id,
                contact_id=ct.id,
                details={"number": "07700 900123"},
            )
        return ct.id


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


@pytest.fixture
def lead_desk(desk: Desk, lead: Actor) -> Desk:
    return desk.with_actor(lead)


def test_export_writes_everything_held(
    desk: Desk, lead_desk: Desk, out: Path, clock: FrozenClock
) -> None:
    c = customers.create(desk, "Morag Stewart", phone="+44 141 496 0000", email="m@example.org")
    other = customers.create(desk, "Someone Else")
    add_contact(desk, c.id, NASTY)
    add_contact(desk, other.id, "not Morag's")
    clock.advance(minutes=3)
    result = export_customer(lead_desk, c.reference, out)

    assert result.folder.parent == out
    assert result.folder.name == f"subject-access-{c.reference}-20251124-100300"
    names = sorted(p.name for p in result.files)
    assert names == [
        "README.txt",
        "contacts.csv",
        "customer.csv",
        "events.csv",
        "export.json",
        "tasks.csv",
    ]
    assert (result.contacts, result.tasks) == (1, 1)
    assert stat.S_IMODE(result.folder.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in result.files)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no partial folder left

    doc = json.loads((result.folder / "export.json").read_text(encoding="utf-8"))
    assert doc["customer"]["name"] == "Morag Stewart"
    assert doc["customer"]["email"] == "m@example.org"
    assert "search_text" not in doc["customer"]
    assert [ct["notes"] for ct in doc["contacts"]] == [NASTY]  # literal, not Morag's neighbour's
    assert doc["contacts"][0]["staff_name"] == "Hannah Reid"
    assert doc["tasks"][0]["slug"] == "callback-routine"
    assert doc["tasks"][0]["details"] == {"number": "07700 900123"}
    assert {e["action"] for e in doc["events"]} == {"created"}
    assert doc["export"]["exported_by"] == "Leah Murray"

    with open(result.folder / "contacts.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["notes"] for r in rows] == [NASTY]
    with open(result.folder / "customer.csv", newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert row["phone"] == "'+44 141 496 0000"  # a spreadsheet would read +44... as a formula
    assert row["reference"] == c.reference

    # The export is audited, naming who, when and where.
    with desk.store.read() as session:
        ev = session.exec(select(Event).where(Event.action == "exported")).one()
    assert (ev.staff_id, ev.customer_id, ev.at) == (lead_desk.actor.id, c.id, clock.now())  # type: ignore[union-attr]
    assert str(result.folder) in ev.detail and "1 contacts" in ev.detail


def test_two_exports_in_one_second_get_two_folders(desk: Desk, lead_desk: Desk, out: Path) -> None:
    c = customers.create(desk, "Morag Stewart")
    first = export_customer(lead_desk, c.id, out)
    second = export_customer(lead_desk, c.id, out)
    assert first.folder != second.folder and second.folder.name.endswith("-2")
    doc = json.loads((second.folder / "export.json").read_text(encoding="utf-8"))
    assert [e["action"] for e in doc["events"]] == ["created", "exported"]


def test_handlers_cannot_export(desk: Desk, out: Path) -> None:
    c = customers.create(desk, "Morag Stewart")
    with pytest.raises(PermissionDenied):
        export_customer(desk, c.reference, out)
    assert list(out.iterdir()) == []


def test_export_refusals_leave_nothing(desk: Desk, lead_desk: Desk, out: Path) -> None:
    c = customers.create(desk, "Morag Stewart")
    with pytest.raises(NotFound):
        export_customer(lead_desk, "C999999", out)
    with pytest.raises(InputError, match="does not exist"):
        export_customer(lead_desk, c.id, out / "missing")
    a_file = out / "file.txt"
    a_file.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        export_customer(lead_desk, c.id, a_file)
    with pytest.raises(InputError, match="empty"):
        export_customer(lead_desk, c.id, "  ")
    assert [p.name for p in out.iterdir()] == ["file.txt"]
    with desk.store.read() as session:
        assert session.exec(select(Event).where(Event.action == "exported")).first() is None


def test_csv_cells() -> None:
    assert csv_cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)"
    assert csv_cell("plain") == "plain"
    assert csv_cell(-3) == "-3"  # numbers are numbers
    assert csv_cell(None) == ""
    assert csv_cell(True) == "yes"
    assert csv_cell({"b": 1, "a": "é"}) == '{"a": "é", "b": 1}'


def test_export_time_is_in_the_folder_name(
    desk: Desk, lead_desk: Desk, out: Path, clock: FrozenClock
) -> None:
    c = customers.create(desk, "Morag Stewart")
    clock.advance(days=1, hours=2)
    result = export_customer(lead_desk, c.id, out)
    stamp = (clock.now()).strftime("%Y%m%d-%H%M%S")
    assert result.folder.name.endswith(stamp)


def test_cli_export(desk: Desk, out: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    c = customers.create(desk, "Morag Stewart")
    db = desk.store.url.removeprefix("sqlite:///")
    assert main(["--db", db, "export", "customer", c.reference, "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"exported {c.reference}: 0 contacts, 0 tasks, 1 audit events"
    folder = Path(lines[1])
    assert folder.parent == out and (folder / "export.json").exists()
    with desk.store.read() as session:
        ev = session.exec(select(Event).where(Event.action == "exported")).one()
    assert ev.staff_id is None and ev.detail.startswith("cli ")
    assert main(["--db", db, "export", "customer", "NOPE", "--out", str(out)]) == 2
    assert "no customer with reference 'NOPE'" in capsys.readouterr().err
