"""Create a customer in place while the caller is on the line; dismisses the new CustomerView."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from console.desk.customers import CustomerView
from screens.base import DeskDialog
from screens.widgets.literal import LITERAL

if TYPE_CHECKING:
    pass

_PHONE = re.compile(r"^[\d +()-]{6,}$")


class NewCustomerDialog(DeskDialog[CustomerView | None]):
    """Name, address, phone and email; ctrl+s creates, escape goes back to the finder."""

    DEFAULT_CSS = """
    NewCustomerDialog {
        align: center middle;
    }
    NewCustomerDialog #new-customer {
        width: 70;
        height: auto;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    NewCustomerDialog Label {
        margin-top: 1;
        color: $text-muted;
    }
    NewCustomerDialog #new-customer-title {
        text-style: bold;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "create",
            "Create",
            id="new_customer.create",
            tooltip="Create the customer and pick them",
            priority=True,
        ),
        Binding(
            "escape",
            "cancel",
            "Back",
            id="new_customer.cancel",
            tooltip="Back to the finder without creating anyone",
        ),
    ]

    def __init__(self, typed: str = "") -> None:
        super().__init__()
        self.typed = typed.strip()
        self.busy = False

    def compose(self) -> ComposeResult:
        name, phone = ("", self.typed) if _PHONE.match(self.typed) else (self.typed, "")
        with Vertical(id="new-customer"):
            yield Static("New customer", id="new-customer-title")
            yield Label("Name")
            yield Input(value=name, id="new-name", placeholder="First name and surname")
            yield Label("Address")
            yield Input(id="new-address", placeholder="House, street, town")
            yield Label("Phone")
            yield Input(value=phone, id="new-phone", placeholder="Phone number")
            yield Label("Email")
            yield Input(id="new-email", placeholder="Optional")
            yield Static("ctrl+s create · escape back · Enter next field", classes="hint")

    def on_mount(self) -> None:
        for box in self.query(Input):  # what was typed in the finder, shown literally
            box.highlighter = LITERAL
        self.query_one("#new-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "new-email":
            self.action_create()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        if self.busy:
            return
        name = self.query_one("#new-name", Input).value
        if not name.strip():
            self.notify("Type the customer's name first", severity="error")
            self.query_one("#new-name", Input).focus()
            return
        self.busy = True
        self._create(
            name,
            self.query_one("#new-address", Input).value,
            self.query_one("#new-phone", Input).value,
            self.query_one("#new-email", Input).value,
        )

    def _create(self, name: str, address: str, phone: str, email: str) -> None:
        from console.desk.customers import create

        self.run_service(
            create,
            name,
            address=address,
            phone=phone,
            email=email,
            done=self.dismiss,
            failed=self._failed,
            doing="create the customer",
            group="new-customer",
            hold_keys=True,  # the enquiry letter typed next lands on the form behind
        )

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.service_failed(exc, "create the customer")
