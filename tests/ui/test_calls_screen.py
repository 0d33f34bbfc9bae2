"""The calls screen, driven the way a handler drives it; asserts what the database holds after."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from console.desk import customers
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Customer, Task
from screens.app import FrontDeskApp
from screens.widgets.caller_banner import CallerBanner
from tests.conftest import MONDAY_MORNING, add_staff, settle

BHA = load_profile("bha")
OFFERED = MONDAY_MORNING - timedelta(seconds=12)


@dataclass
class Env:
    db: Path
    actor: Actor
    colleague: Actor
    mary: int
    rab: int

    def app(self, clock: FrozenClock | None = None, policy: str = "bha") -> FrontDeskApp:
        return FrontDeskApp(
            db=str(self.db),
            policy=policy,
            clock=clock or FrozenClock(MONDAY_MORNING),
            actor=self.actor,
            start="calls",
            poll_seconds=30,
        )

    def contacts(self) -> list[Contact]:
        store = open_store(self.db)
        try:
            with store.read() as session:
                return list(session.exec(select(Contact).order_by(col(Contact.id))))
        finally:
            store.close()

    def tasks(self) -> list[Task]:
        store = open_store(self.db)
        try:
            with store.read() as session:
                return list(session.exec(select(Task).order_by(col(Task.id))))
        finally:
            store.close()

    def customer_names(self) -> list[str]:
        store = open_store(self.db)
        try:
            with store.read() as session:
                return [c.name for c in session.exec(select(Customer).order_by(col(Customer.id)))]
        finally:
            store.close()


@pytest.fixture
def env(db: str) -> Env:
    store = open_store(db)
    actor = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    colleague = add_staff(store, "Sam Jones", "sjones", "handler", "Repairs")
    desk = Desk(store, BHA, FrozenClock(MONDAY_MORNING), actor)
    mary = customers.create(desk, "Mary Smith", phone="01890 123456", address="1 High St, Duns").id
    rab = customers.create(
        desk, "Rab Nesbitt", phone="01890 654321", address="9 Kirk Wynd, Eyemouth"
    ).id
    with store.write() as session:
        row = session.get(Customer, rab)
        assert row is not None
        row.restriction = "Contact by letter only"
        row.restriction_reason = "Abusive calls to staff"
        row.interpreter_language = "Polish"
        row.large_print = True
        session.add(row)
    store.close()
    return Env(Path(db), actor, colleague, mary, rab)


class Keys:
    """Drives the pilot; counts the presses that are not text typed into a field."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.count = 0

    async def type(self, text: str) -> None:
        for ch in text:
            await self.pilot.press("space" if ch == " " else ch)

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.count += 1
            await self.pilot.press(key)

    async def settle(self) -> None:
        await settle(self.pilot)


def text_of(app: FrontDeskApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def start_call(keys: Keys, answer: str = "12", find: str = "smi") -> None:
    await keys.settle()
    await keys.type(answer)
    await keys.press("enter")
    await keys.type(find)
    await keys.press("enter")
    await keys.settle()


async def test_keyboard_budget_resolved_call_for_an_existing_customer(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.type("12")
        await keys.press("enter")  # 1: on to the caller
        await keys.type("smith")
        await keys.press("enter")  # 2: pick the top match
        await keys.settle()
        await keys.press("r")  # 3: enquiry Rent (focus moves to the notes)
        await keys.type("Asked about arrears")
        await keys.press("enter")  # 4: on to the outcome
        await keys.press("1")  # 5: resolved there and then
        await keys.press("ctrl+s")  # 6: save
        await keys.settle()
        assert keys.count <= 8, f"{keys.count} key presses beyond the text typed"
        assert keys.count == 6
        assert text_of(app, "#status").startswith("Saved: call from Mary Smith")
    (row,) = env.contacts()
    assert row.channel == "call" and row.customer_id == env.mary
    assert (
        row.category == "rent" and row.outcome == "resolved" and row.notes == "Asked about arrears"
    )
    assert (
        row.answer_seconds == 12.0
        and row.received_at == OFFERED
        and row.answered_at == MONDAY_MORNING
    )
    assert row.staff_id == env.actor.id
    assert env.tasks() == []


async def pick_in_dialog_team(keys: Keys) -> None:
    await keys.press("enter")  # the first team in the list


async def pick_in_dialog_colleague(keys: Keys) -> None:
    await keys.settle()  # colleagues load in a worker
    await keys.press("end", "ctrl+u", "enter")  # last colleague (Sam Jones), urgent


async def complaint_details(keys: Keys) -> None:
    await keys.type("No fix")
    await keys.press("enter", "enter")  # subject, then service (filled from the enquiry)


async def transfer_outside(keys: Keys) -> None:
    await keys.press("tab")
    await keys.type("SW")
    await keys.press("enter")


@dataclass
class Case:
    digit: str
    kind: str
    slug: str | None
    team: str = ""
    dialog: Callable[[Keys], Any] | None = None
    tell: str = ""


CASES = [
    Case("1", "resolved", None),
    Case(
        "2",
        "callback_routine",
        "callback-routine",
        "Repairs",
        tell="Repairs will call you back by Friday 28 November at 5pm.",
    ),
    Case(
        "3",
        "callback_urgent",
        "callback-urgent",
        "Repairs",
        tell="Repairs will call you back by 9:59am tomorrow.",
    ),
    Case(
        "4",
        "referred",
        "callback-routine",
        "Customer Services",
        pick_in_dialog_team,
        "Customer Services will call you back",
    ),
    Case(
        "4",
        "referred",
        "callback-urgent",
        "Repairs",
        pick_in_dialog_colleague,
        "Sam Jones will call you back by 9:59am tomorrow.",
    ),
    Case(
        "5",
        "repair_emergency",
        "repair-emergency",
        "Repairs",
        tell="Repairs will attend by 3:59pm today.",
    ),
    Case(
        "6",
        "repair_urgent",
        "repair-urgent",
        "Repairs",
        tell="Repairs will attend by Thursday 27 November at 5pm.",
    ),
    Case(
        "7",
        "repair_routine",
        "repair-routine",
        "Repairs",
        tell="Repairs will attend by Tuesday 9 December at 5pm.",
    ),
    Case("8", "complaint_frontline", None, dialog=complaint_details),
    Case(
        "9",
        "complaint_stage1",
        "complaint-stage1",
        "Customer Services",
        complaint_details,
        "Customer Services will give you a decision by Tuesday 2 December at 5pm.",
    ),
    Case("0", "transferred", None, dialog=transfer_outside),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{c.slug}" for c in CASES])
async def test_every_outcome_through_the_screen(env: Env, case: Case) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("p")  # Repairs
        await keys.type("tap")
        await keys.press("enter", case.digit)
        if case.dialog is not None:
            await keys.settle()
            await case.dialog(keys)
            await keys.settle()
        await keys.press("ctrl+s")
        await keys.settle()
        status = text_of(app, "#status")
        assert status.startswith("Saved"), status
        tell = app.screen.query_one("#tell", Static)
        if case.slug is None:
            assert not tell.has_class("-shown")
        else:
            assert tell.has_class("-shown")
            assert case.tell in text_of(app, "#tell")
    (contact,) = env.contacts()
    assert (
        contact.outcome == case.kind
        and contact.category == "repairs"
        and contact.customer_id == env.mary
    )
    tasks = env.tasks()
    if case.slug is None:
        assert tasks == []
    else:
        (task,) = tasks
        assert task.slug == case.slug and task.contact_id == contact.id
        assert task.due_at == due_at(BHA, case.slug, OFFERED)
        assert task.team == case.team
    if case.kind == "referred" and case.dialog is pick_in_dialog_colleague:
        assert tasks[0].assignee_id == env.colleague.id
    if case.kind.startswith("complaint"):
        assert contact.details["complaint"]["subject"] == "No fix"
        assert contact.details["complaint"]["service"] == "Repairs"
    if case.kind == "complaint_stage1":
        assert tasks[0].details["stage"] == 1
    if case.kind.startswith("repair"):
        assert tasks[0].details["priority"] == case.kind.split("_")[1]
    if case.kind == "transferred":
        assert contact.details["transferred_to"]["to"] == "SW"


async def test_tell_the_caller_stays_until_the_next_call_starts(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("r")
        await keys.press("enter", "2", "ctrl+s")
        await keys.settle()
        tell = app.screen.query_one("#tell", Static)
        assert tell.has_class("-shown")
        assert "Housing Services will call you back by Friday 28 November at 5pm." in text_of(
            app, "#tell"
        )
        assert app.focused is not None and app.focused.id == "answer"
        table = app.screen.query_one("#my-calls", DataTable)
        assert table.row_count == 1
        assert text_of(app, "#my-summary") == "1 call: 1 of 1 answered within 20 s (100%)."
        await keys.type("8")  # the next call starts
        assert not tell.has_class("-shown")


async def test_saved_only_after_the_commit_returns(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.desk import calls

    release = threading.Event()
    real = calls.log_call

    def slow_log_call(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(calls, "log_call", slow_log_call)
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("r", "enter", "1", "ctrl+s")
        await pilot.pause()
        assert text_of(app, "#status") == "Saving…"
        assert env.contacts() == []
        release.set()
        await keys.settle()
        assert text_of(app, "#status").startswith("Saved")
    assert len(env.contacts()) == 1


async def test_restriction_must_be_acknowledged_before_saving(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await start_call(keys, find="nesb")
        banner = app.screen.query_one("#banner", CallerBanner)
        assert (
            banner.has_class("-shown")
            and banner.has_class("-restricted")
            and banner.has_class("-needs")
        )
        assert "ACCESS RESTRICTION: Contact by letter only" in text_of(app, "#banner-restriction")
        assert "interpreter (Polish)" in text_of(app, "#banner-needs")
        assert "large print" in text_of(app, "#banner-needs")
        await keys.press("t", "enter", "1", "ctrl+s")
        await keys.settle()
        assert "acknowledge" in text_of(app, "#status")
        assert env.contacts() == []
        await keys.press("ctrl+r", "ctrl+s")
        await keys.settle()
        assert text_of(app, "#status").startswith("Saved")
    (row,) = env.contacts()
    assert row.customer_id == env.rab and row.details["restriction_acknowledged"] is True


async def test_anonymous_caller(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.type("30")
        await keys.press("enter", "f8", "o", "enter", "3", "ctrl+s")
        await keys.settle()
        assert "anonymous caller" in text_of(app, "#status")
        assert "✗" in str(app.screen.query_one("#my-calls", DataTable).get_row_at(0)[2])
    (row,) = env.contacts()
    assert (
        row.customer_id is None and row.answer_seconds == 30.0 and row.outcome == "callback_urgent"
    )
    (task,) = env.tasks()
    assert task.slug == "callback-urgent" and task.team == "Customer Services"


async def test_create_a_customer_in_place(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await start_call(keys, answer="4r", find="Ishbel Grant")
        await keys.press("ctrl+n")
        await keys.settle()
        await keys.press("tab")
        await keys.type("3 Market Sq, Duns")
        await keys.press("ctrl+s")
        await keys.settle()
        await keys.press("h", "enter", "1", "ctrl+s")
        await keys.settle()
        assert text_of(app, "#status").startswith("Saved: call from Ishbel Grant")
    assert env.customer_names()[-1] == "Ishbel Grant"
    (row,) = env.contacts()
    assert row.customer_id == 3 and row.answer_seconds == 12.0  # 4 rings


async def test_down_arrow_picks_the_second_match(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.type("5")
        await keys.press("enter")
        await keys.type("01890")
        await keys.settle()
        await keys.press("down", "enter")  # matches sorted by name: Mary Smith, Rab Nesbitt
        await keys.settle()
        assert app.screen.query_one("#banner", CallerBanner).has_class("-restricted")


async def test_voicemail_becomes_a_call_back(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.press("ctrl+t")
        assert text_of(app, "#form-title") == "Voicemail message"
        await keys.type("07:40")
        await keys.press("enter")
        await keys.type("smith")
        await keys.press("enter")
        await keys.settle()
        await keys.press("r")
        await keys.type("Rent")
        await keys.press("enter", "2", "ctrl+s")  # 2 = urgent
        await keys.settle()
        assert "8:45am tomorrow" in text_of(app, "#tell")
        # nobody is on the line: the words are for the call back
        assert app.screen.query_one("#tell").border_title == "When you call back, tell them"
    (row,) = env.contacts()
    assert row.channel == "voicemail" and row.answer_seconds is None
    assert row.received_at == datetime(2025, 11, 24, 7, 40, tzinfo=LONDON)
    (task,) = env.tasks()
    assert task.slug == "callback-urgent"
    assert task.due_at == datetime(2025, 11, 25, 8, 45, tzinfo=LONDON)


async def test_routine_voicemail_is_the_default(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.press("ctrl+t", "enter", "f8", "o", "enter", "ctrl+s")
        await keys.settle()
    (task,) = env.tasks()
    assert task.slug == "callback-routine" and task.received_at == MONDAY_MORNING


async def test_out_of_hours_offers_emergency_repair_first(env: Env) -> None:
    evening = FrozenClock(datetime(2025, 11, 24, 19, 30, tzinfo=LONDON))
    app = env.app(clock=evening)
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        banner = text_of(app, "#ooh-banner")
        assert app.screen.has_class("-out-of-hours")
        assert banner.startswith("Out of hours: the office opens tomorrow at 8:45am.")
        assert "ctrl+e" in banner
        await keys.press("ctrl+e")
        await keys.type("20")
        await keys.press("enter")
        await keys.type("smith")
        await keys.press("enter")
        await keys.settle()
        await keys.type("Leak")  # the enquiry is already Repairs: straight to the notes
        await keys.press("ctrl+s")
        await keys.settle()
        assert "Repairs will attend by 1:29am tomorrow." in text_of(app, "#tell")
    (task,) = env.tasks()
    assert task.slug == "repair-emergency"
    assert task.due_at == datetime(2025, 11, 24, 19, 29, 40, tzinfo=LONDON) + timedelta(hours=6)
    (contact,) = env.contacts()
    assert (contact.category, contact.notes) == ("repairs", "Leak")


async def test_in_hours_has_no_out_of_hours_banner(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.has_class("-out-of-hours")
        await pilot.press("ctrl+e")  # not offered in hours: nothing happens
        assert app.screen.query_one("#outcome").value is None  # type: ignore[attr-defined]


async def test_answer_verdict_against_the_target(env: Env) -> None:
    app = env.app(policy="weslo")
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.type("5r")
        assert text_of(app, "#answer-verdict") == "15 s: 3 s over the 12 s target"
        assert app.screen.query_one("#answer-verdict").has_class("over")
        await keys.press("backspace", "backspace")
        await keys.type("4 rings")
        assert text_of(app, "#answer-verdict") == "12 s: within the 12 s target"
        # Weslo: one call back, no repairs or complaints
        labels = [c.label for c in app.screen.query_one("#outcome").choices]  # type: ignore[attr-defined]
        assert labels == [
            "Resolved there and then",
            "Call back",
            "Referred: colleague/team",
            "Transferred",
        ]


async def test_missing_pieces_are_named_not_saved(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        keys = Keys(pilot)
        await keys.settle()
        await keys.press("ctrl+s")
        assert "find the caller" in text_of(app, "#status")
        await keys.type("12")
        await keys.press("enter", "f8", "ctrl+s")
        assert "choose the enquiry" in text_of(app, "#status")
        await keys.press("ctrl+l")
        assert app.screen.query_one("#answer").value == ""  # type: ignore[attr-defined]
    assert env.contacts() == []


def test_snapshot_after_a_call_back(env: Env, snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("p")
        await keys.type("Kitchen tap dripping")
        await keys.press("enter", "2", "ctrl+s")
        await keys.settle()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor would make the picture flaky
        await pilot.pause()

    app = env.app()
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


# --- faults found on a real desk (issue 13) ----------------------------------------------


async def test_a_colleague_is_found_by_typing_and_named_after_the_referral(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("p")
        await keys.type("tap")
        await keys.press("enter", "4")
        await keys.settle()
        await keys.type("sam")  # type-to-find: no Downs
        await keys.press("enter")
        await keys.settle()
        assert text_of(app, "#outcome-detail") == "Referred to Sam Jones"
        await keys.press("ctrl+s")
        await keys.settle()
    (task,) = env.tasks()
    assert task.assignee_id == env.colleague.id


async def test_a_complaint_logged_under_complaint_does_not_name_complaint_as_its_service(
    env: Env,
) -> None:
    app = env.app()
    async with app.run_test(size=(80, 24)) as pilot:
        keys = Keys(pilot)
        await start_call(keys)
        await keys.press("c")  # the "Complaint" enquiry
        await keys.type("bins")
        await keys.press("enter", "9")
        await keys.settle()
        service = app.screen.query_one("#outcome-service", Input)
        assert service.value == ""


async def test_the_out_of_hours_banner_needs_no_database_read(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Shown with the desk's first frame, not when my calls have been read."""
    from screens.desks.calls import CallsScreen

    monkeypatch.setattr(CallsScreen, "_refresh", lambda self: None)  # no list is read
    sunday = FrozenClock(datetime(2025, 11, 23, 14, 0, tzinfo=LONDON))
    app = env.app(sunday)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-out-of-hours")
        assert "Out of hours" in text_of(app, "#ooh-banner")
        assert "emergency" in {b.binding.action for b in app.screen.active_bindings.values()}
