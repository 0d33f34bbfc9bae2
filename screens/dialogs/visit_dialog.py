"""The visit: purpose, customer, notes and outcome, added during or after a reception visit.

Dismisses the `console.desk.reception.VisitRecorded` result once saved (with what to
tell the visitor for each task opened), or None when reception backs out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Label, Static

from console.desk.outcomes import BY_KIND, Outcome, available_outcomes
from console.desk.reception import KEEP, VisitRecorded, VisitView, record_visit
from console.rules.errors import FrontDeskError, InputError
from screens.base import DeskDialog
from screens.widgets.caller_banner import CallerBanner
from screens.widgets.customer_picker import CustomerPicked, CustomerPicker
from screens.widgets.key_choice import Choice, KeyChoice, hotkeys
from screens.widgets.literal import LITERAL, literal
from screens.widgets.outcome_detail import outcome_summary, pick_outcome

if TYPE_CHECKING:
    from console.desk.customers import CustomerView

ACK_HINT = "Press ctrl+r to acknowledge the restriction before saving."


class VisitDialog(DeskDialog["VisitRecorded | None"]):
    """Find the customer, press the purpose's letter, type notes, press the outcome's number."""

    CSS_PATH = "visit_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            id="visit.save",
            tooltip="Save the visit's purpose, customer, notes and outcome",
            priority=True,
        ),
        Binding(
            "ctrl+r",
            "acknowledge",
            "Acknowledge",
            id="visit.acknowledge",
            tooltip="Acknowledge the customer's access restriction",
            priority=True,
        ),
        Binding(
            "escape", "cancel", "Back", id="visit.cancel", tooltip="Back to the board, unsaved"
        ),
    ]

    def __init__(self, visit: VisitView) -> None:
        super().__init__()
        self.visit = visit
        self.customer_id: Any = KEEP  # KEEP until a customer (or nobody) is picked
        self.outcome: Outcome | None = None
        self.saving = False

    def compose(self) -> ComposeResult:
        v = self.visit
        with VerticalScroll(id="visit-box"):
            yield Static(literal(self._title()), id="visit-title")
            yield Label("Customer (type to find; Enter picks; f8 not on record)", classes="section")
            yield CustomerPicker(
                id="visit-picker",
                placeholder="Find the visitor: name, address, phone or reference",
                nobody="Visitor not on record",
            )
            yield CallerBanner(id="visit-banner", ack_hint=ACK_HINT)
            yield Label("Purpose (press its letter)", classes="section")
            yield KeyChoice(id="visit-category", advance=True)
            yield Label("Notes", classes="section")
            yield Input(
                value=v.notes,
                id="visit-notes",
                placeholder="What the visitor wanted, what was agreed",
                highlighter=LITERAL,
            )
            yield Label("Outcome (press its number)", classes="section")
            if v.outcome:
                tasks = f" · {len(v.tasks)} task(s) in the queue" if v.tasks else ""
                yield Static(
                    literal(f"{v.outcome_label} (recorded{tasks})"), id="visit-outcome-done"
                )
            else:
                yield KeyChoice(id="visit-outcome", columns=2)
            yield Static("", id="visit-outcome-detail", markup=False)
            yield Static("", id="visit-status", markup=False)
        yield Footer()

    def _title(self) -> str:
        from console.rules.clock import local

        v = self.visit
        return f"Visit: {v.board_name} · arrived {local(v.received_at):%H:%M} · {v.status()}"

    def on_mount(self) -> None:
        profile = self.desk.profile
        labels = [c.label for c in profile.categories]
        category = self.query_one("#visit-category", KeyChoice)
        category.set_choices(
            [
                Choice(k, c.key, c.label)
                for k, c in zip(hotkeys(labels), profile.categories, strict=True)
            ]
        )
        if self.visit.category:
            category.select(self.visit.category, post=False)
        if not self.visit.outcome:
            self.query_one("#visit-outcome", KeyChoice).set_choices(
                [Choice(c.key, c.kind, c.label) for c in available_outcomes(profile)]
            )
        if self.visit.customer_id is not None:
            self._load_customer(self.visit.customer_id)
        self.query_one("#visit-picker", CustomerPicker).focus_input()

    def _load_customer(self, customer_id: int) -> None:
        from console.desk.customers import get

        self.run_service(
            get,
            customer_id,
            done=self._show_linked,
            doing="load the visit's customer",
            group="visit-customer",
            hold_keys=True,  # typing in the finder waits for the linked customer to show
        )

    def _show_linked(self, customer: CustomerView) -> None:
        self.query_one("#visit-picker", CustomerPicker).pick(customer, post=False)
        self.query_one("#visit-banner", CallerBanner).show(customer)
        self.refresh_bindings()

    # -- the form ------------------------------------------------------------------------

    def on_customer_picked(self, event: CustomerPicked) -> None:
        event.stop()
        customer = event.customer
        self.customer_id = customer.id if customer is not None else None
        banner = self.query_one("#visit-banner", CallerBanner)
        banner.show(customer)
        self.refresh_bindings()
        if banner.needs_acknowledgement:
            self._status(ACK_HINT, error=True)
        self.query_one("#visit-category", KeyChoice).focus()

    def on_customer_picker_cleared(self, event: CustomerPicker.Cleared) -> None:
        event.stop()
        self.customer_id = KEEP
        self.query_one("#visit-banner", CallerBanner).show(None)
        self.refresh_bindings()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "visit-notes":
            return
        event.stop()
        if not self.visit.outcome:
            self.query_one("#visit-outcome", KeyChoice).focus()

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        event.stop()
        if event.key_choice.id != "visit-outcome":
            return
        category = self.query_one("#visit-category", KeyChoice).value
        pick_outcome(self, event.key_choice, event.value, category, self._set_outcome)

    def _set_outcome(self, outcome: Outcome | None) -> None:
        self.outcome = outcome
        self._show_outcome_detail()

    def _show_outcome_detail(self) -> None:
        detail = self.query_one("#visit-outcome-detail", Static)
        detail.update(outcome_summary(self.outcome, with_service=False))

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#visit-status", Static)
        status.update(literal(text))  # an error may quote the customer's name
        status.set_class(error, "error")

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge":
            return (
                self.is_mounted
                and self.query_one("#visit-banner", CallerBanner).needs_acknowledgement
            )
        return True

    def action_acknowledge(self) -> None:
        self.query_one("#visit-banner", CallerBanner).acknowledge()
        self.refresh_bindings()
        self._status("Restriction acknowledged.")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def form(self) -> dict[str, Any]:
        """record_visit's keyword arguments from what is on screen; InputError says what to fix."""
        banner = self.query_one("#visit-banner", CallerBanner)
        if banner.needs_acknowledgement:
            raise InputError(ACK_HINT)
        out: dict[str, Any] = {
            "category": self.query_one("#visit-category", KeyChoice).value or "",
            "notes": self.query_one("#visit-notes", Input).value,
            "customer_id": self.customer_id,
            "restriction_acknowledged": banner.acknowledged,
        }
        if not self.visit.outcome:
            kind = self.query_one("#visit-outcome", KeyChoice).value
            if kind is not None:
                if self.outcome is None or self.outcome.kind != kind:
                    raise InputError(
                        f"'{BY_KIND[kind].label}' needs details: press its number again"
                    )
                out["outcome"] = self.outcome
        return out

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            form = self.form()
        except FrontDeskError as exc:
            self._status(str(exc), error=True)
            return
        self.saving = True
        self._status("Saving…")
        self._save(form)

    def _save(self, form: dict[str, Any]) -> None:
        self.run_service(
            record_visit,
            self.visit.id,
            **form,
            done=self._saved,
            failed=self._failed,
            doing="save the visit",
            group="visit-save",
            hold_keys=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        if isinstance(exc, FrontDeskError):
            self._status(str(exc), error=True)
        else:
            self.service_failed(exc, "save the visit")

    def _saved(self, result: VisitRecorded) -> None:
        self.saving = False
        self.dismiss(result)
