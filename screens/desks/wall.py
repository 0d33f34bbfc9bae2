"""The wall display: the live queue and today's figures in large type, read-only.

A small App of its own (`frontdesk wall`, `frontdesk serve --wall`): no sign-in,
no names (initials only, from `console.desk.wall`), nothing to type. It reads the
store every few seconds in a thread worker and redraws; a database that cannot
be read shows one line on the wall and is tried again at the next tick.

Only Textual is imported before the first frame: the store, the profile and the
queries load in the worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Digits, Footer, Static

from screens.widgets.literal import literal, shown

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.desk.wall import Wall
    from console.rules.clock import Clock

# (header, share of the spare width, or None for a fixed width, that width)
COLUMNS: tuple[tuple[str, int | None, int | None], ...] = (
    ("Due", 4, None),
    ("Time left", None, 16),
    ("What", 3, None),
    ("Team", 2, None),
    ("Customer", None, 8),
    ("With", None, 4),
)
# Lines the title, the figures, the table header and the footer take; the rest is task rows.
CHROME_LINES = 14
MIN_ROWS, MAX_ROWS = 3, 40


class Figure(Vertical):
    """One figure: a label, the number in large digits, a line of detail."""

    def __init__(self, label: str, *, id: str) -> None:
        super().__init__(id=id, classes="figure")
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="label", markup=False)
        with Center():
            yield Digits("-", classes="value")
        yield Static("", classes="note", markup=False)

    def show(self, value: str, note: str = "", *, alert: bool = False, label: str = "") -> None:
        if label:
            self.query_one(".label", Static).update(label)
        self.query_one(".value", Digits).update(value)
        self.query_one(".note", Static).update(note)
        self.set_class(alert, "alert")


def task_table(wall: Wall) -> Table:
    """The soonest deadlines: overdue in red, due later today in yellow. Literal text only."""
    table = Table(
        box=box.SIMPLE_HEAD,
        expand=True,
        header_style="bold",
        row_styles=["", "on #1e2a33"],
        pad_edge=False,
    )
    for header, ratio, width in COLUMNS:
        table.add_column(header, ratio=ratio, width=width, no_wrap=True, overflow="ellipsis")
    for task in wall.tasks:
        style = "bold red" if task.overdue else ("yellow" if task.due.startswith("today") else "")
        cells = (task.due, task.left, task.what, task.team, task.customer, task.assignee)
        table.add_row(*(literal(cell, style=style) for cell in cells))
    if not wall.tasks:
        table.add_row(Text("Nothing open: every promise is kept."))
    return table


class WallScreen(Screen[None]):
    """Everything the wall shows; the App only feeds it data."""

    CSS_PATH = "wall.tcss"

    def compose(self) -> ComposeResult:
        yield Static("Front Desk", id="wall-title", markup=False)
        with Horizontal(id="figures"):
            yield Figure("Open tasks", id="fig-open")
            yield Figure("Overdue", id="fig-overdue")
            yield Figure("Calls in target", id="fig-calls")
            yield Figure("Visitors today", id="fig-visitors")
            yield Figure("Longest wait", id="fig-wait")
        yield Static(id="wall-tasks")
        yield Static("Reading the queue…", id="wall-status", markup=False)
        yield Footer()

    def show_wall(self, wall: Wall) -> None:
        from console.desk.wall import format_seconds, share_text
        from console.rules.clock import local

        at = local(wall.at)
        self.query_one("#wall-title", Static).update(
            literal(
                f"{wall.organisation} · {at:%A} {at.day} {at:%B} · {at:%H:%M}"
                + (f" · {wall.office}" if wall.office else "")
            )
        )
        self.query_one("#fig-open", Figure).show(
            str(wall.open),
            f"{wall.due_today} more due today" if wall.due_today else "none more today",
        )
        self.query_one("#fig-overdue", Figure).show(
            str(wall.overdue),
            "past deadline" if wall.overdue else "none overdue",
            alert=wall.overdue > 0,
        )
        share = wall.calls_share
        offered = f"{wall.calls_offered} offered"
        if wall.calls_waiting:
            longest = format_seconds(wall.calls_longest_wait or 0)
            offered += f" · {wall.calls_waiting} waiting, longest {longest}"
        if wall.call_target_seconds is None:
            self.query_one("#fig-calls", Figure).show(
                str(wall.calls_answered), offered, label="Calls answered"
            )
        else:
            self.query_one("#fig-calls", Figure).show(
                share_text(share),
                f"{wall.calls_within} of {wall.calls_offered} · {wall.calls_abandoned} abandoned"
                + (
                    offered.partition(" · ")[1] + offered.partition(" · ")[2]
                    if wall.calls_waiting
                    else ""
                ),
                label=f"Calls in {format_seconds(wall.call_target_seconds)}",
            )
        self.query_one("#fig-visitors", Figure).show(
            str(wall.visitors),
            f"{wall.waiting_now} waiting now" if wall.waiting_now else "nobody waiting",
        )
        minutes, seconds = divmod(int(wall.longest_wait_seconds), 60)
        if wall.visitor_target_seconds is None:
            wait_note = "no reception target"
            late = False
        else:
            wait_note = (
                f"target {format_seconds(wall.visitor_target_seconds)} · "
                f"{share_text(wall.visitors_share)} in it"
            )
            late = wall.longest_wait_seconds > wall.visitor_target_seconds
        self.query_one("#fig-wait", Figure).show(f"{minutes}:{seconds:02d}", wait_note, alert=late)

        self.query_one("#wall-tasks", Static).update(task_table(wall))
        listed = len(wall.tasks)
        more = wall.open - listed
        self.query_one("#wall-status", Static).update(
            f"Soonest {listed} of {wall.open} open tasks"
            + (f" ({more} more in the queue)" if more > 0 else "")
            + f" · updated {at:%H:%M:%S} · initials only"
        )
        self.query_one("#wall-status").remove_class("error")

    def show_problem(self, message: str) -> None:
        status = self.query_one("#wall-status", Static)
        status.update(literal(message))  # an error may quote the database path or a name
        status.add_class("error")


class WallApp(App[None]):
    """The office wall: read-only, large type, refreshes itself, no sign-in, initials only."""

    TITLE = "Front Desk wall"
    ENABLE_COMMAND_PALETTE = False  # read-only: nothing to choose
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r", "refresh_now", "Refresh", id="wall.refresh", tooltip="Read the queue again now"
        ),
        Binding("ctrl+q", "quit", "Quit", id="wall.quit", tooltip="Close the wall", priority=True),
    ]

    def __init__(
        self,
        *,
        db: str | None = None,
        policy: str | None = None,
        clock: Clock | None = None,
        rows: int | None = None,
        every: float = 5.0,
    ) -> None:
        super().__init__()
        self.db = db
        self.policy = policy
        self.clock = clock
        self.rows = rows
        self.every = every
        self.desk: Desk | None = None
        self.loads = 0  # finished reads (tests wait on it)
        self._busy = False

    def on_mount(self) -> None:
        self.push_screen(WallScreen())
        self.refresh_wall()
        self.set_interval(self.every, self.refresh_wall, name="wall refresh")

    def action_refresh_now(self) -> None:
        self.refresh_wall()

    def row_count(self) -> int:
        if self.rows is not None:
            return self.rows
        return max(MIN_ROWS, min(MAX_ROWS, self.size.height - CHROME_LINES))

    def refresh_wall(self) -> None:
        if self._busy:  # the last read is still running: skip this tick
            return
        self._busy = True
        self._load(self.row_count())

    @work(thread=True, group="wall", name="read the queue", exit_on_error=False)
    def _load(self, rows: int) -> None:
        try:
            if self.desk is None:
                self.desk = self._open()
            from console.desk.wall import wall

            data = wall(self.desk, rows)
        except Exception as exc:  # shown on the wall; tried again at the next tick
            self.call_from_thread(self._failed, exc)
        else:
            self.call_from_thread(self._loaded, data)

    def _open(self) -> Desk:
        from console.desk.open import open_desk

        return open_desk(self.db, self.policy, clock=self.clock, writable=False)

    def _loaded(self, data: Wall) -> None:
        self._busy = False
        self.loads += 1
        self.sub_title = shown(data.organisation)
        screen = self.screen
        if isinstance(screen, WallScreen):
            screen.show_wall(data)

    def _failed(self, error: BaseException) -> None:
        from console.rules.errors import FrontDeskError

        self._busy = False
        self.loads += 1
        if isinstance(error, FrontDeskError):
            message = f"Cannot read the queue: {error}. Trying again every {self.every:g} s."
        else:
            message = (
                f"Something unexpected went wrong reading the queue: {type(error).__name__}: "
                f"{error}. Trying again every {self.every:g} s."
            )
        screen = self.screen
        if isinstance(screen, WallScreen):
            screen.show_problem(message)

    def on_unmount(self) -> None:
        if self.desk is not None:
            self.desk.store.close()
