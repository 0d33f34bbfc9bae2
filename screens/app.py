"""The Front Desk app: one mode per desk (calls, reception, queue, ...).

Only Textual is imported before the first frame; the store, the profile and the
engine load in a thread worker after mount (DESIGN.md: first frame ~200 ms).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual.worker import Worker, WorkerState

from console.desk.desks import DESKS as DESK_TITLES
from screens.base import error_line
from screens.keys import KeyGate
from screens.messages import DataChanged, DeskReady
from screens.palette import KeysProvider

if TYPE_CHECKING:
    from console.desk.context import Actor, Desk
    from console.rules.clock import Clock

# The idle lock's default. Long enough for a long call (a handler listening types
# nothing for minutes), short enough that a seat left for a break locks before the
# next person sits down. 0 switches the idle lock off.
DEFAULT_LOCK_MINUTES = 10.0
IDLE_CHECK_SECONDS = 5.0
PROGRESS_UPDATE_SECONDS = 60
SCREEN_READY_SECONDS = 1.0  # the longest keys typed ahead wait for a pushed dialog's focus
AWAY = "away"  # the mode shown while nobody is signed in after someone left

# The core's desk list, each screen found by name: screens/desks/<name>.py, <Name>Screen.
# Screens load lazily; each person signed in gets their own copy of each desk (Textual
# modes named "desk@login"), so an unsaved form stays with the person who typed it and
# is never shown to anyone else.
DESKS: dict[str, tuple[str, str, str]] = {
    name: (f"screens.desks.{name}", f"{name.title()}Screen", title)
    for name, title in DESK_TITLES.items()
}

# The desk someone in this role works at: where the console opens when no --desk is given.
FIRST_DESK: dict[str, str] = {"reception": "reception"}


class LoadingScreen(Screen[None]):
    """Shown for the few hundred milliseconds the store takes to open."""

    def compose(self) -> ComposeResult:
        # No Header here: its title watchers outlive the screen when _enter() pops it
        # right after changing sub_title (NoMatches 'HeaderTitle' crashes the app).
        yield Static("Opening the front desk…", id="loading")
        yield Footer()


class AwayScreen(Screen[None]):
    """Under the sign-in screen once someone has left the desk: shows nobody's work."""

    def compose(self) -> ComposeResult:
        yield Static("")


class MissingScreen(Screen[None]):
    """A desk that is not part of this build."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.desk_title = title

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.desk_title} is not available in this build.")
        yield Footer()


async def _when_focused(screen: Screen[Any], release: Callable[[], None]) -> None:
    """Release a key hold once `screen` is mounted with its first field focused (at most 1 s)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + SCREEN_READY_SECONDS
    try:
        while loop.time() < give_up:
            if screen.is_mounted and (screen.focused is not None or not screen.focus_chain):
                return
            await asyncio.sleep(0.005)
    finally:
        release()


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
    # Open owed progress updates when someone signs in and every minute (a benchmark on a
    # shared database turns this off: it writes).
    OPEN_PROGRESS_UPDATES: ClassVar[bool] = True
    CSS_PATH = "app.tcss"
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
        Binding(
            "f9",
            "sign_out",
            "Sign out",
            id="app.sign_out",
            tooltip="Sign out so the next person can sign in (an unsaved form waits for you)",
        ),
        Binding(
            "f12",
            "lock",
            "Lock",
            id="app.lock",
            tooltip="Lock the desk while you step away: customers' details are hidden",
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
        lock_minutes: float = DEFAULT_LOCK_MINUTES,
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
        self.keys = KeyGate(self)
        self.lock_minutes = lock_minutes
        self.idle_clock: Callable[[], float] = time.monotonic  # tests put in their own
        self.last_input = self.idle_clock()
        self.locked = False  # someone left the desk: the sign-in screen is up
        self._desk_of: dict[str, str] = {}  # login -> the desk they were on when they left
        self._polling = False
        self._modes_added: set[str] = set()
        self.add_mode(AWAY, AwayScreen)

    async def on_event(self, event: events.Event) -> None:
        """Typed keys go through the gate, one at a time (screens/keys.py)."""
        if isinstance(event, events.InputEvent | events.Paste) and not event.is_forwarded:
            self.last_input = self.idle_clock()
        if (
            isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded
            and not self.keys.admit(event)
        ):
            return
        await super().on_event(event)

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Keys typed ahead wait until a pushed dialog has mounted and focused its field.

        Between a dialog's mount and its first focus the queues can all be empty for a
        moment; a key let through then would land nowhere (issue 13: "Re" of a reason lost).
        """
        result = super().push_screen(screen, *args, **kwargs)
        if isinstance(screen, Screen):
            release = self.keys.hold(f"open {type(screen).__name__}")
            asyncio.get_running_loop().create_task(_when_focused(screen, release))
        return result

    def on_mount(self) -> None:
        self.push_screen(LoadingScreen())
        self.open_desk()
        self.set_interval(IDLE_CHECK_SECONDS, self.lock_if_idle, name="idle lock")
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

    @work(thread=True, exclusive=True, group="open", name="open the store", exit_on_error=False)
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
        self.locked = False
        self.last_input = self.idle_clock()
        self._enter()

    def _enter(self) -> None:
        assert self.desk is not None and self.desk.actor is not None
        from screens.widgets.literal import shown  # an old import may hold ESC in a name

        actor = self.desk.actor
        self.sub_title = shown(f"{self.desk.profile.name} · {actor.name}")
        # Leave the loading (or sign-in) screen, then show this person's desk.
        while len(self.screen_stack) > 1:
            self.pop_screen()
        for desk in DESKS:
            if not self.has_mode(self.mode_for(desk, actor.login)):
                self.add_mode(self.mode_for(desk, actor.login), _screen_factory(desk))
                self._modes_added.add(self.mode_for(desk, actor.login))
        back = self._desk_of.pop(actor.login, None)
        self.switch_mode(self.mode_for(back or self.first_desk(actor), actor.login))
        if back is not None:  # their own screens, as they left them: bring them up to date
            self.call_after_refresh(self._broadcast, self.revision)
        self.post_message(DeskReady())
        if not self._polling:
            self._polling = True
            self.set_interval(self.poll_seconds, self.poll_revision, name="revision poll")
            if self.OPEN_PROGRESS_UPDATES:
                self.open_progress_updates()
                self.set_interval(
                    PROGRESS_UPDATE_SECONDS, self.open_progress_updates, name="progress updates"
                )

    def first_desk(self, actor: Actor) -> str:
        """The desk a person starts on: `--desk`, else their role's (reception staff: Reception)."""
        return self.start_mode or FIRST_DESK.get(actor.role, "calls")

    @staticmethod
    def mode_for(desk: str, login: str) -> str:
        """The Textual mode holding one person's copy of one desk."""
        return f"{desk}@{login}"

    def has_mode(self, mode: str) -> bool:
        return mode in self._modes_added

    @property
    def desk_on_show(self) -> str:
        """Which desk is on show ("calls", "queue", ...), or "" while nobody is signed in."""
        return self.current_mode.split("@", 1)[0] if "@" in self.current_mode else ""

    def action_desk(self, mode: str) -> None:
        if self.desk is None or self.desk.actor is None or self.locked:
            return
        self.switch_mode(self.mode_for(mode, self.desk.actor.login))

    # -- leaving the desk --------------------------------------------------------------

    def action_sign_out(self) -> None:
        self.leave_desk("signed_out")

    def action_lock(self) -> None:
        self.leave_desk("desk_locked")

    def lock_if_idle(self) -> None:
        """The idle lock: nobody has pressed a key or moved the mouse for `lock_minutes`."""
        if self.locked or self.lock_minutes <= 0 or self.desk is None or self.desk.actor is None:
            return
        if self.idle_clock() - self.last_input >= self.lock_minutes * 60:
            self.leave_desk("idle")

    def leave_desk(self, reason: str) -> None:
        """Back to "Who is at the desk?": every customer's details hidden, forms kept.

        The person's screens (with any form or dialog half-filled) stay in their own
        modes, out of sight; they come back when that person signs in again, and only then.
        """
        if self.locked or self.desk is None or self.desk.actor is None:
            return
        actor = self.desk.actor
        self.locked = True
        self._desk_of[actor.login] = self.desk_on_show or self.first_desk(actor)
        self._audit_leaving(self.desk, reason)
        self.desk = self.desk.with_actor(None)
        self.clear_notifications()  # a toast may name a customer
        self.sub_title = self.desk.profile.name
        self.switch_mode(AWAY)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._ask_sign_in()

    @work(thread=True, group="sign-out", name="record leaving the desk", exit_on_error=False)
    def _audit_leaving(self, desk: Desk, reason: str) -> None:
        from console.desk.people import sign_out

        sign_out(desk, reason, minutes=self.lock_minutes)

    def poll_revision(self) -> None:
        self._read_revision()

    @work(
        thread=True,
        exclusive=True,
        group="progress",
        name="open the progress updates owed",
        exit_on_error=False,
    )
    def open_progress_updates(self) -> None:
        """One timer for the whole console: overdue tasks get the updates the landlord owes.

        The system's work (no creator), whichever desk is on show or whoever is signed in;
        another desk doing the same at the same moment opens nothing twice.
        """
        from console.desk.queue import ensure_progress_updates

        desk = self.desk
        if desk is not None and ensure_progress_updates(desk):
            # show them now, not at the next poll (which may be the first, and say nothing)
            self.call_from_thread(self._broadcast, desk.store.revision())

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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (opening the store, the poll): one readable line on failure.

        Screens handle their services' failures themselves (screens/base.py); a worker
        started some other way that fails still lands here as one line.
        """
        if event.state != WorkerState.ERROR or event.worker.error is None:
            return
        self.show_error(event.worker.error, event.worker.name)

    def show_error(self, error: BaseException, doing: str = "") -> None:
        from console.rules.errors import FrontDeskError
        from screens.widgets.literal import literal

        # Messages can quote what a person typed: never read them as markup or escapes.
        expected = isinstance(error, FrontDeskError)
        self.notify(
            error_line(error, doing),
            severity="error",
            timeout=10 if expected else 15,
            markup=False,
        )
        if self.desk is None and isinstance(self.screen, LoadingScreen):
            self.screen.query_one("#loading", Static).update(
                literal(f"Cannot open the front desk:\n{error}")
            )
