"""Edit a customer's details, communication needs and consent. Dismisses the new `CustomerView`.

Needs are recorded once on the customer, so every later contact shows and
carries them (BHA s3, s9). Only what changed is saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label

from screens.dialogs.form_dialog import FormDialog, check, field
from screens.widgets.key_choice import Choice, KeyChoice

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.customers import CustomerRecord, CustomerView

PREFERRED = [
    Choice("p", "phone", "Phone"),
    Choice("e", "email", "Email"),
    Choice("l", "letter", "Letter"),
    Choice("t", "text", "Text"),
    Choice("v", "visit", "Visit"),
]


class CustomerEditDialog(FormDialog["CustomerView"]):
    TITLE_TEXT = "Customer details and communication needs"
    LOGS_CONTACT = False

    def __init__(self, record: CustomerRecord) -> None:
        super().__init__(record.customer)
        self.record = record

    def fields(self) -> Iterable[Widget]:
        c, n = self.record.customer, self.record.needs_form
        yield field("Name", Input(c.name, id="name", compact=True))
        yield field("Address", Input(c.address, id="address", compact=True))
        yield field("Phone", Input(c.phone, id="phone", compact=True))
        yield field("Other phone", Input(self.record.phone_alt, id="phone-alt", compact=True))
        yield field("Email", Input(c.email, id="email", compact=True))
        preferred = KeyChoice(PREFERRED, id="preferred")
        if c.preferred_contact:
            preferred.select(c.preferred_contact, post=False)
        yield field("Prefers", preferred)
        yield Label("Communication needs", classes="section")
        yield field(
            "Interpreter",
            Input(
                n.interpreter_language,
                id="interpreter",
                placeholder="Language, e.g. Polish",
                compact=True,
            ),
        )
        yield field(
            "Written in",
            Input(
                n.other_language,
                id="other-language",
                placeholder="Another language for letters",
                compact=True,
            ),
        )
        yield Horizontal(
            check("BSL signer", n.bsl_signer, id="bsl"),
            check("Large print", n.large_print, id="large-print"),
            check("Audio", n.audio, id="audio"),
            check("Induction loop", n.induction_loop, id="loop"),
            classes="field",
        )
        yield field(
            "Consent",
            check("Consents to share information (GDPR)", c.consent_to_share, id="consent"),
        )

    def first_focus(self) -> Widget | None:
        return self.query_one("#name", Input)

    def collect(self) -> dict[str, Any]:
        from console.desk.customers import NeedsForm

        return {
            "details": {
                "name": self.value("#name"),
                "address": self.value("#address"),
                "phone": self.value("#phone"),
                "phone_alt": self.value("#phone-alt"),
                "email": self.value("#email"),
                "preferred_contact": self.query_one("#preferred", KeyChoice).value or "",
            },
            "needs": NeedsForm(
                interpreter_language=self.value("#interpreter"),
                bsl_signer=self.checked("#bsl"),
                large_print=self.checked("#large-print"),
                audio=self.checked("#audio"),
                other_language=self.value("#other-language"),
                induction_loop=self.checked("#loop"),
            ),
            "consent": self.checked("#consent"),
        }

    def perform(self, desk: Desk, values: dict[str, Any]) -> CustomerView:
        from console.desk import customers

        r = self.record
        c = r.customer
        old = {
            "name": c.name,
            "address": c.address,
            "phone": c.phone,
            "phone_alt": r.phone_alt,
            "email": c.email,
            "preferred_contact": c.preferred_contact,
        }
        changed = {k: v for k, v in values["details"].items() if v.strip() != old[k]}
        view = c
        if changed:  # validated first: a bad email saves nothing
            view = customers.update_details(desk, c.id, **changed)
        if values["needs"] != r.needs_form:
            view = customers.set_needs(desk, c.id, values["needs"])
        if values["consent"] != c.consent_to_share:
            view = customers.set_consent(desk, c.id, values["consent"])
        return view
