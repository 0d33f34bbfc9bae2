"""Record or lift an access restriction (BHA s12, the unacceptable behaviour policy).

A team lead's decision: what is restricted, why, and when it is reviewed. With
a restriction in place the dialog offers to lift it, with the reason. Dismisses
the new `CustomerView`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input

from screens.dialogs.form_dialog import FormDialog, check, field

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.customers import CustomerView


class RestrictionDialog(FormDialog["CustomerView"]):
    TITLE_TEXT = "Access restriction"
    LOGS_CONTACT = False

    def fields(self) -> Iterable[Widget]:
        c = self.customer
        assert c is not None
        review = f"{c.restriction_review:%Y-%m-%d}" if c.restriction_review else ""
        yield field(
            "Restriction",
            Input(
                c.restriction, id="what", placeholder="e.g. contact by letter only", compact=True
            ),
        )
        yield field(
            "Why",
            Input(
                c.restriction_reason,
                id="why",
                placeholder="The decision under the policy",
                compact=True,
            ),
        )
        yield field(
            "Review on",
            Input(review, id="review", placeholder="YYYY-MM-DD", classes="short", compact=True),
        )
        if c.restriction:
            yield field("Lift", check("Lift the restriction", id="lift"))
            yield field(
                "Why lifted",
                Input(id="lift-why", placeholder="The review's decision", compact=True),
            )

    def first_focus(self) -> Widget | None:
        return self.query_one("#what", Input)

    def collect(self) -> dict[str, Any]:
        lift = bool(self.query("#lift")) and self.checked("#lift")
        return {
            "lift": lift,
            "what": self.value("#what"),
            "why": self.value("#why"),
            "review": self.value("#review"),
            "lift_why": self.value("#lift-why") if lift else "",
        }

    def perform(self, desk: Desk, values: dict[str, Any]) -> CustomerView:
        from console.desk import customers

        assert self.customer is not None
        if values["lift"]:
            return customers.lift_restriction(desk, self.customer.id, why=values["lift_why"])
        return customers.set_restriction(
            desk, self.customer.id, what=values["what"], why=values["why"], review=values["review"]
        )
