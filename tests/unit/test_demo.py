"""`frontdesk demo`: a realistic, deterministic stretch of front-desk work."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from console.demo.build import DemoResult, fill
from console.desk.home_visits import STATUSES as VISIT_STATUSES
from console.desk.outcomes import KINDS
from console.rules.calendar import office_hours, working_calendar
from console.rules.clock import LONDON
from console.rules.deadlines import due_at
from console.rules.errors import InputError
from console.rules.pins import hash_pin, verify_pin
from console.rules.profiles import Profile
from console.store.engine import Store, open_store
from console.store.models import CHANNELS, Contact, Customer, Event, Staff, Task
from tests.conftest import MONDAY_MORNING

pytest_plugins = ["tests.pg"]  # pg_url, pg_database, any_store (one PostgreSQL server per run)

NOW = MONDAY_MORNING.astimezone(UTC)  # Monday 24 November 2025, 10:00
# What console/desk/outcomes.py stores, "abandoned" for calls nobody answered, "" for
# correspondence and visitors who left unseen (no outcome recorded), and a home visit's status
# (console/desk/home_visits.py).
OUTCOMES = {k.kind for k in KINDS} | {"abandoned", ""} | set(VISIT_STATUSES)
PIN_HASH = hash_pin("1234")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, DemoResult]:
    from console.rules.profiles import load_profile

    store = open_store(tmp_path_factory.mktemp("demo") / "fd.db")
    result = fill(store, load_profile("bha"), now=NOW, pin_hash=PIN_HASH)
    return store, result


def rows(store: Store, table: Any) -> list[Any]:
    with store.read() as session:
        return list(session.execute(select(table).order_by(col(table.id))).scalars())


def test_staff_and_customers(demo_db: tuple[Store, DemoResult]) -> None:
    store, result = demo_db
    staff = rows(store, Staff)
    assert Counter(s.role for s in staff) == {
        "handler": 4,
        "reception": 2,
        "team_lead": 1,
        "admin": 1,
    }
    assert all(s.pin_hash == PIN_HASH for s in staff)
    assert verify_pin("1234", staff[0].pin_hash)
    customers = rows(store, Customer)
    assert len(customers) == result.customers == 300
    assert len({c.reference for c in customers}) == 300
    assert sum(1 for c in customers if c.restriction) == 3
    assert all(c.restriction_reason and c.restriction_review for c in customers if c.restriction)
    assert sum(1 for c in customers if c.interpreter_language) >= 3
    assert any(c.large_print or c.bsl_signer or c.induction_loop or c.audio for c in customers)
    assert all(c.search_text and c.name.lower() in c.search_text for c in customers)
    assert all(
        c.address.split()[-2].startswith("TD") for c in customers
    )  # Scottish Borders postcodes


def test_contacts_look_like_a_front_desk(demo_db: tuple[Store, DemoResult], bha: Profile) -> None:
    store, result = demo_db
    contacts = rows(store, Contact)
    assert len(contacts) == result.total_contacts
    assert {c.channel for c in contacts} <= set(CHANNELS)
    assert {"call", "visit", "email", "letter", "voicemail"} <= {c.channel for c in contacts}
    assert {c.outcome for c in contacts} <= OUTCOMES
    assert {"callback_routine", "repair_urgent", "complaint_frontline", "transferred"} <= {
        c.outcome for c in contacts
    }
    frontline = [c for c in contacts if c.outcome == "complaint_frontline"]
    for c in frontline:  # resolved there and then: recorded on the contact, no task
        record = c.details["complaint"]
        assert record["stage"] == 0 and record["subject"] and record["frontline"]["outcome"]
    referred = [c for c in contacts if c.outcome == "referred"]
    assert referred and all(c.details["referred_to"]["team"] for c in referred)
    keys = {c.key for c in bha.categories}
    assert {c.category for c in contacts if c.category} <= keys
    cal = working_calendar(bha, "organisation")
    calls = [c for c in contacts if c.channel == "call"]
    assert result.days == 20 and result.last_day == NOW.date()
    for c in calls:
        local = c.received_at.astimezone(LONDON)
        assert c.day == local.date() and cal.is_working_day(c.day)
        opens, closes = office_hours(bha, c.day)  # type: ignore[misc]
        assert opens <= local.time() < closes
        assert c.received_at < NOW
    abandoned = [c for c in calls if c.abandoned]
    answered = [c for c in calls if not c.abandoned]
    assert 0.02 < len(abandoned) / len(calls) < 0.15
    assert all(
        c.answered_at is None and c.answer_seconds is None and c.outcome == "abandoned"
        for c in abandoned
    )
    assert all(
        c.answer_seconds == (c.answered_at - c.received_at).total_seconds() for c in answered
    )
    within = sum(1 for c in answered if c.answer_seconds <= 20) / len(answered)
    assert 0.7 < within < 0.98  # mostly within the target, with a tail
    by_hour = Counter(c.received_at.astimezone(LONDON).hour for c in calls)
    assert by_hour[10] > by_hour[15] and by_hour[10] > by_hour[16]  # the morning peak
    today = [c for c in calls if c.day == NOW.date()]
    assert today and all(c.received_at < NOW for c in today)
    visits = [c for c in contacts if c.channel == "visit"]
    assert any(c.served_at and c.second_seen_at for c in visits)
    assert any(c.left_unseen for c in visits)
    waiting = [c for c in visits if c.served_at is None and c.left_at is None]
    assert len(waiting) == 2  # the reception board has someone to show now
    full_names = {c.name for c in rows(store, Customer)}
    assert all(
        v.visitor_name and v.visitor_name not in full_names for v in visits
    )  # seen by others


def test_tasks_keep_every_kind_of_promise(demo_db: tuple[Store, DemoResult], bha: Profile) -> None:
    store, result = demo_db
    tasks = rows(store, Task)
    assert len(tasks) == result.tasks
    slugs = Counter(t.slug for t in tasks)
    for slug in (
        "callback-routine", "acknowledge", "reply-routine", "repair-emergency", "repair-urgent",
        "repair-routine", "complaint-stage1", "complaint-stage2", "subject-access", "foi",
    ):  # fmt: skip
        assert slugs[slug] > 0, slug
    for t in tasks:
        assert t.due_at == due_at(bha, t.slug, t.received_at)
        # the commitment's team, or (call backs, replies) the team of the enquiry's category
        assert t.team in {bha.commitment(t.slug).team} | {c.team for c in bha.categories}
        if t.status == "open":
            assert t.completed_at is None
        else:
            assert t.received_at <= t.completed_at <= NOW
    repairs = [t for t in tasks if t.slug.startswith("repair-")]
    assert all(t.details["priority"] == t.slug.removeprefix("repair-") for t in repairs)
    complaints = [t for t in tasks if t.slug.startswith("complaint-")]
    for t in complaints:
        assert t.details["stage"] == (2 if t.slug == "complaint-stage2" else 1)
        assert t.details["subject"] and t.details["service"]
        key = "stage2" if t.details["stage"] == 2 else "stage1"
        assert (key in t.details) == (t.status == "done")
        if t.status == "done":  # the SPSO record of the stage, as the complaints service keeps it
            record = t.details[key]
            assert record["outcome"] == t.outcome and record["closed"] and record["handler"]
            assert t.details["kind"] == "complaint" and t.note == record["actions"]
    stage2 = [t for t in complaints if t.details["stage"] == 2]
    parents = {t.id: t for t in complaints}
    assert all(t.details["escalated_from"] == t.parent_id for t in stage2)
    assert all(
        t.parent_id in parents and t.received_at > parents[t.parent_id].completed_at for t in stage2
    )
    done = [t for t in tasks if t.status == "done"]
    on_time = sum(1 for t in done if t.completed_at <= t.due_at)
    assert on_time / len(done) > 0.8 and on_time < len(done)  # mostly on time, some late
    open_ = [t for t in tasks if t.status == "open"]
    overdue = [t for t in open_ if t.due_at < NOW]
    assert overdue and len(overdue) < len(open_)
    assert (result.open_tasks, result.overdue_tasks) == (len(open_), len(overdue))
    contacts = {c.id for c in rows(store, Contact)}
    assert all(t.contact_id in contacts for t in tasks if t.contact_id is not None)


def test_an_audit_event_summarises_the_load(demo_db: tuple[Store, DemoResult]) -> None:
    store, result = demo_db
    events = [e for e in rows(store, Event) if e.action == "demo_loaded"]
    assert len(events) == 1
    assert f"{result.total_contacts} contacts" in events[0].detail
    assert events[0].staff_id is not None


def test_the_daily_summary_agrees_with_the_rows(demo_db: tuple[Store, DemoResult]) -> None:
    from console.store.summary.rebuild import check_summary

    store, _ = demo_db
    assert check_summary(store) == []


def test_refuses_a_database_with_contacts_unless_forced(
    demo_db: tuple[Store, DemoResult], bha: Profile
) -> None:
    store, _ = demo_db
    with pytest.raises(InputError, match="already holds"):
        fill(store, bha, now=NOW, pin_hash=PIN_HASH)
    # (a forced load is checked on a separate database below, to keep this one as it is)


def test_force_adds_to_a_database_and_reuses_staff(tmp_path: Path, bha: Profile) -> None:
    store = open_store(tmp_path / "fd.db")
    fill(store, bha, now=NOW, days=2, pin_hash=PIN_HASH)
    again = fill(store, bha, now=NOW, days=2, seed=2, force=True, pin_hash=PIN_HASH)
    assert again.staff == () and len(again.existing_staff) == 8
    from console.store.summary.rebuild import check_summary

    assert check_summary(store) == []  # the second load's days were refreshed, not doubled
    with store.read() as session:
        assert session.execute(select(func.count()).select_from(Staff)).scalar_one() == 8
        assert session.execute(select(func.count()).select_from(Customer)).scalar_one() == 600


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    with store.read() as session:
        for table in (Customer, Contact, Task):
            for row in session.execute(select(table).order_by(col(table.id))).scalars():
                data = row.model_dump(exclude={"search_text"})
                out.append(tuple(sorted((k, repr(v)) for k, v in data.items())))
    return out


def test_the_same_seed_gives_the_same_data(tmp_path: Path, bha: Profile) -> None:
    a, b, c = (open_store(tmp_path / f"{n}.db") for n in "abc")
    fill(a, bha, now=NOW, days=3, seed=7, pin_hash=PIN_HASH)
    fill(b, bha, now=NOW, days=3, seed=7, pin_hash=PIN_HASH)
    fill(c, bha, now=NOW, days=3, seed=8, pin_hash=PIN_HASH)
    assert snapshot(a) == snapshot(b)
    assert snapshot(a) != snapshot(c)


def test_weslo_demo_promises_only_what_weslo_promises(tmp_path: Path, weslo: Profile) -> None:
    store = open_store(tmp_path / "fd.db")
    fill(store, weslo, now=NOW, days=5, pin_hash=PIN_HASH)
    slugs = {t.slug for t in rows(store, Task)}
    assert slugs <= set(weslo.commitments)
    assert not any(s.startswith(("repair", "complaint")) for s in slugs)
    calls = [c for c in rows(store, Contact) if c.channel == "call" and not c.abandoned]
    assert sum(1 for c in calls if c.answer_seconds <= 12) / len(calls) > 0.7  # 4 rings


def test_demo_on_both_databases(any_store: Store, bha: Profile) -> None:
    result = fill(any_store, bha, now=NOW, days=2, pin_hash=PIN_HASH)
    assert result.total_contacts > 50
    with (
        any_store.write() as session
    ):  # ids handed out afterwards do not collide with the bulk load
        session.add(Contact(channel="call", received_at=NOW, day=NOW.date()))
        session.flush()
    with any_store.read() as session:
        assert (
            session.execute(select(func.count()).select_from(Contact)).scalar_one()
            == result.total_contacts + 1
        )


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    db = str(tmp_path / "fd.db")
    assert main(["--db", db, "demo", "--days", "3", "--until", "2025-11-21", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "3 working days, Wed 19 Nov 2025 to Fri 21 Nov 2025, seed 3" in out
    assert "PIN 1234" in out and "demo data" in out
    for login in ("melliot", "gturnbull", "hreid", "klauder"):
        assert login in out
    assert main(["--db", db, "demo"]) == 2
    assert "already holds" in capsys.readouterr().err
    assert main(["--db", db, "demo", "--until", "tomorrow"]) == 2
    assert main(["--db", db, "--policy", "weslo", "demo", "--days", "0"]) == 2


def test_a_stretch_ending_before_opening_ends_on_the_last_working_day(bha: Profile) -> None:
    from console.demo.build import stretch

    early = datetime(2025, 11, 24, 7, 0, tzinfo=UTC)  # Monday before opening
    days = stretch(bha, early, 3)
    assert days[-1].isoformat() == "2025-11-21" and len(days) == 3
    assert stretch(bha, early + timedelta(hours=3), 1)[-1].isoformat() == "2025-11-24"


def _shape(row: Contact | Task) -> tuple[str, frozenset[str], frozenset[str]]:
    """Which columns a row fills and which details it carries: what a screen or report reads."""
    data = row.model_dump(exclude={"id"})
    details = data.pop("details") or {}
    kind = data["channel"] if isinstance(row, Contact) else f"{data['slug']} {data['status']}"
    filled = frozenset(k for k, v in data.items() if v not in (None, "", False))
    return kind, filled, frozenset(details) | frozenset(details.get("visit", ()))


def test_demo_rows_are_the_rows_the_desk_writes(tmp_path: Path, bha: Profile) -> None:
    """A contact or task the desk services write looks like the demo's of the same kind: same
    columns filled, same details (the customer's needs, a visit's record) — one description."""
    from console.desk import calls, correspondence, home_visits, reception, tasks
    from console.desk.context import Actor, Desk
    from console.desk.customers import needs_of
    from console.desk.outcomes import Outcome
    from console.rules.clock import FrozenClock

    store = open_store(tmp_path / "fd.db")
    fill(store, bha, now=NOW, days=20, pin_hash=PIN_HASH)  # some visits already made
    before_contacts, before_tasks = rows(store, Contact), rows(store, Task)
    demo = {_shape(r) for r in before_contacts + before_tasks}
    hannah = next(s for s in rows(store, Staff) if s.login == "hreid")
    desk = Desk(
        store, bha, FrozenClock(NOW), Actor(hannah.id, hannah.name, hannah.login, hannah.role)
    )
    emailed = {c.customer_id for c in before_contacts if c.channel == "email"}
    free = [c for c in rows(store, Customer) if not c.restriction]
    customer = next(c for c in free if needs_of(c) and c.id in emailed)
    visited = {c.customer_id for c in before_contacts if c.channel == "home_visit"}
    tenant = next(c for c in free if c.id in visited)
    needs = "needs" in _shape(next(c for c in before_contacts if c.customer_id == tenant.id))[2]
    assert needs == bool(needs_of(tenant))  # a visit carries the customer's needs, as an email

    logged = correspondence.log_email(
        desk, customer.id, category="rent", subject="Rent balance", notes="Rent balance"
    )
    with store.read() as session:
        ack = session.execute(
            select(Task).where(
                col(Task.contact_id) == logged.contact_id, col(Task.slug) == "acknowledge"
            )
        ).scalar_one()
    tasks.complete(desk, ack.id, "done", "acknowledged by email")
    home_visits.book_visit(desk, tenant.id, day="2025-12-09", at="11:00", purpose="Tenancy check")
    home_visits.record_visit(
        desk,
        customer=tenant.id,
        outcome="visited",
        id_shown=True,
        record="Talked it through",
        next_steps="none",
        visited_at=NOW - timedelta(hours=1),
    )
    for outcome in (
        "callback_routine",
        "repair_urgent",
        Outcome("complaint_stage1", subject="Noise at night", service="Estate"),
    ):  # the call itself also carries what the phone system gives (ended_at, the caller)
        calls.log_call(desk, answer=5, outcome=outcome, category="rent", customer_id=tenant.id)
    kirsty = next(s for s in rows(store, Staff) if s.login == "klauder")
    at_reception = Desk(
        store, bha, FrozenClock(NOW), Actor(kirsty.id, kirsty.name, "", "reception")
    )
    reception.arrive(at_reception, "Isla")
    gone = reception.arrive(at_reception, "Jo")
    reception.left_unseen(at_reception, gone.id)
    calls.log_voicemail(
        desk,
        category="rent",
        customer_id=tenant.id,
        notes="Please ring back",
        received_at=NOW - timedelta(hours=2),
    )
    made = [
        c for c in rows(store, Contact) if c.id > before_contacts[-1].id and c.channel != "call"
    ]
    assert sum(1 for c in made if c.left_unseen) == 1
    made += [t for t in rows(store, Task) if t.id > before_tasks[-1].id or t.id == ack.id]
    assert {c.channel for c in made if isinstance(c, Contact)} == {
        "email",
        "home_visit",
        "visit",
        "voicemail",
    }
    assert {t.slug for t in made if isinstance(t, Task)} >= {"complaint-stage1", "repair-urgent"}
    for row in made:
        assert _shape(row) in demo, _shape(row)


def test_demo_records_open_in_the_desks_views(demo_db: tuple[Store, DemoResult]) -> None:
    """Every demo complaint and home visit reads back through the services' own views."""
    from console.desk import complaints, home_visits
    from console.desk.context import Actor, Desk
    from console.rules.clock import FrozenClock
    from console.rules.profiles import load_profile

    store, _ = demo_db
    morag = next(s for s in rows(store, Staff) if s.role == "team_lead")
    desk = Desk(
        store,
        load_profile("bha"),
        FrozenClock(NOW),
        Actor(morag.id, morag.name, morag.login, morag.role),
    )
    stages: Counter[tuple[str, str, tuple[str, ...]]] = Counter()
    for t in rows(store, Task):
        if t.slug.startswith("complaint-"):
            view = complaints.complaint(desk, t.id)
            assert view.subject and view.service
            stages[(t.slug, t.status, tuple(sorted(view.history)))] += 1
    assert stages  # stage 2 shows the stage 1 record it escalated from
    assert any(s == "complaint-stage2" and "stage1" in h for (s, _, h) in stages)
    visits = [c for c in rows(store, Contact) if c.channel == "home_visit"]
    statuses: Counter[str] = Counter()
    for c in visits:
        assert c.customer_id is not None
        for v in home_visits.visits_for(desk, c.customer_id):
            assert v.purpose and v.status in home_visits.STATUSES
            statuses[v.status] += 1
    assert statuses["booked"] and statuses["visited"]
