"""The queue query: order, keyset pages, filters, "as at", header counts, and the CLI."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from console.cli.main import main
from console.desk import customers, queue, tasks
from console.desk.context import Actor, Desk
from console.rules.clock import LONDON, FrozenClock
from console.rules.deadlines import time_left
from console.rules.errors import InputError, NotFound
from console.store.engine import Store
from console.store.models import Customer
from tests.conftest import MONDAY_MORNING, add_staff


def local(y: int, m: int, d: int, hh: int = 17, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LONDON)


def new_task(desk: Desk, slug: str, received: datetime = MONDAY_MORNING, **kw: Any) -> int:
    with desk.store.write() as session:
        task = tasks.open_task(desk, session, slug, received_at=received, **kw)
        assert task.id is not None
        return task.id


def ids(page: queue.QueuePage) -> list[int]:
    return [r.id for r in page.rows]


@pytest.fixture
def filled(desk: Desk, handler: Actor, store: Store) -> dict[str, int]:
    """A small queue: overdue, due today, later; two customers; two handlers."""
    other = add_staff(store, "Owen Park", "opark", "handler", "Repairs")
    mary = customers.create(desk, "Mary Smith", reference="C000001").id
    with store.write() as session:
        jo = Customer(reference="C000002", name="Jo Brown", restriction="contact by letter only")
        jo.search_text = customers.search_text(jo)
        session.add(jo)
        session.flush()
        assert jo.id is not None
        jo_id = jo.id
    return {
        # overdue: before opening on Thursday, so due at Friday's opening time (08:45)
        "overdue": new_task(desk, "callback-urgent", local(2025, 11, 20, 8, 0), customer_id=mary),
        "today": new_task(desk, "repair-emergency", customer_id=jo_id, assignee_id=other.id),
        "complaint": new_task(
            desk,
            "complaint-stage1",
            customer_id=mary,
            assignee_id=handler.id,
            title="stage 1 complaint: noisy neighbours",
        ),
        "later": new_task(desk, "callback-routine", assignee_id=handler.id),
        "sar": new_task(desk, "subject-access", customer_id=jo_id),
        "other": other.id,
        "mary": mary,
        "jo": jo_id,
    }


def test_rows_are_ordered_by_due_instant_then_id(desk: Desk, filled: dict[str, int]) -> None:
    page = queue.page(desk)
    assert ids(page) == [filled[k] for k in ("overdue", "today", "later", "complaint", "sar")]
    due = [r.task.due_at for r in page.rows]
    assert due == sorted(due)
    assert page.next is None
    first = page.rows[0]
    assert (first.kind, first.state, first.left) == (
        "urgent call back",
        "overdue",
        "overdue 3d 1h",
    )
    assert first.due_text == "Friday 21 November at 8:45am"
    assert (page.rows[1].state, page.rows[1].due_text, page.rows[1].left) == (
        "today",
        "today at 4pm",
        "6h",
    )
    assert page.rows[2].state == "" and page.rows[2].due_text == "Friday 28 November at 5pm"
    assert page.rows[3].due_text == "Tuesday 2 December at 5pm"  # St Andrew's Day skipped


def test_ties_on_the_due_instant_go_by_task_number(desk: Desk) -> None:
    made = [new_task(desk, "callback-routine") for _ in range(4)]
    assert ids(queue.page(desk)) == made


def test_keyset_pages_walk_the_queue_without_gaps_or_repeats(desk: Desk) -> None:
    made = [
        new_task(desk, "callback-routine", MONDAY_MORNING - timedelta(days=i % 3)) for i in range(7)
    ]
    seen: list[int] = []
    after = None
    pages = 0
    while True:
        page = queue.page(desk, after=after, limit=3)
        seen += ids(page)
        pages += 1
        if page.next is None:
            break
        after = page.next
    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == 7
    assert seen == ids(queue.page(desk, limit=50))


def test_the_first_page_walks_the_open_task_index(desk: Desk, filled: dict[str, int]) -> None:
    """The plan uses the partial index ix_task_open_due (never a full scan and sort)."""
    stmt = queue._where(desk, queue._select(), queue.QueueFilter(), desk.now())
    stmt = stmt.order_by(text("task.due_at, task.id")).limit(51)
    sql = str(stmt.compile(desk.store.engine, compile_kwargs={"literal_binds": True}))
    with desk.store.engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "ix_task_open_due" in plan and "TEMP B-TREE" not in plan


def test_closed_tasks_leave_the_queue(desk: Desk, lead: Actor, filled: dict[str, int]) -> None:
    tasks.complete(desk, filled["later"], "called back", "Phoned back")
    tasks.cancel(desk.with_actor(lead), filled["sar"], "duplicate")
    assert ids(queue.page(desk)) == [filled[k] for k in ("overdue", "today", "complaint")]


def test_filters(desk: Desk, handler: Actor, filled: dict[str, int]) -> None:
    def only(**kw: Any) -> list[int]:
        return ids(queue.page(desk, queue.QueueFilter(**kw)))

    assert only(assignee_id=handler.id) == [filled["later"], filled["complaint"]]
    assert queue.mine(desk).assignee_id == handler.id
    # team: the task's team, or someone in it has it (Owen is in Repairs)
    assert only(team="Repairs") == [filled["today"]]
    assert only(team="Customer Services") == [
        filled["overdue"], filled["later"], filled["complaint"],
    ]  # fmt: skip
    assert only(kind="complaint") == [filled["complaint"]]
    assert only(kind="callback") == [filled["overdue"], filled["later"]]
    assert only(kind="callback-urgent") == [filled["overdue"]]
    assert only(overdue=True) == [filled["overdue"]]
    assert only(customer_id=filled["jo"]) == [filled["today"], filled["sar"]]
    assert only(search="smith") == [filled["overdue"], filled["complaint"]]
    assert only(search="c000002") == [filled["today"], filled["sar"]]
    assert only(search="noisy") == [filled["complaint"]]
    assert only(search="noisy brown") == []
    assert only(assignee_id=handler.id, kind="complaint", search="mary") == [filled["complaint"]]


def test_a_kind_the_profile_does_not_have_says_which_it_has(desk: Desk) -> None:
    with pytest.raises(
        InputError,
        match="'boiler' is not a kind of task in the BHA profile: try one of urgent call back",
    ):
        queue.page(desk, queue.QueueFilter(kind="boiler"))


def test_every_kind_the_queue_shows_can_be_typed_back(desk: Desk) -> None:
    profile = desk.profile
    for slug, commitment in profile.commitments.items():
        if commitment.is_task:
            assert slug in queue.kind_slugs(profile, queue.kind_label(profile, slug))


def test_my_team_needs_a_team(desk: Desk, store: Store) -> None:
    loner = add_staff(store, "Lone Ranger", "lone", "handler", "")
    assert queue.my_team(desk).team == "Customer Services"
    with pytest.raises(InputError, match="has no team"):
        queue.my_team(desk.with_actor(loner))


def test_as_at_a_later_instant_shows_what_will_be_overdue(
    desk: Desk, filled: dict[str, int]
) -> None:
    friday = local(2025, 11, 28, 17, 0)
    page = queue.page(desk, queue.QueueFilter(overdue=True), at=friday)
    assert ids(page) == [filled["overdue"], filled["today"]]
    assert page.at == friday
    assert page.rows[1].left == "overdue 4d 1h"
    assert page.rows[1].due_text == "Monday 24 November at 4pm"
    # the routine call back falls due at that very instant (today, not yet overdue);
    # the complaint is due Tue 2 Dec
    later = queue.page(desk, at=friday)
    assert [r.state for r in later.rows] == ["overdue", "overdue", "today", "", ""]


def test_counts_by_kind_and_handler(desk: Desk, handler: Actor, filled: dict[str, int]) -> None:
    c = queue.counts(desk)
    assert (c.open, c.overdue) == (5, 1)
    assert [(k.slug, k.open, k.overdue) for k in c.by_kind][:1] == [("callback-urgent", 1, 1)]
    assert {k.slug: k.open for k in c.by_kind} == {
        "callback-urgent": 1, "repair-emergency": 1, "complaint-stage1": 1,
        "callback-routine": 1, "subject-access": 1,
    }  # fmt: skip
    assert [(h.name, h.open, h.overdue) for h in c.by_handler] == [
        ("Hannah Reid", 2, 0), ("Owen Park", 1, 0), ("unassigned", 2, 1),
    ]  # fmt: skip
    friday = queue.counts(desk, at=local(2025, 11, 28, 17, 0))
    assert friday.overdue == 2
    mine = queue.counts(desk, assignee_id=handler.id)
    assert (mine.open, [h.name for h in mine.by_handler]) == (2, ["Hannah Reid"])


def test_find_returns_one_row_or_none(desk: Desk, filled: dict[str, int]) -> None:
    found = queue.find(desk, filled["complaint"])
    assert found is not None and found.task.title == "stage 1 complaint: noisy neighbours"
    assert found.task.customer_name == "Mary Smith"
    tasks.complete(desk, filled["complaint"], "upheld", "Letter sent")
    assert queue.find(desk, filled["complaint"]) is None


def test_restriction_travels_with_the_row(desk: Desk, filled: dict[str, int]) -> None:
    row = queue.find(desk, filled["today"])
    assert row is not None and row.task.restriction == "contact by letter only"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2025-11-28T17:00", local(2025, 11, 28, 17, 0)),
        ("2025-11-28 17:00", local(2025, 11, 28, 17, 0)),
        ("2025-11-28T17:00:00+00:00", local(2025, 11, 28, 17, 0)),
        ("2025-11-28", local(2025, 11, 28, 17, 0)),
        ("Fri 17:00", local(2025, 11, 28, 17, 0)),
        ("friday 5pm", local(2025, 11, 28, 17, 0)),
        ("mon 9:00", local(2025, 11, 24, 9, 0)),  # today is Monday: today counts
        ("tomorrow 9:00", local(2025, 11, 25, 9, 0)),
        ("today", local(2025, 11, 24, 17, 0)),
        ("now", None),
        ("", None),
    ],
)
def test_parse_as_at(typed: str, expected: datetime | None) -> None:
    assert queue.parse_as_at(typed, MONDAY_MORNING) == expected


@pytest.mark.parametrize("typed", ["next week", "2025-13-01 10:00", "Fri 25:00", "fr 17:00"])
def test_parse_as_at_says_how_to_type_it(typed: str) -> None:
    with pytest.raises(InputError):
        queue.parse_as_at(typed, MONDAY_MORNING)


def test_an_impossible_day_is_named_like_the_customer_desk_names_it() -> None:
    with pytest.raises(InputError, match="February 2025 has 28 days"):
        queue.parse_as_at("2025-02-30 17:00", MONDAY_MORNING)


def test_far_ahead_as_at_shows_plain_words(desk: Desk) -> None:
    at = queue.parse_as_at("9999-12-31 17:00", MONDAY_MORNING)
    assert at is not None
    assert time_left(MONDAY_MORNING, at) == "overdue over a year"


def test_kind_labels_are_short_plain_words(desk: Desk) -> None:
    assert queue.kind_label(desk.profile, "complaint-stage1") == "stage 1 complaint"
    assert queue.kind_label(desk.profile, "acknowledge") == "acknowledgement"
    assert queue.kind_label(desk.profile, "unknown-slug") == "unknown slug"


def test_staff_id_for_login(desk: Desk, handler: Actor) -> None:
    assert queue.staff_id_for(desk, "hreid") == handler.id
    with pytest.raises(NotFound, match="no staff member with login 'zz'"):
        queue.staff_id_for(desk, "zz")


# --- the command line ------------------------------------------------------------------


def cli(store: Store, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    db = store.url.removeprefix("sqlite:///")
    code = main(["--db", db, "queue", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_json_is_the_screen_order(
    desk: Desk, filled: dict[str, int], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(store, "--json", "--at", "2025-11-24T10:00", "--no-updates", capsys=capsys)
    assert code == 0
    got = json.loads(out)
    assert [t["id"] for t in got] == ids(queue.page(desk))
    assert got[0]["overdue"] is True and got[0]["time_left"] == "overdue 3d 1h"
    assert got[1]["restricted"] is True and got[1]["assignee"] == "Owen Park"
    assert got[3]["due_at"] == "2025-12-02T17:00:00+00:00"


def test_cli_filters_and_limit(
    desk: Desk, filled: dict[str, int], store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    at = ("--at", "2025-11-24 10:00", "--no-updates")
    _, out, _ = cli(store, "--json", "--mine", "hreid", *at, capsys=capsys)
    assert [t["id"] for t in json.loads(out)] == [filled["later"], filled["complaint"]]
    _, out, _ = cli(store, "--json", "--kind", "callback", "--limit", "1", *at, capsys=capsys)
    assert [t["id"] for t in json.loads(out)] == [filled["overdue"]]
    _, out, _ = cli(
        store, "--json", "--overdue", "--at", "Fri 17:00", "--no-updates", capsys=capsys
    )
    assert len(json.loads(out)) >= 1
    code, out, _ = cli(store, *at, capsys=capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Queue as at Mon 24 Nov 2025 10:00 (BHA)"
    assert lines[2].startswith(f"#{filled['overdue']}") and "overdue 3d 1h" in lines[2]
    assert "! Jo Brown" in lines[3]


def test_cli_errors_are_one_line(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(store, "--kind", "boiler", capsys=capsys)
    assert code == 2 and err.startswith("frontdesk queue: 'boiler' is not a kind of task")
    code, _, err = cli(store, "--limit", "0", capsys=capsys)
    assert code == 2 and "--limit must be 1 or more" in err
    code, _, err = cli(store, "--mine", "nobody", capsys=capsys)
    assert code == 2 and "no staff member with login 'nobody'" in err
    code, _, err = cli(store, "--at", "someday", capsys=capsys)
    assert code == 2 and "is not an instant" in err


def test_cli_opens_owed_progress_updates_first(
    store: Store, desk: Desk, clock: FrozenClock, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new_task(desk, "callback-urgent", MONDAY_MORNING - timedelta(days=10))  # long overdue
    code, out, _ = cli(store, "--json", capsys=capsys)
    assert code == 0
    assert [t["slug"] for t in json.loads(out)].count("progress-update") == 1
    cli(store, "--json", capsys=capsys)
    with store.read() as session:
        n = session.execute(
            text("SELECT count(*) FROM task WHERE slug = 'progress-update'")
        ).scalar()
    assert n == 1


def test_wildcards_and_nul_in_a_search_match_nothing(desk: Desk, filled: dict[str, int]) -> None:
    """issue 14: `%` and `_` in the queue search matched every task."""
    for query in ("%", "_", "%%", "% _", "\x00", "\x00 %"):
        assert ids(queue.page(desk, queue.QueueFilter(search=query))) == [], repr(query)
    assert ids(queue.page(desk, queue.QueueFilter(search="smi%th\x00"))) == [
        filled["overdue"],
        filled["complaint"],
    ]


def test_nobody_signed_in_sees_no_names(desk: Desk, filled: dict[str, int]) -> None:
    """issue 14: queue.page and tasks.get returned names with nobody signed in."""
    from console.rules.errors import PermissionDenied

    nobody = desk.with_actor(None)
    with pytest.raises(PermissionDenied, match="sign in first"):
        queue.page(nobody)
    with pytest.raises(PermissionDenied, match="sign in first"):
        tasks.get(nobody, filled["overdue"])
    assert ids(queue.page(desk))  # signed in: the queue as before


def test_the_cli_queue_acts_as_its_admin(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    from console.cli.main import main

    db = desk.store.url.removeprefix("sqlite:///")
    assert main(["--db", db, "queue", "--at", "2025-12-24 10:00"]) == 0
    assert "Queue as at" in capsys.readouterr().out
