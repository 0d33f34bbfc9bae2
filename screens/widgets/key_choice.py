"""Pick one of a few choices with a single key: a letter for a category, a digit for an outcome.

Up/Down (or Left/Right) move the cursor, Enter or Space chooses what is under
it; a choice's own key chooses it at once. With ``advance=True`` focus moves to
the next field after a pick, so a handler types ``r`` for Rent and carries on
with the notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from screens.widgets.literal import shown


@dataclass(frozen=True)
class Choice:
    key: str  # one character
    value: str
    label: str


def hotkeys(labels: Iterable[str], taken: Iterable[str] = ()) -> list[str]:
    """One distinct lower-case letter per label: a word's initial where free, else a consonant.

    ``Rent``/``Repairs`` give ``r``/``p``; short words ("or") are skipped for initials.
    """
    used = {k.lower() for k in taken}
    keys: list[str] = []
    for label in labels:
        words = [w for w in "".join(c if c.isalpha() else " " for c in label.lower()).split() if w]
        initials = [w[0] for w in words if len(w) > 2] or [w[0] for w in words]
        letters = [c for w in words for c in w[1:]]
        consonants = [c for c in letters if c not in "aeiou"]
        vowels = [c for c in letters if c in "aeiou"]
        spare = [c for c in "abcdefghijklmnopqrstuvwxyz"]
        key = next((c for c in [*initials, *consonants, *vowels, *spare] if c not in used), "")
        used.add(key)
        keys.append(key)
    return keys


class KeyChoice(Widget, can_focus=True):
    """A single choice from a short list, each with a one-key shortcut shown beside it."""

    DEFAULT_CSS = """
    KeyChoice {
        height: auto;
        padding: 0 1;
        background: $surface;
    }
    KeyChoice:focus {
        background: $boost;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,left", "move(-1)", "Previous", show=False),
        Binding("down,right", "move(1)", "Next", show=False),
        Binding("enter,space", "accept", "Choose", show=False),
    ]

    value: reactive[str | None] = reactive(None)
    cursor: reactive[int] = reactive(0)  # where Enter chooses (underlined while focused)

    class Changed(Message):
        """The choice changed (by its key, the arrows or in code with ``post=True``)."""

        def __init__(self, key_choice: KeyChoice, value: str | None) -> None:
            super().__init__()
            self.key_choice = key_choice
            self.value = value

        @property
        def control(self) -> KeyChoice:
            return self.key_choice

    def __init__(
        self,
        choices: Sequence[Choice] = (),
        *,
        advance: bool = False,
        columns: int | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.choices: list[Choice] = list(choices)
        self.advance = advance
        self.columns = columns

    # -- public ------------------------------------------------------------------

    def set_choices(self, choices: Sequence[Choice]) -> None:
        self.choices = list(choices)
        if self.value is not None and self.value not in {c.value for c in self.choices}:
            self.value = None
        self.cursor = 0
        self.refresh(layout=True)

    def select(self, value: str | None, *, post: bool = True) -> None:
        """Choose ``value`` (or nothing) from code."""
        for i, c in enumerate(self.choices):
            if c.value == value:
                self.cursor = i
        self.value = value
        if post:
            self.post_message(self.Changed(self, value))

    def label_of(self, value: str | None) -> str:
        return next((c.label for c in self.choices if c.value == value), "")

    # -- keys ----------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        char = (event.character or "").lower()
        if not char or not char.isprintable() or char == " ":
            return
        for i, c in enumerate(self.choices):
            if c.key == char:
                event.stop()
                event.prevent_default()
                self.cursor = i
                self._choose(c.value)
                return

    def action_move(self, step: int) -> None:
        """Move the cursor; Enter or Space then chooses (so browsing opens no dialogs)."""
        if not self.choices:
            return
        self.cursor = (self.cursor + step) % len(self.choices)

    def action_accept(self) -> None:
        if not self.choices:
            return
        self._choose(self.choices[self.cursor].value)

    def _choose(self, value: str) -> None:
        self.value = value
        self.post_message(self.Changed(self, value))
        if self.advance:
            self.screen.focus_next()

    # -- drawing -------------------------------------------------------------------

    def _cell(self, index: int, c: Choice, width: int) -> Text:
        chosen = c.value == self.value
        under_cursor = self.has_focus and index == self.cursor
        cell = Text()
        cell.append(f" {c.key} ", style="bold reverse" if chosen else "bold")
        cell.append("✓" if chosen else " ")
        room = max(1, width - 5)  # badge (3), mark (1), a space between columns (1)
        label = shown(c.label)  # a landlord's profile names the choices: shown literally
        label = label if len(label) <= room else label[: room - 1] + "…"
        style = "bold" if chosen else ""
        if under_cursor:
            style = f"{style} underline".strip()
        cell.append(label, style=style)
        cell.pad_right(max(0, width - cell.cell_len))
        return cell

    def _layout(self, width: int) -> tuple[int, int]:
        if not self.choices:
            return 1, width
        widest = max(len(c.label) for c in self.choices) + 6
        cols = self.columns or max(1, min(len(self.choices), width // max(widest, 1)))
        return cols, max(8, width // cols)

    def render(self) -> Text:
        width = max(self.size.width, 20)
        if not self.choices:
            return Text("(nothing to choose)", style="dim")
        cols, cell_width = self._layout(width)
        out = Text()
        for i, c in enumerate(self.choices):
            if i and i % cols == 0:
                out.append("\n")
            out.append_text(self._cell(i, c, cell_width))
        return out

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        if not self.choices:
            return 1
        cols, _ = self._layout(max(width, 20))
        return -(-len(self.choices) // cols)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
