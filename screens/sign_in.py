"""Who is at the desk: pick your name, type your PIN.

Dismisses the signed-in `Actor` (or None to leave). On the very first run, with
no admin yet, it shows a form that creates the first admin instead: there is
never a default PIN.

Keys: Up/Down (or the first letters of a name) choose a name, Enter moves to the
PIN, Enter signs in; Escape goes back to the names. Five wrong PINs lock a login
for five minutes (the message says until when).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Header, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from console.desk.context import Actor, Desk
from console.rules.errors import FrontDeskError
from screens.base import DeskScreen
from screens.widgets.literal import LITERAL, literal, shown

if TYPE_CHECKING:
    from console.desk.people import StaffView


class SignInScreen(DeskScreen[Actor | None]):
    CSS_PATH = "sign_in.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "submit",
            "Sign in",
            id="sign_in.submit",
            tooltip="Sign in with the chosen name and PIN",
            priority=True,
        ),
        Binding(
            "ctrl+s",
            "create_admin",
            "Create admin",
            id="sign_in.create_admin",
            tooltip="Create the first admin and sign in as them",
            priority=True,
        ),
        Binding(
            "escape",
            "back",
            "Names",
            id="sign_in.back",
            tooltip="Back to the list of names",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.first_run = False
        self.staff: list[StaffView] = []
        self.busy = False
        self._typed = ""
        self._login_edited = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="sign-in-box"):
            yield Static("Who is at the desk?", id="sign-in-title")
            with Vertical(id="sign-in-form"):
                yield Label("Your name", classes="field-label")
                yield OptionList(id="staff-list")
                yield Label("PIN", classes="field-label")
                yield Input(
                    id="pin",
                    password=True,
                    restrict=r"[0-9]*",
                    max_length=8,
                    placeholder="4 to 8 digits, then Enter",
                    select_on_focus=False,
                )
            with Vertical(id="first-run-form"):
                yield Static(
                    "First run: nobody can sign in yet. Create the first admin, who then adds "
                    "everyone else (F7 Staff). Choose a PIN of 4 to 8 digits; there is no "
                    "default PIN.",
                    id="first-run-help",
                    markup=False,
                )
                yield Label("Full name", classes="field-label")
                yield Input(
                    id="admin-name",
                    placeholder="e.g. Ann Smith",
                    max_length=100,
                    highlighter=LITERAL,
                )
                yield Label("Login", classes="field-label")
                yield Input(
                    id="admin-login", placeholder="e.g. asmith", max_length=32, highlighter=LITERAL
                )
                yield Label("PIN", classes="field-label")
                yield Input(id="admin-pin", password=True, restrict=r"[0-9]*", max_length=8)
                yield Label("The same PIN again", classes="field-label")
                yield Input(id="admin-pin2", password=True, restrict=r"[0-9]*", max_length=8)
            yield Static(id="sign-in-message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sign-in-form").display = False
        self.query_one("#first-run-form").display = False
        self._load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("back", "submit"):
            return not self.first_run
        if action == "create_admin":
            return self.first_run
        return True

    # -- loading -----------------------------------------------------------------------

    def _load(self) -> None:
        self.run_service(_choices, done=self._loaded, doing="load the staff list", group="load")

    def _loaded(self, found: tuple[bool, list[StaffView]]) -> None:
        first_run, staff = found
        self.first_run = first_run
        self.staff = staff
        self.query_one("#first-run-form").display = first_run
        self.query_one("#sign-in-form").display = not first_run
        if first_run:
            self.query_one("#sign-in-title", Static).update("Welcome to Front Desk")
            self.query_one("#admin-name", Input).focus()
            self.refresh_bindings()
            return
        options = self.query_one("#staff-list", OptionList)
        options.clear_options()
        for s in staff:
            label = literal(s.name, "bold")
            label.append(f"  {s.role_words}", style="dim")
            if s.team:
                label.append(f" · {shown(s.team)}", style="dim")
            options.add_option(Option(label, id=s.login))
        if staff:
            options.highlighted = 0
            options.focus()
        self.refresh_bindings()

    # -- choosing a name ---------------------------------------------------------------

    @on(OptionList.OptionSelected, "#staff-list")
    def _name_chosen(self, _event: OptionList.OptionSelected) -> None:
        self._typed = ""
        self._say("")
        self.query_one("#pin", Input).focus()

    def on_key(self, event: events.Key) -> None:
        """Type-ahead in the list of names: the first letters jump to a match.

        A digit goes into the PIN field wherever it was typed. The PIN field takes its own
        keys, so a digit that reaches the screen was sent elsewhere: typed fast, the digits
        after the first are still sent to the list after focus has moved to the PIN field.
        """
        if not event.character:
            return
        if event.character.isdigit():
            if self.first_run or not self.query_one("#sign-in-form").display:
                return
            pin = self.query_one("#pin", Input)
            if pin.max_length is None or len(pin.value) < pin.max_length:
                pin.value += event.character
            pin.cursor_position = len(pin.value)
            if self.focused is not pin:
                pin.focus()
            event.stop()
            return
        options = self.query_one("#staff-list", OptionList)
        if self.focused is not options:
            return
        if not event.character.isalpha() and event.character != " ":
            return
        self._typed += event.character.lower()
        for i, s in enumerate(self.staff):
            if s.name.lower().startswith(self._typed) or any(
                w.startswith(self._typed) for w in s.name.lower().split()
            ):
                options.highlighted = i
                break
        else:
            self._typed = event.character.lower()
        event.stop()

    def _chosen_login(self) -> str:
        options = self.query_one("#staff-list", OptionList)
        if options.highlighted is None or not self.staff:
            return ""
        option = options.get_option_at_index(options.highlighted)
        return option.id or ""

    # -- signing in --------------------------------------------------------------------

    @on(Input.Submitted, "#pin")
    def _pin_entered(self, _event: Input.Submitted) -> None:
        self.action_submit()

    def action_create_admin(self) -> None:
        if not self.busy:
            self._create_admin()

    def action_submit(self) -> None:
        if self.busy:
            return
        if self.first_run:
            self._create_admin()
            return
        login = self._chosen_login()
        if not login:
            self._say("Choose your name first (Up/Down, then Enter).")
            self.query_one("#staff-list", OptionList).focus()
            return
        pin = self.query_one("#pin", Input).value
        if not pin:
            self._say("Type your PIN, then press Enter.")
            self.query_one("#pin", Input).focus()
            return
        self.busy = True
        self._say("Checking…")
        self._sign_in(login, pin)

    def _sign_in(self, login: str, pin: str) -> None:
        self.run_service(
            _sign_in,
            login,
            pin,
            done=self.dismiss,
            failed=self._failed,
            doing="sign in",
            group="sign-in",
            hold_keys=True,
        )

    def _failed(self, error: BaseException) -> None:
        if not isinstance(error, FrontDeskError):
            self.busy = False
            self.service_failed(error, "sign in")
            return
        self.busy = False
        self._say(str(error), error=True)
        pin = self.query_one("#pin", Input)
        pin.value = ""
        pin.focus()

    def action_back(self) -> None:
        if self.first_run:
            return
        self.query_one("#pin", Input).value = ""
        self._say("")
        self.query_one("#staff-list", OptionList).focus()

    def _say(self, message: str, *, error: bool = False) -> None:
        box = self.query_one("#sign-in-message", Static)
        box.update(literal(message))
        box.set_class(error, "-error")

    # -- the first run -----------------------------------------------------------------

    @on(Input.Changed, "#admin-name")
    def _suggest_login(self, event: Input.Changed) -> None:
        from console.desk.people import suggest_login

        if not self._login_edited:
            login = self.query_one("#admin-login", Input)
            login.value = suggest_login(event.value)

    @on(Input.Changed, "#admin-login")
    def _login_typed(self, event: Input.Changed) -> None:
        from console.desk.people import suggest_login

        name = self.query_one("#admin-name", Input).value
        self._login_edited = event.value != suggest_login(name)

    @on(Input.Submitted, "#admin-name, #admin-login, #admin-pin")
    def _next_field(self, _event: Input.Submitted) -> None:
        self.focus_next()

    @on(Input.Submitted, "#admin-pin2")
    def _admin_done(self, _event: Input.Submitted) -> None:
        self.action_submit()

    def _create_admin(self) -> None:
        from console.desk.people import check_login, check_name, check_pin
        from console.rules.errors import InputError

        name = self.query_one("#admin-name", Input).value
        login = self.query_one("#admin-login", Input).value
        pin = self.query_one("#admin-pin", Input).value
        again = self.query_one("#admin-pin2", Input).value
        try:
            name = check_name(name)
            login = check_login(login)
            check_pin(pin)
            if pin != again:
                raise InputError("the two PINs differ: type the same PIN twice")
        except FrontDeskError as exc:
            self._say(str(exc), error=True)
            return
        self.busy = True
        self._say("Creating the admin…")
        self._make_admin(name, login, pin)

    def _make_admin(self, name: str, login: str, pin: str) -> None:
        self.run_service(
            _create_first_admin,
            name,
            login,
            pin,
            done=self.dismiss,
            failed=self._admin_failed,
            doing="create the first admin",
            group="sign-in",
            hold_keys=True,
        )

    def _admin_failed(self, error: BaseException) -> None:
        self.busy = False
        if not isinstance(error, FrontDeskError):
            self.service_failed(error, "create the first admin")
            return
        self._say(str(error), error=True)
        self._load()  # someone else may have made the first admin meanwhile


# -- the services, run in a worker (the desk has no actor yet: they take its store) ----------


def _choices(desk: Desk) -> tuple[bool, list[StaffView]]:
    from console.desk import people

    first = people.first_run_needed(desk.store)
    return first, [] if first else people.sign_in_choices(desk.store)


def _sign_in(desk: Desk, login: str, pin: str) -> Actor:
    from console.desk import people

    return people.sign_in(desk.store, login, pin, desk.clock)


def _create_first_admin(desk: Desk, name: str, login: str, pin: str) -> Actor:
    from console.desk import people

    return people.create_first_admin(desk.store, name, login, pin, desk.clock)
