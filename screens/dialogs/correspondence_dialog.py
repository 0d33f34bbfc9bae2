"""Log an email, a social media message or a letter: dismisses `console.desk.correspondence.Logged`.

A letter asks for its date-stamp (today by default, never later); an email or a
message for when it arrived (blank: now). The enquiry category is one key; the
reply is routine unless "urgent" is ticked (where the profile has two speeds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input

from console.rules.errors import InputError
from screens.dialogs.form_dialog import FormDialog, check, field, when_field
from screens.widgets.key_choice import Choice, KeyChoice, hotkeys

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.correspondence import Logged
    from console.desk.customers import CustomerView
    from console.rules.profiles import Profile

TITLES = {"email": "Log an email", "social": "Log a social media message", "letter": "Log a letter"}


def category_choices(profile: Profile) -> list[Choice]:
    keys = hotkeys([c.label for c in profile.categories])
    return [Choice(k, c.key, c.label) for k, c in zip(keys, profile.categories, strict=True)]


class CorrespondenceDialog(FormDialog["Logged"]):
    def __init__(
        self,
        channel: str,
        customer: CustomerView,
        profile: Profile,
        today: str,
        *,
        acknowledged: bool = False,
    ) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.channel = channel
        self.profile = profile
        self.today = today
        self.two_speeds = profile.slug_for("reply_urgent") != profile.slug_for("reply_routine")

    def title_text(self) -> str:
        return TITLES[self.channel]

    def fields(self) -> Iterable[Widget]:
        if self.channel == "letter":
            yield field(
                "Date-stamp",
                Input(self.today, id="received", classes="short", compact=True),
                hint="the day it arrived: YYYY-MM-DD, today or earlier",
            )
        else:
            yield when_field(hint="blank: now")
        yield field(
            "Enquiry", KeyChoice(category_choices(self.profile), id="category", advance=True)
        )
        if self.two_speeds:
            yield field("Reply", check("Urgent (reply within 1 working day)", id="urgent"))
        yield field("Subject", Input(id="subject", placeholder="A few words", compact=True))
        yield field("Notes", Input(id="notes", placeholder="What the customer wants", compact=True))

    def first_focus(self) -> Widget | None:
        return self.query_one("#received", Input)

    def collect(self) -> dict[str, Any]:
        category = self.query_one("#category", KeyChoice).value
        if not category:
            raise InputError("choose the enquiry: press its letter")
        values: dict[str, Any] = {
            "received": self.value("#received").strip() or None,
            "category": category,
            "urgent": self.checked("#urgent") if self.two_speeds else False,
            "subject": self.value("#subject"),
            "notes": self.value("#notes"),
        }
        if self.channel != "letter":
            values["received_time"] = self.value("#received-time").strip() or None
            if values["received_time"] and not values["received"]:
                values["received"] = self.today
        return values

    def perform(self, desk: Desk, values: dict[str, Any]) -> Logged:
        from console.desk.correspondence import log_correspondence

        assert self.customer is not None
        return log_correspondence(desk, self.channel, self.customer.id, **values)
