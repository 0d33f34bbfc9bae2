"""Smaller faults found on the way (issue 13 §7), each with the test that it stays fixed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from console.desk import customers
from console.desk.context import Desk
from console.rules.errors import InputError
from console.store.models import Customer
from tests.conftest import add_staff

# --- customers' phone numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "abc not a phone",
        "0131 555 O123",  # a letter O for a zero
        "٠١٣١٥٥٥٠١٢٣",  # Arabic-Indic digits
        "۰۱۳۱۵۵۵۰۱۲۳",  # Extended Arabic-Indic (Persian) digits
        "０１３１５５５０１２３",  # full-width digits
        "0131",  # too short for a national number
    ],
)
def test_a_phone_number_that_is_not_one_is_refused(desk: Desk, typed: str) -> None:
    with pytest.raises(InputError, match="not a phone number: type the digits 0-9"):
        customers.create(desk, "Morag Brown", phone=typed)
    with desk.store.read() as session:
        assert session.exec(select(Customer)).all() == []
    made = customers.create(desk, "Morag Brown", phone="01361 882000")
    with pytest.raises(InputError, match="not a phone number"):
        customers.update_details(desk, made.id, phone=typed)
    with pytest.raises(InputError, match="the other number"):
        customers.update_details(desk, made.id, phone_alt=typed)
    assert customers.update_details(desk, made.id, phone_alt="").phone == "01361 882000"


@pytest.mark.parametrize("typed", ["01361 882000", "+44 (0)1361 882-000", "07700900123", ""])
def test_phone_numbers_as_people_type_them_are_kept_as_typed(desk: Desk, typed: str) -> None:
    made = customers.create(desk, "Morag Brown", phone=f"  {typed} ")
    assert made.phone == typed


# --- importing calls: an unknown agent, a date in the future -------------------------------

CALLS = """started_at,answered_at,ended_at,caller,agent
2025-11-24 09:00:00,2025-11-24 09:00:15,2025-11-24 09:05:00,07700 900123,cdouglas
2025-11-24 09:10:00,2025-11-24 09:10:05,2025-11-24 09:12:00,07700 900124,nobody
2030-11-24 09:20:00,2030-11-24 09:20:05,2030-11-24 09:25:00,07700 900125,cdouglas
2025-11-24 09:30:00,,2025-11-24 09:31:00,07700 900126,
"""


def test_a_plain_call_with_an_unknown_agent_or_a_future_date_is_reported(
    desk: Desk, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from console.cli.main import main
    from console.desk.importer import import_calls
    from console.store.models import Contact
    from tests.conftest import add_staff

    add_staff(desk.store, "Clare Douglas", "cdouglas", "handler")
    result = import_calls(desk.store, CALLS, now=datetime(2025, 11, 24, 12, 0, tzinfo=UTC))
    assert result.imported == 3
    assert [(b.line, "in the future" in b.reason) for b in result.bad] == [(4, True)]
    assert [u.line for u in result.unknown_agents] == [3]
    assert "'nobody' is no staff login" in result.unknown_agents[0].reason
    with desk.store.read() as session:
        rows = session.exec(select(Contact).order_by(Contact.received_at)).all()
    assert [r.received_at.year for r in rows] == [2025, 2025, 2025]
    assert rows[1].staff_id is None

    file = tmp_path / "calls.csv"
    file.write_text(CALLS.replace("09:", "08:"))  # other rows, so not duplicates
    db = desk.store.url.removeprefix("sqlite:///")
    assert main(["--db", db, "import", "calls", str(file)]) == 1
    out = capsys.readouterr()
    assert "bad rows 1 (line 4)" in out.out
    assert "1 call with an agent who is no staff login" in out.out
    assert "line 3: agent 'nobody'" in out.err
    assert "line 4: the start time 2030-11-24 08:20 is in the future" in out.err


# --- progress updates: the system's work, and none born overdue in the demo ----------------


def test_progress_updates_opened_from_someones_queue_are_the_systems(desk: Desk, clock) -> None:
    from datetime import datetime

    from console.desk import queue
    from console.desk.audit import recent
    from console.desk.tasks import open_task
    from console.rules.clock import LONDON
    from console.store.models import Event, Task

    cid = customers.create(desk, "Mary Smith").id
    with desk.store.write() as session:  # due Tue 25 Nov 10:00
        received = datetime(2025, 11, 24, 10, 0, tzinfo=LONDON)
        tid = open_task(desk, session, "callback-urgent", received_at=received, customer_id=cid).id
    clock.set(datetime(2025, 11, 25, 10, 30, tzinfo=LONDON))
    assert desk.actor is not None and desk.actor.role == "handler"
    assert queue.ensure_progress_updates(desk) == 1  # Hannah's queue opened it
    with desk.store.read() as session:
        child = session.exec(select(Task).where(Task.parent_id == tid)).one()
        event = session.exec(
            select(Event).where(Event.entity == "task", Event.entity_id == child.id)
        ).one()
    assert child.created_by_id is None
    assert event.action == "created" and event.staff_id is None
    lead = desk.with_actor(add_staff(desk.store, "Leah Murray", "lmurray", "team_lead"))
    entries = [e for e in recent(lead, limit=50) if e.entity_id == child.id]
    assert [e.who for e in entries] == ["system"]


@pytest.mark.parametrize("policy", ["bha", "weslo"])
def test_the_demo_opens_no_update_that_is_overdue_when_made(tmp_path, policy: str) -> None:
    from datetime import UTC, datetime

    from console.demo.build import fill
    from console.desk import queue
    from console.desk.context import Desk
    from console.rules.clock import FrozenClock
    from console.rules.pins import hash_pin
    from console.rules.profiles import load_profile
    from console.store.engine import open_store
    from console.store.models import Task

    now = datetime(2025, 11, 24, 10, 0, tzinfo=UTC)
    profile = load_profile(policy)
    store = open_store(tmp_path / "fd.db")
    try:
        result = fill(store, profile, now=now, days=45, pin_hash=hash_pin("1234"))
        slug = profile.slug_for("progress_update") or profile.slug_for("overdue_contact")
        with store.read() as session:
            made = [
                t
                for t in session.exec(select(Task).where(Task.slug == slug)).all()
                if t.details and t.details.get("auto")
            ]
            parents = {t.id: t for t in session.exec(select(Task)).all()}
        assert result.overdue_tasks > 0 and made
        assert all(t.created_by_id is None for t in made)
        open_ = [t for t in made if t.status == "open"]
        assert open_ and all(t.due_at > now for t in open_)
        assert all(t.completed_at <= t.due_at for t in made if t.status == "done")
        for t in made:  # each made when its parent's deadline (or the last update) passed
            assert t.received_at >= parents[t.parent_id].due_at
        desk = Desk(store, profile, FrozenClock(now))
        assert queue.ensure_progress_updates(desk) == 0  # nothing left owed at the end
    finally:
        store.close()


# --- reports: plain words, private files, no formulas --------------------------------------


def _report_with_a_formula_for_a_name(store, bha, clock):  # type: ignore[no-untyped-def]
    from console.desk import calls
    from console.desk.context import Desk
    from console.reports import build_report
    from tests.conftest import add_staff

    evil = add_staff(store, '=HYPERLINK("http://x.example","Hi")', "evil", "handler")
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead")
    handler = Desk(store, bha, clock, evil)
    calls.log_call(handler, answer="12", outcome="callback_urgent", category="rent")
    calls.log_call(handler, answer="40", outcome="resolved", category="rent")
    return build_report(Desk(store, bha, clock, lead), by="handler")


def test_report_files_are_private_and_formula_safe(store, bha, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv
    import stat

    from console.reports import as_csv, write_csv_files

    report = _report_with_a_formula_for_a_name(store, bha, clock)
    folder = tmp_path / "new" / "figures"
    (folder.parent).mkdir()
    stale = folder.parent / "old.csv"
    paths = write_csv_files(report, folder)
    assert paths and not stale.exists()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    (folder / "telephone.csv").chmod(0o644)  # left readable by an older version
    write_csv_files(report, folder)
    assert stat.S_IMODE((folder / "telephone.csv").stat().st_mode) == 0o600
    cells = [
        cell
        for path in paths
        for row in csv.reader(path.read_text(encoding="utf-8").splitlines())
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x.example","Hi")' in cells
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert "'=HYPERLINK" in as_csv(report)


def test_reports_say_commitments_in_words_not_slugs(store, bha, clock) -> None:  # type: ignore[no-untyped-def]
    from console.reports import as_text

    text = as_text(_report_with_a_formula_for_a_name(store, bha, clock))
    for slug in ("answer-call", "reception-serve", "callback-urgent", "complaint-stage1"):
        assert slug not in text
    assert "answer calls to the freephone line" in text
    assert "urgent call back" in text


# --- task titles that repeat their kind ----------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "title", "shown"),
    [
        ("callback-urgent", "Urgent call back: Leaking tap", "urgent call back: Leaking tap"),
        ("callback-routine", "Routine call back: rent query", "call back: rent query"),
        ("callback-urgent", "Urgent call back", "urgent call back"),
        ("callback-urgent", "", "urgent call back"),
        ("callback-routine", "Call backs are late again", "call back: Call backs are late again"),
        (
            "progress-update",
            "progress update: Urgent call back: Leaking tap",
            "progress update: Urgent call back: Leaking tap",
        ),
        ("complaint-stage1", "stage 1 complaint: noisy works", "stage 1 complaint: noisy works"),
    ],
)
def test_a_task_headline_says_its_kind_once(slug: str, title: str, shown: str) -> None:
    from console.desk.queue import headline
    from console.rules.profiles import load_profile

    assert headline(load_profile("bha"), slug, title) == shown


def test_a_logged_call_back_reads_once_in_the_queue(desk: Desk) -> None:
    from console.desk import calls, queue

    logged = calls.log_call(
        desk, answer="5", outcome="callback_urgent", category="repairs", notes="Leaking tap"
    )
    (promise,) = logged.promises
    (row,) = [r for r in queue.rows(desk, queue.QueueFilter()) if r.id == promise.task_id]
    assert row.task.title == "Urgent call back: Leaking tap"
    assert queue.headline(desk.profile, row.task.slug, row.task.title) == (
        "urgent call back: Leaking tap"
    )


def test_a_title_that_is_the_promise_is_not_cut_to_half_a_phrase() -> None:
    from console.desk.queue import headline
    from console.rules.profiles import load_profile

    bha = load_profile("bha")
    assert headline(bha, "repair-emergency", "Emergency repair attended") == "emergency repair"
    assert headline(bha, "repair-emergency", "Emergency repair attended: burst pipe") == (
        "emergency repair: burst pipe"
    )


# --- a PIN of the wrong length is a slip, not a guess --------------------------------------


@pytest.mark.parametrize("slip", ["12", "123", "123456789", "12a4", "١٢٣٤", " 1234"])
def test_a_pin_no_pin_can_be_uses_up_no_try(store, clock, slip: str) -> None:  # type: ignore[no-untyped-def]
    from console.desk import people
    from console.rules.errors import SignInError
    from console.store.models import Event, Staff
    from tests.conftest import first_admin

    first_admin(store, clock)  # adds Hamish Bell, PIN 2580
    for _ in range(people.MAX_TRIES + 2):
        with pytest.raises(SignInError, match="did not count as a wrong PIN"):
            people.sign_in(store, "hbell", slip, clock)
    with store.read() as session:
        row = session.exec(select(Staff).where(Staff.login == "hbell")).one()
        failed = session.exec(select(Event).where(Event.action == "sign_in_failed")).all()
    assert row.failed_attempts == 0 and row.locked_until is None and failed == []
    with pytest.raises(SignInError, match="4 tries left"):
        people.sign_in(store, "hbell", "9999", clock)  # a real wrong PIN still counts
    assert people.sign_in(store, "hbell", "2580", clock).login == "hbell"


# --- filters in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "slugs", "words"),
    [
        ("callback-urgent", ["callback-urgent"], "urgent call back"),
        ("callback", ["callback-urgent", "callback-routine"], "urgent call back or call back"),
        ("call back", ["callback-urgent", "callback-routine"], "urgent call back or call back"),
        ("Urgent  call back", ["callback-urgent"], "urgent call back"),
        ("repair", ["repair-emergency", "repair-urgent", "repair-routine"], "repair"),
        ("stage 2 complaint", ["complaint-stage2"], "stage 2 complaint"),
        ("subject access", ["subject-access", "subject-access-extended"], None),
    ],
)
def test_the_kind_filter_takes_and_shows_words(
    typed: str, slugs: list[str], words: str | None
) -> None:
    from console.desk.queue import kind_names, kind_slugs, kind_words
    from console.rules.profiles import load_profile

    bha = load_profile("bha")
    assert sorted(kind_slugs(bha, typed)) == sorted(slugs)
    shown = kind_words(bha, typed)
    assert "-" not in shown
    if words is not None:
        assert shown == words
    assert "urgent call back" in kind_names(bha)
    assert not any("-" in n for n in kind_names(bha))
    with pytest.raises(InputError, match="try one of urgent call back, call back"):
        kind_slugs(bha, "cal")  # part of a word is not a kind
