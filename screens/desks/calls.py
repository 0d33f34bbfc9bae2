"""The freephone handler's screen: log a call while the caller is still on the line.

The flow, keyboard only (a resolved call for a known customer is six keys
beyond the text typed):

    answer time  12 Enter          (seconds, or rings: 4r)
    caller       smith Enter       (top match; Down to choose another; f8 anonymous; ctrl+n new)
    enquiry      r                 (one letter per category; focus moves on)
    notes        ... Enter
    outcome      1                 (one digit; referral, transfer, complaint ask for details)
    save         ctrl+s

Saving runs in a thread worker; "Saved" shows only once the commit has returned.
When the outcome promised something, the sentence to read out stays on screen
until the next call starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from console.desk import calls as service
from console.desk.outcomes import BY_KIND, Outcome, available_outcomes, callback_outcomes
from console.rules.clock import local
from console.rules.errors import FrontDeskError, InputError
from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.caller_banner import CallerBanner
from screens.widgets.customer_picker import CustomerPicked, CustomerPicker
from screens.widgets.key_choice import Choice, KeyChoice, hotkeys
from screens.widgets.literal import literal, shown
from screens.widgets.outcome_detail import outcome_summary, pick_outcome
from screens.widgets.screen_pop import PhoneState, ScreenPopBar, read_phone

if TYPE_CHECKING:
    from console.desk.calls import LoggedContact, MyDay, OfficeStatus
    from console.desk.context import Desk

ACK_HINT = "Press ctrl+r to acknowledge the restriction before saving."
# Once the phone system reports calls, this desk checks the revision this often, so a
# call answered at the handler's phone is on the screen well inside 300 ms.
PHONE_POLL_SECONDS = 0.1


# Short outcome words for the narrow "my calls today" table.
SHORT = {
    "resolved": "Resolved",
    "callback_routine": "Call back",
    "callback_urgent": "Call back urgent",
    "callback": "Call back",
    "referred": "Referred",
    "repair_emergency": "Repair emergency",
    "repair_urgent": "Repair urgent",
    "repair_routine": "Repair routine",
    "complaint_frontline": "Complaint closed",
    "complaint_stage1": "Complaint stage 1",
    "transferred": "Transferred",
}


def _office_and_day(desk: Desk) -> tuple[OfficeStatus, MyDay]:
    """Whether the office is open, and my calls today (one read for the side panel)."""
    return service.office_status(desk), service.my_calls_today(desk)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


class CallsScreen(DeskScreen[None]):
    """Answer time, caller, enquiry, notes, outcome; my calls today beside it."""

    CSS_PATH = "calls.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "save",
            "Save",
            id="calls.save",
            tooltip="Save the call and what it promises",
            priority=True,
        ),
        Binding(
            "ctrl+l",
            "new_call",
            "New call",
            id="calls.new",
            tooltip="Clear the form for the next call",
            priority=True,
        ),
        Binding(
            "ctrl+t",
            "toggle_voicemail",
            "Voicemail",
            id="calls.voicemail",
            tooltip="Switch between a call and a voicemail message",
            priority=True,
        ),
        Binding(
            "ctrl+r",
            "acknowledge",
            "Acknowledge",
            id="calls.acknowledge",
            tooltip="Acknowledge the caller's access restriction",
            priority=True,
        ),
        Binding(
            "ctrl+e",
            "emergency",
            "Emergency repair",
            id="calls.emergency",
            tooltip="Out of hours: log an emergency repair",
            priority=True,
        ),
    ]

    # What the footer's keys depend on: Textual refreshes the bindings when these change.
    mode: reactive[str] = reactive("call", bindings=True, init=False)  # or "voicemail"
    office: reactive[OfficeStatus | None] = reactive(None, bindings=True, init=False)
    restriction_pending: reactive[bool] = reactive(False, bindings=True, init=False)

    def __init__(self) -> None:
        super().__init__()
        self.started = False  # the next call has started (the last "tell the caller" is hidden)
        self.outcome: Outcome | None = None
        self.saving = False
        self.last_saved: LoggedContact | None = None
        # the phone system (issue 18): the call last popped, and the contact it recorded
        self.popped_call: str | None = None
        self.popped_answer: str | None = None
        self.phone_contact_id: int | None = None
        self.phone_polling = False

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="ooh-banner", markup=False)
        yield ScreenPopBar(id="screen-pop")
        with Horizontal(id="calls-body"):
            with VerticalScroll(id="call-form"):  # scrolls to the focused field at 80×24
                yield Static("New call", id="form-title")
                with Horizontal(classes="row"):
                    yield Label("Answer time", id="answer-label", classes="field-label")
                    yield Input(id="answer", placeholder="12 or 4r", compact=True)
                    yield Static(id="answer-verdict", markup=False)
                yield Label("Caller", classes="section")
                yield CustomerPicker(id="picker")
                yield CallerBanner(id="banner", ack_hint=ACK_HINT)
                yield Label("Enquiry (press its letter)", classes="section")
                yield KeyChoice(id="category", advance=True)
                with Horizontal(classes="row notes-row"):
                    yield Label("Notes", classes="field-label")
                    yield Input(
                        id="notes",
                        placeholder="What the caller wanted, what was agreed",
                        compact=True,
                    )
                yield Label("Outcome (press its number)", classes="section")
                yield KeyChoice(id="outcome", columns=2)
                yield Static(id="outcome-detail", markup=False)
                yield Static(id="tell", markup=False)
                yield Static(id="status", markup=False)
            with Vertical(id="side"):
                yield Static("My calls today", id="my-title")
                yield DataTable(id="my-calls", cursor_type="row", zebra_stripes=True)
                yield Static(id="my-summary", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        desk = self.desk
        profile = desk.profile
        labels = [c.label for c in profile.categories]
        keys = hotkeys(labels)
        self.query_one("#category", KeyChoice).set_choices(
            [Choice(k, c.key, c.label) for k, c in zip(keys, profile.categories, strict=True)]
        )
        self._set_outcome_choices()
        table = self.query_one("#my-calls", DataTable)
        table.add_columns("Time", "Caller", "Answer", "Outcome")
        self.query_one("#tell", Static).border_title = "Tell the caller"
        self.query_one("#answer", Input).focus()
        # Shown with the first frame: a handler who signs in out of hours sees it at once.
        self._show_office(service.office_status(desk))
        self._refresh()
        self.set_interval(60, self._refresh, name="office hours")

    def _set_outcome_choices(self) -> None:
        profile = self.desk.profile
        offered = (
            callback_outcomes(profile) if self.mode == "voicemail" else available_outcomes(profile)
        )
        choices = [Choice(c.key, c.kind, c.label) for c in offered]
        if self.mode == "voicemail":  # renumber: 1 routine, 2 urgent
            choices = [Choice(str(i + 1), c.value, c.label) for i, c in enumerate(choices)]
        self.query_one("#outcome", KeyChoice).set_choices(choices)

    # -- loading -----------------------------------------------------------------------

    def on_data_changed(self, message: DataChanged) -> None:
        self._refresh()

    def _refresh(self) -> None:
        self._load()

    def _load(self) -> None:
        self.run_service(
            read_phone, done=self._phone_loaded, doing="read the phone line", group="calls-phone"
        )  # first: the pop
        self.run_service(
            _office_and_day, done=self._loaded, doing="load my calls today", group="calls-load"
        )

    def _phone_loaded(self, state: PhoneState) -> None:
        """Pop the caller and fill the measured answer time, once per call."""
        if state.figures.connected:
            self.sub_title = state.figures.line
            poll = getattr(self.app, "poll_revision", None)
            if not self.phone_polling and poll is not None:
                self.phone_polling = True
                self.set_interval(PHONE_POLL_SECONDS, poll, name="phone poll")
        self.query_one("#screen-pop", ScreenPopBar).show_pop(state.pop)
        pop = state.pop
        if pop is None or self.mode != "call" or self.saving:
            return
        picker = self.query_one("#picker", CustomerPicker)
        if self.popped_call != pop.call_id:
            self.popped_call = pop.call_id
            if not picker.picked:
                if state.customer is not None:
                    picker.pick(state.customer)
                elif pop.number == "anonymous":
                    picker.pick(None)
                elif pop.number:
                    picker.input.value = pop.number  # the matches (or none) to choose from
                    picker.focus_input()
        if (
            pop.contact_id is not None
            and pop.answer_seconds is not None
            and self.popped_answer != pop.call_id
        ):
            self.popped_answer = pop.call_id
            self.phone_contact_id = pop.contact_id
            answer = self.query_one("#answer", Input)
            with answer.prevent(Input.Changed):
                answer.value = f"{pop.answer_seconds:.1f}"
            answer.disabled = True
            self._start()
            verdict = self.query_one("#answer-verdict", Static)
            within = service.within_target(self.desk.profile, pop.answer_seconds)
            verdict.update(
                service.describe_answer(self.desk.profile, pop.answer_seconds)
                + " (measured by the phone system)"
            )
            verdict.set_class(within is True, "within")
            verdict.set_class(within is False, "over")

    def _loaded(self, found: tuple[OfficeStatus, MyDay]) -> None:
        status, day = found
        self._show_office(status)
        self._show_day(day)

    def _show_office(self, status: OfficeStatus) -> None:
        """The out-of-hours banner and ctrl+e: from the profile's calendar alone, no database."""
        self.office = status
        banner = self.query_one("#ooh-banner", Static)
        self.set_class(not status.open, "-out-of-hours")
        if not status.open:
            text = literal(status.message)
            if self.desk.profile.has("repair_emergency"):
                text.append("\nPress ctrl+e to log an emergency repair.", style="bold")
            banner.update(text)

    def _show_day(self, day: MyDay) -> None:
        wide = self.app.size.width >= 110  # at 80 columns the answer verdict stays in view
        table = self.query_one("#my-calls", DataTable)
        row = table.cursor_row
        table.clear()
        for r in day.rows:
            if r.channel == "voicemail":
                answer = Text("voicemail", style="dim")
            elif r.answer_seconds is None:
                answer = Text("n/a", style="dim")
            else:
                ok = r.within_target
                answer = Text(
                    f"{r.answer_seconds:.0f} s {'✓' if ok else '✗'}",
                    style="green" if ok else "bold red",
                )
                if r.answer_source == "typed":
                    answer.append(" typed", style="dim")
            table.add_row(
                f"{local(r.received_at):%H:%M}",
                literal(_clip(r.customer_name or "Anonymous", 15 if wide else 9)),
                answer,
                literal(_clip(SHORT.get(r.outcome_kind, r.outcome), 17)),
                key=str(r.contact_id),
            )
        if table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1), animate=False)
        self.query_one("#my-summary", Static).update(literal(day.summary))

    # -- the form ----------------------------------------------------------------------

    def _start(self) -> None:
        """The next call has begun: the last call's "tell the caller" goes away."""
        if not self.started:
            self.started = True
            self.query_one("#tell", Static).remove_class("-shown")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "answer":
            if event.value.strip():
                self._start()
            self._show_verdict(event.value)
        elif event.input.id == "notes" and event.value:
            self._start()

    def _show_verdict(self, text: str) -> None:
        verdict = self.query_one("#answer-verdict", Static)
        verdict.remove_class("within", "over")
        if self.mode == "voicemail":
            verdict.update("when the message was left (hh:mm); blank = now")
            return
        if not text.strip():
            target = service.answer_target(self.desk.profile)
            verdict.update(f"target: {target:.0f} s" if target is not None else "")
            return
        try:
            seconds = service.parse_answer(self.desk.profile, text)
        except InputError:
            verdict.update("seconds (12), rings (4r) or 1:05")
            return
        within = service.within_target(self.desk.profile, seconds)
        verdict.update(service.describe_answer(self.desk.profile, seconds))
        if within is not None:
            verdict.add_class("within" if within else "over")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "answer":
            self.query_one("#picker", CustomerPicker).focus_input()
        elif event.input.id == "notes":
            self.query_one("#outcome", KeyChoice).focus()

    def on_customer_picked(self, event: CustomerPicked) -> None:
        self._start()
        banner = self.query_one("#banner", CallerBanner)
        banner.show(event.customer)
        self.restriction_pending = banner.needs_acknowledgement
        if banner.needs_acknowledgement:
            self._status(ACK_HINT, error=True)
        category = self.query_one("#category", KeyChoice)
        if category.value is None:
            category.focus()
        else:  # already chosen (an emergency repair): what is wrong goes in the notes
            self.query_one("#notes", Input).focus()

    def on_customer_picker_cleared(self, event: CustomerPicker.Cleared) -> None:
        self.query_one("#banner", CallerBanner).show(None)
        self.restriction_pending = False

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        self._start()
        if event.key_choice.id != "outcome":
            return
        category = self.query_one("#category", KeyChoice).value
        pick_outcome(self, event.key_choice, event.value, category, self._set_outcome)

    def _set_outcome(self, outcome: Outcome | None) -> None:
        self.outcome = outcome
        self._show_outcome_detail()

    def _show_outcome_detail(self) -> None:
        self.query_one("#outcome-detail", Static).update(outcome_summary(self.outcome))

    def _status(self, text: str, *, error: bool = False, saved: bool = False) -> None:
        """The status line: may quote a name or what was typed, so always literal."""
        status = self.query_one("#status", Static)
        status.update(literal(text))
        status.set_class(error, "error")
        status.set_class(saved, "saved")

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "acknowledge":
            return self.restriction_pending
        if action == "emergency":
            if not self.desk_ready or self.office is None or self.office.open:
                return False
            return self.desk.profile.has("repair_emergency")
        return True

    def action_acknowledge(self) -> None:
        banner = self.query_one("#banner", CallerBanner)
        banner.acknowledge()
        self.restriction_pending = banner.needs_acknowledgement
        self._status("Restriction acknowledged.")

    def action_emergency(self) -> None:
        profile = self.desk.profile
        if self.mode != "call":
            self.action_toggle_voicemail()
        category = next((c.key for c in profile.categories if c.key == "repairs"), None)
        if category is not None:
            self.query_one("#category", KeyChoice).select(category, post=False)
        self.query_one("#outcome", KeyChoice).select("repair_emergency", post=False)
        self.outcome = Outcome("repair_emergency")
        self._start()
        self._status("Emergency repair: answer time, the caller and what is wrong, then ctrl+s.")
        if not self.query_one("#answer", Input).value.strip():
            self.query_one("#answer", Input).focus()
        else:
            self.query_one("#picker", CustomerPicker).focus_input()

    def action_new_call(self) -> None:
        self._reset_form()
        self._status("")

    def action_toggle_voicemail(self) -> None:
        if self.phone_contact_id is not None:  # a measured call is not a voicemail
            self._reset_form()
        self.mode = "voicemail" if self.mode == "call" else "call"
        voicemail = self.mode == "voicemail"
        self.set_class(voicemail, "-voicemail")
        self.query_one("#form-title", Static).update(
            "Voicemail message" if voicemail else "New call"
        )
        self.query_one("#answer-label", Label).update("Left at" if voicemail else "Answer time")
        answer = self.query_one("#answer", Input)
        answer.placeholder = "hh:mm" if voicemail else "12 or 4r"
        self._set_outcome_choices()
        self.outcome = None
        if voicemail:  # a voicemail is a routine call back unless marked urgent
            first = self.query_one("#outcome", KeyChoice).choices[0].value
            self.query_one("#outcome", KeyChoice).select(first, post=False)
            self.outcome = Outcome(first)
        self._show_outcome_detail()
        self._show_verdict(answer.value)
        answer.focus()

    def _reset_form(self) -> None:
        self.started = False
        self.outcome = None
        self.phone_contact_id = None
        answer = self.query_one("#answer", Input)
        answer.disabled = False
        with answer.prevent(Input.Changed):
            answer.value = ""
        self.query_one("#picker", CustomerPicker).reset()
        self.query_one("#banner", CallerBanner).show(None)
        self.query_one("#category", KeyChoice).select(None, post=False)
        notes = self.query_one("#notes", Input)
        with notes.prevent(Input.Changed):
            notes.value = ""
        choice = self.query_one("#outcome", KeyChoice)
        choice.select(None, post=False)
        if self.mode == "voicemail" and choice.choices:
            choice.select(choice.choices[0].value, post=False)
            self.outcome = Outcome(choice.choices[0].value)
        self._show_outcome_detail()
        self._show_verdict("")
        self.restriction_pending = False
        answer.focus()

    def _collect(self) -> dict[str, Any]:
        """The service's keyword arguments from the form, or InputError naming what to fix."""
        desk = self.desk
        picker = self.query_one("#picker", CustomerPicker)
        banner = self.query_one("#banner", CallerBanner)
        category = self.query_one("#category", KeyChoice).value
        answer = self.query_one("#answer", Input).value
        if not picker.picked:
            raise InputError("find the caller and press Enter, or press f8 for an anonymous caller")
        if banner.needs_acknowledgement:
            raise InputError(ACK_HINT)
        if not category:
            raise InputError("choose the enquiry: press its letter")
        customer = picker.customer
        form: dict[str, Any] = {
            "category": category,
            "customer_id": customer.id if customer is not None else None,
            "notes": self.query_one("#notes", Input).value,
            "restriction_acknowledged": banner.acknowledged,
        }
        kind = self.query_one("#outcome", KeyChoice).value
        if self.mode == "voicemail":
            form["urgent"] = kind == "callback_urgent"
            form["received_at"] = service.parse_left_at(desk, answer)
            return form
        if self.phone_contact_id is not None:  # measured by the phone system: not typed
            form["phone_contact_id"] = self.phone_contact_id
        else:
            form["answer"] = service.parse_answer(desk.profile, answer)
        if kind is None:
            raise InputError("choose the outcome: press its number")
        if self.outcome is None or self.outcome.kind != kind:
            raise InputError(f"'{BY_KIND[kind].label}' needs details: press its number again")
        form["outcome"] = self.outcome
        return form

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            form = self._collect()
        except FrontDeskError as exc:
            self._status(str(exc), error=True)
            self.notify(shown(exc), severity="error", markup=False)
            return
        self.saving = True
        self._status("Saving…")
        self._save(self.mode, form)

    def _save(self, mode: str, form: dict[str, Any]) -> None:
        self.run_service(
            service.log_voicemail if mode == "voicemail" else service.log_call,
            **form,
            done=self._saved,
            failed=self._save_failed,
            doing="save the call",
            group="calls-save",
            hold_keys=True,  # the next call's keys wait for the cleared form
        )

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._status(f"Not saved: {exc}", error=True)
        self.service_failed(exc, "save the call")

    def _saved(self, result: LoggedContact) -> None:
        self.saving = False
        self.last_saved = result
        what = "Voicemail" if result.channel == "voicemail" else "Call"
        who = result.customer_name or "anonymous caller"
        label = BY_KIND[result.outcome].label if result.outcome in BY_KIND else result.outcome
        self._reset_form()
        self._status(f"Saved: {what.lower()} from {who}, {label.lower()}.", saved=True)
        tell = self.query_one("#tell", Static)
        # Nobody is on the line after a voicemail: the words are for when you call back.
        tell.border_title = (
            "When you call back, tell them" if result.channel == "voicemail" else "Tell the caller"
        )
        if result.tell:
            tell.update(literal("\n".join(result.tell), style="bold"))
            tell.add_class("-shown")
        else:
            tell.remove_class("-shown")
        self._refresh()
