"""Ask why (cancel, extend, escalate) or what was said (a progress update).

Shows what will happen first (an extension's new due instant), then a reason that
must not be empty, and, for an extension, whether the customer has been told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Static

from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, literal


@dataclass(frozen=True)
class ReasonResult:
    reason: str
    customer_told: bool = False


class ReasonDialog(DeskDialog[ReasonResult | None]):
    """Dismisses with a ReasonResult (Enter or ctrl+s), or None (Escape)."""

    CSS_PATH = "reason_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="reason.cancel", tooltip="Close, changing nothing"
        ),
        Binding(
            "ctrl+s", "confirm", "Confirm", id="reason.confirm", tooltip="Confirm with this reason"
        ),
    ]

    def __init__(
        self,
        title: str,
        prompt: str,
        *,
        detail: str = "",
        warning: str = "",
        ask_told: bool = False,
        required: bool = True,
        placeholder: str = "",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.detail = detail
        self.warning = warning
        self.ask_told = ask_told
        self.required = required
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="reason-box") as box:
            box.border_title = literal(self.title_text)  # a str title would be read as markup
            if self.detail:
                yield Static(literal(self.detail), id="reason-detail")
            if self.warning:
                yield Static(literal(self.warning), id="reason-warning", classes="restriction")
            yield Label(literal(self.prompt))
            yield Input(
                placeholder=self.placeholder,
                id="reason-input",
                max_length=500,
                highlighter=LITERAL,
            )
            if self.ask_told:
                yield Checkbox("The customer has been told (now)", id="reason-told")
            yield Static("", id="reason-error", markup=False)
            yield Static("Enter or ctrl+s confirms; Escape cancels.", id="reason-hint")

    def on_mount(self) -> None:
        self.query_one("#reason-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        reason = " ".join(self.query_one("#reason-input", Input).value.split())
        if self.required and not reason:
            error = self.query_one("#reason-error", Static)
            error.update(literal(f"{self.prompt}: this cannot be empty"))
            return
        told = self.ask_told and self.query_one("#reason-told", Checkbox).value
        self.dismiss(ReasonResult(reason, told))

    def action_cancel(self) -> None:
        self.dismiss(None)
