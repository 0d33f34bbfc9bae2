"""issue 14: one rule for every person's name, and a queue printed without raw control codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.cli.main import main
from console.desk import calls, context, customers, people, reception
from console.desk.context import Desk
from console.rules.errors import InputError
from console.rules.names import printable
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Customer
from tests.conftest import MONDAY_MORNING, add_staff

BAD = {
    "ESC": "Morag \x1b[2J\x1b]0;owned\x07 Stewart",
    "NUL": "Morag\x00 Stewart",
    "long": "M" * 100_000,
}


@pytest.mark.parametrize("case", list(BAD))
def test_every_persons_name_follows_one_rule(desk: Desk, case: str) -> None:
    name = BAD[case]
    words = "control characters" if case != "long" else "keep it under 100"
    with pytest.raises(InputError, match=words):
        customers.create(desk, name)
    made = customers.create(desk, "Morag Stewart")
    with pytest.raises(InputError, match=words):
        customers.update_details(desk, made.id, name=name)
    admin = desk.with_actor(context.cli_actor())
    with pytest.raises(InputError, match=words):
        people.add_staff(admin, name, "mstewart", "handler", "2580")
    weslo = Desk(desk.store, load_profile("weslo"), desk.clock, desk.actor)
    with pytest.raises(InputError):
        reception.arrive(weslo, name)


def test_printable_shows_control_codes() -> None:
    assert printable("Morag Stewart") == "Morag Stewart"
    assert printable("Mo\x1b[2Jrag\x00") == "Mo\\x1b[2Jrag\\x00"


def test_queue_cli_never_prints_a_raw_escape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "fd.db"
    store = open_store(db)
    from console.rules.clock import FrozenClock

    actor = add_staff(store, "Hannah Reid", "hreid", "handler")
    desk = Desk(store, load_profile("bha"), FrozenClock(MONDAY_MORNING), actor)
    made = customers.create(desk, "Placeholder")
    with store.write() as session:  # as an import from before the rule may have left it
        row = session.get(Customer, made.id)
        assert row is not None
        row.name = "Evil\x1b[2J\x1b]0;title\x07"
        session.add(row)
    calls.log_call(
        desk, answer="5", category="rent", customer_id=made.id, outcome="callback_routine"
    )
    store.close()
    assert main(["--db", str(db), "queue", "--at", "2025-11-24 10:30"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "Evil\\x1b[2J" in out
