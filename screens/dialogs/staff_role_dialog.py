"""Choose a staff member's role. Dismisses the role ("handler", ...) or None."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from console.rules.roles import ROLE_WORDS, ROLES
from screens.base import DeskDialog
from screens.widgets.literal import shown

ROLE_HELP = {
    "handler": "calls, visitors, letters and emails; their own queue",
    "reception": "the reception board, and everything a handler does",
    "team_lead": "reports, the audit trail, restrictions, subject access exports",
    "admin": "everything, and staff: add, deactivate, PINs, roles",
}


class StaffRoleDialog(DeskDialog[str | None]):
    CSS_PATH = "staff_role_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Back", id="staff_role.cancel", tooltip="Keep the role as it is"
        ),
    ]

    def __init__(self, staff_name: str, current: str) -> None:
        super().__init__()
        self.staff_name = staff_name
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="staff-role-box"):
            title = Text("Role for ")
            title.append(shown(self.staff_name), style="bold")
            title.append(" (Enter to choose)")
            yield Static(title, id="staff-role-title")
            options = []
            for role in ROLES:
                label = Text(ROLE_WORDS[role], style="bold")
                if role == self.current:
                    label.append(" (now)", style="italic")
                label.append(f"\n  {ROLE_HELP[role]}", style="dim")
                options.append(Option(label, id=role))
            yield OptionList(*options, id="staff-roles")

    def on_mount(self) -> None:
        roles = self.query_one("#staff-roles", OptionList)
        roles.highlighted = ROLES.index(self.current) if self.current in ROLES else 0
        roles.focus()

    @on(OptionList.OptionSelected, "#staff-roles")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
