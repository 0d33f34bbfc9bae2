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
