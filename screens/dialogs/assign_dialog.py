"""Assign a task to a staff member (team leads and admins), or back to the team."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import DeskDialog
from screens.widgets.find_list import FindList
from screens.widgets.literal import literal, visible

if TYPE_CHECKING:
    from console.desk.tasks import StaffChoice

NOBODY = "nobody"


@dataclass(frozen=True)
class AssignChoice:
    staff_id: int | None  # None: nobody (back to the team)


class AssignDialog(DeskDialog[AssignChoice | None]):
    """Pick someone from the active staff; dismisses with the choice, or None (Escape)."""

    CSS_PATH = "assign_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="assign.cancel", tooltip="Close, changing nothing"
        ),
    ]

    def __init__(self, summary: str, staff: list[StaffChoice], current: int | None) -> None:
        super().__init__()
        self.summary = summary
        self.staff = staff
        self.current = current

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        for s in self.staff:
            label = Text(s.name, style="bold")
            label.append(f"  {s.team or 'no team'} · {s.role.replace('_', ' ')}", style="dim")
            if s.id == self.current:
                label.append("  (has it now)", style="italic")
            options.append(Option(visible(label), id=str(s.id)))  # name, team: no raw ESC
        options.append(Option(Text("Nobody: back to the team", style="italic"), id=NOBODY))
        with Vertical(id="assign-box") as box:
            box.border_title = "Assign the task"
            yield Static(literal(self.summary), id="assign-summary")
            yield FindList(*options, id="assign-list")
            yield Static(
                "Type a name or Up/Down to choose, Enter to assign; Escape cancels.",
                id="assign-hint",
            )

    def on_mount(self) -> None:
        listing = self.query_one("#assign-list", OptionList)
        listing.focus()
        ids = [s.id for s in self.staff]
        listing.highlighted = ids.index(self.current) if self.current in ids else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        key = event.option.id
        self.dismiss(AssignChoice(None if key == NOBODY or key is None else int(key)))

    def action_cancel(self) -> None:
        self.dismiss(None)
