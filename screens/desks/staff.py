"""Staff & audit (F7): the admin's staff list, and the audit trail for team leads.

Admins see two tabs: Staff (add, deactivate or reactivate, reset a PIN, change a
role, see one person's trail) and Audit trail. Team leads see the audit trail:
the most recent events, or one customer's (type a reference or a name, Enter),
and can make a subject access export of that customer. Handlers and reception
see a line saying who this desk is for: the services refuse them anyway.

Every name and detail is shown literally (Text objects, markup off).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import (
    DataTable,
    Footer,
    Header,
    Input,
    OptionList,
    Static,
    TabbedContent,
    TabPane,
)
from textual.widgets.option_list import Option

from console.desk import people
from console.rules.clock import local
from console.rules.roles import ADMINS, LEADS
from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.literal import LITERAL, literal, shown

if TYPE_CHECKING:
    from console.desk.audit import AuditEntry
    from console.desk.context import Desk
    from console.desk.customers import CustomerView
    from console.desk.people import StaffView

RECENT_LIMIT = 200
TRAIL_LIMIT = 1000
STAFF_ACTIONS = ("add", "deactivate", "reset_pin", "role", "staff_trail", "show_staff")
LEAD_ACTIONS = ("find", "recent")


def clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class StaffScreen(DeskScreen[None]):
    CSS_PATH = "staff.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="staff.add", tooltip="Add a staff member with their own PIN"),
        Binding(
            "d",
            "deactivate",
            "(De)activate",
            id="staff.deactivate",
            tooltip="Deactivate the selected staff member, or let them sign in again",
        ),
        Binding(
            "p",
            "reset_pin",
            "Reset PIN",
            id="staff.reset_pin",
            tooltip="Set a new PIN for the selected staff member (lifts a lock-out)",
        ),
        Binding(
            "r", "role", "Role", id="staff.role", tooltip="Change the selected staff member's role"
        ),
        Binding(
            "t",
            "staff_trail",
            "Their trail",
            id="staff.trail",
            tooltip="The audit trail of the selected staff member",
        ),
        Binding(
            "ctrl+l",
            "show_staff",
            "Staff list",
            id="staff.list",
            tooltip="Back to the list of staff",
        ),
        Binding(
            "ctrl+f",
            "find",
            "Find customer",
            id="staff.find",
            tooltip="Show one customer's audit trail: type a reference or a name",
        ),
        Binding(
            "ctrl+r",
            "recent",
            "Recent events",
            id="staff.recent",
            tooltip="The most recent events across the console",
        ),
        Binding(
            "ctrl+e",
            "export",
            "Export",
            id="staff.export",
            tooltip="Subject access export of the customer shown (JSON and CSV)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.staff: list[StaffView] = []
        self.trail: list[AuditEntry] = []
        self.matches: list[CustomerView] = []
        self.view_kind = "recent"  # recent, customer, staff
        self.view_key: int | None = None
        self.view_label = "Recent events"

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="staff-denied", markup=False)
        with TabbedContent(id="staff-tabs", initial="audit-pane"):
            with TabPane("Staff", id="staff-pane"):
                yield DataTable(id="staff-table", cursor_type="row", zebra_stripes=True)
                yield Static(
                    "a add · d deactivate/reactivate · p reset PIN · r role · t their trail",
                    id="staff-help",
                    markup=False,
                )
            with TabPane("Audit trail", id="audit-pane"), Vertical(id="audit-body"):
                yield Input(
                    id="audit-find",
                    placeholder="Customer reference or name, then Enter (empty: recent events)",
                    highlighter=LITERAL,
                )
                yield OptionList(id="audit-matches")
                yield Static(id="audit-title", markup=False)
                yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    @property
    def role(self) -> str:
        actor = self.desk.actor if self.desk_ready else None
        return actor.role if actor is not None else ""

    def on_mount(self) -> None:
        staff_table = self.query_one("#staff-table", DataTable)
        staff_table.add_columns("Name", "Login", "Role", "Team", "Status")
        audit_table = self.query_one("#audit-table", DataTable)
        audit_table.add_columns("When", "Who", "What", "Record", "Customer", "Detail")
        self.query_one("#audit-matches", OptionList).display = False
        tabs = self.query_one("#staff-tabs", TabbedContent)
        denied = self.query_one("#staff-denied", Static)
        if self.role not in LEADS:
            tabs.display = False
            denied.update(
                "Staff and the audit trail are for team leads and admins. "
                "Ask an admin to change a PIN or a role."
            )
            return
        denied.display = False
        if self.role in ADMINS:
            tabs.active = "staff-pane"
            staff_table.focus()
            self._load_staff()
        else:
            tabs.hide_tab("staff-pane")
            self.query_one("#audit-find", Input).focus()
        self._show_title()
        self._load_trail(record_view=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        role = self.role
        if action in STAFF_ACTIONS:
            if role not in ADMINS:
                return False
            if action == "show_staff":
                return True
            return self._tab() == "staff-pane"
        if action in LEAD_ACTIONS:
            return role in LEADS
        if action == "export":
            return role in LEADS and self.view_kind == "customer"
        return True

    def _tab(self) -> str:
        return self.query_one("#staff-tabs", TabbedContent).active

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, _event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()

    # -- the staff list ----------------------------------------------------------------

    def _load_staff(self) -> None:
        self.run_service(
            people.list_staff,
            done=self._staff_loaded,
            doing="load the staff list",
            group="staff-load",
        )

    def _staff_loaded(self, rows: list[StaffView]) -> None:
        self.staff = rows
        table = self.query_one("#staff-table", DataTable)
        keep = table.cursor_row
        table.clear()
        now = self.desk.now()
        for s in rows:
            status = s.status(now)
            style = "dim" if not s.active else ("bold red" if status.startswith("locked") else "")
            table.add_row(
                literal(s.name, style),
                literal(s.login, style),
                literal(s.role_words, style),
                literal(s.team, style),
                literal(status, style),
                key=str(s.id),
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)

    def _selected(self) -> StaffView | None:
        table = self.query_one("#staff-table", DataTable)
        if not table.row_count or not 0 <= table.cursor_row < len(self.staff):
            self.notify("Choose a staff member first (Up/Down).", severity="warning")
            return None
        return self.staff[table.cursor_row]

    def action_show_staff(self) -> None:
        self.query_one("#staff-tabs", TabbedContent).active = "staff-pane"
        self.query_one("#staff-table", DataTable).focus()

    def action_add(self) -> None:
        from screens.dialogs.staff_add_dialog import NewStaff, StaffAddDialog

        def added(new: NewStaff | None) -> None:
            if new is not None:
                self._write(
                    "add a staff member",
                    lambda desk: people.add_staff(
                        desk, new.name, new.login, new.role, new.pin, team=new.team
                    ),
                    lambda s: f"Added {s.name} ({s.role_words}), login {s.login}",
                )

        self.app.push_screen(StaffAddDialog(), added)

    def action_deactivate(self) -> None:
        from screens.dialogs.staff_confirm_dialog import StaffConfirmDialog

        s = self._selected()
        if s is None:
            return
        if not s.active:
            self._write(
                "reactivate",
                lambda desk: people.reactivate(desk, s.id),
                lambda v: f"{v.name} can sign in again",
            )
            return
        question = Text("Deactivate ")
        question.append(shown(s.name), style="bold")
        question.append("? They will no longer be able to sign in; their records keep their name.")

        def answered(yes: bool | None) -> None:
            if yes:
                self._write(
                    "deactivate",
                    lambda desk: people.deactivate(desk, s.id),
                    lambda v: f"{v.name} is deactivated",
                )

        self.app.push_screen(StaffConfirmDialog(question, yes="Deactivate"), answered)

    def action_reset_pin(self) -> None:
        from screens.dialogs.staff_pin_dialog import StaffPinDialog

        s = self._selected()
        if s is None:
            return

        def chosen(pin: str | None) -> None:
            if pin:
                self._write(
                    "reset the PIN",
                    lambda desk: people.reset_pin(desk, s.id, pin),
                    lambda v: f"New PIN set for {v.name}",
                )

        self.app.push_screen(StaffPinDialog(s.name), chosen)

    def action_role(self) -> None:
        from screens.dialogs.staff_role_dialog import StaffRoleDialog

        s = self._selected()
        if s is None:
            return

        def chosen(role: str | None) -> None:
            if role and role != s.role:
                self._write(
                    "change the role",
                    lambda desk: people.change_role(desk, s.id, role),
                    lambda v: f"{v.name} is now {v.role_words}",
                )

        self.app.push_screen(StaffRoleDialog(s.name, s.role), chosen)

    def action_staff_trail(self) -> None:
        s = self._selected()
        if s is None:
            return
        self.view_kind, self.view_key, self.view_label = "staff", s.id, f"Audit trail: {s.name}"
        self._show_title()
        self.query_one("#staff-tabs", TabbedContent).active = "audit-pane"
        self.query_one("#audit-table", DataTable).focus()
        self._load_trail(record_view=False)

    def _write(
        self,
        doing: str,
        change: Callable[[Desk], StaffView],
        said: Callable[[StaffView], str],
    ) -> None:
        self.run_service(
            change,
            done=lambda result: self._done(said(result)),
            doing=doing,
            group="staff-write",
            exclusive=False,
            hold_keys=True,
        )

    def _done(self, message: str) -> None:
        self.notify(shown(message), markup=False)
        self._load_staff()

    def _error(self, message: str) -> None:
        self.notify(shown(message), severity="error", timeout=10, markup=False)

    # -- the audit trail ---------------------------------------------------------------

    def action_find(self) -> None:
        self.query_one("#staff-tabs", TabbedContent).active = "audit-pane"
        self.query_one("#audit-find", Input).focus()

    def action_recent(self) -> None:
        self.query_one("#staff-tabs", TabbedContent).active = "audit-pane"
        self.view_kind, self.view_key, self.view_label = "recent", None, "Recent events"
        self._hide_matches()
        self._show_title()
        self.query_one("#audit-table", DataTable).focus()
        self._load_trail(record_view=False)
        self.refresh_bindings()

    @on(Input.Submitted, "#audit-find")
    def _find_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            self.action_recent()
            return
        self._find(text)

    def _find(self, text: str) -> None:
        self.run_service(
            _find_customers,
            text,
            done=lambda matches: self._found(text, matches),
            doing="find the customer",
            group="audit-find",
            hold_keys=True,  # Down/Enter typed at once go to the matches
        )

    def _found(self, text: str, matches: list[CustomerView]) -> None:
        self.matches = matches
        if not matches:
            self._hide_matches()
            self._error(f"No customer matches '{text}': try a reference or part of the name")
            return
        if len(matches) == 1:
            self._hide_matches()
            self._show_customer(matches[0])
            return
        options = self.query_one("#audit-matches", OptionList)
        options.clear_options()
        for c in matches:
            label = literal(c.name, "bold")
            label.append(f"  {shown(c.reference)}", style="dim")
            if c.address:
                label.append(f"  · {shown(c.address)}")
            options.add_option(Option(label, id=str(c.id)))
        options.display = True
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#audit-matches")
    def _match_chosen(self, event: OptionList.OptionSelected) -> None:
        chosen = next((c for c in self.matches if str(c.id) == event.option.id), None)
        self._hide_matches()
        if chosen is not None:
            self._show_customer(chosen)

    def _hide_matches(self) -> None:
        self.query_one("#audit-matches", OptionList).display = False

    def _show_customer(self, c: CustomerView) -> None:
        self.view_kind, self.view_key = "customer", c.id
        self.view_label = f"Audit trail: {c.name} ({c.reference})"
        self._show_title()
        self.query_one("#audit-table", DataTable).focus()
        self._load_trail(record_view=True)
        self.refresh_bindings()

    def _show_title(self) -> None:
        title = literal(self.view_label, "bold")
        if self.view_kind == "customer":
            title.append("   ctrl+e subject access export", style="dim")
        self.query_one("#audit-title", Static).update(title)

    def _load_trail(self, record_view: bool = False) -> None:
        kind, key = self.view_kind, self.view_key
        if self.role not in LEADS:
            return
        self.run_service(
            _trail,
            kind,
            key,
            record_view,
            done=lambda rows: self._trail_loaded(kind, key, rows),
            doing="load the audit trail",
            group="audit-load",
        )

    def _trail_loaded(self, kind: str, key: int | None, rows: list[AuditEntry]) -> None:
        if (kind, key) != (self.view_kind, self.view_key):
            return  # the view changed while this was loading
        self.trail = rows
        table = self.query_one("#audit-table", DataTable)
        keep = table.cursor_row
        table.clear()
        for e in rows:
            record = e.entity + (f" {e.entity_id}" if e.entity_id is not None else "")
            table.add_row(
                f"{local(e.at):%d %b %Y %H:%M:%S}",
                literal(clip(e.who, 24)),
                literal(e.action_words),
                literal(record),
                literal(e.customer_reference),
                literal(clip(e.detail, 70)),
                key=str(e.id),
            )
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1), animate=False)

    # -- export ------------------------------------------------------------------------

    def action_export(self) -> None:
        from screens.dialogs.subject_access_dialog import SubjectAccessDialog

        if self.view_kind != "customer" or self.view_key is None:
            self._error("Show a customer's trail first (ctrl+f), then export it")
            return
        customer_id = self.view_key
        label = self.view_label.removeprefix("Audit trail: ")

        def chosen(folder: str | None) -> None:
            if folder:
                self._export(customer_id, folder)

        self.app.push_screen(SubjectAccessDialog(label), chosen)

    def _export(self, customer_id: int, folder: str) -> None:
        from console.desk.export import ExportResult, export_customer

        def exported(result: ExportResult) -> None:
            self._load_trail(False)
            self.notify(
                f"Exported {result.contacts} contacts, {result.tasks} tasks and "
                f"{result.events} events to {shown(result.folder)}",
                timeout=15,
                markup=False,
            )

        self.run_service(
            export_customer, customer_id, folder, done=exported, doing="export the customer"
        )

    # -- live refresh ------------------------------------------------------------------

    def on_data_changed(self, _message: DataChanged) -> None:
        if self.role in ADMINS:
            self._load_staff()
        if self.role in LEADS:
            self._load_trail(record_view=False)


def _find_customers(desk: Desk, text: str) -> list[CustomerView]:
    """A customer by exact reference, else by name or address (in a worker)."""
    from console.desk import customers
    from console.rules.errors import NotFound

    try:
        return [customers.by_reference(desk, text)]
    except NotFound:
        return customers.search(desk, text, limit=12)


def _trail(desk: Desk, kind: str, key: int | None, record_view: bool) -> list[AuditEntry]:
    """The audit trail on show: a customer's, a staff member's, or the recent events."""
    from console.desk import audit

    if kind == "customer" and key is not None:
        return audit.for_customer(desk, key, limit=TRAIL_LIMIT, record_view=record_view)
    if kind == "staff" and key is not None:
        return audit.for_staff(desk, key, limit=TRAIL_LIMIT)
    return audit.recent(desk, limit=RECENT_LIMIT)
