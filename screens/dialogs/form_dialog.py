"""The base of the customer desk's dialogs: a form that saves through one console service.

``ctrl+s`` reads the fields on the UI thread (`collect`), runs the service in a
thread worker (`perform`), and dismisses the service's result once the commit
has returned. A `FrontDeskError` (bad input, no permission) is shown inside the
dialog and the dialog stays open with everything typed, so the handler fixes
the one field the message names. Nothing is saved until the service succeeds.

For a customer with an access restriction (BHA s12) the dialog shows it in red
with a checkbox that must be ticked: its value is passed to the service as
``restriction_acknowledged``.

User text is shown literally: the customer lines through `visible`, every Input
with the `LITERAL` highlighter (a stored name or note in an edit field shows ESC
as ␛; the value itself is unchanged), errors through `literal`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Static

from screens.base import DeskDialog
from screens.widgets.key_choice import Choice
from screens.widgets.literal import LITERAL, literal, visible

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.desk.customers import CustomerView

T = TypeVar("T")

# How a request or complaint came in (the complaint dialog adds home visits).
CONTACT_CHANNELS = [
    Choice("l", "letter", "Letter"),
    Choice("e", "email", "Email"),
    Choice("s", "social", "Social media"),
    Choice("c", "call", "Call"),
    Choice("v", "visit", "Office visit"),
]


def field(label: str, *widgets: Widget, hint: str = "") -> Horizontal:
    """One labelled row: the label, the inputs, and a short hint after them."""
    parts: list[Widget] = [Label(label, classes="field-label"), *widgets]
    if hint:
        parts.append(Static(hint, classes="field-hint", markup=False))
    return Horizontal(*parts, classes="field")


def today_text(desk: Desk) -> str:
    """Today's local date as the dialogs pre-fill it (YYYY-MM-DD)."""
    from console.rules.clock import local

    return f"{local(desk.now()):%Y-%m-%d}"


def check(label: str, value: bool = False, *, id: str) -> Checkbox:
    """A one-line checkbox."""
    return Checkbox(label, value, id=id, compact=True)


def when_field(today: str = "", *, hint: str = "YYYY-MM-DD and HH:MM") -> Horizontal:
    """The date (``#received``) and time (``#received-time``) something arrived."""
    return field(
        "Received on",
        Input(today, id="received", placeholder="blank = now", classes="short", compact=True),
        Static(" at ", classes="field-join"),
        Input(id="received-time", placeholder="HH:MM", classes="short", compact=True),
        hint=hint,
    )


class FormDialog(DeskDialog[T | None], Generic[T]):
    """A titled form with an error line; subclasses give `fields`, `collect` and `perform`."""

    CSS_PATH = "form_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s", "save", "Save", id="dialog.save", tooltip="Save and close", priority=True
        ),
        Binding("escape", "cancel", "Back", id="dialog.cancel", tooltip="Close without saving"),
        Binding(
            "ctrl+r",
            "acknowledge",
            "Acknowledge",
            id="dialog.acknowledge",
            tooltip="I have read the access restriction and will follow it",
            priority=True,
        ),
    ]
    TITLE_TEXT = ""
    LOGS_CONTACT: ClassVar[bool] = True  # False: no acknowledgement asked (not a contact)

    def __init__(self, customer: CustomerView | None = None, *, acknowledged: bool = False) -> None:
        super().__init__()
        self.customer = customer
        self.acknowledged = acknowledged
        self.busy = False

    # -- for subclasses ------------------------------------------------------------

    def title_text(self) -> str:
        return self.TITLE_TEXT

    def fields(self) -> Iterable[Widget]:
        return ()

    def collect(self) -> dict[str, Any]:
        """The values typed, read on the UI thread."""
        return {}

    def perform(self, desk: Desk, values: dict[str, Any]) -> T:
        """Call the console service (runs in a thread worker)."""
        raise NotImplementedError

    def first_focus(self) -> Widget | None:
        return None

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog-box") as box:
            box.border_title = literal(self.title_text())  # a str title would be read as markup
            c = self.customer
            if c is not None:
                line = Text()
                line.append(c.name, style="bold")
                line.append(f"  {c.reference}", style="dim")
                if c.needs:
                    line.append("\nNeeds: ", style="bold")
                    line.append(" · ".join(c.needs))
                yield Static(visible(line), id="dialog-customer")
                if c.restriction.strip():
                    warn = Text("⚠ ACCESS RESTRICTION: ", style="bold")
                    warn.append(c.restriction, style="bold")
                    if c.restriction_reason:
                        warn.append(f"\nWhy: {c.restriction_reason}")
                    yield Static(visible(warn), id="dialog-restriction")
                if c.restriction.strip() and self.LOGS_CONTACT:
                    yield check(
                        "I have read the access restriction and will follow it",
                        self.acknowledged,
                        id="dialog-ack",
                    )
            yield from self.fields()
            yield Static(id="dialog-error", markup=False)
            yield Static("ctrl+s save · escape back · tab next field", classes="dialog-hint")

    def on_mount(self) -> None:
        for box in self.query(Input):
            box.highlighter = LITERAL
        target = self.first_focus()
        if target is not None:
            target.focus()
        else:
            self.focus_next()

    @property
    def restriction_acknowledged(self) -> bool:
        boxes = self.query("#dialog-ack")
        return bool(boxes) and boxes.first(Checkbox).value

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge":  # only while there is a restriction to acknowledge
            return self.is_mounted and bool(self.query("#dialog-ack"))
        return True

    def action_acknowledge(self) -> None:
        boxes = self.query("#dialog-ack")
        if boxes:
            boxes.first(Checkbox).value = True
            if self.has_class("-error"):
                self.query_one("#dialog-error", Static).update("Acknowledged: ctrl+s saves.")
                self.remove_class("-error")

    def value(self, selector: str) -> str:
        return self.query_one(selector, Input).value

    def checked(self, selector: str) -> bool:
        return self.query_one(selector, Checkbox).value

    # -- saving ------------------------------------------------------------------------

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        if self.busy:
            return
        try:
            values = self.collect()
        except Exception as exc:  # a FrontDeskError from a field read
            self.show_error(exc)
            return
        values.setdefault("restriction_acknowledged", self.restriction_acknowledged)
        self.busy = True
        self.query_one("#dialog-error", Static).update("Saving…")
        self.run_service(
            self.perform,
            values,
            done=self.dismiss,
            doing="save",
            group="dialog-save",
            hold_keys=True,
        )

    def service_failed(self, error: BaseException, doing: str) -> None:
        """A refusal is shown inside the dialog, which stays open with everything typed."""
        from console.rules.errors import FrontDeskError

        if isinstance(error, FrontDeskError):
            self.show_error(error)
            return
        self.busy = False
        self.query_one("#dialog-error", Static).update("")
        super().service_failed(error, doing)

    def show_error(self, exc: BaseException) -> None:
        from console.desk.customers import NotAcknowledged

        self.busy = False
        message = f"✗ {exc}"
        if isinstance(exc, NotAcknowledged):
            message += ": press ctrl+r (or tick the box above), then ctrl+s"
        self.query_one("#dialog-error", Static).update(literal(message, style="bold"))
        self.add_class("-error")
