"""Add a staff member: name, login, role, team, and their PIN typed twice.

Dismisses a `NewStaff` once every field passes the same checks the service
makes (so nothing typed is lost to a refusal), or None on Escape.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from console.desk.people import (
    check_login,
    check_name,
    check_pin,
    check_role,
    check_team,
    suggest_login,
)
from console.rules.errors import FrontDeskError, InputError
from console.rules.roles import ROLE_WORDS, ROLES
from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, literal


@dataclass(frozen=True)
class NewStaff:
    name: str
    login: str
    role: str
    team: str
    pin: str


class StaffAddDialog(DeskDialog[NewStaff | None]):
    CSS_PATH = "staff_add_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "confirm",
            "Add",
            id="staff_add.confirm",
            tooltip="Add this staff member",
            priority=True,
        ),
        Binding("escape", "cancel", "Back", id="staff_add.cancel", tooltip="Close without adding"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._login_edited = False

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-add-box"):
            yield Static("Add a staff member", id="staff-add-title")
            yield Label("Full name", classes="field-label")
            yield Input(
                id="add-name", placeholder="e.g. Ann Smith", max_length=100, highlighter=LITERAL
            )
            yield Label("Login", classes="field-label")
            yield Input(
                id="add-login", placeholder="e.g. asmith", max_length=32, highlighter=LITERAL
            )
            yield Label("Role", classes="field-label")
            yield Select(
                [(ROLE_WORDS[r], r) for r in ROLES],
                id="add-role",
                allow_blank=False,
                value="handler",
            )
            yield Label("Team (optional)", classes="field-label")
            yield Input(
                id="add-team",
                placeholder="e.g. Customer Services",
                max_length=60,
                highlighter=LITERAL,
            )
            yield Label("PIN (4 to 8 digits, chosen with them)", classes="field-label")
            yield Input(
                id="add-pin", password=True, restrict=r"[0-9]*", max_length=8, select_on_focus=False
            )
            yield Label("The same PIN again", classes="field-label")
            yield Input(
                id="add-pin2",
                password=True,
                restrict=r"[0-9]*",
                max_length=8,
                select_on_focus=False,
            )
            yield Static(id="staff-add-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#add-name", Input).focus()

    @on(Input.Changed, "#add-name")
    def _suggest(self, event: Input.Changed) -> None:
        if not self._login_edited:
            self.query_one("#add-login", Input).value = suggest_login(event.value)

    @on(Input.Changed, "#add-login")
    def _login_typed(self, event: Input.Changed) -> None:
        self._login_edited = event.value != suggest_login(self.query_one("#add-name", Input).value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "add-pin2":
            self.action_confirm()
        else:
            self.focus_next()

    def action_confirm(self) -> None:
        value = self.query_one("#add-role", Select).value
        try:
            name = check_name(self.query_one("#add-name", Input).value)
            login = check_login(self.query_one("#add-login", Input).value)
            role = check_role(value if isinstance(value, str) else "")
            team = check_team(self.query_one("#add-team", Input).value)
            pin = check_pin(self.query_one("#add-pin", Input).value)
            if pin != self.query_one("#add-pin2", Input).value:
                raise InputError("the two PINs differ: type the same PIN twice")
        except FrontDeskError as exc:
            self.query_one("#staff-add-message", Static).update(literal(str(exc)))
            return
        self.dismiss(NewStaff(name, login, role, team, pin))

    def action_cancel(self) -> None:
        self.dismiss(None)
