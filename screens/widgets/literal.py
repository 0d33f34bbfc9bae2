"""User text shown exactly as typed, and nothing more.

Names and notes can hold Rich markup (``[red]``, ``[link=...]``) and terminal
control sequences (``ESC[31m``, OSC 8 links, OSC 52 clipboard writes). Rich
`Text` already ignores markup, but neither Rich nor Textual removes ESC, so a
raw ``\\x1b`` would reach the terminal and be obeyed. `literal()` builds a Text
with every control character replaced by its visible Unicode "control picture"
(ESC shows as ␛, NUL as ␀, DEL as ␡, C1 controls as �); newlines and tabs stay.

    from screens.widgets.literal import literal, shown
    table.add_row(literal(customer.name), ...)
    self.notify(shown(message), markup=False)
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

_KEEP = {"\n", "\t"}
_TABLE: dict[int, str] = {}
for _code in range(0x20):
    if chr(_code) not in _KEEP:
        _TABLE[_code] = chr(0x2400 + _code)
_TABLE[0x7F] = "\u2421"
for _code in range(0x80, 0xA0):
    _TABLE[_code] = "\ufffd"


def shown(text: object) -> str:
    """The text with control characters made visible (safe to put on a terminal)."""
    return str(text).translate(_TABLE)


def literal(text: object, style: str | Style = "") -> Text:
    """A Text that shows `text` literally: no markup, no terminal control sequences."""
    return Text(shown(text), style=style)
