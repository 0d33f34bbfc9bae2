"""Report a repair from any channel: dismisses `console.desk.correspondence.Logged`.

The priority sets the attendance task. Untick "work can be issued" when the
details given are not enough: an urgent repair then gets a call back, a routine
one a reply (BHA s7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input

from console.rules.errors import InputError
from screens.dialogs.form_dialog import FormDialog, check, field, when_field
from screens.widgets.key_choice import Choice, KeyChoice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.correspondence import Logged
    from console.desk.customers import CustomerView

CHANNELS = [
    Choice("e", "email", "Email"),
    Choice("s", "social", "Social media"),
    Choice("l", "letter", "Letter"),
    Choice("c", "call", "Call"),
    Choice("v", "visit", "Office visit"),
    Choice("h", "home_visit", "Home visit"),
]
PRIORITIES = [
    Choice("e", "emergency", "Emergency (6 hours)"),
    Choice("u", "urgent", "Urgent (3 working days)"),
    Choice("r", "routine", "Routine (10 working days)"),
]


class RepairDialog(FormDialog["Logged"]):
    TITLE_TEXT = "Report a repair"

    def __init__(self, customer: CustomerView, today: str, *, acknowledged: bool = False) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.today = today

    def fields(self) -> Iterable[Widget]:
        channel = KeyChoice(CHANNELS, id="channel", advance=True)
        channel.select("email", post=False)
        yield field("Reported by", channel)
        yield field("Priority", KeyChoice(PRIORITIES, id="priority", advance=True))
        yield field(
            "What is wrong", Input(id="description", placeholder="What and where", compact=True)
        )
        yield field(
            "Location", Input(id="location", placeholder="Room, block (optional)", compact=True)
        )
        yield field(
            "Issue",
            check("Work can be issued from what was given", value=True, id="can-issue"),
        )
        yield when_field(hint="blank: now; a letter: its date-stamp")

    def first_focus(self) -> Widget | None:
        return self.query_one("#channel", KeyChoice)

    def collect(self) -> dict[str, Any]:
        channel = self.query_one("#channel", KeyChoice).value or "email"
        priority = self.query_one("#priority", KeyChoice).value
        if not priority:
            raise InputError("choose the priority: e emergency, u urgent or r routine")
        received = self.value("#received").strip() or None
        at = self.value("#received-time").strip() or None
        if channel == "letter" and received is None:
            received = self.today
        if at and received is None:
            received = self.today
        return {
            "channel": channel,
            "priority": priority,
            "description": self.value("#description"),
            "location": self.value("#location"),
            "can_issue": self.checked("#can-issue"),
            "received": received,
            "received_time": at,
        }

    def perform(self, desk: Desk, values: dict[str, Any]) -> Logged:
        from console.desk.repairs import report_repair

        assert self.customer is not None
        return report_repair(desk, self.customer.id, **values)
