"""The caller banner: communication needs and any access restriction, impossible to miss.

Shown wherever a customer is picked (calls, reception, the customer record). A
restriction under the unacceptable behaviour policy (BHA s12) stays on screen in
red until the contact is saved; ``acknowledged`` changes its last line, never
hides it. User text is shown literally (Text objects, no markup, control
characters made visible: see screens/widgets/literal.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from screens.widgets.literal import visible

if TYPE_CHECKING:
    from console.desk.customers import CustomerView


class CallerBanner(Vertical):
    """Needs in amber, restriction in red; hidden for an anonymous caller or nobody."""

    DEFAULT_CSS = """
    CallerBanner {
        height: auto;
        display: none;
    }
    CallerBanner.-shown {
        display: block;
    }
    CallerBanner #banner-needs {
        display: none;
        background: $warning;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    CallerBanner.-needs #banner-needs {
        display: block;
    }
    CallerBanner #banner-restriction {
        display: none;
        background: $error;
        color: $text;
        border: heavy $error-lighten-2;
        padding: 0 1;
    }
    CallerBanner.-restricted #banner-restriction {
        display: block;
    }
    CallerBanner.-acknowledged #banner-restriction {
        border: heavy $success;
    }
    """

    def __init__(
        self, *, ack_hint: str = "", id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.ack_hint = ack_hint
        self.customer: CustomerView | None = None
        self.acknowledged = False

    def compose(self) -> ComposeResult:
        yield Static(id="banner-needs", markup=False)
        yield Static(id="banner-restriction", markup=False)

    @property
    def needs_acknowledgement(self) -> bool:
        return bool(
            self.customer is not None
            and self.customer.restriction.strip()
            and not self.acknowledged
        )

    def show(self, customer: CustomerView | None, *, acknowledged: bool = False) -> None:
        """Show this customer's needs and restriction (None clears the banner)."""
        self.customer = customer
        self.acknowledged = acknowledged
        self._draw()

    def acknowledge(self) -> None:
        self.acknowledged = True
        self._draw()

    def _draw(self) -> None:
        c = self.customer
        needs = tuple(c.needs) if c is not None else ()
        restricted = bool(c is not None and c.restriction.strip())
        self.set_class(c is not None and (bool(needs) or restricted), "-shown")
        self.set_class(bool(needs), "-needs")
        self.set_class(restricted, "-restricted")
        self.set_class(restricted and self.acknowledged, "-acknowledged")
        if not self.is_mounted:
            return
        line = Text()
        if needs and c is not None:
            line.append("COMMUNICATION NEEDS: ", style="bold")
            line.append(" · ".join(needs))
            if c.preferred_contact:
                line.append(f"  (prefers {c.preferred_contact})")
        self.query_one("#banner-needs", Static).update(visible(line))
        box = Text()
        if restricted and c is not None:
            box.append("⚠ ACCESS RESTRICTION: ", style="bold")
            box.append(c.restriction, style="bold")
            if c.restriction_reason:
                box.append(f"\nWhy: {c.restriction_reason}")
            if c.restriction_review:
                box.append(f"   Review: {c.restriction_review:%d %b %Y}")
            if self.acknowledged:
                box.append(
                    "\n✓ Acknowledged: follow the restriction on this contact.", style="bold"
                )
            elif self.ack_hint:
                box.append(f"\n{self.ack_hint}", style="bold")
        self.query_one("#banner-restriction", Static).update(visible(box))

    def on_mount(self) -> None:
        self._draw()
