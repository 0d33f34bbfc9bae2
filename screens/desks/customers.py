"""Customers & post: find a customer, see everything about them, log what came in writing.

The record shows details, communication needs, any access restriction, consent
and a timeline of every contact and task, newest first. Opening a record is
audited ("opened"). Keys act on the open record:

    /  find another customer          l  letter       e  email       s  social media
    r  report a repair                c  complaint    q  request     b  book a home visit
    v  record a home visit            n  next step on the selected entry (or Enter)
    d  details and needs              x  access restriction          ctrl+r acknowledge it

A customer's restriction shows in red on this screen and in every dialog that
logs a contact, and must be acknowledged before one is saved (BHA s12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Label, Static

from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.caller_banner import CallerBanner
from screens.widgets.customer_picker import CustomerPicked, CustomerPicker
from screens.widgets.literal import literal, visible

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.desk.customers import CustomerRecord, CustomerView, TimelineEntry

WHAT = 26  # characters of the timeline's "What" column (fits 120 columns)
WHAT_NARROW = 18  # below 110 columns: When, What and Status still fit beside the record
ACK_HINT = "Press ctrl+r to acknowledge the restriction before logging a contact."
RECORD_ACTIONS = (
    "letter",
    "email",
    "social",
    "repair",
    "complaint",
    "request",
    "book_visit",
    "record_visit",
    "next_step",
    "edit",
    "restriction",
)


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


class CustomersScreen(DeskScreen[None]):
    """Find a customer; their record and timeline; keys to log letters, emails and the rest."""

    CSS_PATH = "customers.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "acknowledge",
            "Acknowledge",
            id="customers.acknowledge",
            tooltip="Acknowledge the customer's access restriction",
            priority=True,
        ),
        Binding(
            "slash",
            "find",
            "Find",
            id="customers.find",
            tooltip="Find another customer",
            show=False,
        ),
        Binding(
            "l", "letter", "Letter", id="customers.letter", tooltip="Log a letter (date-stamped)"
        ),
        Binding("e", "email", "Email", id="customers.email", tooltip="Log an email"),
        Binding(
            "s", "social", "Social", id="customers.social", tooltip="Log a social media message"
        ),
        Binding("r", "repair", "Repair", id="customers.repair", tooltip="Report a repair"),
        Binding(
            "c", "complaint", "Complaint", id="customers.complaint", tooltip="Take a complaint"
        ),
        Binding(
            "q",
            "request",
            "Request",
            id="customers.request",
            tooltip="Subject access, FOI, housing application, format",
        ),
        Binding("b", "book_visit", "Book", id="customers.book_visit", tooltip="Book a home visit"),
        Binding(
            "v", "record_visit", "Visit", id="customers.record_visit", tooltip="Record a home visit"
        ),
        Binding(
            "n",
            "next_step",
            "Next",
            id="customers.next_step",
            tooltip="Act on the selected entry (or Enter): extend, escalate, outcome, issue",
            show=False,
        ),
        Binding(
            "d",
            "edit",
            "Details",
            id="customers.edit",
            tooltip="Edit details, communication needs and consent",
        ),
        Binding(
            "x",
            "restriction",
            "Restrict",
            id="customers.restriction",
            tooltip="Record or lift an access restriction (team leads)",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.record: CustomerRecord | None = None
        self.entries: dict[str, TimelineEntry] = {}
        self.row_keys: list[str] = []  # timeline rows in order
        self.acknowledged_for: int | None = None  # the customer whose restriction was acknowledged

    # -- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="finder-row"):
            yield Label("Customer", id="finder-label")
            yield CustomerPicker(
                id="picker",
                placeholder="Find a customer: name, address, phone or reference",
                nobody=None,
            )
        yield CallerBanner(id="banner", ack_hint=ACK_HINT)
        with Horizontal(id="customer-body"):
            with Vertical(id="record-pane"):
                yield Static(id="record", markup=False)
            with Vertical(id="timeline-pane"):
                yield Static("Timeline: every contact and task, newest first", id="timeline-title")
                yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
                yield Static(id="entry-detail", markup=False)
        yield Static(id="result", markup=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#timeline", DataTable)
        table.add_columns("When", "What", "Status", "Due", "By")
        self.query_one("#record", Static).update(
            Text("Find a customer above: name, address, phone or reference.", style="dim")
        )
        self.query_one("#entry-detail", Static).border_title = "Selected"
        self.query_one("#result", Static).border_title = "Tell the customer"
        self.query_one("#picker", CustomerPicker).focus_input()

    # -- which keys apply ------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge":
            return self.is_mounted and self.query_one("#banner", CallerBanner).needs_acknowledgement
        if action in RECORD_ACTIONS and self.record is None:
            return False
        if not self.desk_ready:
            return True
        profile = self.desk.profile
        if action == "repair":
            return any(profile.has(f"repair_{p}") for p in ("emergency", "urgent", "routine"))
        if action == "complaint":
            return profile.has("complaint_stage1")
        if action == "request":
            return any(
                profile.has(u)
                for u in ("subject_access", "foi", "housing_application", "alternative_format")
            )
        return True

    # -- finding and loading -------------------------------------------------------------

    def action_find(self) -> None:
        self.query_one("#picker", CustomerPicker).focus_input()

    def on_customer_picked(self, event: CustomerPicked) -> None:
        event.stop()
        if event.customer is None:
            self.notify("Choose a customer: the record needs one (or ctrl+n for a new one).")
            self.query_one("#picker", CustomerPicker).reset()
            self.query_one("#picker", CustomerPicker).focus_input()
            return
        self.open_customer(event.customer.id)

    def open_customer(self, customer_id: int) -> None:
        """Open a record (audited as "opened") and move to its timeline."""
        self._open(customer_id)

    def _open(self, customer_id: int) -> None:
        from console.desk.customers import open_record

        self.run_service(
            open_record,
            customer_id,
            done=lambda record: self._show(record, True),
            doing="open the customer record",
            group="customer-load",
            hold_keys=True,  # a letter's key typed at once waits for the record
        )

    def on_data_changed(self, message: DataChanged) -> None:
        if self.record is not None:
            self._reload(self.record.customer.id)

    def _reload(self, customer_id: int) -> None:
        from console.desk.customers import record

        self.run_service(
            record,
            customer_id,
            done=lambda fresh: self._show(fresh, False),
            doing="reload the customer record",
            group="customer-load",
        )

    def _show(self, record: CustomerRecord, opened: bool) -> None:
        c = record.customer
        if self.record is None or self.record.customer.id != c.id:
            self.query_one("#result", Static).update("")
            self.query_one("#result", Static).remove_class("-shown")
        self.record = record
        if self.acknowledged_for != c.id or not c.restriction:
            self.acknowledged_for = None
        self.query_one("#banner", CallerBanner).show(c, acknowledged=self.acknowledged_for == c.id)
        self.query_one("#record", Static).update(self._record_text(record))
        self._fill_timeline(record)
        self.refresh_bindings()
        if opened:
            picker = self.query_one("#picker", CustomerPicker)
            if not picker.picked or picker.customer is None or picker.customer.id != c.id:
                picker.pick(c, post=False)
            self.query_one("#timeline", DataTable).focus()

    def _record_text(self, record: CustomerRecord) -> Text:
        c = record.customer
        t = Text()
        t.append(f"{record.title} {c.name}" if record.title else c.name, style="bold")
        t.append(f"  {c.reference}\n", style="dim")
        for label, value in (
            ("Address", c.address),
            ("Phone", c.phone + (f" · {record.phone_alt}" if record.phone_alt else "")),
            ("Email", c.email),
            ("Prefers", c.preferred_contact),
        ):
            t.append(f"{label:<9}", style="dim")
            t.append(f"{value or '—'}\n")
        # Shown only when the housing system's export gave them (frontdesk import customers).
        for label, value in (
            ("Tenure", record.tenure),
            ("Born", f"{record.date_of_birth:%d %b %Y}" if record.date_of_birth else ""),
        ):
            if value:
                t.append(f"{label:<9}", style="dim")
                t.append(f"{value}\n")
        t.append(f"{'Consent':<9}", style="dim")
        t.append("shares information\n" if c.consent_to_share else "not given\n")
        t.append("\nCommunication needs\n", style="bold")
        if c.needs:
            for need in c.needs:
                t.append(f"  ◆ {need}\n", style="bold")
        else:
            t.append("  none recorded\n", style="dim")
        t.append("\nAccess restriction\n", style="bold")
        if c.restriction:
            t.append(f"  ⚠ {c.restriction}\n", style="bold red")
            if c.restriction_reason:
                t.append(f"  Why: {c.restriction_reason}\n")
            if c.restriction_review:
                t.append(f"  Review: {c.restriction_review:%d %b %Y}\n")
        else:
            t.append("  none\n", style="dim")
        t.append(f"\nOpen tasks: {record.open_tasks}", style="bold")
        return visible(t)

    def _fill_timeline(self, record: CustomerRecord) -> None:
        from console.rules.clock import local
        from console.rules.deadlines import time_left

        desk = self.desk
        now = desk.now()
        table = self.query_one("#timeline", DataTable)
        keep = self.selected()
        keep_key = f"{keep.kind}:{keep.id}" if keep is not None else None
        table.clear()
        self.entries = {}
        self.row_keys = []
        for e in record.timeline:
            key = f"{e.kind}:{e.id}"
            self.entries[key] = e
            self.row_keys.append(key)
            at = local(e.at)
            when = f"{at:%d %b}" if e.slug == "letter" else f"{at:%d %b %H:%M}"
            width = WHAT if self.app.size.width >= 110 else WHAT_NARROW
            if e.kind == "contact":
                what = Text(e.what, style="bold")
                if e.summary:
                    what.append(f" · {e.summary}", style="")
                what.truncate(width, overflow="ellipsis")
                what = visible(what)
                status = literal(_clip(e.status.replace("_", " "), 10))
                due = Text("")
            else:
                what = literal(_clip(e.what, width))
                status = literal(_clip(e.status, 10), style="" if e.status == "open" else "dim")
                due = Text("")
                if e.status == "open" and e.due_at is not None:
                    left = time_left(e.due_at, now)
                    due = Text(left, style="bold red" if left.startswith("overdue") else "")
                elif e.due_at is not None:
                    due = Text(f"{local(e.due_at):%d %b}", style="dim")
            table.add_row(when, what, status, due, literal(_clip(e.staff, 9)), key=key)
        if table.row_count:
            rows = self.row_keys
            row = rows.index(keep_key) if keep_key in rows else 0
            table.move_cursor(row=row, animate=False)
        self._show_detail()

    # -- the selected entry ----------------------------------------------------------------

    def selected(self) -> TimelineEntry | None:
        table = self.query_one("#timeline", DataTable)
        row = table.cursor_row
        if not table.row_count or row is None or not 0 <= row < len(self.row_keys):
            return None
        return self.entries.get(self.row_keys[row])

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_next_step()

    def _show_detail(self) -> None:
        panel = self.query_one("#entry-detail", Static)
        e = self.selected()
        panel.update(detail_text(e) if e is not None else Text(""))

    # -- the restriction ---------------------------------------------------------------

    def action_acknowledge(self) -> None:
        if self.record is None:
            return
        self.acknowledged_for = self.record.customer.id
        self.query_one("#banner", CallerBanner).acknowledge()
        self.refresh_bindings()
        self.notify("Restriction acknowledged: follow it on this contact.")

    @property
    def acknowledged(self) -> bool:
        return self.record is not None and self.acknowledged_for == self.record.customer.id

    # -- logging ---------------------------------------------------------------------------

    def _customer(self) -> CustomerView:
        assert self.record is not None
        return self.record.customer

    def _today(self) -> str:
        from screens.dialogs.form_dialog import today_text

        return today_text(self.desk)

    def _open_dialog(self, dialog: Any) -> None:
        self.app.push_screen(dialog, self._saved)

    def _saved(self, result: Any) -> None:
        if result is None:
            self.query_one("#timeline", DataTable).focus()
            return
        if self.record is not None and self.record.customer.restriction:
            self.acknowledged_for = self.record.customer.id  # it was ticked to save
        self.query_one("#result", Static).update(result_text(result))
        self.query_one("#result", Static).add_class("-shown")
        if self.record is not None:
            self._reload(self.record.customer.id)
        self.query_one("#timeline", DataTable).focus()

    def _written(self, channel: str) -> None:
        from screens.dialogs.correspondence_dialog import CorrespondenceDialog

        desk = self.desk
        self._open_dialog(
            CorrespondenceDialog(
                channel,
                self._customer(),
                desk.profile,
                self._today(),
                acknowledged=self.acknowledged,
            )
        )

    def action_letter(self) -> None:
        self._written("letter")

    def action_email(self) -> None:
        self._written("email")

    def action_social(self) -> None:
        self._written("social")

    def action_repair(self) -> None:
        from screens.dialogs.repair_dialog import RepairDialog

        self._open_dialog(
            RepairDialog(self._customer(), self._today(), acknowledged=self.acknowledged)
        )

    def action_complaint(self) -> None:
        from screens.dialogs.complaint_dialog import ComplaintDialog

        self._open_dialog(
            ComplaintDialog(self._customer(), self._today(), acknowledged=self.acknowledged)
        )

    def action_request(self) -> None:
        from console.desk.requests import available_kinds
        from screens.dialogs.request_dialog import RequestDialog

        kinds = available_kinds(self.desk)  # the profile only: no database
        self._open_dialog(
            RequestDialog(self._customer(), kinds, self._today(), acknowledged=self.acknowledged)
        )

    def action_book_visit(self) -> None:
        from screens.dialogs.home_visit_dialog import HomeVisitDialog

        profile = self.desk.profile
        slug = profile.slug_for("home_visit_notice")
        notice = profile.commitment(slug).target if slug else ""
        self._open_dialog(HomeVisitDialog(self._customer(), notice, acknowledged=self.acknowledged))

    def action_record_visit(self) -> None:
        e = self.selected()
        if (
            e is not None
            and e.kind == "contact"
            and e.slug == "home_visit"
            and e.status == "booked"
        ):
            self._act(e)
            return
        from screens.dialogs.visit_record_dialog import VisitRecordDialog

        self._open_dialog(VisitRecordDialog(self._customer(), None, acknowledged=self.acknowledged))

    def action_edit(self) -> None:
        from screens.dialogs.customer_edit_dialog import CustomerEditDialog

        assert self.record is not None
        self._open_dialog(CustomerEditDialog(self.record))

    def action_restriction(self) -> None:
        from screens.dialogs.restriction_dialog import RestrictionDialog

        self._open_dialog(RestrictionDialog(self._customer()))

    # -- next step on the selected entry -----------------------------------------------

    def action_next_step(self) -> None:
        e = self.selected()
        if e is None:
            self.notify("Nothing selected: the timeline is empty.")
            return
        self._act(e)

    def _act(self, e: TimelineEntry) -> None:
        customer = self._customer()

        def decided(step: tuple[str, Any]) -> None:
            what, found = step
            if what == "complaint":
                self._step_dialog(customer, found)
            elif what == "sar":
                self._sar_dialog(customer, e)
            elif what == "issued":
                self._saved(found)
            elif what == "visit":
                self._visit_dialog(customer, found)
            else:
                self.notify("Nothing to do here on this entry: work tasks from the queue (F4).")

        self.run_service(
            _next_step,
            customer,
            e,
            done=decided,
            doing="open the selected entry",
            group="customer-act",
            hold_keys=True,
        )

    def _step_dialog(self, customer: CustomerView, view: Any) -> None:
        from screens.dialogs.complaint_step_dialog import ComplaintStepDialog

        can_extend = self.desk.profile.has("complaint_stage1_extended")
        self._open_dialog(ComplaintStepDialog(customer, view, can_extend=can_extend))

    def _sar_dialog(self, customer: CustomerView, e: TimelineEntry) -> None:
        from screens.dialogs.sar_extension_dialog import SarExtensionDialog

        assert e.due_at is not None
        self._open_dialog(SarExtensionDialog(customer, e.id, e.due_at, self._today()))

    def _visit_dialog(self, customer: CustomerView, visit: Any) -> None:
        from screens.dialogs.visit_record_dialog import VisitRecordDialog

        self._open_dialog(VisitRecordDialog(customer, visit, acknowledged=self.acknowledged))


# -- plain text for the panels (user text always literal: Text objects, no markup, and
# control characters made visible by `visible` on the way out) ----------------------------


def detail_text(e: TimelineEntry) -> Text:
    """What the selected timeline entry holds, in full."""
    from console.rules.clock import local

    t = Text()
    d = e.details
    t.append(f"{e.what}", style="bold")
    stamp = "%a %d %b %Y" if e.slug == "letter" else "%a %d %b %Y %H:%M"
    t.append(f"  {local(e.at).strftime(stamp)}", style="dim")
    if e.staff:
        t.append(f"  · {e.staff}", style="dim")
    t.append("\n")
    complaint = (
        d if d.get("kind") == "complaint" else d.get("complaint") if e.kind == "contact" else None
    )
    if isinstance(complaint, dict) and complaint:
        service = complaint.get("service", "") or "—"
        t.append(f"About: {complaint.get('subject', '')}   Service: {service}")
        if complaint.get("received"):
            t.append(f"   Received: {complaint['received']}")
        t.append("\n")
        for stage in ("frontline", "stage1", "stage2"):
            rec = complaint.get(stage)
            if isinstance(rec, dict):
                t.append(f"{stage}: ", style="bold")
                closed, by = rec.get("closed", ""), rec.get("handler", "")
                t.append(f"{rec.get('outcome', '')}, closed {closed} by {by}")
                if rec.get("actions"):
                    t.append(f"; actions: {rec['actions']}")
                if rec.get("root_cause"):
                    t.append(f"; root cause: {rec['root_cause']}")
                t.append("\n")
        if complaint.get("escalation_note"):
            t.append(f"Escalated: {complaint['escalation_note']}\n")
    visit = d.get("visit") if e.kind == "contact" else None
    if isinstance(visit, dict):
        t.append(f"For: {visit.get('purpose', '')}\n")
        if visit.get("notice_ok") is False:
            t.append(f"⚑ Short notice: {visit.get('short_notice_reason', '')}\n", style="bold")
        if "id_shown" in visit and visit.get("id_shown") is not None:
            t.append("ID shown\n" if visit["id_shown"] else "⚑ ID NOT shown\n", style="bold")
        if visit.get("record"):
            t.append(f"Record: {visit['record']}\n")
        if visit.get("next_steps"):
            t.append(f"Next steps: {visit['next_steps']}\n")
        if visit.get("calling_card"):
            t.append("Nobody home: calling card left\n")
    if d.get("kind") == "repair" or (e.kind == "contact" and d.get("repair")):
        repair = d if d.get("kind") == "repair" else d.get("repair", {})
        t.append(f"Repair: {repair.get('priority', '')} {d.get('description', '')}\n")
        if d.get("awaiting_details"):
            t.append(
                "Waiting for details: n issues the repair once they are confirmed\n", style="bold"
            )
    request = d.get("request")
    if isinstance(request, dict):
        request = request.get("request", "")
    if isinstance(request, str) and request:
        t.append(f"Request: {request}")
        if d.get("description"):
            t.append(f": {d['description']}")
        if d.get("format"):
            t.append(f" ({d['format']}{' ' + d['language'] if d.get('language') else ''})")
        t.append("\n")
    if e.kind == "task" and e.due_at is not None:
        t.append(f"Due {local(e.due_at):%a %d %b %Y %H:%M}   Status: {e.status}\n")
    if d.get("needs"):
        t.append(f"Needs: {', '.join(d['needs'])}\n", style="bold")
    if e.summary and e.kind == "task":
        t.append(f"Note: {e.summary}\n")
    hint = next_step_hint(e)
    if hint:
        t.append(f"Enter: {hint}", style="dim")
    return visible(t)


def next_step_hint(e: TimelineEntry) -> str:
    """What Enter (or n) does on this entry, if anything."""
    d = e.details
    if e.kind == "task" and (d.get("kind") == "complaint" or "stage" in d):
        stage1 = d.get("stage") == 1
        if e.status == "open":
            if not stage1:
                return "record the outcome"
            if e.slug.endswith("-extended"):
                return "escalate or record the outcome"
            return "extend, escalate or record the outcome"
        done = e.status.startswith("done") and "escalated" not in e.status
        return "escalate to stage 2" if stage1 and done else ""
    if e.kind == "contact" and (d.get("complaint") or {}).get("stage") == 0:
        return "escalate to stage 2"
    if e.kind == "task" and d.get("request") == "subject-access" and e.status == "open":
        return "extend to three months"
    if e.kind == "task" and d.get("awaiting_details") and e.status == "open":
        return "the details are confirmed: issue the repair"
    if e.kind == "contact" and e.slug == "home_visit" and e.status == "booked":
        return "record the visit"
    return ""


def result_text(result: Any) -> Text:
    """What was saved, and the sentences to tell the customer."""
    t = Text()
    promises = getattr(result, "promises", ()) or ()
    name = getattr(result, "customer_name", "") or getattr(
        getattr(result, "customer", None), "name", ""
    )
    what = type(result).__name__
    if what == "Logged":
        t.append(f"Saved: {result.channel.replace('_', ' ')}", style="bold")
    elif what == "ComplaintView":
        t.append(f"Saved: {result.stage_name} complaint", style="bold")
        if result.result is not None:
            t.append(f" · {result.result.outcome}")
    elif what == "RequestView":
        t.append(f"Saved: {result.title}", style="bold")
    elif what == "VisitView":
        t.append(f"Saved: home visit {result.status_label}", style="bold")
    else:
        t.append("Saved", style="bold")
    if name:
        t.append(f" for {name}")
    for p in promises:
        t.append(f"\n• {p.tell}")
    for w in getattr(result, "warnings", ()) or ():
        t.append(f"\n⚑ {w}", style="bold")
    needs = getattr(result, "needs", ()) or ()
    if needs:
        t.append(f"\nReply in the customer's format: {', '.join(needs)}", style="bold")
    return visible(t)


def _next_step(desk: Desk, customer: CustomerView, e: TimelineEntry) -> tuple[str, Any]:
    """What the next step on a timeline entry is, and what its dialog needs (in a worker)."""
    from console.desk import complaints, home_visits

    profile = desk.profile
    if e.kind == "task" and complaints.is_complaint_slug(desk, e.slug):
        return "complaint", complaints.complaint(desk, e.id)
    if e.kind == "contact" and (e.details.get("complaint") or {}).get("stage") == 0:
        return "complaint", complaints.frontline(desk, e.id)
    if e.kind == "task" and e.slug == profile.slug_for("subject_access") and e.status == "open":
        assert e.due_at is not None
        return "sar", None
    if e.kind == "task" and e.details.get("awaiting_details") and e.status == "open":
        from console.desk.repairs import issue_repair

        return "issued", issue_repair(desk, e.id)
    if e.kind == "contact" and e.slug == "home_visit" and e.status == "booked":
        visit = next(
            (
                v
                for v in home_visits.visits_for(desk, customer.id, booked_only=True)
                if v.contact_id == e.id
            ),
            None,
        )
        return "visit", visit
    return "nothing", None
