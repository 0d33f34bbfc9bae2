"""A small prompt for a visitor's first name or initials (reception's arrival key)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, literal


class ArrivalDialog(DeskDialog[str | None]):
    """Dismisses with what was typed (tidied), or None when cancelled."""

    CSS_PATH = "arrival_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="arrival.cancel", tooltip="Close without logging"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="arrival"):
            yield Label("Visitor arrived: first name or initials")
            yield Input(
                placeholder="e.g. Jo, or J S", id="arrival-name", max_length=40, highlighter=LITERAL
            )
            yield Static("", id="arrival-error", markup=False)
            yield Static(
                "Only this shows on the board. Enter logs the arrival now; Escape cancels.",
                id="arrival-help",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        from console.desk.reception import clean_visitor_name
        from console.rules.errors import InputError

        event.stop()
        try:
            name = clean_visitor_name(event.value)
        except InputError as exc:
            self.query_one("#arrival-error", Static).update(literal(exc))
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
