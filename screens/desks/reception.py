"""Reception: a board that times every visitor against the profile's reception standards.

Timers tick every second from the stored timestamps and the desk's clock, so a
restart or a second reception seat shows the same times. The board shows first
names or initials only: it may be seen by others in the room.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Label, ListItem, ListView, Static

from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.literal import literal, shown

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.desk.reception import Board, VisitRecorded, VisitView

WAIT_CLASSES = ("wait-normal", "wait-amber", "wait-red", "wait-none")
COLUMNS = (
    ("name", "Visitor"),
    ("arrived", "Arrived"),
    ("timer", "Wait"),
    ("status", "Where they are"),
    ("purpose", "Purpose"),
    ("outcome", "Outcome"),
)


class VisitRow(ListItem):
    """One visitor on the board. The timer cell carries the wait colour as a CSS class."""

    def __init__(self, visit: VisitView) -> None:
        super().__init__(id=f"visit-{visit.id}")
        self.visit = visit
        self.ready = False
        # kept by key (no queries): a tick may land while the row is being replaced
        self.cells = {key: Static("", classes=f"cell {key}", markup=False) for key, _ in COLUMNS}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="cells"):
            yield from self.cells.values()

    def on_mount(self) -> None:
        self.ready = True
        self.draw()

    def cell(self, key: str) -> Static:
        return self.cells[key]

    def show(self, visit: VisitView) -> None:
        """Show a fresh copy of this visit (drawn once the row is mounted)."""
        self.visit = visit
        if self.ready:
            self.draw()

    def draw(self) -> None:
        """The row's cells. The visitor's name and the rest are shown literally."""
        from console.rules.clock import local

        visit = self.visit
        self.set_class(not visit.live, "finished")
        self.set_class(visit.live, "live")
        outcome = visit.outcome_label or "—"
        if visit.tasks:
            outcome += f" · {len(visit.tasks)} task{'s' if len(visit.tasks) != 1 else ''}"
        for key, value in (
            ("name", visit.board_name),
            ("arrived", f"{local(visit.received_at):%H:%M}"),
            ("status", visit.status()),
            ("purpose", visit.category_label or "—"),
            ("outcome", outcome),
        ):
            self.cell(key).update(literal(value))
        screen = self.screen
        if isinstance(screen, DeskScreen) and screen.desk_ready:
            self.tick(screen.desk)

    def tick(self, desk: Desk) -> None:
        """Recompute the timer text and colour from the stored instants and the desk's clock."""
        from console.desk.reception import format_wait, wait_state

        stage, seconds = self.visit.timer(desk.now())
        state = wait_state(desk.profile, stage, seconds)
        timer = self.cell("timer")
        text = format_wait(seconds)
        if stage == "second":
            text = f"2nd {text}"
        timer.update(text)
        for cls in WAIT_CLASSES:
            timer.set_class(cls == f"wait-{state}", cls)

    @property
    def timer_text(self) -> str:
        return str(self.cell("timer").render())

    @property
    def wait_class(self) -> str:
        timer = self.cell("timer")
        return next((c for c in WAIT_CLASSES if timer.has_class(c)), "")


class ReceptionScreen(DeskScreen[None]):
    """The reception desk's board: arrivals, serving, the second staff member, today's figures."""

    CSS_PATH = "reception.tcss"
    TITLE = "Reception"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "a",
            "arrive",
            "Arrival",
            id="reception.arrive",
            tooltip="Log a visitor arriving now (first name or initials)",
        ),
        Binding(
            "s",
            "serve",
            "Served",
            id="reception.serve",
            tooltip="You are serving the selected visitor now: stops the serve timer",
        ),
        Binding(
            "n",
            "needs_second",
            "Needs 2nd",
            id="reception.second",
            tooltip="The selected visitor needs another staff member: starts the second timer",
        ),
        Binding(
            "e",
            "seen",
            "Seen",
            id="reception.seen",
            tooltip="You are the second staff member seeing the selected visitor: stops that timer",
        ),
        Binding(
            "l",
            "left",
            "Left",
            id="reception.left",
            tooltip="The selected visitor left without being seen",
        ),
        Binding("home", "first", "First", show=False, tooltip="The top of the board"),
        Binding("end", "last", "Last", show=False, tooltip="The bottom of the board"),
        Binding(
            "v",
            "visit",
            "Visit",
            id="reception.visit",
            tooltip="Purpose, customer and outcome of the selected visit",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._reads = itertools.count(1)  # each read of the board, in the order it began
        self._shown = 0  # the newest read on screen
        self._showing = asyncio.Lock()
        self.follow: int | None = None  # the visit to put the cursor on at the next showing

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="today", markup=False)
        with Horizontal(id="board-head"):
            for key, title in COLUMNS:
                yield Label(title, classes=f"cell {key}")
        yield Static("Nobody is waiting. Press a when a visitor arrives.", id="empty", markup=False)
        yield ListView(id="board", initial_index=0)
        yield Static("", id="tell", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#board", ListView).focus()
        self.query_one("#tell", Static).border_title = "Tell the visitor"
        self.set_interval(1.0, self.tick, name="reception timers")
        self.load()

    # ------------------------------------------------------------------ data

    def load(self, *, hold_keys: bool = False) -> None:
        """Read the board again; after a change made here, hold the keys until it shows."""
        from console.desk.reception import waiting_board

        seq = next(self._reads)
        self.run_service(
            waiting_board,
            done=lambda board: self.call_later(self.show_board, board, seq),
            doing="load the reception board",
            group="reception-load",
            exclusive=False,  # numbered: show_board drops an older read that lands late
            hold_keys=hold_keys,
        )

    def on_data_changed(self, message: DataChanged) -> None:
        self.load()

    @property
    def rows(self) -> list[VisitRow]:
        return list(self.query_one("#board", ListView).query_children(VisitRow))

    def row(self, visit_id: int) -> VisitRow:
        return self.query_one(f"#visit-{visit_id}", VisitRow)

    @property
    def selected(self) -> VisitView | None:
        child = self.query_one("#board", ListView).highlighted_child
        return child.visit if isinstance(child, VisitRow) else None

    async def show_board(self, board: Board, seq: int = 0) -> None:
        """Show a freshly read board without moving the cursor off the visitor it was on."""
        async with self._showing:  # one at a time: a rebuild awaits its removals and mounts
            if seq < self._shown:
                return  # a newer read is already on screen
            self._shown = seq
            self.board = board
            board_list = self.query_one("#board", ListView)
            visits = board.visits
            rows = self.rows
            follow, self.follow = self.follow, None
            if [r.visit.id for r in rows] == [v.id for v in visits]:
                for row, visit in zip(rows, visits, strict=True):
                    row.show(visit)
                ids = [v.id for v in visits]
                if follow in ids:
                    board_list.index = ids.index(follow)
            else:
                keep = follow if follow is not None else None
                if keep is None and self.selected is not None:
                    keep = self.selected.id
                old_index = board_list.index
                await board_list.clear()
                await board_list.extend(VisitRow(v) for v in visits)
                ids = [v.id for v in visits]
                if keep in ids:
                    board_list.index = ids.index(keep)
                elif visits:
                    board_list.index = min(old_index or 0, len(visits) - 1)
            self.query_one("#empty", Static).display = not board.live
            self.tick()

    def tick(self) -> None:
        """Every second: timers and today's figures from stored instants; no database read."""
        from console.desk.calls import office_line
        from console.desk.reception import summarise, today

        if self.board is None or not self.desk_ready:
            return
        desk = self.desk
        if today(desk) != self.board.day:
            self.load()  # a new day: yesterday's finished visits leave the board
            return
        for row in self.rows:
            if row.ready:
                row.tick(desk)
        summary = summarise(desk.profile, self.board.visits, self.board.day, desk.now())
        office = office_line(desk)  # blocks and special hours: "Closed for lunch: ..."
        self.query_one("#today", Static).update(
            literal(summary.text() + (f"\n{office}" if office else ""))
        )

    # ------------------------------------------------------------------ actions

    def _need_selection(self) -> VisitView | None:
        visit = self.selected
        if visit is None:
            self.notify("Nobody is selected: press a to log an arrival", severity="warning")
        return visit

    def action_first(self) -> None:
        board_list = self.query_one("#board", ListView)
        if self.rows:
            board_list.index = 0

    def action_last(self) -> None:
        board_list = self.query_one("#board", ListView)
        if self.rows:
            board_list.index = len(self.rows) - 1

    def action_arrive(self) -> None:
        from screens.dialogs.arrival_dialog import ArrivalDialog

        def arrived(name: str | None) -> None:
            if name:
                self._write("arrive", name)

        self.app.push_screen(ArrivalDialog(), arrived)

    def action_serve(self) -> None:
        visit = self._need_selection()
        if visit is not None:
            self._write("serve", visit.id)

    def action_needs_second(self) -> None:
        visit = self._need_selection()
        if visit is not None:
            self._write("needs_second", visit.id)

    def action_seen(self) -> None:
        visit = self._need_selection()
        if visit is not None:
            self._write("seen_by_second", visit.id)

    def action_left(self) -> None:
        from screens.dialogs.left_dialog import LeftDialog

        visit = self._need_selection()
        if visit is None:
            return
        if not visit.live:
            self.notify(
                shown(f"{visit.board_name} is not waiting: {visit.status()}"),
                severity="warning",
                markup=False,
            )
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._write("left_unseen", visit.id)

        self.app.push_screen(LeftDialog(visit.board_name), answered)

    def action_visit(self) -> None:
        from screens.dialogs.visit_dialog import VisitDialog

        visit = self._need_selection()
        if visit is None:
            return

        def done(result: VisitRecorded | None) -> None:
            if result is not None:
                self._after_visit(result)

        self.app.push_screen(VisitDialog(visit), done)

    @on(ListView.Selected, "#board")
    def _selected(self, event: ListView.Selected) -> None:
        event.stop()
        self.action_visit()

    def _after_visit(self, result: VisitRecorded) -> None:
        tell = self.query_one("#tell", Static)
        tell.update(literal("\n".join(result.tell)))
        tell.set_class(bool(result.tell), "-shown")
        self.notify(shown(f"Visit saved: {result.visit.board_name}"), markup=False)
        self.load()

    def _write(self, service: str, argument: Any) -> None:
        self.query_one("#tell", Static).remove_class("-shown")
        self._run(service, argument)

    def _run(self, service: str, argument: Any) -> None:
        from console.desk import reception

        self.run_service(
            getattr(reception, service),
            argument,
            done=self._written,
            doing="update the reception board",
            group="reception-write",
            exclusive=False,
            hold_keys=True,
        )

    def _written(self, visit: VisitView) -> None:
        # The cursor goes to the visitor just acted on (a new arrival above all): the next
        # s, n or e is for them, not for whoever the cursor happened to be on.
        self.follow = visit.id
        self.load(hold_keys=True)
