"""UK telephone numbers as a phone system sends them, in one form for matching.

The PBX may send ``+44 131 555 0123``, ``0044131...``, ``01315550123`` or
``(0131) 555-0123`` for the same line; customers' numbers were typed by hand.
Both sides go through `normalise_uk` before they are compared.
"""

from __future__ import annotations

import re

# What PBXs send when the caller withheld the number (CLIR) or it was not available.
WITHHELD = frozenset(
    {"anonymous", "withheld", "private", "restricted", "unknown", "unavailable", "clir"}
)
ANONYMOUS = "anonymous"
_SEPARATORS = re.compile(r"[\s\-().\u00a0/]")


def normalise_uk(number: str) -> str | None:
    """The national form (``01315550123``), ``+<digits>`` abroad, or None if not a number.

    ``0…``, ``+44…``, ``0044…`` and ``44…`` with spaces, dashes, dots or brackets
    are accepted; a ``(0)`` after the country code is dropped. Letters, an empty
    string and anything too short or long for a phone number give None.
    """
    if not isinstance(number, str):
        return None
    raw = number.strip().replace("(0)", "")
    if not raw:
        return None
    compact = _SEPARATORS.sub("", raw)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isascii() or not digits.isdigit():
        return None
    if plus or digits.startswith("00"):
        digits = digits if plus else digits[2:]
        if digits.startswith("44"):
            national = "0" + digits[2:].lstrip("0")
        else:
            return "+" + digits if 7 <= len(digits) <= 15 else None
    elif digits.startswith("44") and len(digits) == 12:
        national = "0" + digits[2:]
    elif digits.startswith("0"):
        national = digits
    else:
        return digits if 3 <= len(digits) <= 6 else None  # an internal extension
    return national if 10 <= len(national) <= 11 else None


def is_withheld(number: str | None) -> bool:
    """True when the PBX says the caller withheld the number (or sent none at all)."""
    text = (number or "").strip().lower()
    return not text or text in WITHHELD or text.startswith("anonymous")


def caller_number(number: str | None) -> str:
    """What to store and show for a caller: the normalised number, "anonymous", or "" (garbage)."""
    if is_withheld(number):
        return ANONYMOUS
    return normalise_uk(number or "") or ""


def full_number(number: str) -> str | None:
    """`normalise_uk`, but only a whole number someone outside can dial (not an extension).

    For customers' numbers (the housing system's export, the desk's form): ``2041`` is
    an internal extension, never a customer's phone.
    """
    canonical = normalise_uk(number)
    if canonical is None or not canonical.startswith(("0", "+")):
        return None
    return canonical


def is_uk_phone(number: str) -> bool:
    """True when the text is a whole telephone number (`full_number`)."""
    return full_number(number) is not None


def display_uk(number: str) -> str:
    """A number grouped the way it is written in the UK (``07700 900123``).

    Anything that is not a whole number (`full_number`) is returned as it is.
    """
    canonical = full_number(number)
    return number.strip() if canonical is None else group_uk(canonical)


def group_uk(canonical: str) -> str:
    """`display_uk` for a number already in `normalise_uk`'s form."""
    d = canonical
    if not d.startswith("0") or not 10 <= len(d) <= 11:
        return d  # abroad (+48…), or an extension: as it is
    if len(d) == 11 and d.startswith("02"):  # 020 7946 0000
        return f"{d[:3]} {d[3:7]} {d[7:]}"
    four_digit_area = d.startswith("011") or (d.startswith("01") and d[3] == "1")  # 0131
    if len(d) == 11 and (four_digit_area or d[:2] in ("03", "08")):  # 0800 123 4567
        return f"{d[:4]} {d[4:7]} {d[7:]}"
    if len(d) == 11:  # 07700 900123, 01361 882000
        return f"{d[:5]} {d[5:]}"
    return f"{d[:5]} {d[5:]}" if d.startswith("01") else f"{d[:4]} {d[4:]}"
