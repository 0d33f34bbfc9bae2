"""A one-line prompt (queue filters, "as at"): dismisses with the text, or None."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, literal


class TextDialog(DeskDialog[str | None]):
    """Ask for one line of text. Enter dismisses with it (possibly empty); Escape with None."""

    CSS_PATH = "text_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="text.cancel", tooltip="Close without changing"),
    ]

    def __init__(
        self, title: str, prompt: str, *, value: str = "", placeholder: str = "", hint: str = ""
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.value = value
        self.placeholder = placeholder
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="text-box") as box:
            box.border_title = literal(self.title_text)  # a str title would be read as markup
            yield Label(literal(self.prompt), id="text-prompt")
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                id="text-input",
                highlighter=LITERAL,
            )
            yield Static(
                literal(self.hint or "Enter to apply (empty clears it); Escape to cancel."),
                id="text-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#text-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
