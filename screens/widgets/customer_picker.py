"""Find the caller as you type, pick one, create one in place, or go on anonymously.

A self-contained widget: it searches `console.desk.customers.search` in a thread
worker on every keystroke (newest query wins) and posts `CustomerPicked` with
the `CustomerView`, or with None for an anonymous caller. Editing the text after
a pick posts `CustomerPicker.Cleared`.

Keys while the finder has focus: type to search; Down/Up move through the
matches; Enter picks the highlighted one (the top match by default; if the
search has not come back yet, the top match as soon as it does); Enter with
nothing typed is an anonymous caller; ctrl+n creates a new customer from what
was typed; f8 goes on anonymously.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import ServiceCaller, hold_keys
from screens.widgets.literal import LITERAL, literal, visible

if TYPE_CHECKING:
    from console.desk.customers import CustomerView

MATCHES = 8
NEW, ANON = "new", "anon"


class CustomerPicked(Message):
    """A caller was chosen: a customer, or None for an anonymous caller."""

    def __init__(self, picker: CustomerPicker, customer: CustomerView | None) -> None:
        super().__init__()
        self.picker = picker
        self.customer = customer

    @property
    def control(self) -> CustomerPicker:
        return self.picker


def describe(c: CustomerView) -> Text:
    """One line for a match: name, reference, address, phone, and warning marks (literal)."""
    line = Text()
    line.append(c.name, style="bold")
    line.append(f"  {c.reference}", style="dim")
    for part in (c.address, c.phone):
        if part:
            line.append(f"  · {part}")
    if c.restriction:
        line.append("  ⚠ restriction", style="bold red")
    if c.needs:
        line.append("  ◆ needs", style="bold yellow")
    return visible(line)


class CustomerPicker(Vertical):
    """The finder: an input, the matches under it, and the picked caller."""

    DEFAULT_CSS = """
    CustomerPicker {
        height: auto;
    }
    CustomerPicker #picker-input {
        width: 1fr;
    }
    CustomerPicker #picker-matches {
        height: auto;
        max-height: 10;
        display: none;
        border-left: thick $accent;
    }
    CustomerPicker.-searching #picker-matches {
        display: block;
    }
    CustomerPicker #picker-picked {
        display: none;
        color: $success;
        text-style: bold;
        padding: 0 1;
    }
    CustomerPicker.-picked #picker-picked {
        display: block;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor(1)", "Next match", show=False),
        Binding("up", "cursor(-1)", "Previous match", show=False),
        Binding(
            "ctrl+n",
            "new_customer",
            "New customer",
            id="picker.new",
            tooltip="Create a customer record from what you typed",
        ),
        Binding(
            "f8",
            "anonymous",
            "Anonymous",
            id="picker.anonymous",
            tooltip="Go on without a customer record (anonymous caller)",
        ),
    ]

    class Cleared(Message):
        """The pick was undone (the handler typed a new search)."""

        def __init__(self, picker: CustomerPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> CustomerPicker:
            return self.picker

    def __init__(
        self,
        *,
        placeholder: str = "",
        nobody: str | None = "Anonymous caller",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.placeholder = placeholder or "Find the caller: name, address, phone or reference"
        # The words for "no customer record" (None: not offered, e.g. when finding a record).
        self.nobody = nobody
        self.customer: CustomerView | None = None
        self.picked = False  # True once a customer or "anonymous" was chosen
        self._results_for: str | None = None  # the query the shown matches answer
        self._results: list[CustomerView] = []
        self._pick_when_ready = False
        self._held: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder=self.placeholder, id="picker-input", compact=True, highlighter=LITERAL
        )
        matches = OptionList(id="picker-matches", compact=True)
        matches.can_focus = False  # driven from the input with Up/Down/Enter
        yield matches
        yield Static(id="picker-picked", markup=False)

    # -- public ------------------------------------------------------------------

    @property
    def input(self) -> Input:
        return self.query_one("#picker-input", Input)

    @property
    def typed(self) -> str:
        """What the handler typed, trimmed."""
        return self.input.value.strip()

    def focus_input(self) -> None:
        self.input.focus()

    def reset(self) -> None:
        """Empty, ready for the next caller."""
        self.customer = None
        self.picked = False
        self._pick_when_ready = False
        self._release_keys()
        with self.input.prevent(Input.Changed):
            self.input.value = ""
        self._results_for = None
        self._results = []
        self.remove_class("-picked")
        self._show_matches("", [])

    def pick(self, customer: CustomerView | None, *, post: bool = True) -> None:
        """Choose a customer (or None: anonymous) from code or from the list."""
        self.customer = customer
        self.picked = True
        self._pick_when_ready = False
        text = customer.name if customer is not None else ""
        with self.input.prevent(Input.Changed):
            self.input.value = text
            self.input.cursor_position = len(text)
        picked = self.query_one("#picker-picked", Static)
        if customer is None:
            picked.update(Text(f"✓ {self.nobody or 'No customer'}"))
        else:
            line = Text("✓ ")
            line.append_text(describe(customer))
            picked.update(line)
        self.add_class("-picked")
        self.remove_class("-searching")
        if post:
            self.post_message(CustomerPicked(self, customer))

    # -- searching -------------------------------------------------------------------

    def on_mount(self) -> None:
        self._show_matches("", [])

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "picker-input":
            return
        event.stop()
        if self.picked:
            self.customer = None
            self.picked = False
            self.remove_class("-picked")
            self.post_message(self.Cleared(self))
        query = event.value.strip()
        if not query:
            self._show_matches("", [])
            return
        self._search(query)

    def on_descendant_focus(self) -> None:
        if not self.picked:
            self.add_class("-searching")

    def on_descendant_blur(self) -> None:
        self.remove_class("-searching")

    def _search(self, query: str) -> None:
        from console.desk.customers import search

        screen = self.screen
        assert isinstance(screen, ServiceCaller), "the finder sits on a desk screen or dialog"
        screen.run_service(
            search,
            query,
            limit=MATCHES,
            done=lambda found: self._show_matches(query, found),
            failed=self._search_failed,
            doing="find the caller",
            group=f"customer-search-{self.id}",
        )

    def _search_failed(self, error: BaseException) -> None:
        self._pick_when_ready = False
        self._release_keys()
        screen = self.screen
        if isinstance(screen, ServiceCaller):
            screen.service_failed(error, "find the caller")

    def _release_keys(self) -> None:
        release, self._held = self._held, None
        if release is not None:
            release()

    def _show_matches(self, query: str, found: list[CustomerView]) -> None:
        if query != self.typed:
            return  # an older search came back late
        self._results_for = query
        self._results = list(found)
        options: list[Option] = [Option(describe(c), id=f"c{c.id}") for c in found]
        if query:
            options.append(
                Option(literal(f"+ New customer “{query}”  (ctrl+n)", style="italic"), id=NEW)
            )
            if self.nobody:
                options.append(Option(Text(f"{self.nobody}  (f8)", style="italic"), id=ANON))
        else:
            if self.nobody:
                options.append(
                    Option(Text(f"{self.nobody}  (Enter or f8)", style="italic"), id=ANON)
                )
            options.append(Option(Text("+ New customer  (ctrl+n)", style="italic"), id=NEW))
        matches = self.query_one("#picker-matches", OptionList)
        matches.clear_options()
        matches.add_options(options)
        matches.highlighted = 0
        if self.input.has_focus and not self.picked:
            self.add_class("-searching")
        if self._pick_when_ready:
            self._pick_when_ready = False
            self._pick_highlighted()
            self._release_keys()

    def action_cursor(self, step: int) -> None:
        matches = self.query_one("#picker-matches", OptionList)
        if matches.option_count == 0:
            return
        current = matches.highlighted if matches.highlighted is not None else -step
        matches.highlighted = (current + step) % matches.option_count

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "picker-input":
            return
        event.stop()
        if self.picked:
            self.post_message(CustomerPicked(self, self.customer))  # Enter again: carry on
            return
        if self._results_for != self.typed:
            # The search is still running: pick its top match when it comes back, and hold
            # the keys typed meanwhile (the enquiry letter) until focus has moved on.
            self._pick_when_ready = True
            if self._held is None:
                self._held = hold_keys(self.app, "find the caller")
            return
        self._pick_highlighted()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick_option(event.option_id)

    def _pick_highlighted(self) -> None:
        matches = self.query_one("#picker-matches", OptionList)
        if matches.highlighted is None:
            return
        self._pick_option(matches.get_option_at_index(matches.highlighted).id)

    def _pick_option(self, option_id: str | None) -> None:
        if option_id == ANON:
            self.action_anonymous()
        elif option_id == NEW:
            self.action_new_customer()
        elif option_id and option_id.startswith("c"):
            wanted = int(option_id[1:])
            customer = next((c for c in self._results if c.id == wanted), None)
            if customer is not None:
                self.pick(customer)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "no customer" not offered here: no f8 in the footer, none in the palette
        return action != "anonymous" or bool(self.nobody)

    def action_anonymous(self) -> None:
        if self.nobody:
            self.pick(None)

    def action_new_customer(self) -> None:
        from screens.dialogs.new_customer_dialog import NewCustomerDialog

        def created(customer: CustomerView | None) -> None:
            if customer is not None:
                self.pick(customer)
            else:
                self.focus_input()

        self.app.push_screen(NewCustomerDialog(self.typed), created)
