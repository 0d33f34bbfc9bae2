"""Log a request: subject access, FOI, a housing application, another format or language.

Dismisses a `console.desk.requests.RequestView`. Only the requests the profile has a
standard for are offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input

from console.rules.errors import InputError
from screens.dialogs.form_dialog import CONTACT_CHANNELS, FormDialog, check, field, when_field
from screens.widgets.key_choice import Choice, KeyChoice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.requests import RequestView

KEYS = {"subject-access": "s", "foi": "f", "housing-application": "h", "alternative-format": "a"}
LABELS = {
    "subject-access": "Subject access (1 month)",
    "foi": "Freedom of information (20 working days)",
    "housing-application": "Housing application",
    "alternative-format": "Another format or language",
}
FORMATS = [
    Choice("l", "large print", "Large print"),
    Choice("a", "audio", "Audio"),
    Choice("b", "braille", "Braille"),
    Choice("e", "easy read", "Easy read"),
    Choice("o", "another language", "Another language"),
]
CHANNELS = CONTACT_CHANNELS


class RequestDialog(FormDialog["RequestView"]):
    TITLE_TEXT = "Log a request"

    def __init__(
        self,
        customer: CustomerView,
        kinds: list[tuple[str, str]],
        today: str,
        *,
        acknowledged: bool = False,
    ) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.kinds = [Choice(KEYS.get(k, k[0]), k, LABELS.get(k, name)) for k, name in kinds]
        self.today = today

    def fields(self) -> Iterable[Widget]:
        yield field("Request", KeyChoice(self.kinds, id="kind", advance=True, columns=2))
        channel = KeyChoice(CHANNELS, id="channel", advance=True)
        channel.select("letter", post=False)
        yield field("Came by", channel)
        yield when_field(self.today, hint="a letter: its date-stamp")
        yield field(
            "What is asked",
            Input(id="description", placeholder="e.g. repair records 2024", compact=True),
        )
        for row in (
            field("Format", KeyChoice(FORMATS, id="format", advance=True)),
            field(
                "Language", Input(id="language", placeholder="For another language", compact=True)
            ),
            field(
                "Remember",
                check("Use this format for every later contact", value=True, id="remember"),
            ),
        ):
            row.add_class("when-alternative-format")
            yield row

    def first_focus(self) -> Widget | None:
        return self.query_one("#kind", KeyChoice)

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        if event.key_choice.id == "kind":
            self.set_class(event.value == "alternative-format", "-alternative-format")

    def collect(self) -> dict[str, Any]:
        kind = self.query_one("#kind", KeyChoice).value
        if not kind:
            keys = ", ".join(f"{c.key} {c.label}" for c in self.kinds)
            raise InputError(f"choose the request: {keys}")
        values: dict[str, Any] = {
            "kind": kind,
            "channel": self.query_one("#channel", KeyChoice).value or "letter",
            "received": self.value("#received").strip() or None,
            "received_time": self.value("#received-time").strip() or None,
            "description": self.value("#description"),
        }
        if kind == "alternative-format":
            values.update(
                fmt=self.query_one("#format", KeyChoice).value or "",
                language=self.value("#language"),
                remember_format=self.checked("#remember"),
            )
        return values

    def perform(self, desk: Desk, values: dict[str, Any]) -> RequestView:
        from console.desk.requests import log_request

        assert self.customer is not None
        kind = values.pop("kind")
        return log_request(desk, self.customer.id, kind, **values)
