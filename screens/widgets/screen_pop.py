"""The phone system on the calls desk: who is calling this handler's phone, and the line now.

The desk learns of calls through the database like every other change: the
revision poll reloads the calls desk, which reads `read_phone` in its worker
thread and hands the result to `ScreenPopBar.show_pop` and the screen's form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from screens.widgets.literal import literal

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.phone import LiveFigures, ScreenPop


@dataclass(frozen=True)
class PhoneState:
    pop: ScreenPop | None
    figures: LiveFigures
    customer: CustomerView | None  # the caller, where exactly one customer has the number


def read_phone(desk: Desk) -> PhoneState:
    """In a worker thread: the call at this handler's phone and the live figures."""
    from console.desk import customers, phone

    pop = phone.screen_pop(desk)
    customer = None
    if pop is not None and len(pop.callers) == 1:
        customer = customers.get(desk, pop.callers[0].customer_id)
    return PhoneState(pop, phone.live_figures(desk), customer)


def pop_text(pop: ScreenPop) -> Text:
    """One or two lines: the call's state and number, then who it is and what they were promised."""
    if pop.state == "ringing":
        head = "☎ Ringing"
    elif pop.answer_seconds is not None:
        head = f"☎ Answered in {pop.answer_seconds:.1f} s (measured)"
    else:
        head = "☎ Answered"
    text = Text(head, style="bold")
    text.append(" · ")
    text.append_text(literal(pop.shown_number))
    if len(pop.callers) == 1:
        caller = pop.callers[0]
        text.append(" · ")
        text.append_text(literal(f"{caller.name} ({caller.reference})", style="bold"))
        if caller.restriction:
            text.append(" · restriction", style="bold red")
        if caller.needs:
            text.append_text(literal(" · needs: " + ", ".join(caller.needs)))
        if caller.open_promises:
            text.append("\n")
            text.append_text(
                literal(f"{len(caller.open_promises)} open: " + "; ".join(caller.open_promises))
            )
    elif pop.callers:
        text.append(f" · {len(pop.callers)} customers have this number: pick one below")
    elif pop.number and pop.number != "anonymous":
        text.append(" · no customer has this number: ctrl+n adds one")
    return text


class ScreenPopBar(Static):
    """Shown while a call rings or waits to be logged at this handler's phone."""

    DEFAULT_CSS = """
    ScreenPopBar {
        display: none;
        height: auto;
        max-height: 2;
        background: $primary 25%;
        padding: 0 1;
        margin: 0 1;
    }
    ScreenPopBar.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    def show_pop(self, pop: ScreenPop | None) -> None:
        self.set_class(pop is not None, "-shown")
        self.update(pop_text(pop) if pop is not None else "")
