"""Retention: anonymise old contacts, closed tasks and quiet customers; keep the counts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import func, select

from console.desk import context, customers, purge
from console.desk.context import Actor, Desk
from console.desk.tasks import open_task
from console.rules.clock import LONDON, FrozenClock, local
from console.rules.errors import InputError, PermissionDenied
from console.store.models import Contact, Customer, Event, Task

OLD = datetime(2018, 3, 14, 11, 30, tzinfo=LONDON)  # more than six years before 24 Nov 2025
RECENT = datetime(2025, 6, 2, 9, 0, tzinfo=LONDON)


@pytest.fixture
def admin_desk(desk: Desk) -> Desk:
    return desk.with_actor(context.cli_actor())


def make_customer(desk: Desk, clock: FrozenClock, at: datetime, name: str, **kw: str) -> int:
    real = clock.now()
    clock.set(at)
    try:
        return customers.create(desk, name, **kw).id
    finally:
        clock.set(real)


def make_contact(
    desk: Desk, at: datetime, customer_id: int | None, *, task: str | None = None, **fields: Any
) -> tuple[int, int | None]:
    with desk.store.write() as session:
        ct = Contact(
            channel=str(fields.pop("channel", "call")),
            customer_id=customer_id,
            staff_id=desk.actor.id if desk.actor and desk.actor.id else None,
            received_at=at,
            day=local(at).date(),
            created_at=at,
            **fields,
        )
        session.add(ct)
        session.flush()
        task_id = None
        if task is not None:
            t = open_task(
                desk,
                session,
                "callback-routine",
                received_at=at,
                customer_id=customer_id,
                contact_id=ct.id,
                title="Call back Morag on 07700 900123",
                details={"number": "07700 900123", "priority": "urgent", "count": 2},
            )
            t.note = "she was upset about the damp"
            t.outcome = "resolved" if task != "open" else ""
            t.status = task
            t.completed_at = at if task != "open" else None
            session.add(t)
            task_id = t.id
        assert ct.id is not None
        return ct.id, task_id


@pytest.fixture
def history(desk: Desk, clock: FrozenClock) -> dict[str, int]:
    """An old quiet customer, an old customer who rang this year, and a recent one."""
    quiet = make_customer(desk, clock, OLD, "Morag Stewart", phone="07700 900123", email="m@x.org")
    active = make_customer(desk, clock, OLD, "Iain Ross", phone="07700 900456")
    new = make_customer(desk, clock, RECENT, "Ailsa Grant")
    old_call, old_done = make_contact(
        desk,
        OLD,
        quiet,
        task="done",
        notes="Morag rang about damp, 07700 900123",
        visitor_name="Morag",
        outcome="call back promised to Morag",
        category="repairs",
        details={"caller": "07700 900123", "answered_within": True, "ring_seconds": 12},
    )
    old_open_call, old_open_task = make_contact(desk, OLD, active, task="open", notes="still open")
    recent_call, _ = make_contact(desk, RECENT, active, notes="Iain rang in June")
    anon_call, _ = make_contact(desk, OLD, None, notes="anonymous caller", channel="voicemail")
    return {
        "quiet": quiet,
        "active": active,
        "new": new,
        "old_call": old_call,
        "old_done": old_done or 0,
        "old_open_call": old_open_call,
        "old_open_task": old_open_task or 0,
        "recent_call": recent_call,
        "anon_call": anon_call,
    }


def counts(desk: Desk) -> tuple[int, int, int, dict[date, int]]:
    with desk.store.read() as session:
        per_day: dict[date, int] = dict(
            session.exec(select(Contact.day, func.count()).group_by(Contact.day)).all()  # type: ignore[call-overload]
        )
        return (
            int(session.exec(select(func.count()).select_from(Contact)).one()),
            int(session.exec(select(func.count()).select_from(Task)).one()),
            int(session.exec(select(func.count()).select_from(Customer)).one()),
            per_day,
        )


def test_plan_is_a_dry_run(admin_desk: Desk, history: dict[str, int]) -> None:
    before = counts(admin_desk)
    revision = admin_desk.store.revision()
    p = purge.plan(admin_desk, 6)
    assert (p.contacts, p.tasks, p.customers, p.done) == (2, 1, 1, False)
    assert p.cutoff == date(2019, 11, 24)
    assert p.summary() == (
        "Would anonymise, for records older than 6 years (before 24 November 2019): "
        "2 contacts, 1 closed tasks, 1 customers"
    )
    assert admin_desk.store.revision() == revision
    assert counts(admin_desk) == before
    assert purge.plan(admin_desk, 6, customers=False).customers == 0


def test_purge_blanks_personal_data_and_keeps_counts(
    admin_desk: Desk, history: dict[str, int]
) -> None:
    before = counts(admin_desk)
    done = purge.purge(admin_desk, 6)
    assert (done.contacts, done.tasks, done.customers, done.done) == (2, 1, 1, True)
    assert counts(admin_desk) == before  # every row is still there, on its day

    with admin_desk.store.read() as session:
        ct = session.get(Contact, history["old_call"])
        assert ct is not None and ct.anonymised
        assert (ct.notes, ct.visitor_name, ct.outcome) == ("", "", "")
        assert ct.category == "repairs"  # a code: reports count by it
        assert ct.details == {"caller": "", "answered_within": True, "ring_seconds": 12}
        assert ct.channel == "call" and ct.day == date(2018, 3, 14)

        t = session.get(Task, history["old_done"])
        assert t is not None and t.anonymised
        assert (t.title, t.note, t.outcome, t.status) == ("", "", "resolved", "done")
        assert t.details == {"number": "", "priority": "urgent", "count": 2}

        c = session.get(Customer, history["quiet"])
        assert c is not None and c.anonymised
        assert c.name == "Anonymised customer" and c.reference == f"ANON-{c.id:06d}"
        assert (c.phone, c.email, c.search_text) == ("", "", "")

        # Kept: an open task's contact, recent work, a customer who rang this year.
        kept_contact = session.get(Contact, history["old_open_call"])
        assert kept_contact is not None and kept_contact.notes == "still open"
        kept_task = session.get(Task, history["old_open_task"])
        assert kept_task is not None and kept_task.note == "she was upset about the damp"
        assert session.get(Contact, history["recent_call"]).notes == "Iain rang in June"  # type: ignore[union-attr]
        assert session.get(Customer, history["active"]).name == "Iain Ross"  # type: ignore[union-attr]
        assert session.get(Customer, history["new"]).name == "Ailsa Grant"  # type: ignore[union-attr]
        assert session.get(Contact, history["anon_call"]).notes == ""  # type: ignore[union-attr]

        events = list(session.exec(select(Event).where(Event.action.in_(["anonymised", "purged"]))))  # type: ignore[attr-defined]
    assert [e.entity for e in events] == ["contact", "task", "customer", "retention"]
    assert all(e.staff_id is None and e.detail.startswith("cli ") for e in events)
    assert "Anonymised, for records older than 6 years" in events[-1].detail

    # Out of search; and a second run has nothing left to do.
    assert customers.search(admin_desk, "Morag") == []
    assert purge.plan(admin_desk, 6).total == 0


def test_contacts_only(admin_desk: Desk, history: dict[str, int]) -> None:
    done = purge.purge(admin_desk, 6, customers=False)
    assert done.customers == 0
    with admin_desk.store.read() as session:
        assert session.get(Customer, history["quiet"]).name == "Morag Stewart"  # type: ignore[union-attr]


def test_only_admins_purge(desk: Desk, lead: Actor, history: dict[str, int]) -> None:
    for d in (desk, desk.with_actor(lead), desk.with_actor(None)):
        with pytest.raises(PermissionDenied):
            purge.plan(d, 6)
        with pytest.raises(PermissionDenied):
            purge.purge(d, 6)


@pytest.mark.parametrize("years", [0, -1, 101, 2.5, "six", "", None, True, float("nan")])
def test_bad_periods_are_refused(admin_desk: Desk, history: dict[str, int], years: object) -> None:
    before = counts(admin_desk)
    with pytest.raises(InputError):
        purge.purge(admin_desk, years)  # type: ignore[arg-type]
    assert counts(admin_desk) == before


def test_cutoff_on_29_february() -> None:
    cut, start = purge.cutoff_for(datetime(2028, 2, 29, 12, 0, tzinfo=LONDON), 1)
    assert cut == date(2027, 2, 28)
    assert start == datetime(2027, 2, 28, 0, 0, tzinfo=LONDON)
    summer_cut, summer_start = purge.cutoff_for(datetime(2025, 7, 1, 0, 30, tzinfo=LONDON), 6)
    assert summer_cut == date(2019, 7, 1) and summer_start.hour == 23  # BST midnight in UTC


def test_scrub() -> None:
    assert purge.scrub("upheld") == "upheld"
    assert purge.scrub("repair-urgent") == "repair-urgent"
    assert purge.scrub("2024-01-02T10:00:00+00:00") == "2024-01-02T10:00:00+00:00"
    for personal in ("Morag", "07700 900123", "+447700900123", "m@x.org", "flat 2/1", "a b"):
        assert purge.scrub(personal) == ""
    assert purge.scrub({"a": ["x y", 3, {"b": "ok"}]}) == {"a": ["", 3, {"b": "ok"}]}


def cli(desk: Desk, *argv: str) -> int:
    from console.cli.main import main

    return main(["--db", desk.store.url.removeprefix("sqlite:///"), "purge", *argv])


def test_cli_purge_asks_first(
    admin_desk: Desk,
    history: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    # No terminal and no --yes: show the plan, change nothing.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(admin_desk, "--older-than", "6") == 1
    captured = capsys.readouterr()
    assert captured.out.startswith("Would anonymise") and "--yes" in captured.err
    assert purge.plan(admin_desk, 6).total == 4
    # At a terminal, "no" changes nothing.
    monkeypatch.setattr("sys.stdin", Tty("no\n"))
    assert cli(admin_desk, "--older-than", "6") == 1
    assert "nothing was changed" in capsys.readouterr().out
    assert purge.plan(admin_desk, 6).total == 4
    # "yes" does it.
    monkeypatch.setattr("sys.stdin", Tty("yes\n"))
    assert cli(admin_desk, "--older-than", "6") == 0
    assert "Anonymised, for records older than 6 years" in capsys.readouterr().out
    assert purge.plan(admin_desk, 6).total == 0
    assert cli(admin_desk, "--older-than", "6", "--yes") == 0
    assert "nothing to do" in capsys.readouterr().out


def test_cli_purge_yes_and_contacts_only(
    admin_desk: Desk, history: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(admin_desk, "--older-than", "6", "--yes", "--contacts-only") == 0
    assert "2 contacts, 1 closed tasks, 0 customers" in capsys.readouterr().out
    assert purge.plan(admin_desk, 6).customers == 1
    assert cli(admin_desk, "--older-than", "0", "--yes") == 2
    assert "1 to 100 years" in capsys.readouterr().err


def test_no_free_text_left_in_the_audit_trail(
    admin_desk: Desk, desk: Desk, lead: Actor, clock: FrozenClock
) -> None:
    """issue 14: purge blanked a task's note but the event kept the same text, with its
    customer link. The trail is append-only, so the text never goes into it."""
    from console.desk import tasks

    secret = "Jo Smith, 4 Tweed Road, 07700 900123"
    when = datetime(2018, 3, 14, 10, 0, tzinfo=LONDON)
    cid = make_customer(desk, clock, when, "Jo Smith", address="4 Tweed Road")
    real = clock.now()
    clock.set(when)
    try:
        with desk.store.write() as session:
            a = open_task(desk, session, "callback-routine", received_at=when, customer_id=cid)
            b = open_task(desk, session, "callback-routine", received_at=when, customer_id=cid)
            ids = (a.id, b.id)
        assert ids[0] is not None and ids[1] is not None
        tasks.cancel(desk.with_actor(lead), ids[0], secret)
        tasks.complete(desk, ids[1], secret, secret)
    finally:
        clock.set(real)
    purge.purge(admin_desk, 6)
    with desk.store.read() as session:
        details = [e.detail for e in session.exec(select(Event))]
        notes = [t.note for t in session.exec(select(Task))]
    assert not any("07700" in d or "Tweed" in d or "Smith" in d for d in details), details
    assert not any("07700" in n for n in notes)
    tasks.cancel(desk.with_actor(lead), tasks_open_one(desk, cid, clock), "duplicate")
    with desk.store.read() as session:
        assert "duplicate" in [e.detail for e in session.exec(select(Event))]  # words kept


def tasks_open_one(desk: Desk, customer_id: int, clock: FrozenClock) -> int:
    with desk.store.write() as session:
        t = open_task(
            desk, session, "callback-routine", received_at=clock.now(), customer_id=customer_id
        )
        assert t.id is not None
        return t.id
