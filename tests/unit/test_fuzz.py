"""Hypothesis drives every desk service with arbitrary text, dates and numbers.

Each call is either accepted or refused with a FrontDeskError (whose message a
person can act on): never another exception, and a refusal writes nothing (every
table's row count and the change revision are as they were).

Examples are kept modest (about 50 per entry point) so the suite stays fast; the
store and desk are shared by the examples of one test, as a real desk's would be.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text
from sqlmodel import select

from console.desk import context, customers, people
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON
from console.rules.errors import FrontDeskError, NotFound
from console.store.engine import Store, open_store
from console.store.models import Contact, Customer, DailySummary, Event, Staff, Task

FUZZ = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

NASTY = [
    "",
    " ",
    "\x00",
    "'; DROP TABLE customer;--",
    "Robert'); DELETE FROM event;--",
    '"quoted" \\ back\\slash',
    "[red]Bobby[/red]",
    "[link=https://example.org]click[/link]",
    "[/]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\r\n\t",
    "٣٤٥٦",
    "𝟙𝟚𝟛𝟜",
    "🏠" * 50,
    "a" * 5000,
    "%_%",
    "C000001",
    "2025-11-24",
    "24/11/2025",
    "31/02/2025",
    "99:99",
    "-1",
    "1e309",
    "nan",
    "NaN",
    "inf",
    "hreid",
    "4r",
    "12",
]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(max_size=120))
SHORT = st.one_of(st.sampled_from(NASTY[:14]), st.text(max_size=30))
NUMBER = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
)
# Ids a desk could type; beyond 64 bits see test_huge_ids_* below.
ID = st.one_of(
    st.integers(min_value=-5, max_value=50), st.integers(min_value=-(2**63), max_value=2**63 - 1)
)
AWARE = st.datetimes(timezones=st.sampled_from([UTC, LONDON]))
WHEN = st.one_of(st.none(), AWARE, st.datetimes())
DAY = st.one_of(st.dates(), TEXT)


def snapshot(store: Store) -> tuple[int, ...]:
    with store.read() as session:
        counts = tuple(
            int(session.exec(select(func.count()).select_from(model)).one())
            for model in (Staff, Customer, Contact, Task, Event, DailySummary)
        )
        revision = int(
            session.execute(text("SELECT value FROM revision WHERE id = 1")).scalar() or 0
        )
    return (*counts, revision)


def attempt(store: Store, call: Callable[[], Any]) -> bool:
    """Run one service call: True when accepted; a refusal must leave the store unchanged."""
    before = snapshot(store)
    try:
        call()
    except FrontDeskError as exc:
        assert str(exc).strip(), "a refusal must say what to fix"
        after = snapshot(store)
        assert after == before, f"refused ({exc}) but wrote: {before} -> {after}"
        return False
    return True


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    """The conftest store without the per-commit fsync: durability is not under test here."""
    from sqlalchemy import event

    s = open_store(db)

    @event.listens_for(s.engine, "connect")
    def _fast(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous = OFF")

    s.engine.dispose()  # pooled connections reconnect with the pragma
    yield s
    s.close()


@pytest.fixture
def lead_desk(desk: Desk, lead: Actor) -> Desk:
    return desk.with_actor(lead)


@pytest.fixture
def admin_desk(desk: Desk) -> Desk:
    return desk.with_actor(context.cli_actor())


@pytest.fixture
def known(desk: Desk) -> dict[str, int]:
    """A customer, a restricted one, and an open call back task to act on."""
    from console.desk import calls

    c = customers.create(desk, "Morag Stewart", phone="0141 496 0000")
    found: dict[str, int] = {"customer": c.id}
    try:
        logged = calls.log_call(
            desk, answer="12", category="rent", customer_id=c.id, outcome="callback_routine"
        )
    except FrontDeskError:  # pragma: no cover - the calls service refused a plain call back
        return found
    found["contact"] = logged.contact_id
    with desk.store.read() as session:
        task = session.exec(select(Task).where(Task.contact_id == logged.contact_id)).first()
        if task is not None and task.id is not None:
            found["task"] = task.id
    return found


def pick_id(known: dict[str, int], key: str, choice: int | None) -> int:
    return known.get(key, 1) if choice is None else choice


# --- customers -----------------------------------------------------------------------


@FUZZ
@given(name=TEXT, address=TEXT, phone=SHORT, email=SHORT, reference=SHORT)
def test_customers_create(
    desk: Desk, name: str, address: str, phone: str, email: str, reference: str
) -> None:
    attempt(
        desk.store,
        lambda: customers.create(
            desk, name, address=address, phone=phone, email=email, reference=reference
        ),
    )


@FUZZ
@given(query=TEXT, limit=st.integers(min_value=-3, max_value=100))
def test_customers_search_and_lookups(
    desk: Desk, known: dict[str, int], query: str, limit: int
) -> None:
    attempt(desk.store, lambda: customers.search(desk, query, limit=max(limit, 1)))
    attempt(desk.store, lambda: customers.by_reference(desk, query))
    attempt(desk.store, lambda: customers.open_record(desk, query))
    attempt(desk.store, lambda: customers.parse_day(query))
    attempt(desk.store, lambda: customers.parse_time(query))


@FUZZ
@given(
    name=st.one_of(st.none(), TEXT),
    address=st.one_of(st.none(), TEXT),
    phone=st.one_of(st.none(), SHORT),
    email=st.one_of(st.none(), SHORT),
    preferred=st.one_of(st.none(), SHORT),
    what=TEXT,
    why=TEXT,
    review=DAY,
    choice=st.one_of(st.none(), ID),
)
def test_customers_changes(
    desk: Desk,
    lead_desk: Desk,
    known: dict[str, int],
    name: str | None,
    address: str | None,
    phone: str | None,
    email: str | None,
    preferred: str | None,
    what: str,
    why: str,
    review: date | str,
    choice: int | None,
) -> None:
    cid = pick_id(known, "customer", choice)
    attempt(
        desk.store,
        lambda: customers.update_details(
            desk,
            cid,
            name=name,
            address=address,
            phone=phone,
            email=email,
            preferred_contact=preferred,
        ),
    )
    attempt(
        desk.store,
        lambda: customers.set_restriction(lead_desk, cid, what=what, why=why, review=review),
    )
    attempt(desk.store, lambda: customers.lift_restriction(lead_desk, cid, why=why))
    attempt(
        desk.store,
        lambda: customers.set_needs(
            desk, cid, customers.NeedsForm(interpreter_language=what, other_language=why)
        ),
    )


# --- calls ---------------------------------------------------------------------------


@FUZZ
@given(
    answer=st.one_of(st.none(), SHORT, NUMBER),
    outcome=SHORT,
    category=st.one_of(st.sampled_from(["rent", "repairs", "other"]), SHORT),
    notes=TEXT,
    choice=st.one_of(st.none(), ID),
    answered_at=WHEN,
    received_at=WHEN,
    ack=st.booleans(),
)
def test_calls_log_call(
    desk: Desk,
    known: dict[str, int],
    answer: Any,
    outcome: str,
    category: str,
    notes: str,
    choice: int | None,
    answered_at: datetime | None,
    received_at: datetime | None,
    ack: bool,
) -> None:
    calls = pytest.importorskip("console.desk.calls")
    attempt(
        desk.store,
        lambda: calls.log_call(
            desk,
            answer=answer,
            outcome=outcome,
            category=category,
            customer_id=pick_id(known, "customer", choice),
            notes=notes,
            answered_at=answered_at,
            received_at=received_at,
            restriction_acknowledged=ack,
        ),
    )
    attempt(desk.store, lambda: calls.parse_answer(desk.profile, str(answer)))


@FUZZ
@given(category=SHORT, notes=TEXT, urgent=st.booleans(), received_at=WHEN, left=SHORT)
def test_calls_log_voicemail(
    desk: Desk, category: str, notes: str, urgent: bool, received_at: datetime | None, left: str
) -> None:
    calls = pytest.importorskip("console.desk.calls")
    attempt(
        desk.store,
        lambda: calls.log_voicemail(
            desk, category=category, notes=notes, urgent=urgent, received_at=received_at
        ),
    )
    attempt(desk.store, lambda: calls.parse_left_at(desk, left))


# --- reception -----------------------------------------------------------------------


@FUZZ
@given(
    name=TEXT,
    category=st.one_of(st.none(), SHORT),
    outcome=st.one_of(st.none(), SHORT),
    notes=st.one_of(st.none(), TEXT),
    visit=st.one_of(st.none(), ID),
    step=st.sampled_from(["serve", "needs_second", "seen_by_second", "left_unseen", "record"]),
)
def test_reception(
    weslo_desk: Desk,
    name: str,
    category: str | None,
    outcome: str | None,
    notes: str | None,
    visit: int | None,
    step: str,
) -> None:
    reception = pytest.importorskip("console.desk.reception")
    desk = weslo_desk
    arrived = attempt(desk.store, lambda: reception.arrive(desk, name))
    with desk.store.read() as session:
        last = session.exec(select(func.max(Contact.id))).one()
    target = visit if visit is not None else (last or 1)
    if step == "record":
        attempt(
            desk.store,
            lambda: reception.record_visit(
                desk, target, category=category, outcome=outcome, notes=notes
            ),
        )
    else:
        attempt(desk.store, lambda: getattr(reception, step)(desk, target))
    assert arrived in (True, False)


# --- letters, emails, social media, requests, complaints, repairs, home visits -------


@FUZZ
@given(
    channel=st.sampled_from(["email", "social", "letter", "call", "x"]),
    customer=st.one_of(st.none(), ID, SHORT),
    category=st.one_of(st.sampled_from(["rent", "repairs"]), SHORT),
    urgent=st.booleans(),
    received=st.one_of(st.none(), DAY, AWARE),
    received_time=st.one_of(st.none(), SHORT),
    subject=TEXT,
    notes=TEXT,
)
def test_correspondence(
    desk: Desk,
    known: dict[str, int],
    channel: str,
    customer: int | str | None,
    category: str,
    urgent: bool,
    received: Any,
    received_time: str | None,
    subject: str,
    notes: str,
) -> None:
    correspondence = pytest.importorskip("console.desk.correspondence")
    ref = known["customer"] if customer is None else customer
    attempt(
        desk.store,
        lambda: correspondence.log_correspondence(
            desk,
            channel,
            ref,
            category=category,
            urgent=urgent,
            received=received,
            received_time=received_time,
            subject=subject,
            notes=notes,
        ),
    )
    stamped = received if isinstance(received, date | str) else date(2025, 11, 21)
    attempt(
        desk.store,
        lambda: correspondence.log_letter(
            desk, ref, stamped=stamped, category=category, notes=notes
        ),
    )


@FUZZ
@given(
    kind=st.one_of(st.sampled_from(["subject-access", "foi", "alternative-format"]), SHORT),
    channel=SHORT,
    received=st.one_of(st.none(), DAY),
    description=TEXT,
    fmt=SHORT,
    language=SHORT,
    reason=TEXT,
    told=DAY,
    choice=st.one_of(st.none(), ID),
)
def test_requests(
    desk: Desk,
    known: dict[str, int],
    kind: str,
    channel: str,
    received: Any,
    description: str,
    fmt: str,
    language: str,
    reason: str,
    told: Any,
    choice: int | None,
) -> None:
    requests = pytest.importorskip("console.desk.requests")
    attempt(
        desk.store,
        lambda: requests.log_request(
            desk,
            known["customer"],
            kind,
            channel=channel,
            received=received,
            description=description,
            fmt=fmt,
            language=language,
        ),
    )
    attempt(
        desk.store,
        lambda: requests.extend_subject_access(
            desk, pick_id(known, "task", choice), reason=reason, customer_told_on=told
        ),
    )


@FUZZ
@given(
    subject=TEXT,
    service=SHORT,
    stage=st.integers(min_value=-2, max_value=4),
    reason=TEXT,
    outcome=SHORT,
    actions=TEXT,
    received=st.one_of(st.none(), DAY),
    choice=st.one_of(st.none(), ID),
)
def test_complaints(
    desk: Desk,
    known: dict[str, int],
    subject: str,
    service: str,
    stage: int,
    reason: str,
    outcome: str,
    actions: str,
    received: Any,
    choice: int | None,
) -> None:
    complaints = pytest.importorskip("console.desk.complaints")
    attempt(
        desk.store,
        lambda: complaints.open_complaint(
            desk,
            known["customer"],
            subject=subject,
            service=service,
            stage=stage,
            reason=reason,
            received=received,
        ),
    )
    attempt(
        desk.store,
        lambda: complaints.resolve_frontline(
            desk, known["customer"], subject=subject, actions=actions, outcome=outcome
        ),
    )
    task_id = pick_id(known, "task", choice)
    attempt(desk.store, lambda: complaints.escalate(desk, task_id, reason=reason))
    attempt(
        desk.store,
        lambda: complaints.record_outcome(desk, task_id, outcome=outcome, actions=actions),
    )


@FUZZ
@given(
    priority=st.one_of(st.sampled_from(["emergency", "urgent", "routine"]), SHORT),
    description=TEXT,
    channel=SHORT,
    can_issue=st.booleans(),
    received=st.one_of(st.none(), DAY),
    location=TEXT,
)
def test_repairs(
    desk: Desk,
    known: dict[str, int],
    priority: str,
    description: str,
    channel: str,
    can_issue: bool,
    received: Any,
    location: str,
) -> None:
    repairs = pytest.importorskip("console.desk.repairs")
    attempt(
        desk.store,
        lambda: repairs.report_repair(
            desk,
            known["customer"],
            priority=priority,
            description=description,
            channel=channel,
            can_issue=can_issue,
            received=received,
            location=location,
        ),
    )


@FUZZ
@given(
    day=DAY,
    at=SHORT,
    purpose=TEXT,
    reason=TEXT,
    outcome=SHORT,
    record=TEXT,
    visited_at=WHEN,
    id_shown=st.one_of(st.none(), st.booleans()),
    choice=st.one_of(st.none(), ID),
)
def test_home_visits(
    desk: Desk,
    known: dict[str, int],
    day: Any,
    at: str,
    purpose: str,
    reason: str,
    outcome: str,
    record: str,
    visited_at: datetime | None,
    id_shown: bool | None,
    choice: int | None,
) -> None:
    home_visits = pytest.importorskip("console.desk.home_visits")
    attempt(
        desk.store,
        lambda: home_visits.book_visit(
            desk, known["customer"], day=day, at=at, purpose=purpose, short_notice_reason=reason
        ),
    )
    attempt(
        desk.store,
        lambda: home_visits.record_visit(
            desk,
            choice,
            customer=known["customer"] if choice is None else None,
            outcome=outcome,
            id_shown=id_shown,
            record=record,
            next_steps=reason,
            visited_at=visited_at,
            purpose=purpose,
        ),
    )
    attempt(desk.store, lambda: home_visits.cancel_visit(desk, choice or 1, reason=reason))


# --- tasks and the queue -------------------------------------------------------------


@FUZZ
@given(
    action=st.sampled_from(
        ["claim", "assign", "complete", "cancel", "extend", "escalate", "progress"]
    ),
    choice=st.one_of(st.none(), ID),
    words=TEXT,
    to=st.one_of(st.none(), ID, SHORT),
    told=WHEN,
)
def test_task_actions(
    desk: Desk,
    lead_desk: Desk,
    known: dict[str, int],
    action: str,
    choice: int | None,
    words: str,
    to: int | str | None,
    told: datetime | None,
) -> None:
    from console.desk import tasks

    task_id = pick_id(known, "task", choice)
    calls: dict[str, Callable[[], Any]] = {
        "claim": lambda: tasks.claim(desk, task_id),
        "assign": lambda: tasks.assign(lead_desk, task_id, to),
        "complete": lambda: tasks.complete(desk, task_id, words[:30], words),
        "cancel": lambda: tasks.cancel(desk, task_id, words),
        "extend": lambda: tasks.extend(desk, task_id, words, customer_told_at=told),
        "escalate": lambda: tasks.escalate(desk, task_id, words),
        "progress": lambda: tasks.log_progress_update(desk, task_id, words),
    }
    attempt(desk.store, calls[action])


@FUZZ
@given(typed=TEXT, choice=ID, at=WHEN)
def test_queue_reads(
    desk: Desk, known: dict[str, int], typed: str, choice: int, at: datetime | None
) -> None:
    queue = pytest.importorskip("console.desk.queue")
    attempt(desk.store, lambda: queue.parse_as_at(typed, desk.now()))
    attempt(desk.store, lambda: queue.find(desk, choice, at=at))
    attempt(desk.store, lambda: queue.counts(desk, at=at))


# --- people, audit, export, retention ------------------------------------------------


@FUZZ
@given(login=st.one_of(st.sampled_from(["hreid", "aadmin", "HREID "]), SHORT), pin=SHORT)
def test_sign_in(store: Store, clock: Any, handler: Actor, login: str, pin: str) -> None:
    # A refused sign-in may write (the failed-try count and its audit event): only the
    # error type is checked here; the lock-out itself is tested in test_people.py.
    with contextlib.suppress(FrontDeskError):
        people.sign_in(store, login, pin, clock)


@FUZZ
@given(
    name=TEXT,
    login=SHORT,
    role=st.one_of(st.sampled_from(["handler", "team lead", "admin"]), SHORT),
    pin=st.one_of(st.sampled_from(["2580", "73914", "0000"]), SHORT),
    team=SHORT,
    target=st.one_of(ID, SHORT),
)
def test_staff_admin(
    admin_desk: Desk,
    handler: Actor,
    name: str,
    login: str,
    role: str,
    pin: str,
    team: str,
    target: int | str,
) -> None:
    store = admin_desk.store
    attempt(store, lambda: people.add_staff(admin_desk, name, login, role, pin, team=team))
    attempt(store, lambda: people.change_role(admin_desk, target, role))
    attempt(store, lambda: people.reset_pin(admin_desk, target, pin))
    attempt(store, lambda: people.deactivate(admin_desk, target))
    attempt(store, lambda: people.reactivate(admin_desk, target))
    attempt(store, lambda: people.create_first_admin(store, name, login, pin))


@FUZZ
@given(ref=st.one_of(ID, TEXT), limit=st.integers(), since=WHEN)
def test_audit_reads(
    lead_desk: Desk, known: dict[str, int], ref: int | str, limit: int, since: datetime | None
) -> None:
    from console.desk import audit

    attempt(lead_desk.store, lambda: audit.for_customer(lead_desk, ref, limit=limit))
    attempt(lead_desk.store, lambda: audit.for_staff(lead_desk, ref, limit=limit))
    attempt(lead_desk.store, lambda: audit.recent(lead_desk, limit=limit, since=since))


@FUZZ
@given(ref=st.one_of(ID, TEXT))
def test_export(lead_desk: Desk, known: dict[str, int], tmp_path: Path, ref: int | str) -> None:
    from console.desk.export import export_customer

    out = tmp_path / "exports"
    out.mkdir(exist_ok=True)
    attempt(lead_desk.store, lambda: export_customer(lead_desk, ref, out))


@FUZZ
@given(years=st.one_of(NUMBER, SHORT, st.none(), st.booleans()))
def test_purge_periods(admin_desk: Desk, known: dict[str, int], years: Any) -> None:
    from console.desk import purge

    attempt(admin_desk.store, lambda: purge.plan(admin_desk, years))


def test_fuzzing_covers_something(desk: Desk) -> None:
    """The harness itself: a refusal that writes is caught."""

    def writes_then_refuses() -> None:
        with desk.store.write() as session:
            session.add(Customer(reference="X1", name="x"))
        raise FrontDeskError("refused after writing")

    with pytest.raises(AssertionError, match="but wrote"):
        attempt(desk.store, writes_then_refuses)
    assert attempt(desk.store, lambda: customers.search(desk, "x")) is True


# --- ids beyond what the database can hold -------------------------------------------

HUGE = [2**63, -(2**63) - 1, 10**30]


@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_are_refused_cleanly_by_people_audit_export(
    admin_desk: Desk, lead_desk: Desk, tmp_path: Path, huge: int
) -> None:
    from console.desk import audit
    from console.desk.export import export_customer

    for call in (
        lambda: people.deactivate(admin_desk, huge),
        lambda: people.reset_pin(admin_desk, huge, "2580"),
        lambda: audit.for_staff(lead_desk, huge),
        lambda: audit.for_customer(lead_desk, huge),
        lambda: export_customer(lead_desk, huge, tmp_path),
    ):
        assert attempt(admin_desk.store, call) is False


@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_are_refused_cleanly_by_customers_reception_home_visits(
    desk: Desk, weslo_desk: Desk, known: dict[str, int], huge: int
) -> None:
    """Refused with NotFound (or InputError for a negative one), never OverflowError."""
    from console.desk import calls, home_visits, reception

    visit = reception.arrive(weslo_desk, "Jo")
    for call in (
        lambda: customers.get(desk, huge),
        lambda: customers.record(desk, huge),
        lambda: customers.open_record(desk, huge),
        lambda: customers.update_details(desk, huge, name="x"),
        lambda: home_visits.visits_for(desk, huge),
        lambda: reception.get_visit(weslo_desk, huge),
        lambda: reception.serve(weslo_desk, huge),
        lambda: reception.needs_second(weslo_desk, huge),
        lambda: reception.seen_by_second(weslo_desk, huge),
        lambda: reception.left_unseen(weslo_desk, huge),
        lambda: reception.record_visit(weslo_desk, huge, notes="x"),
        lambda: reception.record_visit(weslo_desk, visit.id, customer_id=huge),
    ):
        assert attempt(desk.store, call) is False
        if huge > 0:
            with pytest.raises(NotFound):
                call()
    # the calls service checks its ids itself (InputError: "a positive whole number")
    assert not attempt(
        desk.store,
        lambda: calls.log_call(
            desk, answer="12", category="rent", customer_id=huge, outcome="resolved"
        ),
    )


@pytest.mark.parametrize("huge", HUGE)
def test_huge_ids_are_refused_cleanly_by_tasks_and_queue(
    desk: Desk, lead_desk: Desk, known: dict[str, int], huge: int
) -> None:
    """Every task action, the staff lookup in assign and the queue's id filters."""
    from console.desk import queue, tasks

    task_id = known["task"]
    for call in (
        lambda: tasks.get(desk, huge),
        lambda: tasks.claim(desk, huge),
        lambda: tasks.assign(lead_desk, huge, None),
        lambda: tasks.assign(lead_desk, task_id, huge),
        lambda: tasks.complete(desk, huge, "done", "Phoned"),
        lambda: tasks.cancel(lead_desk, huge, "duplicate"),
        lambda: tasks.extension_preview(desk, huge),
        lambda: tasks.extend(desk, huge, "more time"),
        lambda: tasks.escalate(desk, huge),
        lambda: tasks.log_progress_update(desk, huge, "told them"),
        lambda: queue.find(desk, huge),
        lambda: queue.page(desk, queue.QueueFilter(customer_id=huge)),
        lambda: queue.page(desk, queue.QueueFilter(assignee_id=huge)),
        lambda: queue.counts(desk, assignee_id=huge),
    ):
        assert attempt(desk.store, call) is False
    assert tasks.get(desk, task_id).status == "open"
