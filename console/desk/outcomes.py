"""How a contact ends, and what each ending promises.

Shared by every channel that talks to a customer (calls, voicemail, reception
visits, letters and emails): the screen picks an `Outcome`, the service that logs
the contact calls `apply_outcome()` inside its own transaction, and the tasks it
opens carry their due instants from the engine.

Outcome kinds (the value stored in `Contact.outcome`), the profile use each needs,
and what it records:

- ``resolved`` (none): nothing more, resolved there and then.
- ``callback_routine`` / ``callback_urgent`` (the same uses): a call back task.
- ``callback`` (callback_routine): Weslo's single call back; offered instead of
  routine and urgent where the profile maps both to one commitment.
- ``referred`` (callback_routine, or callback_urgent when ``urgent``): a call back
  task on the call back clock, assigned to the named colleague (and their team)
  or to the named team; the contact records ``details["referred_to"]``.
- ``repair_emergency`` / ``repair_urgent`` / ``repair_routine`` (the same uses):
  a repair task, details ``{"priority": "emergency" | "urgent" | "routine"}``.
- ``complaint_frontline`` (complaint_stage1: the profile runs a complaints
  procedure): no task; the contact records ``details["complaint"] = {"stage": 0,
  "resolution": "frontline", "subject": ..., "service": ...}``.
- ``complaint_stage1`` (complaint_stage1): a `complaint-stage1` task, details
  ``{"stage": 1, "subject": ..., "service": ...}`` (also on the contact).
- ``transferred`` (none): no task; the contact records ``details["transferred_to"]``.

Who acts on a call back: the referred colleague or team; otherwise the team of
the enquiry's category ("Repairs will call you back ..."), else the commitment's
own team. Repairs and complaints go to their commitment's team.

Every task is received at the contact's `received_at`, so the clock starts when
the customer made contact, not when the record was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from console.desk.tasks import open_task, slug_for
from console.rules.deadlines import plain_due
from console.rules.errors import InputError, NotFound

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.desk.context import Desk
    from console.rules.profiles import Profile
    from console.store.models import Contact, Task


@dataclass(frozen=True)
class OutcomeKind:
    kind: str
    label: str
    use: str | None  # the profile use that must exist for the outcome to be offered
    task: bool  # whether it opens a task
    needs: tuple[str, ...] = ()  # extra fields the handler must give: "to", "subject"


# In the order a handler sees them; digits 1..9, 0 follow this order.
KINDS: tuple[OutcomeKind, ...] = (
    OutcomeKind("resolved", "Resolved there and then", None, False),
    OutcomeKind("callback_routine", "Call back (routine)", "callback_routine", True),
    OutcomeKind("callback_urgent", "Call back (urgent)", "callback_urgent", True),
    OutcomeKind("callback", "Call back", "callback_routine", True),
    OutcomeKind("referred", "Referred: colleague/team", "callback_routine", True, ("to",)),
    OutcomeKind("repair_emergency", "Repair: emergency", "repair_emergency", True),
    OutcomeKind("repair_urgent", "Repair: urgent", "repair_urgent", True),
    OutcomeKind("repair_routine", "Repair: routine", "repair_routine", True),
    OutcomeKind(
        "complaint_frontline", "Complaint: front line", "complaint_stage1", False, ("subject",)
    ),
    OutcomeKind("complaint_stage1", "Complaint: stage 1", "complaint_stage1", True, ("subject",)),
    OutcomeKind("transferred", "Transferred", None, False, ("to",)),
)
BY_KIND: dict[str, OutcomeKind] = {k.kind: k for k in KINDS}
CALLBACK_KINDS = ("callback_routine", "callback_urgent", "callback")
REPAIR_PRIORITY = {
    "repair_emergency": "emergency",
    "repair_urgent": "urgent",
    "repair_routine": "routine",
}
DIGITS = "1234567890"


@dataclass(frozen=True)
class Outcome:
    """What the handler chose. Only the fields the kind needs are read.

    - ``to_staff_id``/``to_team``: the colleague or team for ``referred`` (one of
      them) and ``transferred`` (optional; ``to_name`` is free text for a transfer
      outside the console's staff list, such as "Scottish Water").
    - ``urgent``: a referral on the urgent call back clock.
    - ``subject``/``service``: what a complaint is about and which service (SPSO).
    """

    kind: str = "resolved"
    to_staff_id: int | None = None
    to_team: str = ""
    to_name: str = ""
    urgent: bool = False
    subject: str = ""
    service: str = ""

    @property
    def label(self) -> str:
        k = BY_KIND.get(self.kind)
        return k.label if k else self.kind


@dataclass(frozen=True)
class OutcomeChoice:
    """One outcome the screen offers, with its digit key."""

    key: str
    kind: str
    label: str
    task: bool
    needs: tuple[str, ...]


@dataclass(frozen=True)
class Promise:
    """A task just opened, and the sentence to read out to the customer."""

    task_id: int
    slug: str
    promise: str
    due_at: datetime
    team: str
    assignee_id: int | None
    assignee_name: str
    tell: str
    aim_at: datetime | None = None


class _Due(Protocol):
    slug: str
    due_at: Any


def _single_callback(profile: Profile) -> bool:
    routine, urgent = profile.slug_for("callback_routine"), profile.slug_for("callback_urgent")
    return routine is not None and routine == urgent


def is_available(profile: Profile, kind: str) -> bool:
    """True when the profile has the standard this outcome promises against."""
    k = BY_KIND.get(kind)
    if k is None:
        return False
    if k.use is not None and not profile.has(k.use):
        return False
    return not (kind == "referred" and not profile.has("callback_routine"))


def available_outcomes(profile: Profile) -> list[OutcomeChoice]:
    """The outcomes this profile has standards for, in order, with digit keys 1..9, 0.

    Where routine and urgent call backs are the same commitment (Weslo), one
    "Call back" is offered instead of the two.
    """
    single = _single_callback(profile)
    kinds: list[OutcomeKind] = []
    for k in KINDS:
        if not is_available(profile, k.kind):
            continue
        if k.kind in ("callback_routine", "callback_urgent") and single:
            continue
        if k.kind == "callback" and not single:
            continue
        kinds.append(k)
    return [
        OutcomeChoice(DIGITS[i] if i < len(DIGITS) else "", k.kind, k.label, k.task, k.needs)
        for i, k in enumerate(kinds)
    ]


def callback_outcomes(profile: Profile) -> list[OutcomeChoice]:
    """Only the call backs (a voicemail message always becomes one)."""
    return [c for c in available_outcomes(profile) if c.kind in CALLBACK_KINDS]


def check_outcome(profile: Profile, outcome: Outcome) -> None:
    """Refuse an outcome the profile cannot promise, or one missing what it needs."""
    if not isinstance(outcome, Outcome):
        raise InputError(f"expected an outcome, not {outcome!r}")
    k = BY_KIND.get(outcome.kind)
    if k is None:
        known = ", ".join(BY_KIND)
        raise InputError(f"unknown outcome '{outcome.kind}' (expected one of {known})")
    if not is_available(profile, outcome.kind):
        raise InputError(
            f"the {profile.short_name} profile has no standard for '{k.label}': "
            "choose another outcome"
        )
    staff = outcome.to_staff_id
    if staff is not None and (
        not isinstance(staff, int) or isinstance(staff, bool) or not 0 < staff < 2**63
    ):
        raise InputError(f"colleague id must be a positive whole number, not {staff!r}")
    for text in (outcome.to_team, outcome.to_name, outcome.subject, outcome.service):
        if not isinstance(text, str):
            raise InputError(f"expected text, not {text!r}")
    if outcome.kind == "referred":
        if outcome.to_staff_id is None and not outcome.to_team.strip():
            raise InputError("a referral needs a colleague or a team: choose who will call back")
        if outcome.urgent and not profile.has("callback_urgent"):
            raise InputError(f"the {profile.short_name} profile has no urgent call back standard")
    if outcome.to_team.strip() and outcome.to_team.strip() not in profile.teams:
        raise InputError(
            f"'{outcome.to_team}' is not a team in the {profile.short_name} profile "
            f"(teams: {', '.join(profile.teams)})"
        )
    if outcome.kind == "transferred" and not (
        outcome.to_staff_id is not None or outcome.to_team.strip() or outcome.to_name.strip()
    ):
        raise InputError("say who the call was transferred to: a colleague, a team or a name")
    if outcome.kind in ("complaint_frontline", "complaint_stage1") and not outcome.subject.strip():
        raise InputError("say what the complaint is about (its subject) before saving")
    for name, value in (
        ("subject", outcome.subject),
        ("service", outcome.service),
        ("name", outcome.to_name),
    ):
        if len(value) > 500:
            raise InputError(
                f"the complaint {name} is {len(value)} characters long: keep it under 500"
            )


def as_outcome(value: Outcome | str) -> Outcome:
    """An Outcome from a kind name (the simple outcomes need nothing more)."""
    if isinstance(value, Outcome):
        return value
    if isinstance(value, str):
        return Outcome(kind=value.strip())
    raise InputError(f"expected an outcome, not {value!r}")


def _callback_team(desk: Desk, contact: Contact, slug: str) -> str:
    category = desk.profile.category(contact.category) if contact.category else None
    if category is not None and category.team:
        return category.team
    return desk.profile.commitment(slug).team


def _title(promise: str, notes: str) -> str:
    first = " ".join(notes.split())
    if not first:
        return promise[:1].upper() + promise[1:]
    if len(first) > 70:
        first = first[:69].rstrip() + "…"
    return f"{promise[:1].upper() + promise[1:]}: {first}"


def opened_slug(desk: Desk, outcome: Outcome) -> str | None:
    """The commitment the outcome's task is under (None when it opens no task)."""
    kind = outcome.kind
    if kind in CALLBACK_KINDS:
        return slug_for(
            desk, "callback_urgent" if kind == "callback_urgent" else "callback_routine"
        )
    if kind == "referred":
        return slug_for(desk, "callback_urgent" if outcome.urgent else "callback_routine")
    if kind in REPAIR_PRIORITY or kind == "complaint_stage1":
        return slug_for(desk, kind)
    return None


def prepare_deadlines(desk: Desk, outcome: Outcome, received: datetime) -> None:
    """Work out the due instant of the task an outcome opens before the write lock is taken,
    so a slow calendar walk never holds up another desk (`open_task` then finds it ready)."""
    slug = opened_slug(desk, outcome)
    if slug is not None:
        desk.due(slug, received)


def apply_outcome(desk: Desk, session: Session, contact: Contact, outcome: Outcome) -> list[Task]:
    """Record the outcome on a flushed contact and open the tasks it promises.

    Runs in the caller's transaction (the contact must already have its id); an
    InputError here rolls the whole contact back. Returns the tasks opened.
    """
    from console.store.models import Staff

    check_outcome(desk.profile, outcome)
    if contact.id is None:
        raise InputError("the contact must be saved (flushed) before its outcome is applied")
    received = contact.received_at
    assert received is not None
    kind = outcome.kind
    details: dict[str, Any] = dict(contact.details or {})
    tasks: list[Task] = []
    common: dict[str, Any] = {
        "received_at": received,
        "customer_id": contact.customer_id,
        "contact_id": contact.id,
    }

    colleague: Staff | None = None
    if outcome.to_staff_id is not None:
        colleague = session.get(Staff, outcome.to_staff_id)
        if colleague is None or not colleague.active:
            raise NotFound(
                f"no active colleague with id {outcome.to_staff_id}: choose someone else"
            )

    if kind in CALLBACK_KINDS:
        use = "callback_urgent" if kind == "callback_urgent" else "callback_routine"
        slug = slug_for(desk, use)
        tasks.append(
            open_task(
                desk,
                session,
                slug,
                title=_title(desk.profile.commitment(slug).promise, contact.notes),
                team=_callback_team(desk, contact, slug),
                details={"channel": contact.channel},
                **common,
            )
        )
    elif kind == "referred":
        slug = slug_for(desk, "callback_urgent" if outcome.urgent else "callback_routine")
        if colleague is not None:
            team = _clean(outcome.to_team) or colleague.team
            name = colleague.name
        else:
            team = _clean(outcome.to_team)
            name = team
        referral = {
            "to": name,
            "staff_id": outcome.to_staff_id,
            "team": team,
            "urgent": outcome.urgent,
        }
        details["referred_to"] = referral
        tasks.append(
            open_task(
                desk,
                session,
                slug,
                title=_title(f"call back: referred to {name}", contact.notes),
                team=team,
                assignee_id=outcome.to_staff_id,
                details={
                    "referred": True,
                    "referred_by": desk.actor.id if desk.actor else None,
                    "channel": contact.channel,
                },
                **common,
            )
        )
    elif kind in REPAIR_PRIORITY:
        slug = slug_for(desk, kind)
        tasks.append(
            open_task(
                desk,
                session,
                slug,
                title=_title(desk.profile.commitment(slug).promise, contact.notes),
                details={"priority": REPAIR_PRIORITY[kind], "channel": contact.channel},
                **common,
            )
        )
    elif kind == "complaint_stage1":
        slug = slug_for(desk, "complaint_stage1")
        subject = _clean(outcome.subject)
        service = _clean(outcome.service) or _service_of(desk, contact)
        details["complaint"] = {"stage": 1, "subject": subject, "service": service}
        tasks.append(
            open_task(
                desk,
                session,
                slug,
                title=_title("stage 1 complaint", subject),
                details={
                    "stage": 1,
                    "subject": subject,
                    "service": service,
                    "channel": contact.channel,
                },
                **common,
            )
        )
    elif kind == "complaint_frontline":
        subject = _clean(outcome.subject)
        service = _clean(outcome.service) or _service_of(desk, contact)
        details["complaint"] = {
            "stage": 0,
            "resolution": "frontline",
            "subject": subject,
            "service": service,
        }
    elif kind == "transferred":
        to = _clean(outcome.to_name)
        if colleague is not None:
            to = colleague.name
        elif not to:
            to = _clean(outcome.to_team)
        details["transferred_to"] = {
            "to": to,
            "staff_id": outcome.to_staff_id,
            "team": _clean(outcome.to_team),
        }

    contact.outcome = kind
    contact.details = details  # a new dict, so the JSON column is written
    session.add(contact)
    session.flush()
    return tasks


def _clean(text: str) -> str:
    """One line of user text: NULs dropped (PostgreSQL refuses them), whitespace collapsed."""
    return " ".join(text.replace("\x00", "").split())


def _service_of(desk: Desk, contact: Contact) -> str:
    category = desk.profile.category(contact.category) if contact.category else None
    return category.label if category else ""


# What the customer is told, by the profile use the task's commitment serves.
VERBS: tuple[tuple[str, str], ...] = (
    ("callback_routine", "call you back"),
    ("callback_urgent", "call you back"),
    ("overdue_contact", "call you back"),
    ("repair_emergency", "attend"),
    ("repair_urgent", "attend"),
    ("repair_routine", "attend"),
    ("complaint_stage1", "give you a decision"),
    ("complaint_stage1_extended", "give you a decision"),
    ("complaint_stage2", "give you a full response"),
    ("acknowledge", "acknowledge your message"),
    ("reply_routine", "reply"),
    ("reply_urgent", "reply"),
    ("letter_follow_up", "reply"),
    ("statutory_response", "reply"),
    ("subject_access", "send you your information"),
    ("subject_access_extended", "send you your information"),
    ("foi", "answer your request"),
    ("housing_application", "process your application"),
    ("alternative_format", "send it in the format you asked for"),
    ("progress_update", "update you"),
    ("gas_safety", "carry out your gas safety check"),
)


def verb_for(profile: Profile, slug: str) -> str:
    """What the commitment promises the customer, in a few plain words ("call you back")."""
    for use, verb in VERBS:
        if profile.slug_for(use) == slug:
            return verb
    return "be in touch"


def _spoken_when(due: datetime, now: datetime) -> str:
    text = plain_due(due, now)
    for word in ("today", "tomorrow", "yesterday"):
        prefix = f"{word} at "
        if text.startswith(prefix):
            return f"{text[len(prefix) :]} {word}"
    return text


def tell_caller(profile: Profile, task: _Due, now: datetime, who: str = "") -> str:
    """The sentence to read out: "Repairs will call you back by Tuesday 25 November at 4:15pm."

    ``who`` is the colleague or team that will act; without it the task's team,
    else "We". ``task`` is anything with ``slug`` and ``due_at`` (a Task, a
    TaskView, a Promise).
    """
    name = " ".join((who or getattr(task, "team", "") or "").split()) or "We"
    verb = verb_for(profile, task.slug)
    aim = getattr(task, "aim_at", None)
    if aim is not None and aim < task.due_at:
        # An aim inside the promise: say both, the aim first ("where possible").
        return (
            f"{name} will aim to {verb} by {_spoken_when(aim, now)}, "
            f"and at the latest by {_spoken_when(task.due_at, now)}."
        )
    return f"{name} will {verb} by {_spoken_when(task.due_at, now)}."


def promises(desk: Desk, session: Session, tasks: list[Task]) -> tuple[Promise, ...]:
    """Plain views of the tasks just opened, each with what to tell the customer."""
    from console.store.models import Staff

    out: list[Promise] = []
    now = desk.now()
    for t in tasks:
        assert t.id is not None and t.due_at is not None
        assignee = session.get(Staff, t.assignee_id) if t.assignee_id is not None else None
        who = assignee.name if assignee is not None else t.team
        out.append(
            Promise(
                task_id=t.id,
                slug=t.slug,
                promise=desk.profile.commitment(t.slug).promise,
                due_at=t.due_at,
                team=t.team,
                assignee_id=t.assignee_id,
                assignee_name=assignee.name if assignee is not None else "",
                tell=tell_caller(desk.profile, t, now, who),
                aim_at=t.aim_at,
            )
        )
    return tuple(out)
