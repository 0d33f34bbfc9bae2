"""Leaving the desk is audited; the idle lock's setting is read and checked."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from console.cli.run import LOCK_ENV, lock_minutes
from console.desk import audit, people
from console.desk.context import Desk
from console.rules.clock import FrozenClock
from console.rules.errors import InputError
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Event
from tests.conftest import first_admin


def test_each_way_of_leaving_is_its_own_audit_line(
    store: Store, clock: FrozenClock, bha: Profile
) -> None:
    ada, _desk = first_admin(store, clock)
    desk = Desk(store, bha, clock, ada)
    people.sign_out(desk)
    people.sign_out(desk, "desk_locked")
    people.sign_out(desk, "idle", minutes=10)
    people.sign_out(desk.with_actor(None))  # nobody signed in: nothing to record
    with store.read() as session:
        rows = session.exec(
            select(Event).where(col(Event.action).in_(["signed_out", "desk_locked"]))
        ).all()
    assert [(e.action, e.staff_id, e.detail, e.at) for e in rows] == [
        ("signed_out", ada.id, "signed out", clock.now()),
        ("desk_locked", ada.id, "locked the desk", clock.now()),
        ("desk_locked", ada.id, "desk locked after 10 minutes idle", clock.now()),
    ]
    assert audit.ACTION_WORDS["desk_locked"] == "desk locked"
    with pytest.raises(InputError):
        people.sign_out(desk, "walked off")


def test_lock_minutes_from_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LOCK_ENV, raising=False)
    assert lock_minutes(None, 10) == 10
    assert lock_minutes("2.5", 10) == 2.5
    assert lock_minutes("0", 10) == 0
    monkeypatch.setenv(LOCK_ENV, "3")
    assert lock_minutes(None, 10) == 3
    assert lock_minutes("7", 10) == 7  # the option wins
    for bad in ("abc", "-1", "nan", "inf", "1441"):
        with pytest.raises(InputError, match="from 0 \\(never lock\\) to 1440"):
            lock_minutes(bad, 10)
    monkeypatch.setenv(LOCK_ENV, "soon")
    with pytest.raises(InputError, match=LOCK_ENV):
        lock_minutes(None, 10)
