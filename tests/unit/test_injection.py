"""Names and notes with quotes, SQL, terminal escapes or Rich markup: kept and shown literally.

Services: the text goes in and comes out byte for byte, and SQL in it is only
ever data. Screens (Pilot): a customer called NASTY appears on each desk with
its brackets, quotes and semicolons visible, nothing turned red or into a link,
and nothing broke. On the staff and sign-in screens (screens/widgets/literal.py)
control characters are also made visible (ESC shows as ␛) so no escape sequence
reaches the terminal.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import func, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from console.desk import audit, context, customers, people
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.errors import InputError
from console.rules.profiles import load_profile
from console.store.engine import Store, open_store
from console.store.models import Contact, Customer, Event, Staff
from screens.app import FrontDeskApp
from screens.widgets.literal import literal, shown
from tests.conftest import add_staff, settle

NASTY = "[red]Bobby'); DROP TABLE customer;--\x1b[31m"
VISIBLE = "[red]Bobby'); DROP TABLE customer;--"  # what a person must see, at the least
OTHERS = [
    "Robert'); DELETE FROM event WHERE 1=1;--",
    'O\'Brien "the quote" \\ back\\slash',
    "[link=https://evil.example]click me[/link]",
    "[bold]bold?[/bold] [/]",
    "\x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "\x1b]52;c;ZXZpbA==\x07 clipboard",
    "% _ %% __",
]


# --- services ------------------------------------------------------------------------


def legacy_customer(desk: Desk, name: str, **fields: str) -> customers.CustomerView:
    """A customer named `name` (ESC and all) straight into the store, as rows made before
    one rule for every person's name (issue 14) may still be: the screens must show them
    literally even though the desks now refuse such a name."""
    made = customers.create(desk, "Placeholder Name", **fields)
    with desk.store.write() as session:
        row = session.get(Customer, made.id)
        assert row is not None
        row.name = name
        row.search_text = customers.search_text(row)
        session.add(row)
    return customers.by_reference(desk, made.reference)


def legacy_visitor(desk: Desk, contact_id: int, name: str) -> None:
    """A visitor's name with ESC, as an arrival typed before the rule may hold."""
    with desk.store.write() as session:
        row = session.get(Contact, contact_id)
        assert row is not None
        row.visitor_name = name
        session.add(row)


@pytest.mark.parametrize("text", [NASTY, *OTHERS])
def test_customer_text_round_trips(desk: Desk, text: str) -> None:
    if not text.isprintable():  # one rule for every person's name: no control characters
        with pytest.raises(InputError, match="control characters"):
            customers.create(desk, text + " Smith")
        name = VISIBLE + " Smith"
    else:
        name = text + " Smith"
    c = customers.create(desk, name, address=text, phone="01890 123456", email="")
    back = customers.by_reference(desk, c.reference)
    assert back.name == " ".join(name.split())
    assert back.address == text.strip()
    with desk.store.read() as session:
        assert session.exec(select(func.count()).select_from(Customer)).one() == 1
        assert session.exec(select(func.count()).select_from(Event)).one() == 1  # nothing deleted


@pytest.mark.parametrize("text", [NASTY, *OTHERS])
def test_hostile_text_is_no_phone_number(desk: Desk, text: str) -> None:
    """A phone number is checked, not stored as typed: hostile text is refused, nothing written."""
    with pytest.raises(InputError, match="not a phone number"):
        customers.create(desk, "Ann Smith", phone=text[:30])
    with desk.store.read() as session:
        assert session.exec(select(func.count()).select_from(Customer)).one() == 0


def test_sql_in_a_search_is_only_text(desk: Desk) -> None:
    customers.create(desk, "Morag Stewart")
    for query in ("' OR '1'='1", "'; DROP TABLE customer;--", '" OR 1=1 --'):
        assert customers.search(desk, query) == []
    assert [c.name for c in customers.search(desk, "morag")] == ["Morag Stewart"]
    c = legacy_customer(desk, NASTY)
    assert [x.id for x in customers.search(desk, "bobby'); drop")] == [c.id]


def test_a_search_word_of_only_wildcards_matches_nobody(desk: Desk) -> None:
    """`%` and `_` are LIKE wildcards: a word made only of them must not match everyone."""
    customers.create(desk, "Morag Stewart")
    customers.create(desk, "Ewan Barr")
    for query in ("%", "_", "%%", "__", "% _", "%_%", " _ % "):
        assert customers.search(desk, query) == [], query
    assert [c.name for c in customers.search(desk, "% morag _")] == ["Morag Stewart"]
    assert [c.name for c in customers.search(desk, "50% barr")] == []  # "50" is still a word


def test_notes_are_stored_literally(desk: Desk) -> None:
    calls = pytest.importorskip("console.desk.calls")
    c = legacy_customer(desk, NASTY)
    logged = calls.log_call(desk, answer="12", category="rent", customer_id=c.id, notes=NASTY)
    with desk.store.read() as session:
        row = session.get(Contact, logged.contact_id)
        assert row is not None and row.notes == NASTY


def test_staff_names_keep_markup_but_refuse_control_characters(desk: Desk) -> None:
    """The same rule as customers' and visitors' names (console/rules/names.py)."""
    admin = desk.with_actor(context.cli_actor())
    made = people.add_staff(admin, "[red]Bobby'); DROP TABLE staff;--", "bobby", "handler", "2580")
    assert people.get_staff(admin, made.id).name == "[red]Bobby'); DROP TABLE staff;--"
    with pytest.raises(InputError, match="control characters"):
        people.add_staff(admin, NASTY, "bobby2", "handler", "2580")


def test_audit_detail_is_literal(desk: Desk, lead: Actor) -> None:
    c = customers.create(desk, "Morag Stewart")
    customers.set_restriction(
        desk.with_actor(lead), c.id, what=NASTY, why=NASTY, review="2026-06-01"
    )
    customers.lift_restriction(desk.with_actor(lead), c.id, why=NASTY)
    entries = audit.for_customer(desk.with_actor(lead), c.id, record_view=False)
    assert entries[0].detail == f"restriction lifted: {' '.join(NASTY.split())}"


def test_literal_helper() -> None:
    text = literal(NASTY + "\x00\x7f\x9b\n")
    assert text.plain == VISIBLE + "␛[31m␀␡�\n"
    assert not text.spans  # no markup became style
    assert shown("tab\tand\nnewline") == "tab\tand\nnewline"


# --- screens -------------------------------------------------------------------------


def screen_text(app: FrontDeskApp) -> str:
    """Everything on the terminal right now, as plain text (from the SVG screenshot)."""
    svg = app.export_screenshot()
    svg = re.sub(r"<style.*?</style>", "", svg, flags=re.S)
    body = "".join(re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S))
    return html.unescape(re.sub(r"<[^>]+>", "", body)).replace("\xa0", " ")


@pytest.fixture
def seat(db: str) -> Iterator[Store]:
    store = open_store(db)
    yield store
    store.close()


@pytest.fixture
def world(seat: Store, clock: FrozenClock) -> dict[str, Any]:
    """An admin, a lead and a handler; a customer and a staff member named NASTY."""
    admin = people.create_first_admin(seat, "Ada Admin", "aadmin", "7391", clock)
    lead = add_staff(seat, "Leah Murray", "lmurray", "team_lead")
    handler = add_staff(seat, "Hannah Reid", "hreid", "handler")
    desk = Desk(seat, load_profile("bha"), clock, handler)
    customer = legacy_customer(desk, NASTY, address="1 [b]Main[/b] St")
    with seat.write() as session:  # straight in, as an old import might have put it
        session.add(Staff(name=NASTY, login="bobby", role="handler", pin_hash="x"))
    return {"admin": admin, "lead": lead, "handler": handler, "customer": customer, "desk": desk}


def make_app(db: str, clock: FrozenClock, actor: Actor | None, start: str) -> FrontDeskApp:
    return FrontDeskApp(db=db, clock=clock, actor=actor, start=start, poll_seconds=30)


async def typed(pilot: Pilot[Any], text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def assert_literal(app: FrontDeskApp, visible: str = VISIBLE) -> None:
    """The visible text is on screen as typed, and no raw ESC reached the terminal
    (Rich's Text keeps ESC; screens/widgets/literal.py makes it visible as ␛)."""
    text = screen_text(app)
    assert visible in text, f"{visible!r} not shown literally in:\n{text[:2000]}"
    assert "\x1b" not in text, "a raw ESC reached the terminal"
    assert app.is_running


@pytest.mark.ui
async def test_staff_screen_shows_names_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    app = make_app(db, clock, world["admin"], "staff")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert_literal(app)  # the staff list
        assert "␛[31m" in screen_text(app)
        await pilot.press("ctrl+f")
        await typed(pilot, world["customer"].reference)
        await pilot.press("enter")
        await settle(pilot)
        assert_literal(app)  # "Audit trail: <name> (<ref>)"
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert_literal(app)  # the export dialog's title
        await pilot.press("escape")
        await settle(pilot)


@pytest.mark.ui
async def test_sign_in_shows_names_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    app = make_app(db, clock, None, "staff")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert_literal(app)


@pytest.mark.ui
async def test_customers_screen_shows_the_name_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    pytest.importorskip("screens.desks.customers")
    app = make_app(db, clock, world["handler"], "customers")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await typed(pilot, "bobby")
        await settle(pilot)
        assert_literal(app)  # the match list
        await pilot.press("enter")
        await settle(pilot)
        assert_literal(app)  # the open record
        assert "1 [b]Main[/b] St" in screen_text(app)


@pytest.mark.ui
async def test_calls_screen_shows_the_caller_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    pytest.importorskip("screens.desks.calls")
    app = make_app(db, clock, world["handler"], "calls")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await typed(pilot, "12")
        await pilot.press("enter")
        await typed(pilot, "bobby")
        await settle(pilot)
        assert_literal(app)  # the match list
        await pilot.press("enter")
        await settle(pilot)
        assert_literal(app)  # the picked caller


def widget_text(app: FrontDeskApp, selector: str) -> str:
    """What one widget on the active screen renders, as plain text."""
    return str(app.screen.query_one(selector).render())


def assert_shown_visibly(text: str, what: str) -> None:
    """`what` (with its ESC) is in `text` as ␛, and no raw ESC is."""
    assert "\x1b" not in text, f"a raw ESC in {text!r}"
    assert shown(what) in text, f"{shown(what)!r} not in {text!r}"


@pytest.fixture
def marked(world: dict[str, Any]) -> dict[str, Any]:
    """World's NASTY customer with needs and an access restriction in NASTY words, and a
    call back from a call with NASTY notes (on the timeline, the queue, my calls today)."""
    calls = pytest.importorskip("console.desk.calls")
    desk, customer = world["desk"], world["customer"]
    customers.set_needs(desk, customer.id, customers.NeedsForm(interpreter_language=NASTY))
    customers.set_restriction(
        desk.with_actor(world["lead"]), customer.id, what=NASTY, why=NASTY, review="2026-06-01"
    )
    calls.log_call(
        desk,
        answer="12",
        category="rent",
        customer_id=customer.id,
        notes=NASTY,
        outcome="callback_routine",
        restriction_acknowledged=True,
    )
    return world


@pytest.mark.ui
async def test_calls_screen_banner_picker_and_saved_call_are_literal(
    db: str, clock: FrozenClock, marked: dict[str, Any]
) -> None:
    pytest.importorskip("screens.desks.calls")
    app = make_app(db, clock, marked["handler"], "calls")
    async with app.run_test(size=(140, 44), notifications=True) as pilot:
        await settle(pilot)
        assert_literal(app, "[red]Bobby'")  # my calls today (the column clips the rest)
        await typed(pilot, "12")
        await pilot.press("enter")
        await typed(pilot, "bobby")
        await settle(pilot)
        assert_literal(app)  # the match list
        await pilot.press("enter")  # pick: the finder, the picked line, the banner
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#picker-picked"), NASTY)
        assert_shown_visibly(widget_text(app, "#banner-restriction"), NASTY)
        assert_shown_visibly(widget_text(app, "#banner-needs"), NASTY)
        finder = app.screen.query_one("#picker-input", Input)
        assert finder.value == NASTY  # shown literally, the value itself untouched
        await pilot.press("ctrl+r", "r")  # acknowledge; enquiry Rent
        await typed(pilot, "notes")
        await pilot.press("enter", "1", "ctrl+s")  # resolved; save
        await settle(pilot)
        assert_shown_visibly(widget_text(app, "#status"), f"Saved: call from {NASTY}")
        assert_literal(app)


@pytest.mark.ui
async def test_customers_record_timeline_and_dialogs_are_literal(
    db: str, clock: FrozenClock, marked: dict[str, Any]
) -> None:
    pytest.importorskip("screens.desks.customers")
    app = make_app(db, clock, marked["handler"], "customers")
    async with app.run_test(size=(150, 46), notifications=True) as pilot:
        await settle(pilot)
        await typed(pilot, marked["customer"].reference)
        await settle(pilot)
        await pilot.press("enter")  # open the record
        await settle(pilot)
        assert_literal(app)  # record, banner, timeline
        record = widget_text(app, "#record")
        assert_shown_visibly(record, NASTY)  # name, restriction, why
        assert_shown_visibly(record, f"interpreter ({NASTY})")  # needs
        assert_shown_visibly(widget_text(app, "#banner-restriction"), NASTY)
        table = app.screen.query_one("#timeline", DataTable)
        details = []
        for row in range(table.row_count):  # the call (its notes), the call back (its title)
            table.move_cursor(row=row)
            await pilot.pause()
            details.append(widget_text(app, "#entry-detail"))
            assert "\x1b" not in screen_text(app)
        assert any(shown(NASTY) in d for d in details), details  # the task title names them
        assert not any("\x1b" in d for d in details)
        await pilot.press("ctrl+r", "l")  # acknowledge; log a letter: the dialog names them
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#dialog-customer"), NASTY)
        assert_shown_visibly(widget_text(app, "#dialog-restriction"), NASTY)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")  # details: the fields hold the stored text
        await settle(pilot)
        assert_literal(app)
        assert app.screen.query_one("#name", Input).value == NASTY
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("x")  # the restriction dialog (the handler may look; saving needs a lead)
        await settle(pilot)
        assert_literal(app)
        assert app.screen.query_one("#what", Input).value == NASTY
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running


@pytest.mark.ui
async def test_reception_visitor_and_visit_dialogs_are_literal(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    """A visitor arriving with markup and ESC in the name; the visit's notes hold NASTY."""
    pytest.importorskip("screens.desks.reception")
    reception = pytest.importorskip("console.desk.reception")
    desk = world["desk"]
    weslo = Desk(desk.store, load_profile("weslo"), clock, desk.actor)
    name = "[red]Bo'--\x1b[31m"
    visit = reception.arrive(weslo, "[red]Bo'--")
    legacy_visitor(weslo, visit.id, name)
    reception.record_visit(weslo, visit.id, notes=NASTY)
    app = FrontDeskApp(
        db=db,
        policy="weslo",
        clock=clock,
        actor=world["handler"],
        start="reception",
        poll_seconds=30,
    )
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        assert_literal(app, "[red]Bo'--")  # the board
        assert_shown_visibly(widget_text(app, f"#visit-{visit.id} .name"), name)
        await pilot.press("v")  # the visit: its title names the visitor; the notes
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#visit-title"), name)
        assert app.screen.query_one("#visit-notes", Input).value == NASTY
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("l")  # left without being seen? names the visitor
        await settle(pilot)
        assert_literal(app, "[red]Bo'--")
        await pilot.press("n")
        await settle(pilot)
        assert app.is_running


def nasty_staff(seat: Store, team: str = "") -> Actor:
    """World's staff member named NASTY (put straight in, as an old import might have),
    in `team`."""
    with seat.write() as session:
        row = session.exec(select(Staff).where(Staff.login == "bobby")).one()
        assert row.id is not None
        row.team = team
        session.add(row)
        return Actor(row.id, row.name, row.login, row.role, team)


@pytest.mark.ui
async def test_queue_shows_the_customer_literally(
    db: str, clock: FrozenClock, marked: dict[str, Any]
) -> None:
    """The NASTY customer (restriction in NASTY words, a call back) with the NASTY staff
    member: the table, the detail pane, the load line and every dialog show them literally,
    with no raw ESC reaching the terminal."""
    pytest.importorskip("screens.desks.queue")
    from console.desk import queue, tasks

    lead_desk = marked["desk"].with_actor(marked["lead"])
    bobby = nasty_staff(lead_desk.store, team="[b]Team\x1b[31m")
    task_id = next(r.id for r in queue.rows(lead_desk))
    tasks.assign(lead_desk, task_id, bobby.id)
    app = make_app(db, clock, marked["lead"], "queue")
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        assert_literal(app, "[red]Bobby'")  # the columns clip the rest
        assert_shown_visibly(widget_text(app, "#queue-detail"), NASTY)  # name, restriction
        assert_shown_visibly(widget_text(app, "#queue-counts"), NASTY)  # the load by handler
        await pilot.press("a")  # assign: the staff list names bobby and his team
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#assign-summary"), NASTY)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")  # complete: the summary and the restriction
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#complete-summary"), NASTY)
        assert_shown_visibly(widget_text(app, "#complete-warning"), NASTY)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("u")  # progress update: the summary and the restriction
        await settle(pilot)
        assert_literal(app)
        assert_shown_visibly(widget_text(app, "#reason-detail"), NASTY)
        assert_shown_visibly(widget_text(app, "#reason-warning"), NASTY)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("slash")  # a search with markup and ESC: the filter line
        await settle(pilot)
        await pilot.press("left_square_bracket", "b", "right_square_bracket", "enter")
        await settle(pilot)
        assert "Showing: search “[b]”" in screen_text(app)
        assert "\x1b" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("up", "enter")  # assign to the one above bobby: the notice names them
        await settle(pilot)
        assert "\x1b" not in screen_text(app)
        assert app.is_running


@pytest.mark.ui
async def test_reports_by_handler_shows_the_staff_name_literally(
    db: str, clock: FrozenClock, marked: dict[str, Any]
) -> None:
    """Broken down by handler, a staff member whose name holds markup and ESC."""
    pytest.importorskip("screens.desks.reports")
    from console.desk import queue, tasks

    lead_desk = marked["desk"].with_actor(marked["lead"])
    bobby = nasty_staff(lead_desk.store)
    task_id = next(r.id for r in queue.rows(lead_desk))
    tasks.assign(lead_desk, task_id, bobby.id)  # open now, with bobby
    app = FrontDeskApp(
        db=db, policy="bha", clock=clock, actor=marked["lead"], start="reports", poll_seconds=30
    )
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        await pilot.press("b")  # by handler
        await settle(pilot)
        cells = [
            str(cell)
            for table in app.screen.query(DataTable)
            for i in range(table.row_count)
            for cell in table.get_row_at(i)
        ]
        assert shown(NASTY) in cells, [c for c in cells if "Bobby" in c or "Hannah" in c]
        assert not any("\x1b" in c for c in cells)
        assert_literal(app)


@pytest.mark.ui
async def test_reception_board_shows_the_visitor_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    pytest.importorskip("screens.desks.reception")
    reception = pytest.importorskip("console.desk.reception")
    desk = world["desk"]
    weslo = Desk(desk.store, load_profile("weslo"), clock, desk.actor)
    legacy_visitor(weslo, reception.arrive(weslo, "[red]Bo'--").id, "[red]Bo'--\x1b[31m")
    app = FrontDeskApp(
        db=db,
        policy="weslo",
        clock=clock,
        actor=world["handler"],
        start="reception",
        poll_seconds=30,
    )
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert_literal(app, "[red]Bo'--")


@pytest.mark.ui
async def test_an_error_naming_the_customer_is_shown_literally(
    db: str, clock: FrozenClock, world: dict[str, Any]
) -> None:
    """The app's one error handler (screens/app.py show_error) with markup in the message."""
    app = make_app(db, clock, world["handler"], "staff")
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        app.show_error(InputError("[bold]Bobby [/] has an access restriction: [link=x]y[/link]"))
        await settle(pilot)
        assert app.is_running
        assert "[bold]Bobby [/] has an access restriction" in screen_text(app)


@pytest.mark.ui
async def test_first_run_and_add_staff_inputs_show_pasted_text_literally(
    db: str, clock: FrozenClock, seat: Store, world: dict[str, Any]
) -> None:
    """Text pasted into a name field (markup and ESC): shown with ␛, the value untouched."""
    empty = str(Path(db).with_name("empty.db"))
    open_store(empty).close()
    app = make_app(empty, clock, None, "staff")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        for field in ("#admin-name", "#admin-login"):
            box = app.screen.query_one(field, Input)
            box.value = NASTY
            await pilot.pause()
            assert box.value == NASTY
            shown_now = screen_text(app)
            assert "␛[31m" in shown_now and "\x1b" not in shown_now, shown_now[:1500]
    app = make_app(db, clock, world["admin"], "staff")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")  # add a staff member
        await settle(pilot)
        assert type(app.screen).__name__ == "StaffAddDialog"
        for field in ("#add-name", "#add-login", "#add-team"):
            box = app.screen.query_one(field, Input)
            box.value = NASTY
            await pilot.pause()
            shown_now = screen_text(app)
            assert "␛[31m" in shown_now and "\x1b" not in shown_now, shown_now[:1500]
        assert app.is_running
