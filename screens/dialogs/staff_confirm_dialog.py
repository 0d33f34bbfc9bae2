"""Yes or no to one plain question. Dismisses True (y / Enter on Yes) or False."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from screens.base import DeskDialog
from screens.widgets.literal import literal


class StaffConfirmDialog(DeskDialog[bool]):
    CSS_PATH = "staff_confirm_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="staff_confirm.yes", tooltip="Yes, do it"),
        Binding("n,escape", "answer(False)", "No", id="staff_confirm.no", tooltip="No, leave it"),
    ]

    def __init__(self, question: str | Text, yes: str = "Yes") -> None:
        super().__init__()
        self.question = question if isinstance(question, Text) else literal(question)
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-confirm-box"):
            yield Static(self.question, id="staff-confirm-question")
            with Horizontal(id="staff-confirm-buttons"):
                yield Button(self.yes, id="confirm-yes", variant="warning")
                yield Button("No", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
