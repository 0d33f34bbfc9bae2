"""The details an outcome needs: who a call is referred or transferred to; a complaint's subject.

Dismisses a complete `console.desk.outcomes.Outcome`, or None when the handler backs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.desk.outcomes import BY_KIND, Outcome
from console.desk.people import Colleague
from screens.base import DeskDialog
from screens.widgets.find_list import FindList
from screens.widgets.literal import LITERAL, literal

if TYPE_CHECKING:
    pass


class OutcomeDialog(DeskDialog["Outcome | None"]):
    """Referral and transfer: pick a team or colleague. Complaints: subject and service."""

    DEFAULT_CSS = """
    OutcomeDialog {
        align: center middle;
    }
    OutcomeDialog #outcome-box {
        width: 76;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    OutcomeDialog #outcome-title {
        text-style: bold;
    }
    OutcomeDialog Label {
        margin-top: 1;
        color: $text-muted;
    }
    OutcomeDialog #outcome-targets {
        height: auto;
        max-height: 14;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "confirm",
            "Use this",
            id="outcome.confirm",
            tooltip="Use these details for the outcome",
            priority=True,
        ),
        Binding(
            "ctrl+u",
            "toggle_urgent",
            "Urgent",
            id="outcome.urgent",
            tooltip="Referral on the urgent call back clock",
        ),
        Binding(
            "escape",
            "cancel",
            "Back",
            id="outcome.cancel",
            tooltip="Back to the call without this outcome",
        ),
    ]

    def __init__(
        self,
        kind: str,
        *,
        teams: tuple[str, ...] = (),
        urgent_available: bool = False,
        service: str = "",
    ) -> None:
        super().__init__()
        self.kind = kind
        self.teams = teams
        self.urgent_available = urgent_available and kind == "referred"
        self.service = service
        self.colleagues: list[Colleague] = []

    @property
    def wants_target(self) -> bool:
        return self.kind in ("referred", "transferred")

    def compose(self) -> ComposeResult:
        title = BY_KIND[self.kind].label if self.kind in BY_KIND else self.kind
        with Vertical(id="outcome-box"):
            yield Static(literal(title), id="outcome-title")
            if self.wants_target:
                who = "Who will call back?" if self.kind == "referred" else "Transferred to"
                yield Label(f"{who} (type a name or Up/Down, Enter)")
                yield FindList(*self._team_options(), id="outcome-targets")
                if self.kind == "transferred":
                    yield Label("…or someone outside (e.g. Scottish Water)")
                    yield Input(
                        id="outcome-name",
                        placeholder="Name of an outside organisation or person",
                        highlighter=LITERAL,
                    )
                if self.urgent_available:
                    yield Checkbox("Urgent call back (ctrl+u)", id="outcome-urgent")
            else:
                yield Label("What is the complaint about?")
                yield Input(
                    id="outcome-subject",
                    placeholder="Subject, in a few words",
                    highlighter=LITERAL,
                )
                yield Label("Which service?")
                yield Input(
                    value=self.service,  # the category's label, from the landlord's profile
                    id="outcome-service",
                    placeholder="Repairs, Rent, …",
                    highlighter=LITERAL,
                )
            yield Static("ctrl+s use · escape back", classes="hint")

    def _team_options(self) -> list[Option]:
        return [Option(literal(f"Team: {t}"), id=f"team:{t}") for t in self.teams]

    def on_mount(self) -> None:
        if self.wants_target:
            targets = self.query_one("#outcome-targets", OptionList)
            targets.highlighted = 0 if targets.option_count else None
            targets.focus()
            self._load_colleagues()
        else:
            self.query_one("#outcome-subject", Input).focus()

    def _load_colleagues(self) -> None:
        from console.desk.people import colleagues

        self.run_service(
            colleagues,
            done=self._show_colleagues,
            doing="list colleagues",
            group="outcome-colleagues",
            hold_keys=True,  # Down typed at once moves through the whole list
        )

    def _show_colleagues(self, found: list[Colleague]) -> None:
        self.colleagues = found
        from screens.widgets.outcome_detail import remember_colleagues

        remember_colleagues({c.id: c.name for c in found})  # "Referred to <name>" afterwards
        targets = self.query_one("#outcome-targets", OptionList)
        keep = targets.highlighted
        targets.add_options(
            Option(literal(c.name + (f" ({c.team})" if c.team else "")), id=f"staff:{c.id}")
            for c in found
        )
        targets.highlighted = keep if keep is not None else 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_confirm()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "outcome-subject":
            self.query_one("#outcome-service", Input).focus()
        else:
            self.action_confirm()

    def action_toggle_urgent(self) -> None:
        if self.urgent_available:
            box = self.query_one("#outcome-urgent", Checkbox)
            box.value = not box.value

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        outcome = self.outcome()
        if outcome is not None:
            self.dismiss(outcome)

    def outcome(self) -> Outcome | None:
        """The Outcome from what is on screen, or None (with a message) if something is missing."""
        if not self.wants_target:
            subject = self.query_one("#outcome-subject", Input).value.strip()
            if not subject:
                self.notify("Say what the complaint is about", severity="error")
                return None
            service = self.query_one("#outcome-service", Input).value.strip()
            return Outcome(self.kind, subject=subject, service=service)
        urgent = self.urgent_available and self.query_one("#outcome-urgent", Checkbox).value
        if self.kind == "transferred":
            name = self.query_one("#outcome-name", Input).value.strip()
            if name:
                return Outcome(self.kind, to_name=name)
        targets = self.query_one("#outcome-targets", OptionList)
        if targets.highlighted is None:
            self.notify("Choose a team or a colleague", severity="error")
            return None
        target = targets.get_option_at_index(targets.highlighted).id or ""
        if target.startswith("team:"):
            return Outcome(self.kind, to_team=target[5:], urgent=urgent)
        return Outcome(self.kind, to_staff_id=int(target.split(":", 1)[1]), urgent=urgent)
