"""The Front Desk app: one mode per desk (calls, reception, queue, ...).

Only Textual is imported before the first frame; the store, the profile and the
engine load in a thread worker after mount (DESIGN.md: first frame ~200 ms).
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from console.desk.desks import DESKS as DESK_TITLES
from screens.messages import DataChanged, DeskReady
from screens.palette import KeysProvider

if TYPE_CHECKING:
    from console.desk.context import Actor, Desk
    from console.rules.clock import Clock

# The core's desk list, each screen found by name: screens/desks/<name>.py, <Name>Screen.
DESKS: dict[str, tuple[str, str, str]] = {
    name: (f"screens.desks.{name}", f"{name.title()}Screen", title)
    for name, title in DESK_TITLES.items()
}

# The desk someone in this role works at: where the console opens when no --desk is given.
FIRST_DESK: dict[str, str] = {"reception": "reception"}


class LoadingScreen(Screen[None]):
    """Shown for the few hundred milliseconds the store takes to open."""

    def compose(self) -> Any:
        # No Header here: its title watchers outlive the screen when _enter() pops it
        # right after changing sub_title (NoMatches 'HeaderTitle' crashes the app).
        yield Static("Opening the front desk…", id="loading")
        yield Footer()


class MissingScreen(Screen[None]):
    """A desk that is not part of this build."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.desk_title = title

    def compose(self) -> Any:
        yield Header()
        yield Static(f"{self.desk_title} is not available in this build.")
        yield Footer()


def _screen_factory(mode: str) -> Any:
    module_name, class_name, title = DESKS[mode]

    def build() -> Screen[Any]:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return MissingScreen(title)
        screen: Screen[Any] = getattr(module, class_name)()
        return screen

    return build


class FrontDeskApp(App[None]):
    TITLE = "Front Desk"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, Any]] = {mode: _screen_factory(mode) for mode in DESKS}
    COMMANDS = App.COMMANDS | {KeysProvider}
    # Every screen carries -narrow/-wide and -short/-tall: desks fit 80×24 from their CSS.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (40, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f2",
            "desk('calls')",
            "Calls",
            id="desk.calls",
            tooltip="The freephone handler's screen",
        ),
        Binding(
            "f3",
            "desk('reception')",
            "Reception",
            id="desk.reception",
            tooltip="Time visitors at reception",
        ),
        Binding(
            "f4",
            "desk('queue')",
            "Queue",
            id="desk.queue",
            tooltip="Every open promise by deadline",
        ),
        Binding(
            "f5",
            "desk('customers')",
            "Customers",
            id="desk.customers",
            tooltip="Customer records, letters, emails, requests",
        ),
        Binding(
            "f6",
            "desk('reports')",
            "Reports",
            id="desk.reports",
            tooltip="Performance against the standards",
        ),
        Binding(
            "f7",
            "desk('staff')",
            "Staff",
            id="desk.staff",
            tooltip="Staff, PINs and the audit trail",
        ),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", tooltip="Leave Front Desk", priority=True),
    ]

    def __init__(
        self,
        *,
        db: str | None = None,
        policy: str | None = None,
        clock: Clock | None = None,
        actor: Actor | None = None,
        start: str | None = None,
        poll_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        self.db = db
        self.policy = policy
        self.clock = clock
        self.start_actor = actor
        self.start_mode = start  # None: the desk of the person who signs in (FIRST_DESK)
        self.poll_seconds = poll_seconds
        self.desk: Desk | None = None
        self.revision = -1
        self.store_down: str | None = None  # the message shown when the database stopped answering

    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())
        self.open_desk()
        if not self.is_headless and sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(2.0, self._leave_if_terminal_gone, name="terminal watch")

    def _leave_if_terminal_gone(self) -> None:
        """A closed terminal (an SSH drop, a closed window) ends the console.

        Under `make` no hang-up signal reaches us, and Textual's input thread then spins
        on end-of-file at full CPU; everything is already committed, so just leave.
        """
        import termios

        assert sys.__stdin__ is not None
        try:
            termios.tcgetattr(sys.__stdin__.fileno())
        except (termios.error, OSError, ValueError):
            self.exit()

    @work(thread=True, exclusive=True, group="open", name="open the store")
    def open_desk(self) -> None:
        from console.desk.open import open_desk

        desk = open_desk(self.db, self.policy, clock=self.clock, actor=self.start_actor)
        self.call_from_thread(self._desk_opened, desk)

    def _desk_opened(self, desk: Desk) -> None:
        self.desk = desk
        self.sub_title = desk.profile.name
        if desk.actor is None:
            self._ask_sign_in()
        else:
            self._enter()

    def _ask_sign_in(self) -> None:
        try:
            module = importlib.import_module("screens.sign_in")
        except ModuleNotFoundError:
            self.notify("Sign-in is not part of this build", severity="error")
            return
        self.push_screen(module.SignInScreen(), self._signed_in)

    def _signed_in(self, actor: Actor | None) -> None:
        if actor is None or self.desk is None:
            self.exit()
            return
        self.desk = self.desk.with_actor(actor)
        self._enter()

    def _enter(self) -> None:
        assert self.desk is not None and self.desk.actor is not None
        from screens.widgets.literal import shown  # an old import may hold ESC in a name

        self.sub_title = shown(f"{self.desk.profile.name} · {self.desk.actor.name}")
        # Leave the loading screen, then show the first desk.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        role = self.desk.actor.role
        self.switch_mode(self.start_mode or FIRST_DESK.get(role, "calls"))
        self.post_message(DeskReady())
        self.set_interval(self.poll_seconds, self.poll_revision, name="revision poll")

    def action_desk(self, mode: str) -> None:
        if self.desk is None or self.desk.actor is None:
            return
        self.switch_mode(mode)

    def poll_revision(self) -> None:
        self._read_revision()

    @work(thread=True, exclusive=True, group="poll", name="revision poll", exit_on_error=False)
    def _read_revision(self) -> None:
        from console.rules.errors import StoreError

        if self.desk is None:
            return
        try:
            value = self.desk.store.revision()
        except StoreError as exc:
            # A stopped server or a lost disk fails every poll: say so once, not once a second.
            if self.store_down is None:
                self.store_down = str(exc)
                self.call_from_thread(self.show_error, exc)
            return
        recovered = self.store_down is not None
        if recovered:
            self.store_down = None
            self.call_from_thread(
                self.notify, "The database is back: the desk is up to date again.", timeout=6
            )
        if value != self.revision or recovered:
            first = self.revision < 0
            self.revision = value
            if not first or recovered:
                self.call_from_thread(self._broadcast, value)

    def _broadcast(self, revision: int) -> None:
        self.screen.post_message(DataChanged(revision))

    def _handle_exception(self, error: Exception) -> None:
        """A worker that fails on any screen lands here (its StateChanged does not bubble)."""
        from textual.worker import WorkerFailed

        if isinstance(error, WorkerFailed):
            failed = next((w for w in self.workers if w.error is error.error), None)
            self.show_error(error.error, failed.name if failed else "")
            return
        super()._handle_exception(error)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: a person-readable line, never a traceback."""
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        if event.worker.exit_on_error:
            return  # already shown by _handle_exception
        self.show_error(event.worker.error, event.worker.name)

    def show_error(self, error: BaseException, doing: str = "") -> None:
        from console.rules.errors import FrontDeskError
        from screens.widgets.literal import literal, shown

        # Messages can quote what a person typed: never read them as markup or escapes.
        if isinstance(error, FrontDeskError):
            self.notify(shown(error), severity="error", timeout=10, markup=False)
        else:
            what = f" while trying to {doing}" if doing else ""
            self.notify(
                shown(
                    f"Something unexpected went wrong{what}: {type(error).__name__}: {error}. "
                    "Nothing half-done was saved."
                ),
                severity="error",
                timeout=15,
                markup=False,
            )
        if self.desk is None and isinstance(self.screen, LoadingScreen):
            self.screen.query_one("#loading", Static).update(
                literal(f"Cannot open the front desk:\n{error}")
            )
