"""Take a complaint: put right there and then, stage 1, or straight to stage 2.

Dismisses a `console.desk.complaints.ComplaintView`. Frontline resolution asks for
the actions and the outcome now; stage 2 directly asks why it skips stage 1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input

from console.rules.errors import InputError
from screens.dialogs.form_dialog import CONTACT_CHANNELS, FormDialog, field, when_field
from screens.widgets.key_choice import Choice, KeyChoice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.complaints import ComplaintView
    from console.desk.context import Desk
    from console.desk.customers import CustomerView

HOW = [
    Choice("f", "frontline", "Resolved there and then"),
    Choice("1", "stage1", "Stage 1"),
    Choice("2", "stage2", "Straight to stage 2"),
]
OUTCOMES = [
    Choice("u", "upheld", "Upheld"),
    Choice("p", "partially upheld", "Partially upheld"),
    Choice("n", "not upheld", "Not upheld"),
    Choice("r", "resolved", "Resolved"),
]
CHANNELS = [*CONTACT_CHANNELS, Choice("h", "home_visit", "Home visit")]


class ComplaintDialog(FormDialog["ComplaintView"]):
    TITLE_TEXT = "Take a complaint"

    def __init__(self, customer: CustomerView, today: str, *, acknowledged: bool = False) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.today = today

    def fields(self) -> Iterable[Widget]:
        yield field("How", KeyChoice(HOW, id="how", advance=True))
        yield field(
            "About", Input(id="subject", placeholder="What the complaint is about", compact=True)
        )
        yield field(
            "Service",
            Input(id="service", placeholder="Which service: Repairs, Rent…", compact=True),
        )
        channel = KeyChoice(CHANNELS, id="channel", advance=True)
        channel.select("letter", post=False)
        yield field("Came by", channel)
        yield when_field(self.today, hint="no time: the date-stamp")
        frontline = "when-frontline"
        row = field(
            "Actions taken",
            Input(id="actions", placeholder="What was done to put it right", compact=True),
        )
        row.add_class(frontline)
        yield row
        row = field("Outcome", KeyChoice(OUTCOMES, id="outcome", advance=True))
        row.add_class(frontline)
        yield row
        row = field(
            "Root cause", Input(id="root-cause", placeholder="Needed when upheld", compact=True)
        )
        row.add_class(frontline)
        yield row
        row = field(
            "Why stage 2", Input(id="reason", placeholder="Why it skips stage 1", compact=True)
        )
        row.add_class("when-stage2")
        yield row

    def first_focus(self) -> Widget | None:
        return self.query_one("#how", KeyChoice)

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        if event.key_choice.id == "how":
            for how in ("frontline", "stage1", "stage2"):
                self.set_class(event.value == how, f"-{how}")

    def collect(self) -> dict[str, Any]:
        how = self.query_one("#how", KeyChoice).value
        if not how:
            raise InputError(
                "choose how: f resolved there and then, 1 stage 1, 2 straight to stage 2"
            )
        values: dict[str, Any] = {
            "how": how,
            "subject": self.value("#subject"),
            "service": self.value("#service"),
            "channel": self.query_one("#channel", KeyChoice).value or "letter",
            "received": self.value("#received").strip() or None,
            "received_time": self.value("#received-time").strip() or None,
        }
        if how == "frontline":
            values.update(
                actions=self.value("#actions"),
                outcome=self.query_one("#outcome", KeyChoice).value or "resolved",
                root_cause=self.value("#root-cause"),
            )
        elif how == "stage2":
            values["reason"] = self.value("#reason")
        return values

    def perform(self, desk: Desk, values: dict[str, Any]) -> ComplaintView:
        from console.desk import complaints

        assert self.customer is not None
        how = values.pop("how")
        if how == "frontline":
            return complaints.resolve_frontline(desk, self.customer.id, **values)
        return complaints.open_complaint(
            desk, self.customer.id, stage=2 if how == "stage2" else 1, **values
        )
