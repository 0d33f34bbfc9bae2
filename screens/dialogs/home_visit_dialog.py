"""Book a home visit: a date, a time and what it is for. Dismisses a `home_visits.VisitView`.

Where the profile asks for a minimum notice (Weslo: 7 working days), the dialog
flags a booking with less as soon as the date and time are typed, and the
reason for the short notice becomes required.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widget import Widget
from textual.widgets import Input, Static

from console.rules.errors import FrontDeskError
from screens.dialogs.form_dialog import FormDialog, field
from screens.widgets.literal import literal

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.home_visits import VisitView


class HomeVisitDialog(FormDialog["VisitView"]):
    TITLE_TEXT = "Book a home visit"

    def __init__(self, customer: CustomerView, notice: str, *, acknowledged: bool = False) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.notice = notice  # "" where the profile sets no minimum notice

    def fields(self) -> Iterable[Widget]:
        yield field(
            "Date", Input(id="day", placeholder="YYYY-MM-DD", classes="short", compact=True)
        )
        yield field("Time", Input(id="at", placeholder="HH:MM", classes="short", compact=True))
        yield field(
            "For",
            Input(id="purpose", placeholder="Tenancy check, repair inspection…", compact=True),
        )
        hint = f"the standard is {self.notice} notice" if self.notice else "by appointment"
        yield field(
            "Short notice",
            Input(id="reason", placeholder="Why, if less notice than the standard", compact=True),
            hint=hint,
        )
        yield Static(id="notice-flag", markup=False)
        yield field("Notes", Input(id="notes", compact=True))

    def first_focus(self) -> Widget | None:
        return self.query_one("#day", Input)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id in ("day", "at"):
            self._check_notice()

    def _check_notice(self) -> None:
        from console.desk.customers import parse_day, parse_time
        from console.desk.home_visits import notice_check
        from console.rules.calendar import local_instant

        flag = self.query_one("#notice-flag", Static)
        desk = self.desk if self.desk_ready else None
        day, at = self.value("#day").strip(), self.value("#at").strip()
        flag.remove_class("flag")
        flag.update("")
        if desk is None or not day or not at:
            return
        try:
            visit_at = local_instant(parse_day(day), parse_time(at))
            ok, message = notice_check(desk, visit_at)  # the calendar only: no database
        except FrontDeskError:
            return
        if ok is False:
            flag.add_class("flag")
            flag.update(literal(f"⚑ Short notice: {message}"))

    def collect(self) -> dict[str, Any]:
        return {
            "day": self.value("#day"),
            "at": self.value("#at"),
            "purpose": self.value("#purpose"),
            "short_notice_reason": self.value("#reason"),
            "notes": self.value("#notes"),
        }

    def perform(self, desk: Desk, values: dict[str, Any]) -> VisitView:
        from console.desk.home_visits import book_visit

        assert self.customer is not None
        return book_visit(desk, self.customer.id, **values)
