"""The customers screen driven from the keyboard, asserting what the database holds afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select
from textual.pilot import Pilot
from textual.widgets import Static

from console.desk import complaints, correspondence, customers, home_visits, requests
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Event, Task
from screens.app import FrontDeskApp
from screens.messages import DataChanged
from screens.widgets.caller_banner import CallerBanner
from tests.conftest import MONDAY_MORNING, add_staff, settle

BHA = load_profile("bha")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@dataclass
class Env:
    db: Path
    actor: Actor
    lead: Actor
    morag: int
    rab: int

    def app(self, *, policy: str = "bha", actor: Actor | None = None) -> FrontDeskApp:
        return FrontDeskApp(
            db=str(self.db),
            policy=policy,
            clock=FrozenClock(MONDAY_MORNING),
            actor=actor or self.actor,
            start="customers",
            poll_seconds=30,
        )

    def rows(self, model: Any) -> list[Any]:
        store = open_store(self.db)
        try:
            with store.read() as session:
                return list(session.exec(select(model).order_by(model.id)))
        finally:
            store.close()

    def desk(self, policy: str = "bha") -> Desk:
        return Desk(
            open_store(self.db), load_profile(policy), FrozenClock(MONDAY_MORNING), self.actor
        )


@pytest.fixture
def env(db: str) -> Env:
    store = open_store(db)
    actor = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    desk = Desk(store, BHA, FrozenClock(MONDAY_MORNING), actor)
    morag = customers.create(
        desk, "Morag Brown", phone="01361 882000", address="4 Kirk Lane, Duns"
    ).id
    rab = customers.create(
        desk, "Rab Nesbitt", phone="01890 654321", address="9 Kirk Wynd, Eyemouth"
    ).id
    customers.set_needs(
        desk, rab, customers.NeedsForm(interpreter_language="Polish", large_print=True)
    )
    customers.set_restriction(
        desk.with_actor(lead),
        rab,
        what="Contact by letter only",
        why="Abusive calls to staff",
        review="2026-05-01",
    )
    store.close()
    return Env(Path(db), actor, lead, morag, rab)


async def typed(pilot: Pilot[Any], text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press the keys, then let the workers they start finish."""
    await pilot.press(*keys)
    await settle(pilot)


async def fill(pilot: Pilot[Any], *values: str) -> None:
    """Type each value into its field, tabbing to the next field in between."""
    for i, value in enumerate(values):
        if i:
            await pilot.press("tab")
        await typed(pilot, value)


async def open_customer(pilot: Pilot[Any], find: str) -> None:
    await settle(pilot)
    await typed(pilot, find)
    await settle(pilot)
    await press(pilot, "enter")


def text_of(app: FrontDeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_finding_a_customer_opens_the_record_and_audits_it(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        assert type(app.screen).__name__ == "CustomersScreen"
        assert "Morag Brown" in text_of(app, "#record")
        assert app.focused is not None and app.focused.id == "timeline"
        app.screen.post_message(DataChanged(99))  # another desk wrote: reload, not re-open
        await settle(pilot)
    opened = [e for e in env.rows(Event) if e.action == "opened"]
    assert [(e.entity, e.customer_id, e.staff_id) for e in opened] == [
        ("customer", env.morag, env.actor.id)
    ]


async def test_an_imported_customer_shows_title_tenure_and_birth_date(env: Env) -> None:
    from console.desk.context import cli_actor
    from console.desk.customer_import import import_customers

    store = open_store(env.db)
    try:
        admin = Desk(store, BHA, FrozenClock(MONDAY_MORNING), cli_actor())
        export = (
            b"reference,title,forename,surname,dob,tenure\nT77,Mrs,Isla,Kerr,04/07/1961,Tenant\n"
        )
        assert not import_customers(admin, export).bad
    finally:
        store.close()
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "isla")
        shown = text_of(app, "#record")
    assert "Mrs Isla Kerr" in shown and "T77" in shown
    assert "tenant" in shown and "04 Jul 1961" in shown
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        shown = text_of(app, "#record")
    assert "Born" not in shown and "Tenure" not in shown  # typed at the desk: none given


async def test_logging_a_letter_by_keyboard(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "l")
        assert type(app.screen).__name__ == "CorrespondenceDialog"
        await pilot.press("ctrl+a", "ctrl+k")  # clear today's date
        await typed(pilot, "2025-11-21")
        await pilot.press("tab", "t")  # the date-stamp, then Tenancy
        await pilot.press("tab")  # past "urgent"
        await typed(pilot, "Pet request")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
        result = text_of(app, "#result")
        assert "Saved: letter for Morag Brown" in result
        assert "will follow up with a phone call or a visit by" in result
    [contact] = env.rows(Contact)
    assert (contact.channel, contact.day, contact.category, contact.customer_id) == (
        "letter",
        date(2025, 11, 21),
        "tenancy",
        env.morag,
    )
    tasks = env.rows(Task)
    assert [t.slug for t in tasks] == ["acknowledge", "reply-routine", "reply-routine"]
    assert tasks[1].due_at == due_at(BHA, "reply-routine", london(2025, 11, 21, 8, 45))


async def test_a_date_that_does_not_exist_keeps_the_dialog_open(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "l")
        await pilot.press("ctrl+a", "ctrl+k")
        await typed(pilot, "2025-02-30")
        await press(pilot, "tab", "r", "ctrl+s")
        assert type(app.screen).__name__ == "CorrespondenceDialog"
        assert "does not exist: February 2025 has 28 days" in text_of(app, "#dialog-error")
        assert env.rows(Contact) == []
        await pilot.press("shift+tab", "shift+tab")  # back to the date-stamp (past the enquiry)
        await pilot.press("ctrl+a", "ctrl+k")
        await typed(pilot, "2025-11-28")
        await press(pilot, "ctrl+s")
        assert "is in the future" in text_of(app, "#dialog-error")
        await pilot.press("ctrl+a", "ctrl+k")
        await typed(pilot, "2025-11-24")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
    assert [c.day for c in env.rows(Contact)] == [date(2025, 11, 24)]


async def test_restriction_shows_and_must_be_acknowledged(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "rab")
        banner = app.screen.query_one("#banner", CallerBanner)
        assert banner.needs_acknowledgement and "Contact by letter only" in text_of(app, "#record")
        await press(pilot, "e")
        await press(pilot, "tab", "tab", "r", "ctrl+s")
        assert "has an access restriction: Contact by letter only. Acknowledge it" in text_of(
            app, "#dialog-error"
        )
        assert env.rows(Contact) == []
        await press(pilot, "escape")
        await pilot.press("ctrl+r")  # acknowledge on the record: the next dialog comes ticked
        await press(pilot, "e")
        await press(pilot, "tab", "tab", "r", "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
        assert "Reply in the customer's format: interpreter (Polish), large print" in text_of(
            app, "#result"
        )
    [contact] = env.rows(Contact)
    assert contact.channel == "email" and contact.details["needs"] == [
        "interpreter (Polish)",
        "large print",
    ]


async def test_complaint_stage1_then_escalated_from_the_timeline(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "c")
        await pilot.press("1")  # stage 1; focus moves to "About"
        await fill(pilot, "Repair missed twice", "Repairs")
        await press(pilot, "ctrl+s")
        assert "Customer Services will give you a decision by" in text_of(app, "#result")
        # the newest row is the stage 1 task
        await press(pilot, "n")
        assert type(app.screen).__name__ == "ComplaintStepDialog"
        await pilot.press("2")
        await typed(pilot, "Needs a full investigation")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
    first, second = env.rows(Task)
    assert (first.slug, first.status, first.outcome) == ("complaint-stage1", "done", "escalated")
    assert second.slug == "complaint-stage2" and second.parent_id == first.id
    assert (
        second.details["subject"] == "Repair missed twice"
        and second.details["service"] == "Repairs"
    )
    assert second.details["escalation_note"] == "Needs a full investigation"


async def test_subject_access_request_and_its_extension(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "q")
        await pilot.press("s", "e")  # subject access, came by email
        await pilot.press("tab", "tab")  # past the date (today) and time
        await typed(pilot, "All repair records")
        await press(pilot, "ctrl+s")
        await pilot.press("n")  # on the new request
        await settle(pilot)
        assert type(app.screen).__name__ == "SarExtensionDialog"
        await press(pilot, "ctrl+s")
        assert "say why the request needs more time" in text_of(app, "#dialog-error")
        await typed(pilot, "Records from three teams")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
    [task] = env.rows(Task)
    assert (
        task.slug == "subject-access-extended"
        and task.extended_reason == "Records from three teams"
    )
    assert task.original_due_at == due_at(BHA, "subject-access", task.received_at)
    assert task.customer_told_at == MONDAY_MORNING


async def test_book_then_record_a_home_visit(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "b")
        await fill(pilot, "2025-11-26", "10:30", "Damp check")
        await press(pilot, "ctrl+s")
        assert "Saved: home visit booked" in text_of(app, "#result")
        await pilot.press("v")  # the booked visit is the selected (newest) row
        await settle(pilot)
        assert type(app.screen).__name__ == "VisitRecordDialog"
        await pilot.press("v", "space", "tab")  # visited; ID shown; on to the record
        await fill(pilot, "Damp in bedroom", "Survey")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
    [visit] = env.rows(Contact)
    assert visit.channel == "home_visit" and visit.outcome == "visited"
    assert visit.scheduled_at == london(2025, 11, 26, 10, 30)
    v = visit.details["visit"]
    assert (v["id_shown"], v["record"], v["next_steps"]) == (True, "Damp in bedroom", "Survey")


async def test_editing_needs_applies_to_later_contacts(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "d")
        assert type(app.screen).__name__ == "CustomerEditDialog"
        for _ in range(7):  # name, address, phone, other phone, email, prefers, interpreter
            await pilot.press("tab")
        await typed(pilot, "Gaelic")  # "Written in"
        await pilot.press("tab", "tab", "space")  # past BSL, tick large print
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
        assert "large print" in text_of(app, "#record")
    view = customers.get(env.desk(), env.morag)
    assert view.needs == ("large print", "written in Gaelic")


async def test_restriction_is_for_team_leads(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "x")
        await fill(pilot, "Letters only", "Threats", "2026-06-01")
        await press(pilot, "ctrl+s")
        assert "this needs one of: team lead, admin" in text_of(app, "#dialog-error")
    assert customers.get(env.desk(), env.morag).restriction == ""
    app = env.app(actor=env.lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        await press(pilot, "x")
        await fill(pilot, "Letters only", "Threats", "2026-06-01")
        await press(pilot, "ctrl+s")
        assert app.screen.query_one("#banner", CallerBanner).needs_acknowledgement
    assert customers.get(env.desk(), env.morag).restriction == "Letters only"


async def test_weslo_offers_no_repairs_complaints_or_requests(env: Env) -> None:
    app = env.app(policy="weslo")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_customer(pilot, "morag")
        for key in ("r", "c", "q"):
            await press(pilot, key)
            assert type(app.screen).__name__ == "CustomersScreen"
        await press(pilot, "e")
        assert type(app.screen).__name__ == "CorrespondenceDialog"
        assert not app.screen.query("#urgent")  # one response speed at Weslo


def _seed_record(env: Env) -> None:
    """A customer with needs, a restriction, a letter, a complaint, a request and a visit."""
    store = open_store(env.db)
    try:
        clock = FrozenClock(london(2025, 11, 20, 11, 0))
        desk = Desk(store, BHA, clock, env.actor)
        correspondence.log_letter(
            desk,
            env.rab,
            stamped="2025-11-19",
            category="rent",
            subject="Rent statement",
            restriction_acknowledged=True,
        )
        clock.set(london(2025, 11, 21, 14, 30))
        complaints.open_complaint(
            desk,
            env.rab,
            subject="Repair missed twice",
            service="Repairs",
            channel="email",
            received="2025-11-21",
            received_time="14:00",
            restriction_acknowledged=True,
        )
        clock.set(MONDAY_MORNING)
        requests.log_request(
            desk,
            env.rab,
            "subject-access",
            channel="letter",
            received="2025-11-24",
            description="All repair records",
            restriction_acknowledged=True,
        )
        home_visits.book_visit(
            desk,
            env.rab,
            day="2025-11-27",
            at="14:00",
            purpose="Damp check",
            restriction_acknowledged=True,
        )
    finally:
        store.close()


def test_snapshot_of_the_customer_record(env: Env, snap_compare: Any) -> None:
    _seed_record(env)

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_customer(pilot, "rab")
        await pilot.press("down", "down", "down")  # the stage 1 complaint's task
        await settle(pilot)

    assert snap_compare(env.app(), terminal_size=(120, 40), run_before=run_before)


async def test_ctrl_r_acknowledges_inside_the_letter_dialog(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_customer(pilot, "rab")
        await press(pilot, "l")
        await press(pilot, "tab", "r")  # the date-stamp as it is; the enquiry: Rent
        await typed(pilot, "Rent")
        await press(pilot, "ctrl+s")
        error = text_of(app, "#dialog-error")
        assert "Acknowledge it" in error and "press ctrl+r" in error  # says how
        assert env.rows(Contact) == []
        await press(pilot, "ctrl+r")
        await press(pilot, "ctrl+s")
        assert type(app.screen).__name__ == "CustomersScreen"
    (letter,) = env.rows(Contact)
    assert letter.channel == "letter"
