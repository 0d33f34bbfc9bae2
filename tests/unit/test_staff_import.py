"""`frontdesk import staff`: adds or updates by login; nobody gets a PIN from a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from console.cli.main import main
from console.desk import people
from console.desk.importer import import_calls
from console.desk.staff_import import import_staff
from console.rules.clock import FrozenClock
from console.rules.errors import SignInError
from console.store.engine import Store
from console.store.models import Contact, Event, Staff
from tests.conftest import first_admin

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def staff(store: Store) -> dict[str, Staff]:
    with store.read() as session:
        return {s.login: s for s in session.exec(select(Staff))}


def test_staff_list_adds_people_without_pins(store: Store, clock: FrozenClock) -> None:
    _, desk = first_admin(store, clock)
    result = import_staff(desk, (FIXTURES / "staff.csv").read_bytes(), source="staff.csv")
    assert [(s.login, s.role) for s in result.added] == [
        ("asmith", "handler"), ("bjones", "reception"), ("clee", "team_lead"),
    ]  # fmt: skip
    reasons = {b.line: b.reason for b in result.bad}
    assert "'Janitor' is not a role" in reasons[5]
    assert "login asmith is already on line 2" in reasons[6]
    got = staff(store)
    ann = got["asmith"]
    assert (ann.team, ann.extension, ann.agent, ann.pin_hash) == (
        "Customer Services", "2041", "SIP/asmith", "",
    )  # fmt: skip
    with pytest.raises(SignInError, match="no PIN yet: ask an admin"):
        people.sign_in(store, "asmith", "2468", clock)
    people.reset_pin(desk, "asmith", "2468")  # the admin, with Ann present
    assert people.sign_in(store, "asmith", "2468", clock).login == "asmith"
    with store.read() as session:
        created = session.exec(
            select(Event).where(Event.entity == "staff", Event.action == "created")
        ).all()
    assert (
        sum("import from staff.csv" in e.detail and "no PIN yet" in e.detail for e in created) == 3
    )


def test_a_second_list_updates_and_never_demotes_an_admin(store: Store, clock: FrozenClock) -> None:
    _, desk = first_admin(store, clock)
    import_staff(desk, (FIXTURES / "staff.csv").read_bytes())
    again = (
        "name,login,role,team,extension\n"
        "Ann Smith,asmith,,Repairs,2050\n"
        "Ada Admin,aadmin,handler,,\n"
        "Cara Lee,clee,team lead,Customer Services,2043\n"
    )
    result = import_staff(desk, again.encode())
    assert [(s.login, s.what) for s in result.updated] == [("asmith", "updated: team, extension")]
    assert result.unchanged == 1
    assert [b.line for b in result.bad] == [3] and "frontdesk staff role" in result.bad[0].reason
    got = staff(store)
    assert got["asmith"].role == "handler" and got["asmith"].team == "Repairs"
    assert got["aadmin"].role == "admin"


def test_dry_run_writes_nothing(store: Store, clock: FrozenClock) -> None:
    _, desk = first_admin(store, clock)
    before = store.revision()
    result = import_staff(desk, (FIXTURES / "staff.csv").read_bytes(), dry_run=True)
    assert len(result.added) == 3
    assert set(staff(store)) == {"aadmin", "hbell"} and store.revision() == before


def test_call_records_match_staff_by_their_pbx_agent_name(store: Store, clock: FrozenClock) -> None:
    _, desk = first_admin(store, clock)
    import_staff(desk, (FIXTURES / "staff.csv").read_bytes())
    plain = (
        "started_at,answered_at,ended_at,caller,agent\n"
        "2025-11-24 09:00:00,2025-11-24 09:00:10,2025-11-24 09:03:00,07700900123,SIP/asmith\n"
        "2025-11-24 09:10:00,2025-11-24 09:10:10,2025-11-24 09:13:00,07700900124,2042\n"
    )
    result = import_calls(store, plain, now=clock.now())
    assert result.staff_matched == 2
    with store.read() as session:
        ids = [c.staff_id for c in session.exec(select(Contact).order_by(Contact.id))]
    got = staff(store)
    assert ids == [got["asmith"].id, got["bjones"].id]


def test_cli_import_staff_lists_who_needs_a_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "f.db")
    assert main(["--db", db, "import", "staff", str(FIXTURES / "staff.csv")]) == 1
    out = capsys.readouterr()
    assert "added 3, updated 0" in out.out
    assert "frontdesk staff reset-pin LOGIN" in out.out and "  bjones  Bob Jones" in out.out
    assert "line 5: 'Janitor' is not a role" in out.err
    assert main(["--db", db, "import", "staff", str(FIXTURES / "staff.csv")]) == 1
    assert "added 0, updated 0, unchanged 3" in capsys.readouterr().out


def test_a_login_made_from_a_name_never_takes_over_someone_else(
    store: Store, clock: FrozenClock
) -> None:
    _, desk = first_admin(store, clock)
    import_staff(desk, (FIXTURES / "staff.csv").read_bytes())  # Ann Smith is asmith
    result = import_staff(desk, b"name,role\nAlan Smith,handler\n")
    assert [b.line for b in result.bad] == [2]
    assert "the login asmith, made from the name Alan Smith, is Ann Smith's" in result.bad[0].reason
    assert staff(store)["asmith"].name == "Ann Smith"
    again = import_staff(desk, b"name,team\nAnn Smith,Repairs\n")  # her login, from her name
    assert [s.what for s in again.updated] == ["updated: team"] and not again.bad
