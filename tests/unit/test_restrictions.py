"""BHA s12: a restricted customer's contact is logged only once the handler acknowledges it.

Every service that logs a contact for a customer takes `restriction_acknowledged`
and refuses (InputError naming the restriction, nothing written) without it.
The last test finds every such service in console/ so a new one cannot be
missed here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

import console
from console.desk import customers
from console.desk.context import Actor, Desk
from console.desk.customers import CustomerView
from console.rules.clock import local
from console.rules.errors import InputError
from console.rules.profiles import Profile
from console.store.models import Contact, Event, Task

RESTRICTION = "contact by letter only"


@dataclass(frozen=True)
class Case:
    name: str  # module.function
    profile: str  # bha or weslo
    call: Callable[[Desk, CustomerView, bool], Any]


def _visit_day(desk: Desk) -> date:
    return local(desk.now()).date() + timedelta(days=10)


def _record_reception_visit(desk: Desk, c: CustomerView, ack: bool) -> Any:
    from console.desk import reception

    with desk.store.read() as session:  # the visitor who arrived before (see the test)
        visit_id = session.exec(
            select(func.max(Contact.id)).where(Contact.channel == "visit")
        ).one()
    assert visit_id is not None
    return reception.record_visit(
        desk, visit_id, category="rent", customer_id=c.id, restriction_acknowledged=ack
    )


def _cases() -> list[Case]:
    from console.desk import calls, complaints, correspondence, home_visits, repairs, requests

    return [
        Case(
            "calls.log_call",
            "bha",
            lambda d, c, ack: calls.log_call(
                d, answer="12", category="rent", customer_id=c.id, restriction_acknowledged=ack
            ),
        ),
        Case(
            "calls.log_voicemail",
            "bha",
            lambda d, c, ack: calls.log_voicemail(
                d, category="rent", customer_id=c.id, restriction_acknowledged=ack
            ),
        ),
        Case("reception.record_visit", "weslo", _record_reception_visit),
        Case(
            "correspondence.log_correspondence",
            "bha",
            lambda d, c, ack: correspondence.log_correspondence(
                d, "email", c.id, category="rent", restriction_acknowledged=ack
            ),
        ),
        Case(
            "correspondence.log_email",
            "bha",
            lambda d, c, ack: correspondence.log_email(
                d, c.id, category="rent", restriction_acknowledged=ack
            ),
        ),
        Case(
            "correspondence.log_social",
            "weslo",
            lambda d, c, ack: correspondence.log_social(
                d, c.id, category="rent", restriction_acknowledged=ack
            ),
        ),
        Case(
            "correspondence.log_letter",
            "bha",
            lambda d, c, ack: correspondence.log_letter(
                d,
                c.id,
                stamped=local(d.now()).date(),
                category="rent",
                restriction_acknowledged=ack,
            ),
        ),
        Case(
            "home_visits.book_visit",
            "bha",
            lambda d, c, ack: home_visits.book_visit(
                d,
                c.id,
                day=_visit_day(d),
                at="10:30",
                purpose="tenancy check",
                restriction_acknowledged=ack,
            ),
        ),
        Case(
            "home_visits.record_visit",
            "bha",
            lambda d, c, ack: home_visits.record_visit(
                d,
                customer=c.id,
                outcome="no_access",
                purpose="tenancy check",
                restriction_acknowledged=ack,
            ),
        ),
        Case(
            "requests.log_request",
            "bha",
            lambda d, c, ack: requests.log_request(
                d, c.id, "subject-access", restriction_acknowledged=ack
            ),
        ),
        Case(
            "complaints.open_complaint",
            "bha",
            lambda d, c, ack: complaints.open_complaint(
                d, c.id, subject="missed repair", restriction_acknowledged=ack
            ),
        ),
        Case(
            "complaints.resolve_frontline",
            "bha",
            lambda d, c, ack: complaints.resolve_frontline(
                d,
                c.id,
                subject="missed repair",
                actions="apologised and rebooked",
                restriction_acknowledged=ack,
            ),
        ),
        Case(
            "repairs.report_repair",
            "bha",
            lambda d, c, ack: repairs.report_repair(
                d,
                c.id,
                priority="routine",
                description="dripping kitchen tap",
                restriction_acknowledged=ack,
            ),
        ),
    ]


def case_ids() -> list[str]:
    try:
        return [c.name for c in _cases()]
    except ImportError:
        return []


def rows(desk: Desk) -> tuple[int, int, int]:
    with desk.store.read() as session:
        return (
            int(session.exec(select(func.count()).select_from(Contact)).one()),
            int(session.exec(select(func.count()).select_from(Task)).one()),
            int(session.exec(select(func.count()).select_from(Event)).one()),
        )


def restricted_customer(desk: Desk, lead: Actor) -> CustomerView:
    c = customers.create(desk, "Rab Nesbitt", phone="0141 496 0999")
    return customers.set_restriction(
        desk.with_actor(lead),
        c.id,
        what=RESTRICTION,
        why="abusive calls to staff, decision of 3 November",
        review=local(desk.now()).date() + timedelta(days=90),
    )


@pytest.mark.parametrize("name", case_ids())
def test_contact_refused_until_the_restriction_is_acknowledged(
    name: str, desk: Desk, lead: Actor, bha: Profile, weslo: Profile
) -> None:
    case = next(c for c in _cases() if c.name == name)
    d = desk if case.profile == "bha" else Desk(desk.store, weslo, desk.clock, desk.actor)
    c = restricted_customer(d, lead)
    if name == "reception.record_visit":
        from console.desk import reception

        reception.arrive(d, "Bo")  # the arrival names no customer: no acknowledgement yet
    before = rows(d)
    with pytest.raises(InputError) as refused:
        case.call(d, c, False)
    message = str(refused.value)
    assert "Rab Nesbitt has an access restriction" in message
    assert RESTRICTION in message and "Acknowledge" in message
    assert rows(d) == before, "a refused contact must write nothing"

    case.call(d, c, True)  # acknowledged: logged
    with d.store.read() as session:
        logged = session.exec(select(Contact).where(Contact.customer_id == c.id)).all()
    assert logged, f"{name} logged no contact for the customer once acknowledged"


def test_unrestricted_customers_need_no_acknowledgement(desk: Desk) -> None:
    from console.desk import calls

    c = customers.create(desk, "Ailsa Grant")
    calls.log_call(desk, answer="12", category="rent", customer_id=c.id)


def test_every_service_taking_the_acknowledgement_is_tested() -> None:
    """Any console function with a `restriction_acknowledged` parameter must be a case here."""
    found = set()
    for info in pkgutil.walk_packages(console.__path__, "console."):
        if ".migrations" in info.name or ".cli." in info.name or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or fname.startswith("_"):
                continue
            if "restriction_acknowledged" in inspect.signature(fn).parameters:
                found.add(f"{info.name.rpartition('.')[2]}.{fname}")
    assert found, "no service takes restriction_acknowledged: the rule is not implemented"
    assert found - set(case_ids()) == set(), "add these contact-logging services to the cases"
