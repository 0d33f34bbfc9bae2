"""The database's own landlord, one open_desk(), and `--db`/`--policy` after any command."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli.main import main
from console.desk.landlord import recorded
from console.desk.open import open_desk
from console.rules.errors import InputError, LandlordError, PermissionDenied
from console.store.engine import open_store

pytest_plugins = ["tests.pg"]  # any_store: SQLite and PostgreSQL


def _landlord(db: str) -> str | None:
    store = open_store(db)
    try:
        found = recorded(store)
        return found.key if found else None
    finally:
        store.close()


def test_a_new_database_records_the_profile_it_is_first_opened_with(tmp_path: Path) -> None:
    db = str(tmp_path / "weslo.db")
    desk = open_desk(db, "weslo")
    desk.store.close()
    assert _landlord(db) == "weslo"
    again = open_desk(db)  # no --policy: the recorded landlord, not the default
    try:
        assert again.profile.key == "weslo"
    finally:
        again.store.close()


def test_no_policy_on_a_new_database_records_the_default(tmp_path: Path) -> None:
    db = str(tmp_path / "fd.db")
    open_desk(db).store.close()
    assert _landlord(db) == "bha"


def test_another_landlords_policy_is_refused_with_how_to_change_it(tmp_path: Path) -> None:
    db = str(tmp_path / "bha.db")
    open_desk(db, "bha").store.close()
    with pytest.raises(LandlordError) as refused:
        open_desk(db, "weslo")
    message = str(refused.value)
    assert "'bha'" in message and "'weslo'" in message
    assert "landlord set weslo --confirm" in message
    assert "\n" not in message
    open_desk(db, "bha").store.close()  # the same landlord by name is fine


def test_a_read_only_desk_records_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "wall.db")
    open_store(db).close()
    desk = open_desk(db, "weslo", writable=False)
    desk.store.close()
    assert desk.profile.key == "weslo"
    assert _landlord(db) is None


def test_a_landlords_own_file_is_recorded_by_its_path(tmp_path: Path) -> None:
    from console.rules.profiles import POLICY_DIR

    own = tmp_path / "mine.toml"
    own.write_text((POLICY_DIR / "weslo.toml").read_text(encoding="utf-8"), encoding="utf-8")
    db = str(tmp_path / "own.db")
    open_desk(db, str(own)).store.close()
    desk = open_desk(db)
    desk.store.close()
    assert desk.profile.key == "weslo"
    own.unlink()
    with pytest.raises(LandlordError, match="cannot be loaded"):
        open_desk(db)


def test_cli_queue_uses_the_recorded_landlord_and_refuses_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "weslo.db")
    assert main(["--db", db, "--policy", "weslo", "queue"]) == 0
    assert "(Weslo" in capsys.readouterr().out
    assert main(["--db", db, "queue"]) == 0
    assert "(Weslo" in capsys.readouterr().out
    assert main(["--db", db, "--policy", "bha", "report"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "frontdesk --db DATABASE landlord set bha --confirm" in err


def test_landlord_set_needs_confirm_and_is_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import select

    from console.store.models import Event

    db = str(tmp_path / "fd.db")
    assert main(["--db", db, "landlord"]) == 0
    assert "no landlord yet" in capsys.readouterr().out
    assert main(["--db", db, "queue"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "landlord"]) == 0
    assert capsys.readouterr().out.startswith("bha: Berwickshire")
    assert main(["--db", db, "landlord", "set", "weslo"]) == 2
    assert "--confirm" in capsys.readouterr().err
    assert _landlord(db) == "bha"
    assert main(["landlord", "set", "weslo", "--confirm", "--db", db]) == 0
    assert "now weslo" in capsys.readouterr().out
    assert _landlord(db) == "weslo"
    assert main(["--db", db, "--policy", "weslo", "queue"]) == 0
    store = open_store(db)
    try:
        with store.read() as session:
            events = session.exec(select(Event).where(Event.entity == "landlord")).all()
    finally:
        store.close()
    assert len(events) == 1
    assert events[0].staff_id is None
    assert events[0].detail.startswith("cli ") and "bha -> weslo" in events[0].detail


def test_only_an_admin_changes_the_landlord(tmp_path: Path) -> None:
    from console.desk.context import Desk
    from console.desk.landlord import set_landlord
    from console.rules.profiles import load_profile
    from tests.conftest import add_staff

    store = open_store(tmp_path / "fd.db")
    try:
        handler = add_staff(store, "Hana Reid", "hreid", "handler")
        with pytest.raises(PermissionDenied):
            set_landlord(Desk(store, load_profile("bha"), actor=handler), "weslo", confirm=True)
        with pytest.raises(InputError):
            admin = add_staff(store, "Ann Admin", "aadmin", "admin")
            set_landlord(Desk(store, load_profile("bha"), actor=admin), "weslo", confirm=False)
        assert recorded(store) is None
    finally:
        store.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["staff", "list", "--db", "{db}"],
        ["staff", "--db", "{db}", "list"],
        ["--db", "{db}", "staff", "list"],
        ["staff", "list", "--db", "{db}", "--policy", "weslo"],
        ["landlord", "show", "--db", "{db}"],
        ["queue", "--db", "{db}"],
    ],
)
def test_db_and_policy_go_after_any_command(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "fd.db")
    assert main(["--db", db, "--policy", "weslo", "migrate"]) == 0
    assert main([a.format(db=db) for a in argv]) == 0
    assert "error" not in capsys.readouterr().err
    assert Path(db).exists() and not (Path.cwd() / "frontdesk.db").exists()


def test_export_takes_db_after_the_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "fd.db")
    open_desk(db).store.close()
    out = tmp_path / "out"
    out.mkdir()
    code = main(["export", "customer", "C999999", "--out", str(out), "--db", db])
    err = capsys.readouterr().err
    assert code == 2 and "C999999" in err  # reached the database: the customer is not there
    assert "unrecognized" not in err


def test_run_with_another_landlords_policy_stops_before_the_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "weslo.db")
    open_desk(db, "weslo").store.close()
    assert main(["--db", db, "--policy", "bha", "run"]) == 2  # no terminal UI was started
    err = capsys.readouterr().err
    assert err.startswith("frontdesk run: this database belongs to 'weslo'")
    assert main(["--db", db, "run", "--policy", "nowhere"]) == 2
    assert "no such policy profile" in capsys.readouterr().err


def test_the_landlord_is_recorded_on_both_databases(any_store) -> None:  # type: ignore[no-untyped-def]
    from console.desk.landlord import profile_for

    assert recorded(any_store) is None
    assert profile_for(any_store, "weslo").key == "weslo"
    assert profile_for(any_store, None).key == "weslo"
    with pytest.raises(LandlordError):
        profile_for(any_store, "bha")
    assert recorded(any_store) is not None and recorded(any_store).key == "weslo"  # type: ignore[union-attr]


def test_frontdesk_policy_in_the_environment_counts_as_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "fd.db")
    monkeypatch.setenv("FRONTDESK_POLICY", "weslo")
    assert main(["--db", db, "queue"]) == 0
    assert _landlord(db) == "weslo"
    monkeypatch.setenv("FRONTDESK_POLICY", "bha")
    assert main(["--db", db, "queue"]) == 2
    assert "belongs to 'weslo'" in capsys.readouterr().err
    monkeypatch.delenv("FRONTDESK_POLICY")
    assert main(["--db", db, "queue"]) == 0
