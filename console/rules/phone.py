"""UK telephone numbers: one rule for every place that reads, stores or matches a number.

A housing system exports ``+44 7700 900123``, a desk types ``07700 900123``, the
phone system sends ``00447700900123`` as the caller ID: all three are the same
number, ``07700900123``. `normalise_uk` turns any of them into that one form,
so the caller-ID match, the customer finder and the import agree.

- UK numbers come back in national form: ``0`` and 9 or 10 more digits
  (``01315550101``, ``07700900123``, ``0800123456``).
- Numbers abroad (``+48 …``, ``0048 …``) come back as ``+`` and their digits.
- Spaces, dashes, dots, slashes and brackets are ignored, as is the ``(0)`` in
  ``+44 (0)131 …``. Letters, extensions and too few or too many digits are not
  a number: None.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-./()]")
_TRUNK_ZERO = re.compile(r"^(\+|00)\s*44\s*\(0\)")


def normalise_uk(number: str) -> str | None:
    """The number in one canonical form (``07700900123`` or ``+48…``); None when it is none."""
    text = number.strip()
    if not text:
        return None
    text = _TRUNK_ZERO.sub(r"\g<1>44", text)
    compact = _SEPARATORS.sub("", text)
    if compact.startswith("+"):
        international, digits = True, compact[1:]
    elif compact.startswith("00"):
        international, digits = True, compact[2:]
    else:
        international, digits = False, compact
    if not digits.isascii() or not digits.isdigit():
        return None
    if not international and digits.startswith("44") and len(digits) in (11, 12):
        international = True  # 447700900123: the country code without its plus
    if international:
        if digits.startswith("44"):
            national = digits[2:]
            if national.startswith("0"):  # +44 0131 ...: a zero that should not be there
                national = national[1:]
            return _uk("0" + national)
        if digits.startswith("0") or not 7 <= len(digits) <= 15:
            return None
        return "+" + digits
    return _uk(digits)


def _uk(digits: str) -> str | None:
    if not digits.startswith("0") or digits.startswith("00"):
        return None
    if not 10 <= len(digits) <= 11:
        return None
    return digits


def is_uk_phone(number: str) -> bool:
    """True when `normalise_uk` reads the text as a telephone number."""
    return normalise_uk(number) is not None


def display_uk(number: str) -> str:
    """A canonical number grouped the way it is written in the UK (``07700 900123``).

    Anything `normalise_uk` cannot read is returned as it is.
    """
    canonical = normalise_uk(number)
    return number.strip() if canonical is None else group_uk(canonical)


def group_uk(canonical: str) -> str:
    """`display_uk` for a number already in `normalise_uk`'s form."""
    if canonical.startswith("+"):
        return canonical
    d = canonical
    if len(d) == 11 and d.startswith("02"):  # 020 7946 0000
        return f"{d[:3]} {d[3:7]} {d[7:]}"
    four_digit_area = d.startswith("011") or (d.startswith("01") and d[3] == "1")  # 0131
    if len(d) == 11 and (four_digit_area or d[:2] in ("03", "08")):  # 0800 123 4567
        return f"{d[:4]} {d[4:7]} {d[7:]}"
    if len(d) == 11:  # 07700 900123, 01361 882000
        return f"{d[:5]} {d[5:]}"
    return f"{d[:5]} {d[5:]}" if d.startswith("01") else f"{d[:4]} {d[4:]}"
