"""The tables. Timestamps are stored in UTC and come back timezone-aware.

Screens never see these objects: desk services return plain dataclasses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, String, func, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel, col


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in, aware UTC out, on SQLite (which keeps no zone) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware instant")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


CHANNELS = ("call", "voicemail", "visit", "email", "social", "letter", "home_visit")
TASK_STATUSES = ("open", "done", "cancelled")
# phone: measured by the phone system as it happened; queue_log / cdr: imported afterwards;
# typed: the handler's own figure
ANSWER_SOURCES = ("phone", "queue_log", "cdr", "typed")
PHONE_STATES = ("ringing", "answered", "ended", "abandoned", "forwarded", "failed")


class Staff(SQLModel, table=True):
    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    name: str
    login: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    role: str = Field(default="handler")  # one of console.rules.roles.ROLES
    team: str = Field(default="")
    active: bool = Field(default=True)
    pin_hash: str = Field(default="")  # scrypt, salted; empty means no PIN set yet
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = utc_column()
    created_at: datetime | None = utc_column()
    # the phone system's names for this person (migration 0005): caller-ID, call records and
    # the screen pop (a call ringing or answered there pops on this person's calls desk)
    extension: str = ""  # e.g. "2041"
    agent: str = ""  # the PBX agent or endpoint name, e.g. "hreid" or "SIP/desk4"


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    address: str = ""
    phone: str = ""
    phone_alt: str = ""
    email: str = ""
    # communication needs (BHA s3, s9): recorded once, honoured on every later contact
    interpreter_language: str = ""
    bsl_signer: bool = False
    large_print: bool = False
    audio: bool = False
    other_language: str = ""
    induction_loop: bool = False
    preferred_contact: str = ""  # phone, email, letter, text, visit
    # unacceptable behaviour policy (BHA s12)
    restriction: str = ""
    restriction_reason: str = ""
    restriction_review: date | None = None
    consent_to_share: bool = False
    anonymised: bool = False
    search_text: str = Field(default="", index=False)  # lower-cased name|address|phones|email|ref
    # from the housing management system's export (migration 0005)
    title: str = ""  # Mr, Mrs, Ms, Mx, Dr ...
    postcode: str = ""  # also the last line of `address`
    date_of_birth: date | None = None
    tenure: str = ""  # tenant, joint tenant, applicant, owner, ... as the export says
    created_at: datetime | None = utc_column()
    updated_at: datetime | None = utc_column()


class Contact(SQLModel, table=True):
    """One call, voicemail, reception visit, email, social media message, letter or home visit."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    channel: str  # one of CHANNELS
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    received_at: datetime | None = utc_column(
        nullable=False
    )  # call offered / visitor arrived / letter date-stamped
    day: date  # local (Europe/London) date of received_at, for reports
    # calls
    answered_at: datetime | None = utc_column()
    ended_at: datetime | None = utc_column()
    answer_seconds: float | None = None
    abandoned: bool = False
    # where the answer time came from (migration 0004): one of ANSWER_SOURCES, "" before 0004
    answer_source: str = ""
    pbx_answered_at: datetime | None = utc_column()  # the PBX's own Answer() (greeting, queue)
    # reception visits
    visitor_name: str = ""  # first name or initials only: the board is seen by others
    served_at: datetime | None = utc_column()
    served_by_id: int | None = Field(default=None, foreign_key="staff.id")
    second_needed_at: datetime | None = utc_column()
    second_seen_at: datetime | None = utc_column()
    second_seen_by_id: int | None = Field(default=None, foreign_key="staff.id")
    left_at: datetime | None = utc_column()
    left_unseen: bool = False
    # home visits
    scheduled_at: datetime | None = utc_column()
    # every channel
    category: str = ""
    outcome: str = ""
    notes: str = ""
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict)
    )
    external_id: str | None = Field(
        default=None, sa_column=Column(String(200), unique=True, nullable=True)
    )
    created_at: datetime | None = utc_column()
    anonymised: bool = False


class Task(SQLModel, table=True):
    """What the landlord promised: one commitment, one due instant."""

    __tablename__ = "task"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True)
    title: str = ""
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="task.id", index=True)
    received_at: datetime | None = utc_column(nullable=False)
    due_at: datetime | None = utc_column(nullable=False)
    # The aim inside the promise (never after due_at); None where the commitment has none.
    aim_at: datetime | None = utc_column()
    status: str = Field(default="open")  # one of TASK_STATUSES
    assignee_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    team: str = ""
    outcome: str = ""
    note: str = ""
    completed_at: datetime | None = utc_column()
    created_by_id: int | None = Field(default=None, foreign_key="staff.id")
    # extension and escalation
    original_due_at: datetime | None = utc_column()
    extended_reason: str = ""
    customer_told_at: datetime | None = utc_column()
    # kind-specific record (complaint fields for the SPSO, repair priority, request details)
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict)
    )
    created_at: datetime | None = utc_column()
    anonymised: bool = False

    __table_args__ = (
        Index(
            "ix_task_open_due",
            "due_at",
            "id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_task_due_status", "due_at", "status"),
    )


class PhoneCall(SQLModel, table=True):
    """One call as the phone system reported it, event by event (migration 0004).

    Kept apart from `Contact` so a call still ringing is not yet a contact: an
    answered call becomes one (``contact_id``), an abandoned one becomes one and
    opens the missed call promise (``missed_task_id``).
    """

    __tablename__ = "phone_call"

    id: int | None = Field(default=None, primary_key=True)
    call_id: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    source: str = "cti"  # cti (generic CTI endpoint) or ami (Asterisk Manager Interface)
    direction: str = "in"  # in, out
    number: str = Field(default="", index=True)  # the other party, normalised; "anonymous"
    from_number: str = ""  # as the PBX sent it
    to_number: str = ""
    queue: str = ""
    state: str = Field(default="ringing", index=True)  # one of PHONE_STATES
    cause: str = ""  # hangup cause, as sent
    agent: str = ""  # the user, agent name or extension the call rang or was answered at
    offered_at: datetime | None = utc_column(nullable=False)
    answered_at: datetime | None = utc_column()
    ended_at: datetime | None = utc_column()
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    missed_task_id: int | None = Field(default=None, foreign_key="task.id")
    updated_at: datetime | None = utc_column()


class Event(SQLModel, table=True):
    """The audit trail: append-only; no code path updates or deletes a row."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime | None = utc_column(nullable=False, index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id")
    # created, changed, completed, cancelled, claimed, assigned, extended, escalated,
    # exported, opened, signed_in, ...
    action: str
    entity: str  # staff, customer, contact, task
    entity_id: int | None = None
    customer_id: int | None = Field(default=None, index=True)
    detail: str = ""


class Revision(SQLModel, table=True):
    """One row whose value every write bumps: desks poll it to know when to reload."""

    __tablename__ = "revision"

    id: int = Field(default=1, primary_key=True)
    value: int = 0


class Setting(SQLModel, table=True):
    """What a database says about itself, by name: e.g. `landlord`, the profile it was made for.

    Migration 0006. Written on first use and changed only deliberately (`frontdesk landlord`).
    """

    __tablename__ = "setting"

    name: str = Field(primary_key=True, max_length=80)
    value: str = ""


class DailySummary(SQLModel, table=True):
    """Counts per staff member, day, metric and bucket, kept in the same commit as each write.

    Derived data, maintained by console/store/summary/ (session events) and rebuilt by
    `console.store.summary.rebuild_summary`. Lets a year's report read a few thousand rows
    instead of a million contacts.
    """

    __tablename__ = "daily_summary"
    __table_args__ = (
        Index("ix_daily_summary_day", "day", "metric"),
        {"sqlite_with_rowid": False},
    )

    staff_id: int = Field(default=0, primary_key=True)  # 0 everyone, -1 nobody, else staff id
    day: date = Field(primary_key=True)  # contact: Contact.day; task: a local date
    metric: str = Field(primary_key=True, max_length=80)  # e.g. "task.due.callback-routine"
    bucket: int = Field(default=0, primary_key=True)  # within target, local hour, outcome code
    count: int = 0
    total: float = 0.0  # sum of the measured quantity (seconds, hours, days)
    longest: float = 0.0


Index("ix_contact_channel_day", col(Contact.channel), col(Contact.day))
# Migration 0005: the customer finder walks customers in name order and stops at the first
# matches (a common word), or looks up the few rows the search index names (a rare one). On
# SQLite that index is an FTS5 trigram table, `customer_search`, over search_text, kept in
# step by triggers on customer (see the migration): not a model, since nothing writes it.
Index("ix_customer_name_lower", func.lower(col(Customer.name)))
Index("ix_contact_day_staff", col(Contact.day), col(Contact.staff_id))
Index("ix_event_entity", col(Event.entity), col(Event.entity_id))
# Migration 0004 (phone): the screen pop finds the newest call at one handler's phone.
Index("ix_phone_call_staff", col(PhoneCall.staff_id), col(PhoneCall.offered_at))
# Migration 0002 (reports): open tasks by commitment and handler; done tasks by completion.
Index(
    "ix_task_open_slug",
    col(Task.slug),
    col(Task.assignee_id),
    col(Task.due_at),
    sqlite_where=text("status = 'open'"),
    postgresql_where=text("status = 'open'"),
)
Index(
    "ix_task_done_slug",
    col(Task.slug),
    col(Task.completed_at),
    col(Task.received_at),
    col(Task.assignee_id),
    sqlite_where=text("status = 'done'"),
    postgresql_where=text("status = 'done'"),
)
