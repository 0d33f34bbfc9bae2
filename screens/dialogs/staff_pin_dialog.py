"""A new PIN, typed twice: for an admin resetting a staff member's PIN.

Dismisses the PIN once it passes the PIN rules and both entries match, or None.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from console.desk.people import check_pin
from console.rules.errors import FrontDeskError, InputError
from screens.base import DeskDialog
from screens.widgets.literal import literal, shown


class StaffPinDialog(DeskDialog[str | None]):
    CSS_PATH = "staff_pin_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "confirm",
            "Set PIN",
            id="staff_pin.confirm",
            tooltip="Set this PIN (it also lifts a lock-out)",
            priority=True,
        ),
        Binding("escape", "cancel", "Back", id="staff_pin.cancel", tooltip="Close; the PIN stays"),
    ]

    def __init__(self, staff_name: str) -> None:
        super().__init__()
        self.staff_name = staff_name

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-pin-box"):
            title = Text("New PIN for ")
            title.append(shown(self.staff_name), style="bold")
            yield Static(title, id="staff-pin-title")
            yield Label("PIN (4 to 8 digits, chosen with them)", classes="field-label")
            yield Input(
                id="new-pin", password=True, restrict=r"[0-9]*", max_length=8, select_on_focus=False
            )
            yield Label("The same PIN again", classes="field-label")
            yield Input(
                id="new-pin2",
                password=True,
                restrict=r"[0-9]*",
                max_length=8,
                select_on_focus=False,
            )
            yield Static(id="staff-pin-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#new-pin", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "new-pin":
            self.query_one("#new-pin2", Input).focus()
        else:
            self.action_confirm()

    def action_confirm(self) -> None:
        try:
            pin = check_pin(self.query_one("#new-pin", Input).value, "the new PIN")
            if pin != self.query_one("#new-pin2", Input).value:
                raise InputError("the two PINs differ: type the same PIN twice")
        except FrontDeskError as exc:
            self.query_one("#staff-pin-message", Static).update(literal(str(exc)))
            return
        self.dismiss(pin)

    def action_cancel(self) -> None:
        self.dismiss(None)
