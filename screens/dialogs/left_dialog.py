"""Confirm that a visitor left without being seen (it cannot be undone)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label

from screens.base import DeskDialog
from screens.widgets.literal import literal


class LeftDialog(DeskDialog[bool]):
    """Dismisses True to record the visitor as gone, False to keep them on the board."""

    CSS_PATH = "left_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "y",
            "answer(True)",
            "Yes, left",
            id="left.yes",
            tooltip="Record: left without being seen",
        ),
        Binding("n,escape", "answer(False)", "No", id="left.no", tooltip="Keep them on the board"),
    ]

    def __init__(self, who: str) -> None:
        super().__init__()
        self.who = who

    def compose(self) -> ComposeResult:
        with Vertical(id="left"):
            yield Label(literal(f"Record {self.who} as left without being seen?"))
            with Horizontal(id="left-buttons"):
                yield Button("Yes, left (y)", variant="warning", id="left-yes")
                yield Button("No (n)", id="left-no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "left-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
