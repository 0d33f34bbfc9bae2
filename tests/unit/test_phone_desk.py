"""The phone system's events: answered, missed, repeated, out of order; screen pop; live figures."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from console.desk import calls, phone
from console.desk.context import Actor, Desk
from console.rules.clock import FrozenClock
from console.rules.errors import InputError
from console.rules.phone import caller_number, normalise_uk
from console.store.engine import Store
from console.store.models import Contact, Customer, Event, PhoneCall, Staff, Task


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("01315550123", "01315550123"),
        ("0131 555 0123", "01315550123"),
        ("+44 131 555 0123", "01315550123"),
        ("+44 (0)131 555 0123", "01315550123"),
        ("0044 131 555 0123", "01315550123"),
        ("441315550123", "01315550123"),
        ("(0131) 555-0123", "01315550123"),
        ("07700 900123", "07700900123"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("201", "201"),
        ("0131 555 O123", None),
        ("abc", None),
        ("", None),
        ("0131", None),
        ("+", None),
        ("٠١٣١٥٥٥٠١٢٣", None),
    ],
)
def test_normalise_uk(raw: str, want: str | None) -> None:
    assert normalise_uk(raw) == want


def test_withheld_numbers_are_anonymous() -> None:
    for raw in ("anonymous", "Anonymous", "withheld", "", "private", "unknown"):
        assert caller_number(raw) == "anonymous"
    assert caller_number("+441315550123") == "01315550123"


def staffed(store: Store, desk: Desk) -> Desk:
    """Hannah (the desk's handler) answers at extension 201, agent name 'hannah'."""
    with store.write() as session:
        row = session.get(Staff, desk.actor.id if desk.actor else 0)
        assert row is not None
        row.extension = "201"
        row.agent = "hannah"
        session.add(row)
    return desk


def line(desk: Desk) -> Desk:
    """The listener's own desk: nobody signed in."""
    return desk.with_actor(None)


def send(desk: Desk, **fields: Any) -> phone.Taken:
    return phone.take_event(line(desk), phone.check_event(fields))


def customer(store: Store, name: str, number: str, restriction: str = "") -> int:
    from console.desk.customers import search_text

    with store.write() as session:
        c = Customer(reference=name[:3].upper(), name=name, phone=number, restriction=restriction)
        c.search_text = search_text(c)
        session.add(c)
        session.flush()
        assert c.id is not None
        return c.id


def test_answered_call_is_timed_by_the_phone_system(
    store: Store, desk: Desk, clock: FrozenClock
) -> None:
    staffed(store, desk)
    ann = customer(store, "Ann Hall", "0131 555 0123", restriction="two staff present")
    start = clock.now()
    send(
        desk,
        event="newCall",
        callId="c1",
        direction="in",
        **{"from": "+441315550123"},
        to="0800123456",
        **{"user[]": ["hannah"]},
    )
    clock.advance(seconds=12.4)
    taken = send(
        desk,
        event="answer",
        callId="c1",
        direction="in",
        **{"from": "+441315550123"},
        answeringNumber="201",
    )
    assert taken.state == "answered" and not taken.repeat and taken.contact_id is not None
    with store.read() as session:
        contact = session.get(Contact, taken.contact_id)
        assert contact is not None
        assert contact.answer_source == "phone"
        assert contact.answer_seconds == pytest.approx(12.4)
        assert contact.received_at == start
        assert contact.customer_id == ann
        assert contact.staff_id == desk.actor.id if desk.actor else False

    pop = phone.screen_pop(desk)
    assert pop is not None and pop.state == "answered"
    assert [c.name for c in pop.callers] == ["Ann Hall"]
    assert pop.callers[0].restriction == "two staff present"
    assert pop.answer_seconds == pytest.approx(12.4)

    with pytest.raises(InputError, match="cannot be typed over"):
        calls.log_call(desk, answer="3", category="rent", phone_contact_id=taken.contact_id)
    logged = calls.log_call(
        desk,
        outcome="resolved",
        category="rent",
        customer_id=ann,
        phone_contact_id=taken.contact_id,
        restriction_acknowledged=True,
    )
    assert logged.answer_seconds == pytest.approx(12.4) and logged.within_target is True
    assert phone.screen_pop(desk) is None  # logged: nothing left to pop
    with pytest.raises(InputError, match="already logged"):
        calls.log_call(desk, category="rent", phone_contact_id=taken.contact_id)

    clock.advance(seconds=60)
    ended = send(
        desk,
        event="hangup",
        callId="c1",
        direction="in",
        **{"from": "+441315550123"},
        cause="normalClearing",
    )
    assert ended.state == "ended"
    with store.read() as session:
        rows = session.exec(select(Contact)).all()
        assert len(rows) == 1 and rows[0].ended_at == clock.now()


def test_typed_calls_are_marked_typed(store: Store, desk: Desk) -> None:
    logged = calls.log_call(desk, answer="4r", category="rent")
    with store.read() as session:
        contact = session.get(Contact, logged.contact_id)
        assert contact is not None and contact.answer_source == "typed"


def test_abandoned_call_opens_the_missed_call_promise_and_a_later_answer_closes_it(
    store: Store, desk: Desk, clock: FrozenClock
) -> None:
    staffed(store, desk)
    send(desk, event="newCall", callId="a1", **{"from": "07700 900123"}, queue="main")
    clock.advance(seconds=40)
    missed = send(desk, event="hangup", callId="a1", **{"from": "07700 900123"}, cause="cancel")
    assert missed.state == "abandoned" and missed.missed_task_id is not None
    with store.read() as session:
        task = session.get(Task, missed.missed_task_id)
        assert task is not None and task.status == "open"
        assert task.slug == "callback-routine"
        assert task.title == "Missed call from 07700900123"
        contact = session.get(Contact, missed.contact_id)
        assert contact is not None and contact.abandoned and contact.answer_seconds is None

    # rings again, unanswered: the same promise, not a second one
    clock.advance(minutes=5)
    send(desk, event="newCall", callId="a2", **{"from": "+447700900123"})
    again = send(desk, event="hangup", callId="a2", **{"from": "+447700900123"}, cause="noAnswer")
    assert again.missed_task_id == missed.missed_task_id

    # rings a third time and Hannah answers: the promise is kept, and the audit says why
    clock.advance(minutes=5)
    send(desk, event="newCall", callId="a3", **{"from": "00447700900123"})
    clock.advance(seconds=8)
    answered = send(
        desk, event="answer", callId="a3", **{"from": "00447700900123"}, **{"user[]": "hannah"}
    )
    assert answered.closed_task_ids == (missed.missed_task_id,)
    with store.read() as session:
        task = session.get(Task, missed.missed_task_id)
        assert task is not None and task.status == "done"
        why = session.exec(
            select(Event.detail).where(Event.entity == "task", Event.action == "completed")
        ).all()
    assert why == [
        "missed call closed: the caller rang again and was answered by Hannah Reid (call a3)"
    ]


def test_an_outbound_call_that_connects_closes_the_missed_call(
    store: Store, desk: Desk, clock: FrozenClock
) -> None:
    send(desk, event="newCall", callId="m1", **{"from": "0141 496 0000"})
    missed = send(desk, event="hangup", callId="m1", **{"from": "0141 496 0000"}, cause="busy")
    assert missed.missed_task_id is not None
    # an outbound attempt that is not answered closes nothing
    send(desk, event="newCall", callId="o1", direction="out", to="01414960000", **{"from": "201"})
    gone = send(
        desk, event="hangup", callId="o1", direction="out", to="01414960000", cause="noAnswer"
    )
    assert gone.state == "ended" and gone.contact_id is None
    send(desk, event="newCall", callId="o2", direction="out", to="+44 141 496 0000")
    clock.advance(seconds=5)
    back = send(desk, event="answer", callId="o2", direction="out", to="+44 141 496 0000")
    assert back.closed_task_ids == (missed.missed_task_id,)
    assert back.contact_id is None  # an outbound call is not an answered call on the line
    with store.read() as session:
        task = session.get(Task, missed.missed_task_id)
        assert task is not None and task.status == "done"
        assert task.note == "called back: outbound call o2 connected"


def test_anonymous_missed_call_promises_nothing(store: Store, desk: Desk) -> None:
    send(desk, event="newCall", callId="x1", **{"from": "anonymous"})
    taken = send(desk, event="hangup", callId="x1", **{"from": "anonymous"}, cause="cancel")
    assert taken.state == "abandoned" and taken.missed_task_id is None
    with store.read() as session:
        assert session.exec(select(Task)).all() == []
        assert session.exec(select(PhoneCall.number)).all() == ["anonymous"]


def test_weslo_missed_call_is_its_single_call_back(
    store: Store, weslo_desk: Desk, clock: FrozenClock
) -> None:
    send(weslo_desk, event="newCall", callId="w1", **{"from": "01506 555 111"})
    taken = send(weslo_desk, event="hangup", callId="w1", cause="noAnswer")
    with store.read() as session:
        task = session.get(Task, taken.missed_task_id)
        assert task is not None and task.slug == "callback"


@pytest.mark.parametrize(("cause", "state"), [("forwarded", "forwarded"), ("notFound", "failed")])
def test_forwarded_and_not_found_promise_nothing(
    store: Store, desk: Desk, cause: str, state: str
) -> None:
    send(desk, event="newCall", callId="f1", **{"from": "01315550999"})
    taken = send(desk, event="hangup", callId="f1", cause=cause)
    assert taken.state == state and taken.missed_task_id is None and taken.contact_id is None


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    with store.read() as session:
        calls_ = [tuple(c.model_dump().values()) for c in session.exec(select(PhoneCall))]
        contacts = [tuple(c.model_dump().values()) for c in session.exec(select(Contact))]
        tasks = [tuple(t.model_dump().values()) for t in session.exec(select(Task))]
    return [*calls_, *contacts, *tasks]


def test_repeats_change_nothing_and_out_of_order_is_refused(
    store: Store, desk: Desk, clock: FrozenClock
) -> None:
    send(desk, event="newCall", callId="r1", **{"from": "01315550123"})
    clock.advance(seconds=7)
    send(desk, event="answer", callId="r1", **{"from": "01315550123"})
    clock.advance(seconds=30)
    send(desk, event="hangup", callId="r1", cause="normalClearing")
    before = snapshot(store)
    revision = store.revision()
    clock.advance(seconds=30)
    assert send(desk, event="newCall", callId="r1", **{"from": "01315550123"}).repeat
    assert send(desk, event="hangup", callId="r1", cause="cancel").repeat
    with pytest.raises(phone.OutOfOrder, match="already ended"):
        send(desk, event="answer", callId="r1")
    with pytest.raises(phone.OutOfOrder, match="never offered"):
        send(desk, event="answer", callId="nope")
    with pytest.raises(phone.OutOfOrder, match="never offered"):
        send(desk, event="hangup", callId="nope", cause="cancel")
    with pytest.raises(phone.OutOfOrder, match="direction"):
        send(desk, event="hangup", callId="r1", direction="out", to="01315550123")
    assert snapshot(store) == before
    assert store.revision() == revision + 2  # the two repeats wrote (nothing), the refusals not

    # a missed call whose answer arrives late stays missed
    send(desk, event="newCall", callId="r2", **{"from": "01315550124"})
    send(desk, event="hangup", callId="r2", cause="cancel")
    with pytest.raises(phone.OutOfOrder):
        send(desk, event="answer", callId="r2")
    with store.read() as session:
        call = session.exec(select(PhoneCall).where(PhoneCall.call_id == "r2")).one()
        assert call.state == "abandoned" and call.answered_at is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "event is missing"),
        ({"event": "ring", "callId": "1"}, "not one of"),
        ({"event": "newCall"}, "callId is missing"),
        ({"event": "newCall", "callId": "1", "from": "0131 ABC 0123"}, "is not a phone number"),
        ({"event": "newCall", "callId": "1", "direction": "sideways"}, "'in' or 'out'"),
        ({"event": "newCall", "callId": "1", "direction": "out"}, "needs the number"),
        ({"event": "hangup", "callId": "1", "cause": "gremlins"}, "is not one of"),
        ({"event": "answer", "callId": "1", "cause": "busy"}, "only hangup"),
        ({"event": "newCall", "callId": "x" * 201}, "at most 200"),
        ({"event": "newCall", "callId": "a\x00b"}, "control characters"),
        ({"event": "newCall", "callId": {"a": 1}}, "must be text"),
        ({"event": "newCall", "callId": "1", "user[]": ["u"] * 21}, "at most 20"),
    ],
)
def test_malformed_events_say_what_is_wrong(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        phone.check_event(fields)


def test_live_figures(store: Store, desk: Desk, clock: FrozenClock) -> None:
    send(desk, event="newCall", callId="l1", **{"from": "01315550001"})
    clock.advance(seconds=10)
    send(desk, event="newCall", callId="l2", **{"from": "01315550002"})
    clock.advance(seconds=5)
    figures = phone.live_figures(desk)
    assert (figures.waiting, figures.longest_wait) == (2, 15.0)
    send(desk, event="answer", callId="l1")  # 15 s: within BHA's 20 s
    clock.advance(seconds=20)
    send(desk, event="answer", callId="l2")  # 25 s: over
    send(desk, event="newCall", callId="l3", **{"from": "01315550003"})
    send(desk, event="hangup", callId="l3", cause="cancel")
    figures = phone.live_figures(desk)
    assert (figures.waiting, figures.longest_wait) == (0, None)
    assert (figures.answered_today, figures.within_today, figures.abandoned_today) == (2, 1, 1)
    assert "answered within 20 s today 1/2 (50%) · abandoned 1" in figures.line


def test_staff_mapping(store: Store, desk: Desk, lead: Actor) -> None:
    from console.desk.people import add_staff as _unused  # noqa: F401  (the module must import)

    # a real admin: roles are read from the staff list at every call (issue 14)
    from tests.conftest import add_staff as staff_row

    admin = desk.with_actor(staff_row(store, "Ada Admin", "aadmin", "admin"))
    mapping = phone.set_mapping(admin, "hreid", extension="201", agent="hannah")
    assert (mapping.extension, mapping.agent) == ("201", "hannah")
    with pytest.raises(InputError, match="already has extension '201'"):
        phone.set_mapping(admin, "lmurray", extension="201", agent=None)
    with pytest.raises(InputError, match="no staff member"):
        phone.set_mapping(admin, "nobody", extension="9", agent=None)
    with store.read() as session:
        assert phone.staff_for(session, ["PJSIP/201-0000001a"]) is not None
        assert phone.staff_for(session, ["hannah"]) is not None
        assert phone.staff_for(session, ["lmurray"]) is not None  # the login
        assert phone.staff_for(session, ["999"]) is None


def test_reports_use_measured_times_and_say_how_many_were_typed(
    store: Store, desk: Desk, lead: Actor, clock: FrozenClock
) -> None:
    from console.reports.builder import build_report

    staffed(store, desk)
    send(desk, event="newCall", callId="m1", **{"from": "01315550123"}, **{"user[]": "201"})
    clock.advance(seconds=30)
    send(desk, event="answer", callId="m1")  # measured: 30 s, over BHA's 20 s
    calls.log_call(desk, answer="5", category="rent")  # typed: 5 s
    report = build_report(desk.with_actor(lead))
    (row,) = report.telephone
    assert (row.answered, row.answered_within) == (2, 1)
    assert row.average_answer_seconds == pytest.approx(17.5)
    assert (
        "answer times of 2 answered calls: 1 measured by the phone system, 1 typed by handlers"
        in report.notes
    )


def test_migration_0004_marks_earlier_answer_times_typed_and_goes_back(tmp_path: Any) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from console.store.engine import MIGRATIONS, open_store

    store = open_store(tmp_path / "old.db")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with store._writer.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0005")  # to before 0004 (0003, the event guard, follows it)
        assert (
            "phone_call"
            not in conn.exec_driver_sql(
                "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'"
            ).scalar_one()
        )
        conn.execute(
            text(
                "INSERT INTO contact (channel, received_at, day, answer_seconds, abandoned, "
                "visitor_name, left_unseen, category, outcome, notes, details, anonymised, "
                "external_id) VALUES ('call', '2025-11-24 10:00:00', '2025-11-24', :s, 0, "
                "'', 0, '', '', '', '{}', 0, :x)"
            ),
            [{"s": 12.0, "x": None}, {"s": 8.0, "x": "asterisk:1.1"}, {"s": None, "x": None}],
        )
        command.upgrade(config, "head")
        sources = conn.execute(text("SELECT answer_source FROM contact ORDER BY id")).scalars()
        assert list(sources) == ["typed", "cdr", ""]
    store.close()


def test_events_together_in_one_transaction_each_stand_or_fall_alone(
    store: Store, desk: Desk, clock: FrozenClock
) -> None:
    events = [
        phone.check_event({"event": "newCall", "callId": "g1", "from": "01315550001"}),
        phone.check_event({"event": "answer", "callId": "nobody"}),  # refused
        phone.check_event({"event": "hangup", "callId": "g1", "cause": "cancel"}),
        phone.check_event({"event": "newCall", "callId": "g1", "from": "01315550001"}),
    ]
    revision = store.revision()
    results = phone.take_events(line(desk), events)
    assert [type(r).__name__ for r in results] == ["Taken", "OutOfOrder", "Taken", "Taken"]
    taken = results[2]
    assert isinstance(taken, phone.Taken) and taken.state == "abandoned"
    assert isinstance(results[3], phone.Taken) and results[3].repeat
    assert store.revision() == revision + 1  # one commit
    with store.read() as session:
        assert session.exec(select(PhoneCall.call_id)).all() == ["g1"]
        assert len(session.exec(select(Task)).all()) == 1


def test_the_wall_shows_calls_waiting_now(store: Store, desk: Desk, clock: FrozenClock) -> None:
    from console.desk.wall import wall

    send(desk, event="newCall", callId="w1", **{"from": "01315550001"})
    clock.advance(seconds=45)
    shown = wall(line(desk))
    assert (shown.calls_waiting, shown.calls_longest_wait) == (1, 45.0)
    send(desk, event="hangup", callId="w1", cause="cancel")
    shown = wall(line(desk))
    assert (shown.calls_waiting, shown.calls_longest_wait, shown.calls_abandoned) == (0, None, 1)
