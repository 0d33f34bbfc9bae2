"""Requests: subject access (and its extension), FOI, housing applications, alternative formats."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import select

from console.desk import customers, requests
from console.desk.context import Desk
from console.rules.clock import LONDON
from console.rules.deadlines import due_at
from console.rules.errors import InputError, NotFound
from console.store.models import Contact, Customer, Task


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def all_tasks(desk: Desk) -> list[Task]:
    with desk.store.read() as s:
        return list(s.exec(select(Task).order_by(Task.id)))  # type: ignore[arg-type]


@pytest.fixture
def morag(desk: Desk) -> customers.CustomerView:
    return customers.create(desk, "Morag Brown")


@pytest.fixture
def sar(desk: Desk, clock, morag) -> requests.RequestView:
    """STANDARDS.md worked example: received Sat 31 Jan 2026, due Mon 2 Mar 2026 17:00."""
    clock.set(london(2026, 2, 2, 10, 0))
    return requests.log_request(
        desk,
        morag.id,
        "subject-access",
        channel="letter",
        received="2026-01-31",
        description="all repair records",
    )


def test_subject_access_is_due_in_one_month(desk: Desk, sar) -> None:
    [task] = all_tasks(desk)
    assert task.slug == "subject-access" and task.team == "Governance"
    assert task.received_at == london(2026, 1, 31, 9, 0)
    assert task.due_at == due_at(desk.profile, "subject-access", london(2026, 1, 31, 9, 0))
    assert task.due_at == london(2026, 3, 2, 17, 0)  # 28 Feb is a Saturday
    assert sar.kind == "subject-access" and sar.due_at == task.due_at
    with desk.store.read() as s:
        contact = s.get(Contact, task.contact_id)
        assert contact is not None
        assert (contact.channel, contact.day, contact.outcome) == (
            "letter",
            date(2026, 1, 31),
            "subject-access",
        )
        assert contact.details["request"]["request"] == "subject-access"


def test_subject_access_extension_to_three_months(desk: Desk, clock, sar) -> None:
    clock.set(london(2026, 2, 20, 11, 0))
    view = requests.extend_subject_access(
        desk, sar.task_id, reason="complex: records from three teams", customer_told_on="2026-02-19"
    )
    [task] = all_tasks(desk)
    assert task.slug == "subject-access-extended"
    assert task.due_at == due_at(desk.profile, "subject-access-extended", london(2026, 1, 31, 9))
    assert task.due_at == london(2026, 4, 30, 17, 0)  # 31 April does not exist: the last day
    assert task.original_due_at == london(2026, 3, 2, 17, 0)
    assert task.extended_reason == "complex: records from three teams"
    assert view.customer_told_on == date(2026, 2, 19) and view.warnings == ()
    with pytest.raises(InputError, match="already"):
        requests.extend_subject_access(
            desk, sar.task_id, reason="again", customer_told_on="2026-02-20"
        )


@pytest.mark.parametrize(
    ("reason", "told", "message"),
    [
        ("", "2026-02-02", "say why the request needs more time"),
        ("complex", "2026-02-03", "is in the future: tell the customer first"),
        ("complex", "2026-01-30", "before the request arrived"),
        ("complex", "2026-02-30", "does not exist: February 2026 has 28 days"),
        ("complex", "", "the date the customer was told is empty"),
    ],
)
def test_subject_access_extension_bad_input(
    desk: Desk, sar, reason: str, told: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        requests.extend_subject_access(desk, sar.task_id, reason=reason, customer_told_on=told)
    [task] = all_tasks(desk)
    assert task.slug == "subject-access" and task.original_due_at is None


def test_telling_the_customer_after_the_month_is_flagged(desk: Desk, clock, sar) -> None:
    clock.set(london(2026, 3, 4, 10, 0))
    view = requests.extend_subject_access(
        desk, sar.task_id, reason="complex", customer_told_on="2026-03-03"
    )
    assert view.slug == "subject-access-extended"
    assert view.warnings and "after the first month ran out" in view.warnings[0]


def test_only_subject_access_is_extended_this_way(desk: Desk, morag) -> None:
    foi = requests.log_request(desk, morag.id, "foi", description="contractor spend")
    with pytest.raises(InputError, match="only a subject access request"):
        requests.extend_subject_access(desk, foi.task_id, reason="x", customer_told_on="2025-11-24")
    with pytest.raises(NotFound, match="no task #999"):
        requests.extend_subject_access(desk, 999, reason="x", customer_told_on="2025-11-24")


def test_foi_runs_twenty_working_days_on_the_statutory_calendar(desk: Desk, clock, morag) -> None:
    clock.set(london(2025, 12, 1, 10, 0))
    requests.log_request(
        desk,
        morag.id,
        "foi",
        channel="email",
        received=london(2025, 12, 1, 9, 0),
        description="contractor spend 2024",
    )
    [task] = all_tasks(desk)
    assert task.slug == "foi"
    # STANDARDS.md worked example: Christmas and Boxing Day skipped
    assert (
        task.due_at
        == due_at(desk.profile, "foi", london(2025, 12, 1, 9))
        == london(2025, 12, 31, 17)
    )


def test_housing_application_in_five_working_days(desk: Desk, morag) -> None:
    view = requests.log_request(desk, morag.id, "housing-application", channel="visit")
    [task] = all_tasks(desk)
    assert task.slug == "housing-application" and task.team == "Housing Options"
    assert task.due_at == due_at(desk.profile, "housing-application", desk.now())
    assert task.due_at == london(2025, 12, 2, 17, 0)  # Mon 1 Dec is St Andrew's Day (observed)
    with desk.store.read() as s:
        contact = s.get(Contact, view.contact_id)
        assert contact is not None and contact.category == "housing-registration"


def test_alternative_format_is_remembered_on_the_customer(desk: Desk, morag) -> None:
    view = requests.log_request(
        desk, morag.id, "alternative-format", fmt="Large print", description="tenancy agreement"
    )
    [task] = all_tasks(desk)
    assert task.slug == "alternative-format"
    assert task.due_at == due_at(desk.profile, "alternative-format", desk.now())
    assert task.details["format"] == "large print"
    assert view.warnings == ("recorded on the customer for every later contact: large print",)
    assert customers.get(desk, morag.id).needs == ("large print",)
    requests.log_request(
        desk, morag.id, "alternative-format", fmt="another language", language="Polish"
    )
    assert customers.get(desk, morag.id).needs == ("large print", "written in Polish")
    with desk.store.read() as s:
        row = s.get(Customer, morag.id)
        assert row is not None and row.other_language == "Polish"


@pytest.mark.parametrize(
    ("kind", "kwargs", "message"),
    [
        ("parking permit", {}, "is not a request: choose subject-access, foi"),
        ("alternative-format", {}, "say which format: large print, audio"),
        ("alternative-format", {"fmt": "another language"}, "say which language"),
        ("foi", {}, "say what information is asked for"),
        ("housing-application", {"fmt": "audio"}, "goes with an alternative format request only"),
        ("foi", {"description": "x", "channel": "pigeon"}, "'pigeon' is not a channel"),
        ("foi", {"description": "x", "received": "2025-11-30"}, "is in the future"),
    ],
)
def test_bad_requests_are_refused(desk: Desk, morag, kind: str, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        requests.log_request(desk, morag.id, kind, **kwargs)
    assert all_tasks(desk) == []


def test_weslo_has_none_of_these_standards(weslo_desk: Desk) -> None:
    c = customers.create(weslo_desk, "Iain Shaw")
    assert requests.available_kinds(weslo_desk) == []
    with pytest.raises(InputError, match="Weslo profile has no standard for subject access"):
        requests.log_request(weslo_desk, c.id, "subject-access")


def test_available_kinds_for_bha(desk: Desk) -> None:
    assert [k for k, _ in requests.available_kinds(desk)] == [
        "subject-access",
        "foi",
        "housing-application",
        "alternative-format",
    ]
