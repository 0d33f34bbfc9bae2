"""Complete a task: choose the outcome, add a note."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, Static

from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, literal


@dataclass(frozen=True)
class Completion:
    outcome: str
    note: str


class CompleteDialog(DeskDialog[Completion | None]):
    """Dismisses with the outcome and note (Enter in the note, or ctrl+s), or None (Escape)."""

    CSS_PATH = "complete_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="complete.cancel", tooltip="Close, changing nothing"
        ),
        Binding("ctrl+s", "save", "Complete", id="complete.save", tooltip="Complete the task"),
    ]

    def __init__(self, summary: str, outcomes: tuple[str, ...], *, warning: str = "") -> None:
        super().__init__()
        self.summary = summary
        self.outcomes = outcomes
        self.warning = warning

    def compose(self) -> ComposeResult:
        with Vertical(id="complete-box") as box:
            box.border_title = "Complete the task"
            yield Static(literal(self.summary), id="complete-summary")
            if self.warning:
                yield Static(literal(self.warning), id="complete-warning", classes="restriction")
            yield Label("Outcome")
            yield Select(
                [(o, o) for o in self.outcomes],
                value=self.outcomes[0],
                allow_blank=False,
                id="complete-outcome",
            )
            yield Label("Note (what was done, what the customer was told)")
            yield Input(id="complete-note", max_length=1000, highlighter=LITERAL)
            yield Static(
                "Enter in the note or ctrl+s completes; Escape cancels.", id="complete-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#complete-note", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        from console.desk.tasks import check_completion
        from console.rules.errors import FrontDeskError

        outcome = self.query_one("#complete-outcome", Select).value
        note = self.query_one("#complete-note", Input).value
        try:  # the service's own rule, asked before closing so nothing typed is lost
            checked = check_completion(str(outcome), note)
        except FrontDeskError as exc:
            hint = self.query_one("#complete-hint", Static)
            hint.update(literal(str(exc)))
            hint.add_class("-error")
            self.query_one("#complete-note", Input).focus()
            return
        self.dismiss(Completion(*checked))

    def action_cancel(self) -> None:
        self.dismiss(None)
