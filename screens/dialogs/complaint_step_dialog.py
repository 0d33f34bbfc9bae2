"""Move a complaint on: extend stage 1, escalate to stage 2, or record a stage's outcome.

Dismisses the `console.desk.complaints.ComplaintView` of the stage acted on (the new
stage 2 after an escalation). Only the steps the complaint allows are offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Input, Static

from console.rules.errors import InputError
from screens.dialogs.complaint_dialog import OUTCOMES
from screens.dialogs.form_dialog import FormDialog, field
from screens.widgets.key_choice import Choice, KeyChoice
from screens.widgets.literal import visible

if TYPE_CHECKING:
    from collections.abc import Iterable

    from console.desk.complaints import ComplaintView
    from console.desk.context import Desk
    from console.desk.customers import CustomerView


class ComplaintStepDialog(FormDialog["ComplaintView"]):
    TITLE_TEXT = "Complaint: next step"
    LOGS_CONTACT = False

    def __init__(
        self,
        customer: CustomerView,
        complaint: ComplaintView,
        *,
        can_extend: bool,
        acknowledged: bool = False,
    ) -> None:
        super().__init__(customer, acknowledged=acknowledged)
        self.complaint = complaint
        steps: list[Choice] = []
        c = complaint
        if c.stage == 1 and c.status == "open" and can_extend and not c.slug.endswith("-extended"):
            steps.append(Choice("x", "extend", "Extend stage 1"))
        if c.stage in (0, 1) and c.status != "cancelled":
            steps.append(Choice("2", "escalate", "Escalate to stage 2"))
        if c.status == "open":
            steps.append(Choice("o", "outcome", "Record the outcome"))
        self.steps = steps

    def fields(self) -> Iterable[Widget]:
        c = self.complaint
        about = Text()
        about.append(f"{c.stage_name.capitalize()}: ", style="bold")
        about.append(c.subject or "(no subject)")
        about.append(f"   received {c.received:%d %b %Y}", style="dim")
        yield Static(visible(about), id="step-about")
        if not self.steps:
            yield Static("Nothing more to do on this complaint.", classes="flag")
            return
        yield field("Step", KeyChoice(self.steps, id="step"))
        row = field(
            "Reason", Input(id="reason", placeholder="Why (the customer is told)", compact=True)
        )
        row.add_class("when-extend")
        row.add_class("when-escalate")
        yield row
        yield _only("outcome", field("Outcome", KeyChoice(OUTCOMES, id="outcome", advance=True)))
        yield _only("outcome", field("Actions taken", Input(id="actions", compact=True)))
        yield _only(
            "outcome",
            field(
                "Root cause", Input(id="root-cause", placeholder="Needed when upheld", compact=True)
            ),
        )

    def first_focus(self) -> Widget | None:
        found = self.query("#step")
        return found.first() if found else None

    def on_key_choice_changed(self, event: KeyChoice.Changed) -> None:
        if event.key_choice.id == "step":
            for step in ("extend", "escalate", "outcome"):
                self.set_class(event.value == step, f"-{step}")
            target = "#outcome" if event.value == "outcome" else "#reason"
            self.call_after_refresh(self.query_one(target).focus)

    def collect(self) -> dict[str, Any]:
        if not self.steps:
            raise InputError("nothing more to do on this complaint: press escape")
        step = self.query_one("#step", KeyChoice).value
        if not step:
            keys = ", ".join(f"{s.key} {s.label.lower()}" for s in self.steps)
            raise InputError(f"choose the step: {keys}")
        values: dict[str, Any] = {"step": step}
        if step in ("extend", "escalate"):
            values["reason"] = self.value("#reason")
        else:
            outcome = self.query_one("#outcome", KeyChoice).value
            if not outcome:
                raise InputError(
                    "choose the outcome: u upheld, p partially upheld, n not upheld, r resolved"
                )
            values.update(
                outcome=outcome,
                actions=self.value("#actions"),
                root_cause=self.value("#root-cause"),
            )
        return values

    def perform(self, desk: Desk, values: dict[str, Any]) -> ComplaintView:
        from console.desk import complaints

        c = self.complaint
        step = values["step"]
        if step == "extend":
            assert c.task_id is not None
            return complaints.extend_stage1(desk, c.task_id, reason=values["reason"])
        if step == "escalate":
            if c.task_id is None:
                assert c.contact_id is not None
                return complaints.escalate_frontline(desk, c.contact_id, reason=values["reason"])
            return complaints.escalate(desk, c.task_id, reason=values["reason"])
        assert c.task_id is not None
        return complaints.record_outcome(
            desk,
            c.task_id,
            outcome=values["outcome"],
            actions=values["actions"],
            root_cause=values["root_cause"],
        )


def _only(step: str, row: Widget) -> Widget:
    row.add_class(f"when-{step}")
    return row
