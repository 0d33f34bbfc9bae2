"""The live queue driven from the keyboard: every action, the filters, paging, two desks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from console.desk import queue, tasks
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.profiles import load_profile
from console.store.engine import Store, open_store
from console.store.models import Customer, Event, Task
from screens.app import FrontDeskApp
from screens.desks.queue import QueueScreen
from screens.dialogs.assign_dialog import AssignDialog
from screens.dialogs.complete_dialog import CompleteDialog
from screens.dialogs.reason_dialog import ReasonDialog
from screens.dialogs.text_dialog import TextDialog
from tests.conftest import MONDAY_MORNING, add_staff, settle


def local(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


@dataclass
class Env:
    db: str
    store: Store
    clock: FrozenClock
    hannah: Actor  # handler, Customer Services
    leah: Actor  # team lead, Customer Services
    owen: Actor  # handler, Repairs
    mary: int
    jo: int  # has an access restriction

    def desk(self, actor: Actor) -> Desk:
        return Desk(self.store, load_profile("bha"), self.clock, actor)

    def task(self, slug: str, received: datetime = MONDAY_MORNING, **kw: Any) -> int:
        desk = self.desk(self.leah)
        with self.store.write() as session:
            t = tasks.open_task(desk, session, slug, received_at=received, **kw)
            assert t.id is not None
            return t.id

    def app(self, actor: Actor, poll: float = 1.0) -> FrontDeskApp:
        return FrontDeskApp(
            db=self.db, clock=self.clock, actor=actor, start="queue", poll_seconds=poll
        )

    def row(self, task_id: int) -> Task:
        with self.store.read() as session:
            t = session.get(Task, task_id)
            assert t is not None
            return t

    def events(self, task_id: int) -> list[tuple[str, int | None, str]]:
        with self.store.read() as session:
            stmt = (
                select(Event)
                .where(Event.entity == "task", Event.entity_id == task_id)
                .order_by(col(Event.id))
            )
            return [(e.action, e.staff_id, e.detail) for e in session.exec(stmt)]


@pytest.fixture
def env(db: str, clock: FrozenClock) -> Iterator[Env]:
    store = open_store(db)
    hannah = add_staff(store, "Hannah Reid", "hreid", "handler", "Customer Services")
    leah = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    owen = add_staff(store, "Owen Park", "opark", "handler", "Repairs")
    with store.write() as session:
        m = Customer(reference="C000001", name="Mary Smith", search_text="c000001|mary smith")
        j = Customer(
            reference="C000002", name="Jo Brown", search_text="c000002|jo brown",
            restriction="contact by letter only",
        )  # fmt: skip
        session.add_all([m, j])
        session.flush()
        assert m.id is not None and j.id is not None
        mary, jo = m.id, j.id
    yield Env(db, store, clock, hannah, leah, owen, mary, jo)
    store.close()


@pytest.fixture
def seeded(env: Env) -> dict[str, int]:
    """Overdue (before opening Thursday: due Fri 08:45) with its progress update, due
    today, this week, next week."""
    made = {
        "overdue": env.task("callback-urgent", local(2025, 11, 20, 8, 0), customer_id=env.mary),
        "today": env.task("repair-emergency", customer_id=env.jo, assignee_id=env.owen.id),
        "callback": env.task("callback-routine", customer_id=env.mary),
        "complaint": env.task(
            "complaint-stage1", customer_id=env.mary, title="stage 1 complaint: noisy neighbours"
        ),
    }
    assert queue.ensure_progress_updates(env.desk(env.leah)) == 1
    with env.store.read() as session:
        update = session.exec(select(Task).where(Task.parent_id == made["overdue"])).one()
    assert update.id is not None and update.due_at == local(2025, 11, 28)  # 5 working days
    made["update"] = update.id
    return made


def screen(app: Any) -> QueueScreen:
    s = app.screen
    assert isinstance(s, QueueScreen)
    return s


def table(app: Any) -> list[tuple[int, tuple[str, ...]]]:
    """(task id, the cells as plain text) per row, top to bottom."""
    q = screen(app)
    t = q.table
    return [(r.id, tuple(str(c) for c in t.get_row_at(i))) for i, r in enumerate(q.rows)]


def ids(app: Any) -> list[int]:
    return [r.id for r in screen(app).rows]


def notes(app: Any) -> list[str]:
    return [n.message for n in app._notifications]


async def to_task(pilot: Pilot[Any], task_id: int) -> None:
    """Move the cursor to a task the way a handler does (arrow keys)."""
    q = screen(pilot.app)
    target = ids(pilot.app).index(task_id)
    while q.table.cursor_row != target:
        await pilot.press("down" if q.table.cursor_row < target else "up")
    await pilot.pause()
    assert q.selected_task_id == task_id


async def type_text(pilot: Pilot[Any], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


# --- rows ------------------------------------------------------------------------------


async def test_rows_show_kind_customer_who_due_and_time_left(
    env: Env, seeded: dict[str, int]
) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        rows = table(app)
        assert [r[0] for r in rows] == [
            seeded[k] for k in ("overdue", "today", "callback", "update", "complaint")
        ]
        assert rows[0][1] == (
            "Friday 21 November at 8:45am", "overdue 3d 1h", "urgent call back", "Mary Smith",
            "Customer Services",
        )  # fmt: skip
        assert rows[1][1] == ("today at 4pm", "6h", "emergency repair", "⚠ Jo Brown", "Owen Park")
        assert rows[3][1][:3] == ("Friday 28 November at 5pm", "4d 7h", "progress update")
        assert rows[4][1][:3] == ("Tuesday 2 December at 5pm", "8d 7h", "stage 1 complaint")
        # overdue in red, due today in amber (the theme's error and warning colours)
        q = screen(app)
        theme = app.current_theme
        first, second, third = (q.table.get_row_at(i) for i in range(3))
        assert str(first[1].style).startswith(str(theme.error))
        assert str(second[1].style).startswith(str(theme.warning))
        assert str(third[1].style) == ""
        # the highlighted task in words, with the restriction
        await to_task(pilot, seeded["today"])
        detail = str(q.query_one("#queue-detail", Static).render())
        assert "Access restriction: contact by letter only" in detail
        assert "with Owen Park" in detail


async def test_the_header_counts_for_a_lead_and_for_a_handler(
    env: Env, seeded: dict[str, int]
) -> None:
    app = env.app(env.leah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = str(screen(app).query_one("#queue-counts", Static).render())
        assert header.splitlines()[0] == "Open: 5   overdue: 1"
        assert "urgent call back 1 (1 overdue)" in header
        assert "Load: Owen Park 1 · unassigned 4 (1 overdue)" in header
    app = env.app(env.owen)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = str(screen(app).query_one("#queue-counts", Static).render())
        assert header.splitlines()[0] == "Your tasks: 1   overdue: 0"
        assert "Load:" not in header


# --- actions ---------------------------------------------------------------------------


async def test_claim(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await to_task(pilot, seeded["callback"])
        await pilot.press("c")
        await settle(pilot)
        assert env.row(seeded["callback"]).assignee_id == env.hannah.id
        assert env.events(seeded["callback"])[-1] == ("claimed", env.hannah.id, "")
        assert dict(table(app))[seeded["callback"]][4] == "Hannah Reid"
        assert screen(app).selected_task_id == seeded["callback"]
        # Owen's task: a handler cannot take it
        await to_task(pilot, seeded["today"])
        await pilot.press("c")
        await settle(pilot)
        assert env.row(seeded["today"]).assignee_id == env.owen.id
        assert any("Owen Park already has task" in n for n in notes(app))


async def test_assign_as_a_team_lead(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.leah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await to_task(pilot, seeded["callback"])
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AssignDialog)
        listing = app.screen.query_one(OptionList)
        assert listing.option_count == 4  # three staff and "nobody"
        await pilot.press("down", "down", "enter")  # Hannah, Leah, Owen
        await settle(pilot)
        assert env.row(seeded["callback"]).assignee_id == env.owen.id
        assert env.events(seeded["callback"])[-1] == (
            "assigned", env.leah.id, "from nobody to Owen Park (opark)",
        )  # fmt: skip
        assert dict(table(app))[seeded["callback"]][4] == "Owen Park"


async def test_a_handler_may_not_assign_or_cancel(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any("Only a team lead or admin can assign" in n for n in notes(app))
        assert any("Only a team lead or admin can cancel" in n for n in notes(app))
        assert [e[0] for e in env.events(seeded["overdue"])] == ["created"]


async def test_complete_with_outcome_and_note(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await to_task(pilot, seeded["callback"])
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, CompleteDialog)
        await pilot.press("enter")  # no note: refused in the dialog, as the README says
        await settle(pilot)
        assert isinstance(app.screen, CompleteDialog)
        assert "write a note of what was done" in str(
            app.screen.query_one("#complete-hint", Static).render()
        )
        assert env.row(seeded["callback"]).status == "open"
        await type_text(pilot, "Spoke to Mary")
        await pilot.press("enter")
        await settle(pilot)
        t = env.row(seeded["callback"])
        assert (t.status, t.outcome, t.note) == ("done", "called back", "Spoke to Mary")
        assert env.events(seeded["callback"])[-1] == ("completed", env.hannah.id, "called back")
        assert seeded["callback"] not in ids(app)
        # the cursor stays at that place in the list: on the next task
        assert screen(app).selected_task_id == seeded["update"]


async def test_cancel_needs_a_reason(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.leah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        await pilot.press("enter")  # no reason
        await pilot.pause()
        assert app.screen is dialog
        assert "cannot be empty" in str(dialog.query_one("#reason-error", Static).render())
        await type_text(pilot, "duplicate")
        await pilot.press("enter")
        await settle(pilot)
        t = env.row(seeded["overdue"])
        assert (t.status, t.note) == ("cancelled", "duplicate")
        assert env.events(seeded["overdue"])[-1] == ("cancelled", env.leah.id, "duplicate")
        assert ids(app)[0] == seeded["today"]


async def test_extend_shows_the_new_due_instant_first(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await to_task(pilot, seeded["complaint"])
        await pilot.press("e")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        shown = str(dialog.query_one("#reason-detail", Static).render())
        assert "New due: Tuesday 9 December at 5pm (was Tuesday 2 December at 5pm)" in shown
        await type_text(pilot, "waiting for a report")
        await pilot.press("tab", "space", "ctrl+s")  # the customer has been told
        await settle(pilot)
        t = env.row(seeded["complaint"])
        assert (t.slug, t.due_at, t.original_due_at) == (
            "complaint-stage1-extended", local(2025, 12, 9), local(2025, 12, 2),
        )  # fmt: skip
        assert t.customer_told_at == env.clock.now()
        assert env.events(seeded["complaint"])[-1] == (
            "extended", env.hannah.id,
            "complaint-stage1 -> complaint-stage1-extended: waiting for a report",
        )  # fmt: skip
        assert dict(table(app))[seeded["complaint"]][:3] == (
            "Tuesday 9 December at 5pm", "15d 7h", "stage 1 complaint, extended",
        )  # fmt: skip
        # a call back cannot be extended: said, nothing asked
        await to_task(pilot, seeded["callback"])
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any("(call back) cannot be extended" in n for n in notes(app))


async def test_escalate_a_complaint_to_stage_2(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")  # on the call back: not a complaint
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        assert any("not a stage 1 complaint" in n for n in notes(app))
        await to_task(pilot, seeded["complaint"])
        await pilot.press("s")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        assert "Stage 2 full response due Tuesday 23 December at 5pm" in str(
            dialog.query_one("#reason-detail", Static).render()
        )
        await type_text(pilot, "unhappy with the decision")
        await pilot.press("enter")
        await settle(pilot)
        first = env.row(seeded["complaint"])
        assert (first.status, first.outcome) == ("done", "escalated")
        with env.store.read() as session:
            stage2 = session.exec(select(Task).where(Task.parent_id == seeded["complaint"])).one()
        assert stage2.slug == "complaint-stage2" and stage2.due_at == local(2025, 12, 23)
        assert env.events(seeded["complaint"])[-1] == (
            "escalated", env.hannah.id, "to complaint-stage2: unhappy with the decision",
        )  # fmt: skip
        assert stage2.id in ids(app) and seeded["complaint"] not in ids(app)
        assert dict(table(app))[stage2.id][2] == "stage 2 complaint"


async def test_progress_update_for_an_overdue_task(env: Env) -> None:
    late = env.task("callback-urgent", local(2025, 11, 14, 10, 0), customer_id=env.jo)
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)  # the queue opened the update it owes
        rows = table(app)
        assert [r[1][2] for r in rows] == ["urgent call back", "progress update"]
        update_id = rows[1][0]
        assert env.row(update_id).parent_id == late
        await to_task(pilot, update_id)
        await pilot.press("u")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReasonDialog)
        assert "contact by letter only" in str(dialog.query_one("#reason-warning", Static).render())
        await type_text(pilot, "Letter sent: engineer booked")
        await pilot.press("enter")
        await settle(pilot)
        assert (env.row(update_id).status, env.row(update_id).outcome) == (
            "done",
            "customer updated",
        )
        # the note is on the task; the append-only trail points to it (issue 14)
        assert ("progress_update", env.hannah.id, "(text kept on the record)") in env.events(late)
        with env.store.read() as session:
            nxt = session.exec(
                select(Task).where(Task.parent_id == late, Task.status == "open")
            ).one()
        assert nxt.received_at == env.clock.now()
        assert nxt.id in ids(app) and update_id not in ids(app)


# --- filters, "as at", paging ----------------------------------------------------------


async def answer(pilot: Pilot[Any], key: str, text: str) -> None:
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, TextDialog)
    field = pilot.app.screen.query_one(Input)
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


async def test_filters_and_as_at(env: Env, seeded: dict[str, int]) -> None:
    mine = env.task("callback-routine", assignee_id=env.hannah.id)
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert len(ids(app)) == 6
        await pilot.press("m")
        await settle(pilot)
        assert ids(app) == [mine]
        await pilot.press("m", "o")
        await settle(pilot)
        assert ids(app) == [seeded["overdue"]]
        await pilot.press("o", "t")  # my team: Customer Services
        await settle(pilot)
        assert seeded["today"] not in ids(app) and len(ids(app)) == 5
        await pilot.press("t")
        await answer(pilot, "k", "complaint")
        assert ids(app) == [seeded["complaint"]]
        await answer(pilot, "k", "")
        await answer(pilot, "slash", "noisy")
        assert ids(app) == [seeded["complaint"]]
        await answer(pilot, "slash", "")
        await answer(pilot, "p", "C000002")
        assert ids(app) == [seeded["today"]]
        filters = str(screen(app).query_one("#queue-filters", Static).render())
        assert filters.startswith("Showing: customer C000002 · now")
        await pilot.press("escape")
        await settle(pilot)
        assert len(ids(app)) == 6
        # as at Friday 5pm with overdue only: what will be late by then
        await answer(pilot, "w", "Fri 17:00")
        await pilot.press("o")
        await settle(pilot)
        assert ids(app) == [seeded["overdue"], seeded["today"]]
        filters = str(screen(app).query_one("#queue-filters", Static).render())
        assert "as at Fri 28 Nov 2025 17:00" in filters
        assert dict(table(app))[seeded["today"]][1] == "overdue 4d 1h"
        await answer(pilot, "k", "boiler")  # a kind the profile does not have
        assert any("'boiler' is not a kind of task" in n for n in notes(app))
        await answer(pilot, "w", "someday")
        assert any("'someday' is not an instant" in n for n in notes(app))
        assert ids(app) == [seeded["overdue"], seeded["today"]]


async def test_scrolling_loads_the_next_page(env: Env) -> None:
    made = [env.task("callback-routine", MONDAY_MORNING + timedelta(minutes=i)) for i in range(120)]
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert ids(app) == made[:50]
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert ids(app) == made[:100]
        await pilot.press("ctrl+end")
        await settle(pilot)
        assert ids(app) == made
        assert screen(app).next_cursor is None


# --- live across desks -----------------------------------------------------------------


async def test_two_desks_on_one_database_stay_live(env: Env, seeded: dict[str, int]) -> None:
    """A task created or completed at desk B shows at desk A with no key pressed at A,
    and A's cursor stays on the task it was on (not on the same row number)."""
    a = env.app(env.hannah, poll=0.2)
    b = env.app(env.leah, poll=0.2)
    async with a.run_test(size=(120, 40)) as pa, b.run_test(size=(120, 40)) as pb:
        await settle(pa)
        await settle(pb)
        await to_task(pa, seeded["callback"])
        assert screen(a).table.cursor_row == 2
        # desk B completes the first task; the service opens a new one due before it
        await pb.press("d")
        await settle(pb)
        await pb.press(*"Phoned", "enter")
        await settle(pb)
        earliest = env.task("callback-urgent", local(2025, 11, 13, 10, 0), customer_id=env.jo)
        for _ in range(100):  # bounded wait for A's poll (0.2 s) and reload
            await pa.pause(0.05)
            if earliest in ids(a) and seeded["overdue"] not in ids(a):
                break
        assert ids(a)[0] == earliest
        assert seeded["overdue"] not in ids(a)
        assert screen(a).selected_task_id == seeded["callback"]
        assert a.screen.focused is screen(a).table


# --- the picture -----------------------------------------------------------------------


def test_snapshot(env: Env, seeded: dict[str, int], snap_compare: Any) -> None:
    env.task("callback-urgent", local(2025, 11, 14, 10, 0), customer_id=env.jo)  # with an update

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await to_task(pilot, seeded["today"])
        await settle(pilot)

    assert snap_compare(env.app(env.leah), terminal_size=(120, 40), run_before=run_before)


# --- faults found on a real desk (issue 13) ----------------------------------------------


async def test_a_call_backs_pane_shows_the_number_and_what_was_said(env: Env) -> None:
    from console.desk import calls

    with env.store.write() as session:
        mary = session.get(Customer, env.mary)
        assert mary is not None
        mary.phone, mary.phone_alt = "01890 123456", "07700 900123"
        session.add(mary)
    logged = calls.log_call(
        env.desk(env.hannah),
        answer="5",
        category="rent",
        customer_id=env.mary,
        outcome="callback_routine",
        notes="Wants to know why the rent went up in April",
    )
    (promise,) = logged.promises
    app = env.app(env.hannah)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await to_task(pilot, promise.task_id)
        await settle(pilot)
        pane = " ".join(str(screen(app).query_one("#queue-detail", Static).render()).split())
        assert "phone 01890 123456 or 07700 900123" in pane
        assert "Notes: Wants to know why the rent went up in April" in pane


async def test_k_takes_the_words_the_queue_shows(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await answer(pilot, "k", "call back")  # routine and urgent: the words of both
        assert set(ids(app)) == {seeded["callback"], seeded["overdue"]}
        await answer(pilot, "k", "Urgent call back")
        assert ids(app) == [seeded["overdue"]]


async def test_as_at_an_impossible_day_and_far_ahead(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.hannah)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await answer(pilot, "w", "2025-02-30 17:00")
        assert any("February 2025 has 28 days" in n for n in notes(app))
        await answer(pilot, "w", "9999-12-31 17:00")
        lefts = {cells[1] for _, cells in table(app)}
        assert lefts == {"overdue over a year"}


async def test_assign_by_typing_a_name(env: Env, seeded: dict[str, int]) -> None:
    app = env.app(env.leah)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await to_task(pilot, seeded["callback"])
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AssignDialog)
        await type_text(pilot, "pa")  # Owen Park: a word starting "pa"
        assert app.screen.query_one(OptionList).highlighted == 2
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "le")  # Leah
        await pilot.press("enter")
        await settle(pilot)
        assert env.row(seeded["callback"]).assignee_id == env.leah.id
