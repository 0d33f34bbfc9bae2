"""Desks writing at once, on SQLite and PostgreSQL: claims race, customers are created together,
calls are logged, and afterwards nothing was claimed twice, nothing failed, nothing was lost and the
daily summary equals a recount.

Each writer is a thread with its own store (its own connections), calling the desk services a
seat calls: `tasks.claim`, `customers.create`, `calls.log_call`, `reception.serve`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from console.desk import calls, customers, reception, tasks
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.errors import FrontDeskError, InputError, PermissionDenied
from console.rules.profiles import load_profile
from console.store.engine import Store, open_store
from console.store.models import Contact, Customer, Task
from console.store.summary.rebuild import check_summary
from tests.conftest import MONDAY_MORNING, add_staff

pytest_plugins = ["tests.pg"]
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "frontdesk.db")
    else:
        yield request.getfixturevalue("pg_database")


@dataclass
class Tally:
    claims: list[int] = field(default_factory=list)
    refused: int = 0
    customers: list[str] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    served: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_desks(
    db: str, actors: list[Actor], work: Callable[[Desk, Tally, int], None]
) -> list[Tally]:
    """Each actor at their own desk (own store), started together; every failure recorded."""
    profile = load_profile("bha")
    clock = FrozenClock(MONDAY_MORNING)
    stores = [open_store(db) for _ in actors]
    tallies = [Tally() for _ in actors]
    start = threading.Barrier(len(actors))

    def desk_main(i: int) -> None:
        desk = Desk(stores[i], profile, clock, actors[i])
        start.wait()
        try:
            work(desk, tallies[i], i)
        except Exception as exc:  # a crash is a failure the test must see
            tallies[i].errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=desk_main, args=(i,)) for i in range(len(actors))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    for s in stores:
        s.close()
    assert not any(t.is_alive() for t in threads)
    return tallies


def make_staff(store: Store, n: int, role: str = "handler") -> list[Actor]:
    return [add_staff(store, f"Desk {i} Person", f"desk{i}", role) for i in range(n)]


def open_tasks(store: Store, actor: Actor, n: int) -> list[int]:
    """n open call-back tasks, from n logged calls."""
    desk = Desk(store, load_profile("bha"), FrozenClock(MONDAY_MORNING), actor)
    for _ in range(n):
        calls.log_call(desk, answer="5", category="rent", outcome="callback_routine")
    with store.read() as session:
        return sorted(
            int(i)
            for i in session.execute(
                select(col(Task.id)).where(col(Task.status) == "open")
            ).scalars()
        )


@pytest.mark.parametrize("writers", [4, 8])
def test_claims_racing_on_the_same_tasks(db_url: str, writers: int) -> None:
    store = open_store(db_url)
    actors = make_staff(store, writers)
    task_ids = open_tasks(store, actors[0], 30)
    store.close()
    turn = threading.Barrier(writers)

    def work(desk: Desk, tally: Tally, _i: int) -> None:
        for task_id in task_ids:
            turn.wait()  # every desk presses "claim" on the same task at once
            try:
                tasks.claim(desk, task_id)
                tally.claims.append(task_id)
            except (PermissionDenied, InputError):
                tally.refused += 1  # "Desk n already has task #..": the right answer
            except FrontDeskError as exc:
                tally.errors.append(str(exc))

    tallies = run_desks(db_url, actors, work)
    assert [e for t in tallies for e in t.errors] == []
    claimed = sorted(tid for t in tallies for tid in t.claims)
    assert claimed == task_ids  # each task claimed exactly once: 0 double claims
    assert sum(t.refused for t in tallies) == len(task_ids) * (writers - 1)
    store = open_store(db_url)
    try:
        with store.read() as session:
            owners = dict(
                session.execute(
                    select(col(Task.id), col(Task.assignee_id)).where(col(Task.id).in_(task_ids))
                ).all()
            )
        winners = {tid: actors[i].id for i, t in enumerate(tallies) for tid in t.claims}
        assert owners == winners
        assert check_summary(store) == []
    finally:
        store.close()


@pytest.mark.parametrize("writers", [4, 8])
def test_desks_creating_customers_logging_and_serving_at_once(db_url: str, writers: int) -> None:
    store = open_store(db_url)
    actors = make_staff(store, writers, role="team_lead")
    store.close()
    rounds = 12

    def work(desk: Desk, tally: Tally, i: int) -> None:
        for n in range(rounds):
            try:
                made = customers.create(desk, f"Tenant {i}-{n}", address=f"{n} High Street")
                tally.customers.append(made.reference)
                outcome = "callback_routine" if n % 3 == 0 else "resolved"
                logged = calls.log_call(
                    desk,
                    answer=str(n % 40),
                    category="rent",
                    customer_id=made.id,
                    outcome=outcome,
                )
                tally.contacts.append(logged.contact_id)
                visit = reception.arrive(desk, f"V{i}{n}")
                reception.serve(desk, visit.id)
                tally.served.append(visit.id)
                tally.contacts.append(visit.id)
                open_ids = tasks_open(desk)
                if open_ids:
                    try:
                        tasks.claim(desk, open_ids[(i + n) % len(open_ids)])
                    except (PermissionDenied, InputError):
                        tally.refused += 1
            except FrontDeskError as exc:
                tally.errors.append(str(exc))

    tallies = run_desks(db_url, actors, work)
    assert [e for t in tallies for e in t.errors] == []  # 0 failed creates, 0 locked
    refs = [r for t in tallies for r in t.customers]
    assert len(refs) == writers * rounds
    assert len(set(refs)) == len(refs)  # no reference given twice
    store = open_store(db_url)
    try:
        with store.read() as session:
            saved_refs = set(session.execute(select(col(Customer.reference))).scalars())
            contact_ids = set(session.execute(select(col(Contact.id))).scalars())
            served = set(
                session.execute(
                    select(col(Contact.id)).where(col(Contact.served_at).is_not(None))
                ).scalars()
            )
            task_count = session.execute(select(func.count()).select_from(Task)).scalar()
        assert saved_refs == set(refs)
        reported = {c for t in tallies for c in t.contacts}
        assert contact_ids == reported  # 0 lost writes, none invented
        assert {c for t in tallies for c in t.served} <= served
        assert task_count == writers * len(range(0, rounds, 3))
        assert check_summary(store) == []  # 0 summary differences
    finally:
        store.close()


def tasks_open(desk: Desk) -> list[int]:
    with desk.store.read() as session:
        rows: Any = session.execute(
            select(col(Task.id)).where(col(Task.status) == "open", col(Task.assignee_id).is_(None))
        ).scalars()
        return [int(r) for r in rows]
