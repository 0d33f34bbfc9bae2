"""Smaller faults found on the way (issue 13 §7), each with the test that it stays fixed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from console.desk import customers
from console.desk.context import Desk
from console.rules.errors import InputError
from console.store.models import Customer

# --- customers' phone numbers --------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "abc not a phone",
        "0131 555 O123",  # a letter O for a zero
        "٠١٣١٥٥٥٠١٢٣",  # Arabic-Indic digits
        "۰۱۳۱۵۵۵۰۱۲۳",  # Extended Arabic-Indic (Persian) digits
        "０１３１５５５０１２３",  # full-width digits
        "0131",  # too short for a national number
    ],
)
def test_a_phone_number_that_is_not_one_is_refused(desk: Desk, typed: str) -> None:
    with pytest.raises(InputError, match="not a phone number: type the digits 0-9"):
        customers.create(desk, "Morag Brown", phone=typed)
    with desk.store.read() as session:
        assert session.exec(select(Customer)).all() == []
    made = customers.create(desk, "Morag Brown", phone="01361 882000")
    with pytest.raises(InputError, match="not a phone number"):
        customers.update_details(desk, made.id, phone=typed)
    with pytest.raises(InputError, match="the other number"):
        customers.update_details(desk, made.id, phone_alt=typed)
    assert customers.update_details(desk, made.id, phone_alt="").phone == "01361 882000"


@pytest.mark.parametrize("typed", ["01361 882000", "+44 (0)1361 882-000", "07700900123", ""])
def test_phone_numbers_as_people_type_them_are_kept_as_typed(desk: Desk, typed: str) -> None:
    made = customers.create(desk, "Morag Brown", phone=f"  {typed} ")
    assert made.phone == typed
