"""console.rules.phone: one canonical form for every way a UK number is written."""

from __future__ import annotations

import pytest

from console.rules.phone import display_uk, full_number, is_uk_phone, normalise_uk


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("07700 900123", "07700900123"),
        ("07700900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("+447700900123", "07700900123"),
        ("0044 7700 900123", "07700900123"),
        ("00447700900123", "07700900123"),
        ("447700900123", "07700900123"),
        ("+44 (0)131 496 0000", "01314960000"),
        ("+44 0131 496 0000", "01314960000"),
        ("(0131) 496-0000", "01314960000"),
        ("0131.496.0000", "01314960000"),
        ("  01361 882000 ", "01361882000"),
        ("016977 3456", "0169773456"),  # ten-digit numbers exist (Brampton)
        ("0800 123 4567", "08001234567"),
        ("+48 22 123 45 67", "+48221234567"),
        ("0048 22 123 45 67", "+48221234567"),
    ],
)
def test_every_form_of_a_number_is_one_number(typed: str, canonical: str) -> None:
    assert normalise_uk(typed) == canonical
    assert is_uk_phone(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "", "   ", "0131 ABC 0000", "07700 900123 ext 12", "07700 900123x12", "999",
        "0131 496", "07700 900123 4", "7700900123", "+44", "00 44", "+0131", "0013", "call me",
        "０７７００９００１２３",  # full-width digits are not typed on a UK keyboard
    ],
)  # fmt: skip
def test_what_is_not_a_whole_number(typed: str) -> None:
    assert full_number(typed) is None
    assert not is_uk_phone(typed)


def test_an_extension_is_a_number_to_the_pbx_but_not_a_customers_phone() -> None:
    assert normalise_uk("2041") == "2041"  # console.rules.phone's rule for the phone system
    assert full_number("2041") is None and display_uk("2041") == "2041"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("+447700900123", "07700 900123"),
        ("0131 4960000", "0131 496 0000"),
        ("02079460000", "020 7946 0000"),
        ("01361882000", "01361 882000"),
        ("0800 1234567", "0800 123 4567"),
        ("0169773456", "01697 73456"),
        ("+48 22 123 45 67", "+48221234567"),
        ("not a number", "not a number"),
    ],
)
def test_display_groups_the_way_numbers_are_written(typed: str, shown: str) -> None:
    assert display_uk(typed) == shown
