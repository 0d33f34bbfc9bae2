"""Extend a subject access request to three months: the reason and the day the customer was told.

Dismisses the extended `console.desk.requests.RequestView`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from console.rules.clock import local
from screens.dialogs.form_dialog import FormDialog, field

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.requests import RequestView


class SarExtensionDialog(FormDialog["RequestView"]):
    TITLE_TEXT = "Extend a subject access request"
    LOGS_CONTACT = False

    def __init__(self, customer: CustomerView, task_id: int, due: datetime, today: str) -> None:
        super().__init__(customer)
        self.task_id = task_id
        self.due = due
        self.today = today

    def fields(self) -> Iterable[Widget]:
        text = Text("Due now ")
        text.append(f"{local(self.due):%a %d %b %Y %H:%M}", style="bold")
        text.append(": the extension runs to three months from receipt.")
        yield Static(text)
        yield field(
            "Reason", Input(id="reason", placeholder="Complexity, number of requests", compact=True)
        )
        yield field(
            "Customer told on",
            Input(self.today, id="told", classes="short", compact=True),
            hint="YYYY-MM-DD: within the first month",
        )

    def first_focus(self) -> Widget | None:
        return self.query_one("#reason", Input)

    def collect(self) -> dict[str, Any]:
        return {"reason": self.value("#reason"), "customer_told_on": self.value("#told")}

    def perform(self, desk: Desk, values: dict[str, Any]) -> RequestView:
        from console.desk.requests import extend_subject_access

        values.pop("restriction_acknowledged", None)
        return extend_subject_access(desk, self.task_id, **values)
