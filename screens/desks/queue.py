"""The live queue: every open promise, soonest deadline first, the same at every desk.

Rows come a page at a time (console.desk.queue.page, keyset-paged on the open-task
index); moving the cursor near the end loads the next page. When another desk
writes (screens.messages.DataChanged) the loaded rows are read again in a worker
and written into the table in place, so the cursor stays on the same task (not
the same row number) and nothing scrolls. The filter is one reactive value: a
filter key replaces it, and its watcher reads the first page again. Progress updates
owed by overdue tasks are opened by the app's own timer (screens/app.py), not here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Static
from textual.worker import Worker, WorkerState

from console.desk import queue, tasks
from console.desk.context import Desk
from console.desk.queue import Cursor, QueueCounts, QueueFilter, QueuePage, QueueRow
from console.rules.clock import local
from console.rules.deadlines import due_at, plain_due, time_left
from console.rules.errors import FrontDeskError, InputError
from console.rules.roles import LEADS
from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.literal import literal, shown, visible

if TYPE_CHECKING:
    pass

# This module loads when the queue desk is first shown, after the store has opened
# in a worker, so importing the core here costs nothing before the first frame.

# (key, title, width): 118 columns with the cell padding; the title is in the detail pane.
# "Wednesday 25 November at 12:45pm" is 32 wide and "overdue 26d 13h" 15.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("due", "Due", 32),
    ("left", "Time left", 16),
    ("kind", "Kind", 20),
    ("customer", "Customer", 22),
    ("who", "With", 18),
)
# Below this many columns the due date is written short and the other columns give way,
# so the customer stays readable at 80 (the detail pane has the date in full words).
NARROW = 110
NARROW_WIDTHS = {"due": 12, "left": 15, "kind": 16, "who": 10}
CUSTOMER_MIN = 14


def short_due(due: datetime, now: datetime) -> str:
    """The due instant in 12 characters or fewer, for a narrow queue: "today 16:15"."""
    when, today = local(due), local(now).date()
    if when.date() == today:
        return f"today {when:%H:%M}"
    if when.year != today.year:
        return f"{when:%d %b %Y}"
    return f"{when:%d %b %H:%M}"


FILTER_KEYS = "m mine · t team · k kind · o overdue · p customer · / search · w as at · esc all"
NEAR_END = 10  # load the next page when the cursor is this close to the last loaded row
MAX_RELOAD = 2000  # a reload reads back at most this many rows (those already scrolled past)
TICK_SECONDS = 30.0  # time left is read again this often; owed progress updates every 2 ticks


@dataclass(frozen=True)
class Filters:
    """What the handler narrowed the queue to: one value, replaced by every filter key."""

    mine: bool = False
    team: bool = False
    overdue: bool = False
    kind: str = ""
    customer_id: int | None = None
    customer_label: str = ""
    search: str = ""
    as_at: datetime | None = None  # None: now


class QueueScreen(DeskScreen[None]):
    """The queue desk. Keys act on the highlighted task; filters narrow the list."""

    filters: reactive[Filters] = reactive(Filters, bindings=True, init=False)

    CSS_PATH = "queue.tcss"
    TITLE = "Queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "claim",
            "Claim",
            id="queue.claim",
            tooltip="Take the highlighted task: it becomes yours",
        ),
        Binding(
            "a",
            "assign",
            "Assign",
            id="queue.assign",
            tooltip="Give the task to someone (team leads and admins)",
        ),
        Binding(
            "d",
            "complete",
            "Done",
            id="queue.complete",
            tooltip="Complete the task with an outcome and a note",
        ),
        Binding(
            "x",
            "cancel_task",
            "Cancel",
            id="queue.cancel",
            tooltip="Withdraw the promise, with a reason (team leads and admins)",
        ),
        Binding(
            "e",
            "extend",
            "Extend",
            id="queue.extend",
            tooltip="Extend a stage 1 complaint or subject access request, with a reason",
        ),
        Binding(
            "s",
            "escalate",
            "Stage 2",
            id="queue.escalate",
            tooltip="Escalate a stage 1 complaint to stage 2 (20 working days from now)",
        ),
        Binding(
            "u",
            "progress",
            "Update",
            id="queue.progress",
            tooltip="Log a progress update given to the customer",
        ),
        Binding("r", "refresh", "Refresh", id="queue.refresh", tooltip="Read the queue again now"),
        Binding(
            "w",
            "as_at",
            "As at",
            id="queue.as_at",
            tooltip="View the queue as at an instant, e.g. Fri 17:00",
        ),
        Binding(
            "m",
            "toggle_mine",
            "Mine",
            id="queue.mine",
            tooltip="Only tasks assigned to you (press again for all)",
        ),
        Binding(
            "t",
            "toggle_team",
            "Team",
            id="queue.team",
            tooltip="Only your team's tasks (press again for all)",
        ),
        Binding(
            "k",
            "kind",
            "Kind",
            id="queue.kind",
            tooltip="Only one kind of task, e.g. complaint or callback-urgent",
        ),
        Binding(
            "o",
            "toggle_overdue",
            "Overdue",
            id="queue.overdue",
            tooltip="Only overdue tasks (as at the queue's instant)",
        ),
        Binding(
            "p",
            "customer",
            "Customer",
            id="queue.customer",
            tooltip="Only one customer's tasks, by reference",
        ),
        Binding(
            "slash",
            "search",
            "Search",
            id="queue.search",
            tooltip="Search customer name, reference or the task's title",
        ),
        Binding(
            "escape",
            "clear_filters",
            "All",
            id="queue.clear",
            tooltip="Clear every filter and the as-at instant",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []
        self.next_cursor: Cursor | None = None
        self.counts: QueueCounts | None = None
        self.at: datetime | None = None  # the page's "as at" instant (None until loaded)
        self.generation = 0  # bumped by every reload: late results of an older one are dropped
        self.loading_more = False
        self.ticks = 0
        self.narrow = False  # the table's columns are fitted to a narrow terminal
        self.return_calls: dict[int, queue.ReturnCall] = {}  # task id -> numbers and notes
        self.reading_calls: set[int] = set()
        self.timings: dict[str, Any] = {}
        self._cells: list[tuple[Any, ...]] = []  # what each table row shows now

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="queue-counts", markup=False)
        yield Static("", id="queue-filters", markup=False)
        table: DataTable[Any] = DataTable(id="queue-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static("", id="queue-detail", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.table
        for key, title, width in COLUMNS:
            table.add_column(title, width=width, key=key)
        self._fit_columns(self.size.width or self.app.size.width)
        table.focus()
        detail = self.query_one("#queue-detail", Static)
        detail.border_title = "Task"
        # The filter keys again, for a footer too narrow to show every key.
        detail.border_subtitle = FILTER_KEYS
        self.set_interval(TICK_SECONDS, self._tick, name="queue tick")
        if self.desk_ready:
            self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns(event.size.width)

    def _fit_columns(self, width: int) -> None:
        """Give the customer every column the others can spare (DataTable widths are fixed)."""
        narrow = width < NARROW
        widths = {key: w for key, _, w in COLUMNS}
        if narrow:
            widths.update(NARROW_WIDTHS)
        others = sum(w for key, w in widths.items() if key != "customer")
        # two cells of padding per column, one column for the scrollbar
        widths["customer"] = max(CUSTOMER_MIN, width - others - 2 * len(COLUMNS) - 2)
        table = self.table
        for key, column in table.columns.items():
            column.width = widths[str(key.value)]
            column.auto_width = False
        table._require_update_dimensions = True
        table.refresh()
        if narrow != self.narrow:
            self.narrow = narrow
            if self.rows:
                self._cells = []  # the due column changes its wording: write every row
                self._draw_rows(self.selected_task_id)

    # ------------------------------------------------------------------ state

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#queue-table", DataTable)

    @property
    def is_lead(self) -> bool:
        actor = self.desk.actor
        return actor is not None and actor.role in LEADS

    @property
    def selected(self) -> QueueRow | None:
        """The highlighted row's task, or None when the queue is empty."""
        row = self.table.cursor_row
        if not self.rows or row < 0 or row >= len(self.rows):
            return None
        return self.rows[row]

    @property
    def selected_task_id(self) -> int | None:
        chosen = self.selected
        return chosen.id if chosen else None

    @property
    def as_at(self) -> datetime | None:
        return self.filters.as_at

    def current_filter(self) -> QueueFilter:
        actor = self.desk.actor
        chosen = self.filters
        labels: list[str] = []
        f = QueueFilter()
        if chosen.mine and actor is not None:
            f = replace(f, assignee_id=actor.id)
            labels.append("mine")
        if chosen.team and actor is not None:
            f = replace(f, team=actor.team)
            labels.append(f"team {actor.team}")
        if chosen.kind:
            f = replace(f, kind=chosen.kind)
            labels.append(f"kind: {queue.kind_words(self.desk.profile, chosen.kind)}")
        if chosen.overdue:
            f = replace(f, overdue=True)
            labels.append("overdue only")
        if chosen.customer_id is not None:
            f = replace(f, customer_id=chosen.customer_id)
            labels.append(f"customer {chosen.customer_label}")
        if chosen.search:
            f = replace(f, search=chosen.search)
            labels.append(f"search “{chosen.search}”")
        return replace(f, labels=tuple(labels))

    # ------------------------------------------------------------------ loading

    def reload(self, *, reset: bool = False, hold_keys: bool = False) -> None:
        """Read the loaded rows again (or the first page, after a filter change).

        After a change made here, `hold_keys` keeps the keys typed meanwhile until the
        table shows it: the next key acts on the rows as they now are.
        """
        self.generation += 1
        if reset:
            self.rows = []
            self.next_cursor = None
        size = min(max(len(self.rows), queue.PAGE), MAX_RELOAD)
        generation = self.generation
        self.run_service(
            _read_page,
            self.current_filter(),
            self.as_at,
            size,
            done=lambda read: self._loaded(generation, *read, reset),
            doing="load the queue",
            group="queue-load",
            hold_keys=hold_keys,
        )

    def _loaded(
        self, generation: int, result: QueuePage, counts: QueueCounts, query_ms: float, reset: bool
    ) -> None:
        if generation != self.generation:
            return  # a newer reload is on its way
        started = time.perf_counter()
        keep = self.selected_task_id
        self.rows = list(result.rows)
        self.next_cursor = result.next
        self.counts = counts
        self.at = result.at
        self._draw_rows(keep_task=None if reset else keep)
        self._draw_header()
        self.timings = {
            "query_ms": query_ms,
            "render_ms": (time.perf_counter() - started) * 1000,
            "rows": len(self.rows),
        }

    def _load_more(
        self, generation: int, filters: QueueFilter, after: Cursor, at: datetime
    ) -> None:
        self.run_service(
            queue.page,
            filters,
            after=after,
            at=at,
            done=lambda result: self._more_loaded(generation, result),
            doing="load more of the queue",
            group="queue-more",
        )

    def _more_loaded(self, generation: int, result: QueuePage) -> None:
        self.loading_more = False
        if generation != self.generation:
            return
        known = {r.id for r in self.rows}
        self.rows.extend(r for r in result.rows if r.id not in known)
        self.next_cursor = result.next
        self._draw_rows(keep_task=self.selected_task_id)
        self.timings["rows"] = len(self.rows)

    def maybe_load_more(self) -> None:
        if self.loading_more or self.next_cursor is None or self.at is None:
            return
        if self.table.cursor_row >= len(self.rows) - NEAR_END:
            self.loading_more = True
            self._load_more(self.generation, self.current_filter(), self.next_cursor, self.at)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._draw_detail()
        self.maybe_load_more()

    def on_data_changed(self, message: DataChanged) -> None:
        self.reload()

    def on_screen_resume(self) -> None:
        """Back from another desk (or a dialog): changes made meanwhile went elsewhere."""
        if self.at is not None:
            self.reload()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed read of more rows may be tried again.

        Textual then calls the base class's handler too (screens/base.py), which shows
        the failure as one line: calling it here as well would show it twice.
        """
        if event.state == WorkerState.ERROR and event.worker.group == "queue-more":
            self.loading_more = False

    def _tick(self) -> None:
        """Time left moves on: read the page again; every minute, open owed updates too."""
        self.ticks += 1
        if self.desk_ready and self.app.screen is self:
            self.reload()

    # ------------------------------------------------------------------ drawing

    def _cells_for(self, row: QueueRow) -> tuple[Any, ...]:
        at = self.at or self.desk.now()
        style = self._state_style(row.state)
        when = short_due(row.task.due_at, at) if self.narrow else plain_due(row.task.due_at, at)
        due = Text(when, style=style)
        left = Text(time_left(row.task.due_at, at), style=style + (" bold" if style else ""))
        customer = literal(row.task.customer_name or "—")
        if row.task.restriction:  # the marker first, so a long name never hides it
            customer = Text.assemble(("⚠ ", self._theme("error", "red") + " bold"), customer)
        # Unassigned: the team it waits with, in italics (the detail pane says so in words).
        who = literal(row.task.assignee_name or row.task.team or "—")
        if not row.task.assignee_name:
            who.stylize("italic dim")
        return (due, left, literal(row.kind), customer, who)

    def _theme(self, name: str, fallback: str) -> str:
        theme = getattr(self.app, "current_theme", None)
        value = getattr(theme, name, None) if theme is not None else None
        return str(value) if value else fallback

    def _state_style(self, state: str) -> str:
        if state == "overdue":
            return self._theme("error", "red")
        if state in ("today", "past aim"):  # past the aim: not overdue, but the aim is missed
            return self._theme("warning", "dark_orange")
        return ""

    def _draw_rows(self, keep_task: int | None) -> None:
        """Write the rows into the table in place (positional rows): no scroll, no flicker."""
        table = self.table
        old_index = table.cursor_row
        new_cells = [self._cells_for(r) for r in self.rows]
        count = table.row_count
        for i, cells in enumerate(new_cells):
            if i < count:
                if i < len(self._cells) and _same(self._cells[i], cells):
                    continue
                for j, value in enumerate(cells):
                    table.update_cell_at(Coordinate(i, j), value)
            else:
                table.add_row(*cells, key=f"r{i}")
        for i in range(count - 1, len(new_cells) - 1, -1):
            table.remove_row(f"r{i}")
        self._cells = new_cells
        if not self.rows:
            self._draw_detail()
            return
        target = None
        if keep_task is not None:
            target = next((i for i, r in enumerate(self.rows) if r.id == keep_task), None)
        if target is None:
            target = 0 if keep_task is None else min(max(old_index, 0), len(self.rows) - 1)
        if target != table.cursor_row:
            table.move_cursor(row=target, animate=False)
        self._draw_detail()

    def _draw_header(self) -> None:
        counts = self.counts
        if counts is None:
            return
        text = Text()
        mine = "Your tasks" if not self.is_lead else "Open"
        text.append(f"{mine}: {counts.open:,}", style="bold")
        text.append(
            f"   overdue: {counts.overdue:,}",
            style=self._theme("error", "red") + " bold" if counts.overdue else "",
        )
        if self.is_lead and counts.by_handler:
            text.append("\nLoad: ", style="bold")
            parts = [
                f"{h.name} {h.open:,}" + (f" ({h.overdue:,} overdue)" if h.overdue else "")
                for h in counts.by_handler
            ]
            text.append(" · ".join(parts))
        if counts.by_kind:
            text.append("\nBy kind: ", style="bold")
            parts = [
                f"{k.kind} {k.open:,}" + (f" ({k.overdue:,} overdue)" if k.overdue else "")
                for k in counts.by_kind
            ]
            text.append(" · ".join(parts))
        self.query_one("#queue-counts", Static).update(visible(text))  # staff names
        self._draw_filters()

    def _draw_filters(self) -> None:
        f = self.current_filter()
        when = "now" if self.as_at is None else f"as at {local(self.as_at):%a %d %b %Y %H:%M}"
        shown = f"{len(self.rows):,} shown" + (" (more below)" if self.next_cursor else "")
        line = f"Showing: {f.describe()} · {when} · {shown}"
        self.query_one("#queue-filters", Static).update(literal(line))  # the search words
        self.set_class(self.as_at is not None, "-as-at")

    def _draw_detail(self) -> None:
        detail = self.query_one("#queue-detail", Static)
        row = self.selected
        if row is None:
            empty = "Nothing open" + ("" if self.current_filter().empty else " matches the filters")
            detail.update(Text(f"{empty}. Escape clears the filters.", style="italic"))
            return
        t = row.task
        text = Text()
        kind, _, rest = queue.headline(self.desk.profile, t.slug, t.title).partition(": ")
        text.append(f"#{t.id} {kind}", style="bold")
        text.append(f": {rest}" if rest else "")
        call = self.return_calls.get(t.id)
        if call is None and t.id not in self.reading_calls:
            self.reading_calls.add(t.id)
            self._read_return_call(t.id)
        if t.customer_name:
            text.append(f"\n{t.customer_name}")
            text.append(f" ({t.customer_reference})" if t.customer_reference else "")
        if call is not None and (call.phone or call.phone_alt):
            text.append("\n" if not t.customer_name else " · ")
            text.append("phone ")
            text.append(" or ".join(p for p in (call.phone, call.phone_alt) if p), style="bold")
        text.append(f"\nReceived {local(t.received_at):%a %d %b %Y %H:%M}")
        text.append(f" · due {row.due_text} · {row.left}")
        if row.aim_text:
            past = " (past the aim, not overdue)" if row.state == "past aim" else ""
            text.append(f" · aim {row.aim_text}{past}")
        if t.assignee_name:
            text.append(f" · with {t.assignee_name}")
        elif t.team:
            text.append(f" · unassigned, team {t.team}")
        if t.details.get("extended_from"):
            text.append(" · extended")
        if t.parent_id:
            text.append(f" · for task #{t.parent_id}")
        if t.restriction:
            text.append("\nAccess restriction: ", style=self._theme("error", "red") + " bold")
            text.append(t.restriction)
        if call is not None and call.notes:
            said = "Voicemail" if call.channel == "voicemail" else "Notes"
            text.append(f"\n{said}: ", style="bold")
            text.append(call.notes)
        detail.update(visible(text))  # names, title, restriction: no raw ESC

    def _read_return_call(self, task_id: int) -> None:
        self.run_service(
            queue.return_call,
            task_id,
            done=lambda call: self._return_call_read(task_id, call),
            failed=lambda _error: self.reading_calls.discard(task_id),
            doing="read the phone numbers",
            group="queue-return-call",
        )

    def _return_call_read(self, task_id: int, call: queue.ReturnCall) -> None:
        self.reading_calls.discard(task_id)
        self.return_calls[task_id] = call
        if self.selected_task_id == task_id:
            self._draw_detail()

    # ------------------------------------------------------------------ actions

    def _need_row(self) -> QueueRow | None:
        chosen = self.selected
        if chosen is None:
            self.notify("No task is highlighted: the queue is empty", severity="warning")
        return chosen

    def _summary(self, row: QueueRow) -> str:
        who = f" · {row.task.customer_name}" if row.task.customer_name else ""
        return f"#{row.id} {row.kind}{who} · due {row.due_text}"

    def _warning(self, row: QueueRow) -> str:
        return f"Access restriction: {row.task.restriction}" if row.task.restriction else ""

    def _act(self, done: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        self.run_service(
            fn,
            *args,
            **kwargs,
            done=lambda _result: self._acted(done),
            doing="change the task",
            group="queue-action",
            exclusive=False,
            hold_keys=True,
        )

    def _acted(self, done: str) -> None:
        self.notify(shown(done), markup=False)
        self.reload(hold_keys=True)

    def action_claim(self) -> None:
        row = self._need_row()
        if row is not None:
            self._act(f"Task #{row.id} is yours", tasks.claim, row.id)

    def action_assign(self) -> None:
        row = self._need_row()
        if row is None:
            return
        if not self.is_lead:
            self.notify(
                "Only a team lead or admin can assign a task to someone else: press c to claim it",
                severity="error",
            )
            return
        self._staff_for(row)

    def _staff_for(self, row: QueueRow) -> None:
        self.run_service(
            tasks.assignable_staff,
            done=lambda staff: self._ask_assign(row, staff),
            doing="list the staff",
            group="queue-action",
            exclusive=False,
            hold_keys=True,  # the picker's keys wait for the dialog
        )

    def _ask_assign(self, row: QueueRow, staff: list[Any]) -> None:
        from screens.dialogs.assign_dialog import AssignChoice, AssignDialog

        def chosen(choice: AssignChoice | None) -> None:
            if choice is None:
                return
            name = next((s.name for s in staff if s.id == choice.staff_id), "the team")
            self._act(f"Task #{row.id} assigned to {name}", tasks.assign, row.id, choice.staff_id)

        self.app.push_screen(AssignDialog(self._summary(row), staff, row.task.assignee_id), chosen)

    def action_complete(self) -> None:
        from screens.dialogs.complete_dialog import CompleteDialog, Completion

        row = self._need_row()
        if row is None:
            return

        def chosen(result: Completion | None) -> None:
            if result is not None:
                self._act(
                    f"Task #{row.id} done: {result.outcome}",
                    tasks.complete,
                    row.id,
                    result.outcome,
                    result.note,
                )

        dialog = CompleteDialog(
            self._summary(row), tasks.outcomes_for(row.task.slug), warning=self._warning(row)
        )
        self.app.push_screen(dialog, chosen)

    def action_cancel_task(self) -> None:
        from screens.dialogs.reason_dialog import ReasonDialog, ReasonResult

        row = self._need_row()
        if row is None:
            return
        if not self.is_lead:
            self.notify("Only a team lead or admin can cancel a task", severity="error")
            return

        def chosen(result: ReasonResult | None) -> None:
            if result is not None:
                self._act(f"Task #{row.id} cancelled", tasks.cancel, row.id, result.reason)

        self.app.push_screen(
            ReasonDialog(
                f"Cancel task #{row.id}",
                "Why is this promise withdrawn",
                detail=self._summary(row),
                placeholder="e.g. duplicate of another task",
            ),
            chosen,
        )

    def action_extend(self) -> None:
        row = self._need_row()
        if row is not None:
            self._preview_extension(row)

    def _preview_extension(self, row: QueueRow) -> None:
        self.run_service(
            tasks.extension_preview,
            row.id,
            done=lambda ext: self._ask_extend(row, ext),
            doing="work out the extension",
            group="queue-action",
            exclusive=False,
            hold_keys=True,
        )

    def _ask_extend(self, row: QueueRow, ext: Any) -> None:
        from screens.dialogs.reason_dialog import ReasonDialog, ReasonResult

        now = self.desk.now()

        def chosen(result: ReasonResult | None) -> None:
            if result is None:
                return
            told = self.desk.now() if result.customer_told else None
            self._act(
                f"Task #{row.id} extended: now due {plain_due(ext.due_after, now)}",
                tasks.extend,
                row.id,
                result.reason,
                customer_told_at=told,
            )

        detail = (
            f"{self._summary(row)}\n"
            f"Extended to: {ext.promise} ({ext.target})\n"
            f"New due: {plain_due(ext.due_after, now)} (was {plain_due(ext.due_before, now)})"
        )
        self.app.push_screen(
            ReasonDialog(
                f"Extend task #{row.id}",
                "Why it needs more time",
                detail=detail,
                ask_told=True,
                placeholder="e.g. waiting for the contractor's report",
            ),
            chosen,
        )

    def action_escalate(self) -> None:
        from screens.dialogs.reason_dialog import ReasonDialog, ReasonResult

        row = self._need_row()
        if row is None:
            return
        profile = self.desk.profile
        stage1 = {
            profile.slug_for("complaint_stage1"),
            profile.slug_for("complaint_stage1_extended"),
        }
        stage2 = profile.slug_for("complaint_stage2")
        if stage2 is None:
            self.service_failed(
                InputError(f"the {profile.short_name} profile has no stage 2 complaint standard"),
                "",
            )
            return
        if row.task.slug not in stage1:
            self.service_failed(
                InputError(
                    f"task #{row.id} is not a stage 1 complaint: only those escalate to stage 2"
                ),
                "",
            )
            return
        now = self.desk.now()

        def chosen(result: ReasonResult | None) -> None:
            if result is not None:
                self._act(
                    f"Task #{row.id} escalated to stage 2",
                    tasks.escalate,
                    row.id,
                    note=result.reason,
                )

        due = plain_due(due_at(profile, stage2, now), now)
        self.app.push_screen(
            ReasonDialog(
                f"Escalate task #{row.id} to stage 2",
                "Why the customer escalates",
                detail=f"{self._summary(row)}\nStage 2 full response due {due}",
                placeholder="e.g. unhappy with the stage 1 decision",
            ),
            chosen,
        )

    def action_progress(self) -> None:
        from screens.dialogs.reason_dialog import ReasonDialog, ReasonResult

        row = self._need_row()
        if row is None:
            return

        def chosen(result: ReasonResult | None) -> None:
            if result is not None:
                self._act(
                    f"Progress update logged for task #{row.task.parent_id or row.id}",
                    tasks.log_progress_update,
                    row.id,
                    result.reason,
                )

        self.app.push_screen(
            ReasonDialog(
                "Progress update",
                "What the customer was told",
                detail=self._summary(row),
                warning=self._warning(row),
                placeholder="e.g. still waiting for the contractor; new date Friday",
            ),
            chosen,
        )

    # ------------------------------------------------------------------ filters

    def watch_filters(self) -> None:
        """A new filter: the first page again, and the filter line says what is shown."""
        self.reload(reset=True)
        self._draw_filters()

    def _narrow(self, **changes: Any) -> None:
        self.filters = replace(self.filters, **changes)

    def action_toggle_mine(self) -> None:
        self._narrow(mine=not self.filters.mine)

    def action_toggle_team(self) -> None:
        actor = self.desk.actor
        if not self.filters.team and (actor is None or not actor.team):
            self.notify(
                "You have no team on the staff list: ask an admin to set one", severity="error"
            )
            return
        self._narrow(team=not self.filters.team)

    def action_toggle_overdue(self) -> None:
        self._narrow(overdue=not self.filters.overdue)

    def action_kind(self) -> None:
        from screens.dialogs.text_dialog import TextDialog

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if value:
                try:
                    queue.kind_slugs(self.desk.profile, value)
                except FrontDeskError as exc:  # say what the kinds are
                    self.service_failed(exc, "")
                    return
            self._narrow(kind=value.lower())

        self.app.push_screen(
            TextDialog(
                "Kind of task",
                "A kind as shown (e.g. call back, complaint); empty for all",
                value=self.filters.kind,
                hint="Kinds: " + ", ".join(queue.kind_names(self.desk.profile)),
            ),
            chosen,
        )

    def action_customer(self) -> None:
        from screens.dialogs.text_dialog import TextDialog

        def chosen(value: str | None) -> None:
            if value is None:
                return
            if not value:
                self._narrow(customer_id=None, customer_label="")
                return
            self._find_customer(value)

        self.app.push_screen(
            TextDialog(
                "One customer's tasks",
                "Customer reference (empty for every customer)",
                value=self.filters.customer_label,
                placeholder="e.g. C000123",
            ),
            chosen,
        )

    def _find_customer(self, reference: str) -> None:
        from console.desk import customers

        self.run_service(
            customers.by_reference,
            reference,
            done=lambda found: self._customer_found(found.id, found.reference),
            doing="find the customer",
            group="queue-action",
            exclusive=False,
            hold_keys=True,
        )

    def _customer_found(self, customer_id: int, reference: str) -> None:
        self._narrow(customer_id=customer_id, customer_label=reference)

    def action_search(self) -> None:
        from screens.dialogs.text_dialog import TextDialog

        def chosen(value: str | None) -> None:
            if value is not None:
                self._narrow(search=value)

        self.app.push_screen(
            TextDialog(
                "Search the queue",
                "Words in the customer's name, reference or address, or the task's title",
                value=self.filters.search,
            ),
            chosen,
        )

    def action_as_at(self) -> None:
        from screens.dialogs.text_dialog import TextDialog

        def chosen(value: str | None) -> None:
            if value is None:
                return
            try:
                as_at = queue.parse_as_at(value, self.desk.now())
            except FrontDeskError as exc:  # says how to type it
                self.service_failed(exc, "")
                return
            self._narrow(as_at=as_at)

        self.app.push_screen(
            TextDialog(
                "View the queue as at",
                "An instant: Fri 17:00, tomorrow 9:00, 2025-11-28 17:00 (empty or 'now' for now)",
                placeholder="e.g. Fri 17:00",
                hint="Shows what will be overdue by then. Enter applies; Escape cancels.",
            ),
            chosen,
        )

    def action_refresh(self) -> None:
        self.reload()

    def action_clear_filters(self) -> None:
        self.filters = Filters()


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all(
        (x.plain, str(x.style), x.spans) == (y.plain, str(y.style), y.spans)
        if isinstance(x, Text) and isinstance(y, Text)
        else x == y
        for x, y in zip(a, b, strict=True)
    )


def _read_page(
    desk: Desk, filters: QueueFilter, as_at: datetime | None, size: int
) -> tuple[QueuePage, QueueCounts, float]:
    """A page of the queue and its counts (in a worker)."""
    started = time.perf_counter()
    result = queue.page(desk, filters, limit=size, at=as_at)
    query_ms = (time.perf_counter() - started) * 1000
    actor = desk.actor
    mine_only = actor is not None and actor.role not in LEADS
    counts = queue.counts(desk, at=result.at, assignee_id=actor.id if mine_only and actor else None)
    return result, counts, query_ms
