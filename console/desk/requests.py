"""Requests with their own clocks (BHA s9, s14).

- **Subject access** (`subject-access`): one month from receipt (the ICO's rule);
  extendable once to three months from the same receipt
  (`subject-access-extended`, the commitment's ``extends_to``) with the reason and
  the date the customer was told.
- **Freedom of information** (`foi`): 20 working days on the statutory calendar.
- **Housing applications** (`housing-application`): 5 working days.
- **Alternative formats or languages** (`alternative-format`): 5 working days. BHA
  s9: the request is also recorded on the customer so that future correspondence
  comes in that format (large print, audio, a language): the customer's needs.

Each request logs a contact on the channel it came by and opens one task. A
profile without the standard (Weslo has none of these) refuses with a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from console.desk import tasks
from console.desk.context import Desk
from console.desk.correspondence import add_contact, resolve_received, task_details
from console.desk.customers import check_restriction, get_row, needs_of, parse_day, resolve
from console.desk.outcomes import Promise, promises
from console.desk.tasks import open_task, slug_for
from console.rules.calendar import local_instant
from console.rules.clock import local
from console.rules.errors import InputError, NotFound
from console.rules.roles import HANDLERS
from console.store.models import CHANNELS, Customer, Task

if TYPE_CHECKING:
    from sqlmodel import Session

# kind -> (profile use, plain name, contact category to prefer)
KINDS: dict[str, tuple[str, str, str]] = {
    "subject-access": ("subject_access", "subject access request", "other"),
    "foi": ("foi", "freedom of information request", "other"),
    "housing-application": ("housing_application", "housing application", "housing-registration"),
    "alternative-format": (
        "alternative_format",
        "publication in another format or language",
        "other",
    ),
}
FORMATS = ("large print", "audio", "braille", "easy read", "another language")


@dataclass(frozen=True)
class RequestView:
    task_id: int
    contact_id: int | None
    customer_id: int
    customer_name: str
    kind: str
    slug: str
    title: str
    status: str
    received_at: datetime
    due_at: datetime
    original_due_at: datetime | None
    extended_reason: str
    customer_told_on: date | None
    details: dict[str, Any]
    promises: tuple[Promise, ...] = ()
    warnings: tuple[str, ...] = ()


def available_kinds(desk: Desk) -> list[tuple[str, str]]:
    """(kind, plain name) for the requests this profile has standards for."""
    return [(k, name) for k, (use, name, _) in KINDS.items() if desk.profile.has(use)]


def _view(
    session: Session,
    task: Task,
    promised: tuple[Promise, ...] = (),
    warnings: tuple[str, ...] = (),
) -> RequestView:
    assert task.id is not None and task.received_at is not None and task.due_at is not None
    c = session.get(Customer, task.customer_id) if task.customer_id else None
    d = dict(task.details or {})
    return RequestView(
        task_id=task.id,
        contact_id=task.contact_id,
        customer_id=task.customer_id or 0,
        customer_name=c.name if c else "",
        kind=str(d.get("request", "")),
        slug=task.slug,
        title=task.title,
        status=task.status,
        received_at=task.received_at,
        due_at=task.due_at,
        original_due_at=task.original_due_at,
        extended_reason=task.extended_reason,
        customer_told_on=local(task.customer_told_at).date() if task.customer_told_at else None,
        details=d,
        promises=promised,
        warnings=warnings,
    )


def _remember_format(c: Customer, fmt: str, language: str) -> list[str]:
    """BHA s9: future correspondence in this format. Returns what was added."""
    added: list[str] = []
    if fmt == "large print" and not c.large_print:
        c.large_print = True
        added.append("large print")
    if fmt == "audio" and not c.audio:
        c.audio = True
        added.append("audio")
    if language and c.other_language != language:
        c.other_language = language
        added.append(f"written in {language}")
    return added


def log_request(
    desk: Desk,
    customer: int | str,
    kind: str,
    *,
    channel: str = "letter",
    received: date | datetime | str | None = None,
    received_time: time | str | None = None,
    description: str = "",
    fmt: str = "",
    language: str = "",
    remember_format: bool = True,
    notes: str = "",
    restriction_acknowledged: bool = False,
) -> RequestView:
    """Log a request and open its task on the profile's clock.

    ``fmt``/``language`` (alternative format only): one of FORMATS, and the
    language for "another language". With ``remember_format`` the format or
    language is also recorded as the customer's communication need.
    """
    desk.require(*HANDLERS)
    key = kind.strip().lower()
    if key not in KINDS:
        raise InputError(
            f"'{kind}' is not a request: choose subject-access, foi, housing-application "
            "or alternative-format"
        )
    use, name, prefer = KINDS[key]
    slug = slug_for(desk, use)
    if channel not in CHANNELS:
        raise InputError(f"'{channel}' is not a channel: choose one of {', '.join(CHANNELS)}")
    description = " ".join(description.split())
    fmt = " ".join(fmt.lower().split())
    language = " ".join(language.split())
    if key == "alternative-format":
        if fmt not in FORMATS:
            raise InputError(f"say which format: {', '.join(FORMATS)}")
        if fmt == "another language" and not language:
            raise InputError("say which language the customer needs, e.g. Polish")
        if fmt != "another language":
            language = ""
    elif fmt or language:
        raise InputError("a format or language goes with an alternative format request only")
    if key == "foi" and not description:
        raise InputError("say what information is asked for under FOI")
    received_at = resolve_received(desk, received, at=received_time)
    category = prefer if desk.profile.category(prefer) else ""
    info: dict[str, Any] = {"request": key, "description": description}
    if key == "alternative-format":
        info.update(format=fmt, language=language)
    with desk.store.write() as session:
        c = resolve(session, customer)
        check_restriction(c, restriction_acknowledged)
        warnings: list[str] = []
        if key == "alternative-format" and remember_format:
            added = _remember_format(c, fmt, language)
            if added:
                c.updated_at = desk.now()
                session.add(c)
                desk.audit(
                    session,
                    "changed",
                    "customer",
                    c.id,
                    customer_id=c.id,
                    detail="needs: " + ", ".join(needs_of(c)),
                )
                warnings.append(
                    "recorded on the customer for every later contact: " + ", ".join(added)
                )
        contact = add_contact(
            desk,
            session,
            channel,
            c,
            received_at,
            category=category,
            notes=notes.strip() or description,
            details={"request": info},
        )
        what = description or (f"{fmt} ({language})" if language else fmt)
        title = f"{name[:1].upper()}{name[1:]}" + (f": {what}" if what else "")
        task = open_task(
            desk,
            session,
            slug,
            received_at=received_at,
            customer_id=c.id,
            contact_id=contact.id,
            title=title,
            details=task_details(c, **info),
        )
        contact.outcome = key
        session.add(contact)
        session.flush()
        return _view(session, task, promises(desk, session, [task]), tuple(warnings))


def extend_subject_access(
    desk: Desk,
    task_id: int,
    *,
    reason: str,
    customer_told_on: date | str,
) -> RequestView:
    """Extend a subject access request to three months from receipt.

    `console.desk.tasks.extend` moves it onto the ``extends_to`` commitment (three
    months from the same receipt). Needs the reason (complexity, number of
    requests) and the date the customer was told: not in the future and not
    before the request arrived. Telling the customer after the first month has
    run out is recorded with a warning (the ICO expects it within the month).
    """
    desk.require(*HANDLERS)
    reason = " ".join(reason.split())
    if not reason:
        raise InputError(
            "say why the request needs more time, e.g. 'complex: records from three teams'"
        )
    told = parse_day(customer_told_on, "the date the customer was told")
    now = desk.now()
    today = local(now).date()
    if told > today:
        raise InputError(
            f"the date the customer was told ({told:%d %B %Y}) is in the future: "
            "tell the customer first, then extend"
        )
    with desk.store.read() as session:
        task = get_row(session, Task, task_id)
        if task is None:
            raise NotFound(f"no task #{task_id}: choose the request again")
        if task.slug == desk.profile.slug_for("subject_access_extended"):
            raise InputError("this subject access request has been extended already")
        if task.slug != desk.profile.slug_for("subject_access"):
            raise InputError(
                f"task #{task_id} is a {task.slug} task: only a subject access request "
                "is extended this way"
            )
        if task.status != "open":
            raise InputError(f"the request is {task.status}: only an open one can be extended")
        assert task.received_at is not None and task.due_at is not None
        received_day = local(task.received_at).date()
        if told < received_day:
            raise InputError(
                f"the customer was told on {told:%d %B %Y}, before the request arrived "
                f"({received_day:%d %B %Y}): check the date"
            )
        warnings: list[str] = []
        if local_instant(told, time(0)) > task.due_at:
            warnings.append(
                f"the customer was told after the first month ran out "
                f"({local(task.due_at):%d %B %Y}): the ICO expects it within the month"
            )
    told_at = now if told == today else local_instant(told, time(12)).astimezone(UTC)
    tasks.extend(desk, task_id, reason, customer_told_at=told_at)
    with desk.store.read() as session:
        task = get_row(session, Task, task_id)
        assert task is not None
        return _view(session, task, promises(desk, session, [task]), tuple(warnings))


def request(desk: Desk, task_id: int) -> RequestView:
    desk.require(*HANDLERS)
    with desk.store.read() as session:
        task = get_row(session, Task, task_id)
        if task is None or "request" not in (task.details or {}):
            raise NotFound(f"no request with task id {task_id}")
        return _view(session, task)
