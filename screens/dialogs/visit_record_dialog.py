"""Record a home visit: what was agreed and the next steps, or nobody home and a calling card.

Dismisses a `console.desk.home_visits.VisitView`. Works on a booked visit, or on a
visit that was not booked here (it then asks what it was for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from console.rules.clock import local
from console.rules.errors import InputError
from screens.dialogs.form_dialog import FormDialog, check, field
from screens.widgets.key_choice import Choice, KeyChoice
from screens.widgets.literal import visible

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.home_visits import VisitView

OUTCOMES = [
    Choice("v", "visited", "Visited: record agreed"),
    Choice("n", "no_access", "Nobody home, calling card left"),
]


class VisitRecordDialog(FormDialog["VisitView"]):
    TITLE_TEXT = "Record a home visit"

    def __init__(
        self,
        customer: CustomerView,
        visit: VisitView | None = None,
        *,
        acknowledged: bool = False,
    ) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.visit = visit

    def fields(self) -> Iterable[Widget]:
        if self.visit is not None:
            about = Text("Booked visit: ", style="bold")
            about.append(f"{local(self.visit.visit_at):%a %d %b %Y %H:%M} · {self.visit.purpose}")
            yield Static(visible(about))
        else:
            yield field(
                "For",
                Input(id="purpose", placeholder="A visit not booked here: what for", compact=True),
            )
        yield field("Outcome", KeyChoice(OUTCOMES, id="outcome"))
        for row in (
            field("Identification", check("ID shown to the customer", id="id-shown")),
            field(
                "Record",
                Input(id="record", placeholder="What was discussed, as agreed", compact=True),
            ),
            field(
                "Next steps",
                Input(id="next-steps", placeholder="Agreed next steps, or 'none'", compact=True),
            ),
        ):
            row.add_class("when-visited")
            yield row

    def first_focus(self) -> Widget | None:
        return self.query_one("#outcome", KeyChoice)

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        if event.key_choice.id == "outcome":
            self.set_class(event.value == "visited", "-visited")
            if event.value == "visited":
                self.call_after_refresh(self.query_one("#id-shown").focus)

    def collect(self) -> dict[str, Any]:
        outcome = self.query_one("#outcome", KeyChoice).value
        if not outcome:
            raise InputError("choose the outcome: v visited, n nobody home (calling card left)")
        values: dict[str, Any] = {"outcome": outcome}
        if self.visit is None:
            values["purpose"] = self.value("#purpose")
        if outcome == "visited":
            values.update(
                id_shown=self.checked("#id-shown"),
                record=self.value("#record"),
                next_steps=self.value("#next-steps"),
            )
        return values

    def perform(self, desk: Desk, values: dict[str, Any]) -> VisitView:
        from console.desk.home_visits import record_visit

        assert self.customer is not None
        if self.visit is not None:
            return record_visit(desk, self.visit.contact_id, **values)
        return record_visit(desk, customer=self.customer.id, **values)
