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
    panel.update(visible(text))          # a Text built from several parts, styles kept
    Input(value, highlighter=LITERAL)    # an Input showing stored text (its value unchanged)
"""

from __future__ import annotations

from rich.highlighter import Highlighter
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


def visible(text: Text) -> Text:
    """A copy of `text` with its control characters made visible; its styles stay in place.

    Each control character becomes exactly one visible character, so span offsets hold.
    """
    out = text.copy()
    plain = out.plain
    safe = shown(plain)
    if safe != plain:
        out.plain = safe
    return out


class LiteralHighlighter(Highlighter):
    """For an Input: shows control characters in its value as visible ones (one for one,
    so the cursor stays put) without changing the value itself."""

    def highlight(self, text: Text) -> None:
        plain = text.plain
        safe = shown(plain)
        if safe != plain:
            text.plain = safe


LITERAL = LiteralHighlighter()
