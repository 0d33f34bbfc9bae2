"""Keys typed ahead land in the field they were meant for (issue 13 §2).

Every test posts its whole key sequence to the app at once, the way a busy PC
delivers a burst from a fast typist: nothing waits for a worker or a refresh
between two keys. Then it reads the saved record field by field.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from textual import events
from textual.pilot import Pilot

from console.desk import customers, home_visits
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import due_at
from console.rules.profiles import load_profile
from console.store.engine import open_store
from console.store.models import Contact, Customer, Task
from screens.app import FrontDeskApp
from tests.conftest import MONDAY_MORNING, add_staff, settle

BHA = load_profile("bha")

# Key names for the characters these tests type (what a terminal's driver sends).
NAMES = {
    " ": "space",
    ":": "colon",
    "-": "minus",
    ".": "full_stop",
    ",": "comma",
    "'": "apostrophe",
    "@": "at",
    "/": "slash",
}
CHARS = {name: ch for ch, name in NAMES.items()} | {"enter": "\r", "tab": "\t"}


def typed(text: str) -> list[str]:
    return [NAMES.get(ch, ch) for ch in text]


async def burst(pilot: Pilot[Any], *parts: str | list[str]) -> None:
    """Post every key at once, then wait until all of them and their work have landed."""
    app = pilot.app
    assert isinstance(app, FrontDeskApp)
    keys: list[str] = []
    for part in parts:
        keys.extend(part if isinstance(part, list) else [part])
    target = app.keys.keys_applied + len(keys)
    for key in keys:
        char = CHARS.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, char))
    for _ in range(2000):
        if app.keys.keys_applied >= target:
            break
        await asyncio.sleep(0.005)
    assert app.keys.keys_applied >= target, "the keys were never all applied"
    await app.keys.drained()
    await settle(pilot)
    await app.keys.drained()
    await settle(pilot)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0, s: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, s, tzinfo=LONDON)


@dataclass
class Env:
    db: Path
    actor: Actor
    lead: Actor
    colleague: Actor
    mary: int
    rab: int

    def app(
        self,
        start: str = "calls",
        *,
        clock: FrozenClock | None = None,
        actor: Actor | None = None,
    ) -> FrontDeskApp:
        return FrontDeskApp(
            db=str(self.db),
            policy="bha",
            clock=clock or FrozenClock(MONDAY_MORNING),
            actor=actor or self.actor,
            start=start,
            poll_seconds=30,
        )

    def rows(self, model: Any) -> list[Any]:
        store = open_store(self.db)
        try:
            with store.read() as session:
                return list(session.exec(select(model).order_by(col(model.id))))
        finally:
            store.close()

    def desk(self) -> Desk:
        return Desk(open_store(self.db), BHA, FrozenClock(MONDAY_MORNING), self.actor)


@pytest.fixture
def env(tmp_path: Path) -> Env:
    db = tmp_path / "f.db"
    store = open_store(db)
    actor = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    colleague = add_staff(store, "Sam Jones", "sjones", "handler", "Repairs")
    desk = Desk(store, BHA, FrozenClock(MONDAY_MORNING), actor)
    mary = customers.create(desk, "Mary Smith", phone="01890 123456", address="1 High St, Duns").id
    rab = customers.create(
        desk, "Rab Nesbitt", phone="01890 654321", address="9 Kirk Wynd, Eyemouth"
    ).id
    store.close()
    return Env(db, actor, lead, colleague, mary, rab)


# -- calls --------------------------------------------------------------------------------


async def test_a_call_typed_in_one_burst(env: Env) -> None:
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("14"),
            "enter",
            typed("smith"),
            "enter",
            "r",
            typed("Asked about arrears"),
            "enter",
            "1",
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.category) == ("call", env.mary, "rent")
    assert (row.notes, row.outcome, row.answer_seconds) == ("Asked about arrears", "resolved", 14.0)
    assert row.received_at == MONDAY_MORNING - timedelta(seconds=14)
    assert env.rows(Task) == []
    assert [c.name for c in env.rows(Customer)] == ["Mary Smith", "Rab Nesbitt"]


async def test_two_calls_back_to_back_in_one_burst(env: Env) -> None:
    """The keys after ctrl+s wait for the cleared form: the second call is not mixed in."""
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("9"),
            "enter",
            typed("smith"),
            "enter",
            "r",
            typed("Balance"),
            "enter",
            "1",
            "ctrl+s",
            typed("20"),
            "enter",
            typed("nesbitt"),
            "enter",
            "e",
            typed("Bins"),
            "enter",
            "1",
            "ctrl+s",
        )
    first, second = env.rows(Contact)
    assert (first.customer_id, first.category, first.notes, first.answer_seconds) == (
        env.mary,
        "rent",
        "Balance",
        9.0,
    )
    assert (second.customer_id, second.category, second.notes, second.answer_seconds) == (
        env.rab,
        "estate",
        "Bins",
        20.0,
    )


async def test_voicemail_typed_in_one_burst(env: Env) -> None:
    """Issue 13: saved with notes '2' and a routine call back; the urgent choice lost."""
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            "ctrl+t",
            typed("18:30"),
            "enter",
            typed("01890 123456"),
            "enter",
            "a",
            typed("Neighbour noise not urgent"),
            "enter",
            "2",
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.category) == (
        "voicemail",
        env.mary,
        "anti-social-behaviour",
    )
    assert row.notes == "Neighbour noise not urgent"
    assert row.received_at == london(2025, 11, 23, 18, 30)  # yesterday: 18:30 is still to come
    (task,) = env.rows(Task)
    assert task.slug == "callback-urgent"
    assert task.due_at == due_at(BHA, "callback-urgent", london(2025, 11, 23, 18, 30))
    assert [c.name for c in env.rows(Customer)] == ["Mary Smith", "Rab Nesbitt"]


async def test_caller_finder_enter_then_the_enquiry_letter(env: Env) -> None:
    """Issue 13: Enter then the letter at once opened "New customer": duplicate customers."""
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, typed("12"), "enter", typed("nesbitt"), "enter", "t", typed("Keys"))
        await burst(pilot, "enter", "1", "ctrl+s")
    (row,) = env.rows(Contact)
    assert (row.customer_id, row.category, row.notes) == (env.rab, "tenancy", "Keys")
    assert [c.name for c in env.rows(Customer)] == ["Mary Smith", "Rab Nesbitt"]


async def test_out_of_hours_emergency_typed_in_one_burst(env: Env) -> None:
    """Issue 13: "No heating" became enquiry Other and notes " heating"."""
    evening = FrozenClock(london(2025, 11, 24, 19, 30))
    app = env.app(clock=evening)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            "ctrl+e",
            typed("20"),
            "enter",
            typed("smith"),
            "enter",
            typed("No heating"),
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.customer_id, row.category, row.notes) == (env.mary, "repairs", "No heating")
    assert row.outcome == "repair_emergency"
    (task,) = env.rows(Task)
    assert task.slug == "repair-emergency"
    assert task.due_at == due_at(BHA, "repair-emergency", london(2025, 11, 24, 19, 29, 40))


async def test_referral_to_a_colleague_typed_in_one_burst(env: Env) -> None:
    """The outcome digit opens the referral dialog; the keys after it land in the dialog."""
    app = env.app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("12"),
            "enter",
            typed("smith"),
            "enter",
            "p",
            typed("Boiler"),
            "enter",
            "4",
            "end",
            "ctrl+u",
            "enter",
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.customer_id, row.category, row.notes, row.outcome) == (
        env.mary,
        "repairs",
        "Boiler",
        "referred",
    )
    (task,) = env.rows(Task)
    assert (task.slug, task.assignee_id, task.team) == (
        "callback-urgent",
        env.colleague.id,
        "Repairs",
    )


# -- customers & post ---------------------------------------------------------------------


async def test_letter_typed_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("mary"),
            "enter",
            "l",
            "ctrl+a",
            "ctrl+k",
            typed("2025-11-21"),
            "tab",
            "t",
            "tab",
            typed("Pet request"),
            "tab",
            typed("Wants to keep a dog"),
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.day, row.category) == (
        "letter",
        env.mary,
        date(2025, 11, 21),
        "tenancy",
    )
    assert (row.details["subject"], row.details["urgent"], row.notes) == (
        "Pet request",
        False,
        "Wants to keep a dog",
    )
    slugs = [t.slug for t in env.rows(Task)]
    assert slugs == ["acknowledge", "reply-routine", "reply-routine"]


async def test_email_typed_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("nesbitt"),
            "enter",
            "e",
            "tab",
            "tab",
            "r",
            "space",
            "tab",
            typed("Arrears"),
            "tab",
            typed("Wants a payment plan"),
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.category, row.received_at) == (
        "email",
        env.rab,
        "rent",
        MONDAY_MORNING,
    )
    assert (row.details["subject"], row.details["urgent"], row.notes) == (
        "Arrears",
        True,
        "Wants a payment plan",
    )
    assert "reply-urgent" in [t.slug for t in env.rows(Task)]


async def test_repair_typed_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("mary"),
            "enter",
            "r",
            "c",
            "u",
            typed("Window will not shut"),
            "tab",
            typed("Back bedroom"),
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.notes) == ("call", env.mary, "Window will not shut")
    assert row.details["repair"] == {
        "priority": "urgent",
        "can_issue": True,
        "location": "Back bedroom",
    }
    (task,) = env.rows(Task)
    assert task.slug == "repair-urgent"
    assert task.due_at == due_at(BHA, "repair-urgent", MONDAY_MORNING)


async def test_complaint_typed_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("mary"),
            "enter",
            "c",
            "1",
            typed("Repair missed twice"),
            "tab",
            typed("Repairs"),
            "tab",
            "e",
            "ctrl+s",
        )
    (task,) = env.rows(Task)
    assert (task.slug, task.customer_id) == ("complaint-stage1", env.mary)
    assert (task.details["subject"], task.details["service"], task.details["channel"]) == (
        "Repair missed twice",
        "Repairs",
        "email",
    )


async def test_request_typed_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("mary"),
            "enter",
            "q",
            "s",
            "e",
            "tab",
            "tab",
            typed("All repair records"),
            "ctrl+s",
        )
    (task,) = env.rows(Task)
    assert (task.slug, task.customer_id) == ("subject-access", env.mary)
    assert task.details["description"] == "All repair records"
    (row,) = env.rows(Contact)
    assert (row.channel, row.notes) == ("email", "All repair records")


async def test_home_visit_booked_in_one_burst(env: Env) -> None:
    app = env.app("customers")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            typed("mary"),
            "enter",
            "b",
            typed("2025-11-26"),
            "tab",
            typed("10:30"),
            "tab",
            typed("Damp check"),
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.customer_id, row.scheduled_at) == (
        "home_visit",
        env.mary,
        london(2025, 11, 26, 10, 30),
    )
    assert (row.details["visit"]["purpose"], row.notes) == ("Damp check", "Damp check")
    booked = home_visits.visits_for(env.desk(), env.mary, booked_only=True)
    assert [v.contact_id for v in booked] == [row.id]


# -- reception ----------------------------------------------------------------------------


async def test_arrival_serve_and_visit_record_in_one_burst(env: Env) -> None:
    app = env.app("reception")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            "a",
            typed("Jo"),
            "enter",
            "s",
            "v",
            typed("smith"),
            "enter",
            "r",
            typed("payment plan"),
            "enter",
            "2",
            "ctrl+s",
        )
    (row,) = env.rows(Contact)
    assert (row.channel, row.visitor_name, row.customer_id) == ("visit", "Jo", env.mary)
    assert (row.category, row.notes, row.outcome) == ("rent", "payment plan", "callback_routine")
    assert row.served_at == MONDAY_MORNING and row.served_by_id == env.actor.id
    (task,) = env.rows(Task)
    assert (task.slug, task.contact_id, task.customer_id) == ("callback-routine", row.id, env.mary)


# -- the queue ----------------------------------------------------------------------------


async def test_queue_actions_in_one_burst(env: Env) -> None:
    """Assign, complete with a note, then extend the next task: one burst from a team lead."""
    from console.desk import calls, requests

    desk = env.desk()
    calls.log_call(
        desk, answer="5", outcome="callback_urgent", category="rent", customer_id=env.mary
    )
    requests.log_request(desk, env.rab, "subject-access", channel="email", description="Records")
    desk.store.close()
    callback, sar = env.rows(Task)
    app = env.app("queue", actor=env.lead)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(
            pilot,
            "a",
            "down",
            "down",
            "enter",
            "d",
            typed("Spoke to Mary"),
            "enter",
            "e",
            typed("Records from three teams"),
            "tab",
            "space",
            "ctrl+s",
        )
    callback_now, sar_now = env.rows(Task)
    assert (callback_now.id, callback_now.assignee_id) == (callback.id, env.colleague.id)
    assert (callback_now.status, callback_now.outcome, callback_now.note) == (
        "done",
        "called back",
        "Spoke to Mary",
    )
    assert (sar_now.id, sar_now.slug) == (sar.id, "subject-access-extended")
    assert sar_now.extended_reason == "Records from three teams"
    assert sar_now.original_due_at == sar.due_at
    assert sar_now.customer_told_at == MONDAY_MORNING
