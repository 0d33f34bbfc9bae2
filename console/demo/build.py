"""Demo data: a realistic stretch of a landlord's front desk, for a first run and for screenshots.

`fill(store, profile, now=..., days=20, seed=1)` adds staff (a team lead, an
admin, four handlers, two reception staff), about 300 customers in the Scottish
Borders (some with communication needs, three with an access restriction), and
for each working day: calls with a morning peak (some abandoned, most answered
within the profile's target, with a tail), reception visits, emails, letters,
social media messages, voicemails and home visits; and the promises they made
(call backs, acknowledgements, replies, repairs of each priority, complaints at
both stages, subject access and FOI requests), with due instants from the
engine, mostly done on time, some late, some open and some open overdue.

The same seed and the same "now" give the same rows. Each row is built by the
function the desk services build it with (console/desk/contacts.py, tasks.task_row
and mark_done, home_visits.booking_row, complaints.close_stage, ...), so there is
one description of each record; only the writing differs: bulk inserts in one
transaction, with the daily summary recounted for the days touched. A few seconds.
Still the demo's own: calls carry what the phone system import gives (ended_at,
the caller's number), and `_follow_up` mirrors console/desk/outcomes.apply_outcome.
"""

from __future__ import annotations

import random
import time as _time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select
from sqlmodel import col

from console.demo.words import (
    CALL_OUTCOMES,
    COMPLAINTS,
    DONE_NOTES,
    FIRST_NAMES,
    HOURLY_WEIGHT,
    INTERPRETED,
    NOTES,
    REPAIRS,
    RESTRICTIONS,
    ROOT_CAUSES,
    STAGE1_OUTCOMES,
    STAGE2_OUTCOMES,
    STREETS,
    SURNAMES,
    TOWNS,
    VISIT_PURPOSES,
)
from console.desk.complaints import close_stage, closing_record
from console.desk.contacts import contact_row, customer_contact_row
from console.desk.correspondence import task_details
from console.desk.customers import search_text
from console.desk.home_visits import booking_row, enough_notice, mark_visit
from console.desk.reception import SERVE as WAITING_TO_BE_SERVED
from console.desk.tasks import (
    mark_cancelled,
    mark_done,
    overdue_contact_row,
    progress_update_row,
    task_row,
)
from console.rules.calendar import local_instant, next_opening, office_hours, working_calendar
from console.rules.clock import LONDON
from console.rules.deadlines import due_at
from console.rules.errors import InputError
from console.rules.profiles import Profile
from console.store.engine import Store
from console.store.models import Contact, Customer, Event, Staff, Task

DEMO_PIN = "1234"  # demo data only: printed with a warning, never a default for real staff
MAX_DAYS = 260


@dataclass(frozen=True)
class DemoStaff:
    name: str
    login: str
    role: str
    team: str = ""


@dataclass(frozen=True)
class DemoResult:
    organisation: str
    first_day: date
    last_day: date
    days: int
    seed: int
    staff: tuple[DemoStaff, ...]
    existing_staff: tuple[str, ...]  # logins that were already there (PIN unchanged)
    customers: int
    contacts: dict[str, int]
    tasks: int
    open_tasks: int
    overdue_tasks: int
    seconds: float

    @property
    def total_contacts(self) -> int:
        return sum(self.contacts.values())


def done_note(outcome: str) -> str:
    """What the person wrote when they closed the task: the desk asks for a note every time."""
    return DONE_NOTES.get(outcome, f"{outcome[:1].upper()}{outcome[1:]}: noted on the file")


DONE_OUTCOME = {  # console.desk.tasks.OUTCOMES words
    "callback": ("called back", "called back", "called back", "no answer: message left"),
    "repair": ("completed", "attended", "completed"),
    "": ("done", "done", "customer contacted"),
}
# Channels whose contact carries the customer's needs (console/desk/correspondence.add_contact).
CUSTOMER_CHANNELS = ("email", "social", "letter")
ABANDONED = "abandoned"  # Contact.outcome of a call nobody answered (as the phone import writes)


def demo_staff(profile: Profile) -> tuple[DemoStaff, ...]:
    """The demo team: a team lead, an admin, four handlers (one in repairs), two reception."""
    front = _team(profile, "callback_routine")
    repairs = _team(profile, "repair_routine", default=front)
    governance = _team(profile, "subject_access", default=front)
    return (
        DemoStaff("Morag Elliot", "melliot", "team_lead", front),
        DemoStaff("Graham Turnbull", "gturnbull", "admin", governance),
        DemoStaff("Hannah Reid", "hreid", "handler", front),
        DemoStaff("Callum Douglas", "cdouglas", "handler", front),
        DemoStaff("Aileen Scott", "ascott", "handler", front),
        DemoStaff("Fraser Hogg", "fhogg", "handler", repairs),
        DemoStaff("Kirsty Lauder", "klauder", "reception", front),
        DemoStaff("Euan Renwick", "erenwick", "reception", front),
    )


def _team(profile: Profile, use: str, default: str | None = None) -> str:
    slug = profile.slug_for(use)
    if slug is not None and profile.commitment(slug).team:
        return profile.commitment(slug).team
    if default is not None:
        return default
    return profile.teams[0] if profile.teams else ""


def stretch(profile: Profile, now: datetime, days: int) -> list[date]:
    """The last `days` working days up to today (today once the office has been open an hour)."""
    cal = working_calendar(profile, "organisation")
    local_now = now.astimezone(LONDON)
    day = local_now.date()
    hours = office_hours(profile, day)
    include_today = hours is not None and local_now >= local_instant(day, hours[0]).astimezone(
        LONDON
    ) + timedelta(hours=1)
    if not include_today:
        day = day - timedelta(days=1)
    found: list[date] = []
    while len(found) < days:
        if cal.is_working_day(day):
            found.append(day)
        day -= timedelta(days=1)
    return sorted(found)


def fill(
    store: Store,
    profile: Profile,
    *,
    now: datetime,
    days: int = 20,
    seed: int = 1,
    force: bool = False,
    pin_hash: str | None = None,
) -> DemoResult:
    """Fill the store with demo data ending at `now`; refuses one with contacts unless `force`."""
    if not 1 <= days <= MAX_DAYS:
        raise InputError(f"--days {days}: give between 1 and {MAX_DAYS} working days")
    if now.tzinfo is None:
        raise InputError("the demo needs an aware 'now'")
    started = _time.perf_counter()
    with store.read() as session:
        contacts = session.execute(select(func.count()).select_from(Contact)).scalar_one()
    if contacts and not force:
        raise InputError(
            f"the database already holds {contacts} contacts: demo data goes into an empty "
            "database (use --db to choose another file, or --force to add to this one)"
        )
    if pin_hash is None:
        from console.rules.pins import hash_pin

        pin_hash = hash_pin(DEMO_PIN)  # scrypt once; every demo login shares it
    builder = _Builder(
        profile, now.astimezone(UTC), stretch(profile, now, days), random.Random(seed)
    )
    with store.write_connection() as conn:
        result = builder.load(conn, pin_hash)
    return DemoResult(
        organisation=profile.name,
        first_day=builder.days[0],
        last_day=builder.days[-1],
        days=len(builder.days),
        seed=seed,
        staff=result["staff"],
        existing_staff=result["existing"],
        customers=result["customers"],
        contacts=result["contacts"],
        tasks=result["tasks"],
        open_tasks=result["open"],
        overdue_tasks=result["overdue"],
        seconds=_time.perf_counter() - started,
    )


@dataclass
class _TaskSpec:
    use: str
    received: datetime
    contact: int | None  # index into the contact list
    customer_id: int | None
    staff_id: int | None
    title: str
    details: dict[str, Any] = field(default_factory=dict)
    parent: int | None = None  # index into the task list (stage 2 under stage 1)
    force_done_at: datetime | None = None
    outcome: str = ""
    team: str | None = None  # None: the commitment's own team


class _Builder:
    def __init__(
        self, profile: Profile, now: datetime, days: list[date], rng: random.Random
    ) -> None:
        self.profile = profile
        self.now = now
        self.days = days
        self.rng = rng
        self.contacts: list[Contact] = []
        self.tasks: list[_TaskSpec] = []
        self.built: dict[int, Task] = {}  # index into self.tasks -> the task built for it
        self.answer_target = self._seconds("answer_call", 20)
        self.serve_target = self._seconds("reception_serve", 180)
        self.second_target = self._seconds("reception_second", 180)
        self.categories = [c.key for c in profile.categories]

    def _seconds(self, use: str, default: int) -> int:
        slug = self.profile.slug_for(use)
        return self.profile.commitment(slug).amount if slug else default

    # -- people ----------------------------------------------------------------------------

    def _staff(self, conn: Any, pin_hash: str) -> tuple[tuple[DemoStaff, ...], tuple[str, ...]]:
        team = demo_staff(self.profile)
        logins = [s.login for s in team]
        rows = conn.execute(
            select(col(Staff.id), col(Staff.login)).where(col(Staff.login).in_(logins))
        ).all()
        have = {login: sid for sid, login in rows}
        created = self.days[0] - timedelta(days=60)
        at = local_instant(created, datetime.min.time().replace(hour=9))
        new = [
            {
                "name": s.name,
                "login": s.login,
                "role": s.role,
                "team": s.team,
                "active": True,
                "pin_hash": pin_hash,
                "failed_attempts": 0,
                "created_at": at,
            }
            for s in team
            if s.login not in have
        ]
        if new:
            ids = (
                conn.execute(
                    insert(Staff).returning(col(Staff.id), sort_by_parameter_order=True),
                    new,  # type: ignore[arg-type]
                )
                .scalars()
                .all()
            )
            for row, sid in zip(new, ids, strict=True):
                have[row["login"]] = sid
        self.staff_id = have
        self.staff_names = {have[s.login]: s.name for s in team}
        by_role: dict[str, list[int]] = {}
        for s in team:
            by_role.setdefault(s.role, []).append(have[s.login])
        self.handlers = by_role["handler"]
        self.lead = by_role["team_lead"][0]
        self.admin = by_role["admin"][0]
        self.reception = by_role["reception"]
        existing = tuple(s.login for s in team if s.login in {r[1] for r in rows})
        return tuple(s for s in team if s.login not in existing), existing

    def _customers(self, conn: Any) -> int:
        rng = self.rng
        start = conn.execute(select(func.count()).select_from(Customer)).scalar_one()
        created = local_instant(
            self.days[0] - timedelta(days=400), datetime.min.time().replace(hour=10)
        )
        rows: list[dict[str, Any]] = []
        made: list[Customer] = []
        used_names: set[str] = set()
        restricted = set(rng.sample(range(300), 3))
        interpreted = dict(zip(rng.sample(range(300), len(INTERPRETED)), INTERPRETED, strict=True))
        for i in range(300):
            if i in interpreted:
                name, language, written = interpreted[i]
            else:
                while True:
                    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
                    if name not in used_names:
                        break
                language, written = "", ""
            used_names.add(name)
            town, district = rng.choice(TOWNS)
            number = rng.randint(1, 64)
            street = rng.choice(STREETS)
            flat = f"Flat {rng.randint(1, 6)}, " if rng.random() < 0.25 else ""
            unit = "".join(rng.choice("ABDEFGHJLNPQRSTUWXYZ") for _ in range(2))
            postcode = f"{district} {rng.randint(1, 9)}{unit}"
            first, last = name.split()[0], name.split()[-1]
            seq = start + i + 1
            c = Customer(
                reference=f"C{seq:06d}",
                name=name,
                address=f"{flat}{number} {street}, {town} {postcode}",
                phone=f"07700 900{(seq - 1) % 1000:03d}",
                phone_alt=f"0131 496 0{(seq * 7) % 1000:03d}" if rng.random() < 0.3 else "",
                email=f"{first}.{last}{rng.randint(1, 99)}@example.com".lower()
                if rng.random() < 0.55
                else "",
                interpreter_language=language,
                other_language=written,
                bsl_signer=rng.random() < 0.01,
                large_print=rng.random() < 0.03,
                audio=rng.random() < 0.01,
                induction_loop=rng.random() < 0.02,
                preferred_contact=rng.choice(
                    ("phone", "phone", "phone", "email", "letter", "text")
                ),
                consent_to_share=rng.random() < 0.7,
                created_at=created,
                updated_at=created,
            )
            if i in restricted:
                what, why = RESTRICTIONS[len([r for r in restricted if r < i])]
                c.restriction = what
                c.restriction_reason = why
                c.restriction_review = self.days[-1] + timedelta(days=rng.randint(20, 120))
            c.search_text = search_text(c)
            rows.append(c.model_dump(exclude={"id"}))
            made.append(c)
        ids = (
            conn.execute(
                insert(Customer).returning(col(Customer.id), sort_by_parameter_order=True),
                rows,  # type: ignore[arg-type]
            )
            .scalars()
            .all()
        )
        self.customer_ids = list(ids)
        for c, cid in zip(made, ids, strict=True):
            c.id = cid
        self.customers = {c.id: c for c in made if c.id is not None}
        self.large_print = [
            cid for cid, row in zip(ids, rows, strict=True) if row["large_print"] or row["audio"]
        ]
        self.restricted_ids = {
            cid for cid, row in zip(ids, rows, strict=True) if row["restriction"]
        }
        self.first_names = {cid: row["name"].split()[0] for cid, row in zip(ids, rows, strict=True)}
        self.phones = {cid: row["phone"] for cid, row in zip(ids, rows, strict=True)}
        return len(rows)

    # -- contacts ----------------------------------------------------------------------------

    def _customer(self, anonymous: float = 0.15) -> int | None:
        if self.rng.random() < anonymous:
            return None
        return self.rng.choice(self.customer_ids)

    def _contact(self, channel: str, *, received_at: datetime, **values: Any) -> int:
        """A contact built as the desk services build it (console/desk/contacts.py):
        correspondence and home visits carry the customer's needs, like `add_contact`."""
        values.setdefault("created_at", received_at)
        customer_id = values.get("customer_id")
        if channel in CUSTOMER_CHANNELS and customer_id is not None:
            del values["customer_id"]
            contact = customer_contact_row(
                channel, self.customers[customer_id], received_at=received_at, **values
            )
        else:
            contact = contact_row(channel, received_at=received_at, **values)
        self.contacts.append(contact)
        return len(self.contacts) - 1

    def _task(self, use: str, received: datetime, contact: int | None, **kw: Any) -> int | None:
        """Queue a promise if the profile makes it (Weslo has no repair or complaint standards)."""
        if not self.profile.has(use):
            return None
        row = self.contacts[contact] if contact is not None else None
        self.tasks.append(
            _TaskSpec(
                use=use,
                received=received,
                contact=contact,
                customer_id=kw.pop("customer_id", row.customer_id if row else None),
                staff_id=kw.pop("staff_id", row.staff_id if row else None),
                **kw,
            )
        )
        return len(self.tasks) - 1

    def _moments(
        self, day: date, count: int, weights: dict[int, float] | None = None
    ) -> list[datetime]:
        """`count` instants in office hours on `day` (not after now), weighted by hour."""
        hours = office_hours(self.profile, day)
        if hours is None:
            return []
        opens = local_instant(day, hours[0])
        closes = min(local_instant(day, hours[1]), self.now)
        if closes <= opens:
            return []
        span = int((closes - opens).total_seconds())
        weights = weights or HOURLY_WEIGHT
        slots = list(range(0, span, 300))  # five-minute slots
        w = [
            weights.get((opens + timedelta(seconds=s)).astimezone(LONDON).hour, 0.5) for s in slots
        ]
        picks = self.rng.choices(slots, weights=w, k=count)
        found = sorted(opens + timedelta(seconds=s + self.rng.randint(0, 299)) for s in picks)
        return [m for m in found if m < closes]

    def _day_fraction(self, day: date) -> float:
        hours = office_hours(self.profile, day)
        assert hours is not None
        opens, closes = local_instant(day, hours[0]), local_instant(day, hours[1])
        if self.now >= closes:
            return 1.0
        return max(0.0, (self.now - opens) / (closes - opens))

    def _category(self, outcome: str) -> str:
        if outcome == "repair" and "repairs" in self.categories:
            return "repairs"
        if outcome.startswith("complaint") and "complaint" in self.categories:
            return "complaint"
        plain = [c for c in self.categories if c not in ("repairs", "complaint")] or self.categories
        weights = [4 if c in ("rent", "tenancy") else 1 for c in plain]
        return self.rng.choices(plain, weights=weights)[0]

    def _note(self, category: str) -> str:
        return self.rng.choice(NOTES.get(category, NOTES["other"]))

    def _outcome(self) -> str:
        """What a caller wanted (an intent; `_follow_up` records it as an outcome kind)."""
        return self._possible(
            self.rng.choices([o for o, _ in CALL_OUTCOMES], weights=[w for _, w in CALL_OUTCOMES])[
                0
            ]
        )

    def _possible(self, intent: str) -> str:
        """Weslo has no repair or complaint standards: those enquiries are referred instead."""
        if intent == "repair" and not self.profile.has("repair_routine"):
            return "referred"
        if intent.startswith("complaint") and not self.profile.has("complaint_stage1"):
            return "referred"
        return intent

    def _answer_seconds(self) -> float:
        target = self.answer_target
        if self.rng.random() < 0.84:
            return float(self.rng.randint(2, max(3, int(target * 0.95))))
        return float(min(300, target + 1 + int(self.rng.expovariate(1 / 35))))

    def _calls(self, day: date) -> None:
        rng = self.rng
        base = rng.randint(55, 85) * (
            1.25 if day.weekday() == 0 else 0.85 if day.weekday() == 4 else 1.0
        )
        for received in self._moments(day, int(base * self._day_fraction(day))):
            customer = self._customer()
            if rng.random() < 0.06:
                waited = rng.randint(6, 150)
                self._contact(
                    channel="call",
                    received_at=received,
                    ended_at=received + timedelta(seconds=waited),
                    abandoned=True,
                    outcome=ABANDONED,
                    details={"caller": self._phone(customer)},
                )
                continue
            staff = rng.choice(self.handlers) if rng.random() < 0.93 else self.lead
            answer = self._answer_seconds()
            answered = received + timedelta(seconds=answer)
            talk = min(1800, int(rng.lognormvariate(5.3, 0.55)))
            ended = answered + timedelta(seconds=talk)
            if ended > self.now:
                ended = max(answered, self.now)
            outcome = self._outcome()
            category = self._category(outcome)
            index = self._contact(
                channel="call",
                customer_id=customer,
                staff_id=staff,
                received_at=received,
                answered_at=answered,
                ended_at=ended,
                answer_seconds=answer,
                category=category,
                notes=self._note(category),
                details={"caller": self._phone(customer)},
                created_at=ended,
            )
            self._follow_up(index, outcome)

    def _phone(self, customer: int | None) -> str:
        if customer is None:
            return f"07{self.rng.randint(100, 999)} {self.rng.randint(100000, 999999)}"
        return self.phones[customer]

    def _follow_up(self, index: int, intent: str) -> None:
        """Record how the contact ended as the outcomes service does, with the tasks it promises.

        The tasks are received at the contact's `received_at`: the clock starts when
        the customer made contact.
        """
        rng = self.rng
        row = self.contacts[index]
        assert row.received_at is not None
        at: datetime = row.received_at
        channel = row.channel
        details: dict[str, Any] = dict(row.details)
        kind = intent
        category = self.profile.category(row.category) if row.category else None
        team = category.team if category else ""
        if intent == "callback":
            urgent = rng.random() < 0.2
            if channel == "voicemail":  # as calls.log_voicemail records it
                details["urgent"] = urgent
            one_kind = self.profile.slug_for("callback_urgent") == self.profile.slug_for(
                "callback_routine"
            )
            use = "callback_urgent" if urgent else "callback_routine"
            kind = "callback" if one_kind else use
            self._task(
                use,
                at,
                index,
                title=f"call back: {row.notes}",
                details={"channel": channel},
                team=team or None,
            )
        elif intent == "referred":
            details["referred_to"] = {"to": team, "staff_id": None, "team": team, "urgent": False}
            self._task(
                "callback_routine",
                at,
                index,
                title=f"call back: referred to {team}",
                details={"referred": True, "referred_by": row.staff_id, "channel": channel},
                team=team or None,
            )
        elif intent == "repair":
            priority = rng.choices(("emergency", "urgent", "routine"), weights=(12, 33, 55))[0]
            kind = f"repair_{priority}"
            what = rng.choice(REPAIRS[priority])
            row.notes = what
            self._task(
                kind, at, index, title=what, details={"priority": priority, "channel": channel}
            )
        elif intent == "complaint-frontline":
            kind = "complaint_frontline"
            subject, service = rng.choice(COMPLAINTS)
            row.notes = subject
            outcome = rng.choice(("resolved", "resolved", "upheld", "partially upheld"))
            staff = row.staff_id
            assert staff is not None  # a frontline resolution is made by whoever took it
            details["complaint"] = {
                "stage": 0,
                "resolution": "frontline",
                "subject": subject,
                "service": service,
                "kind": "complaint",
                "channel": channel,
                "received": at.astimezone(LONDON).date().isoformat(),
                "outcome": outcome,
                "frontline": closing_record(
                    outcome,
                    "Apologised and put right on the call",
                    rng.choice(ROOT_CAUSES) if outcome != "resolved" else "",
                    closed=at.astimezone(LONDON).date(),
                    handler=self.staff_names.get(staff, ""),
                    handler_id=staff,
                ),
            }
        elif intent == "complaint-stage1":
            kind = "complaint_stage1"
            subject, service = rng.choice(COMPLAINTS)
            row.notes = subject
            details["complaint"] = {"stage": 1, "subject": subject, "service": service}
            self._task(
                "complaint_stage1",
                at,
                index,
                title=f"stage 1 complaint: {subject}",
                details={"stage": 1, "subject": subject, "service": service, "channel": channel},
            )
        elif intent == "transferred":
            details["transferred_to"] = {"to": team, "staff_id": None, "team": team}
        row.outcome = kind
        row.details = details

    def _visits(self, day: date) -> None:
        rng = self.rng
        count = int(
            rng.randint(6, 14) * (0.7 if day.weekday() == 2 else 1.0) * self._day_fraction(day)
        )
        for arrived in self._moments(
            day, count, {9: 1.0, 10: 1.5, 11: 1.5, 12: 1.2, 13: 1.0, 14: 1.2, 15: 1.0, 16: 0.6}
        ):
            customer = self._customer(anonymous=0.1)
            name = self.first_names.get(customer, "") if customer else rng.choice(FIRST_NAMES)
            visitor = name if rng.random() < 0.7 else "".join(p[0] for p in name.split()) or "V"
            desk = rng.choice(self.reception)
            if rng.random() < 0.03:  # as reception.arrive, then reception.left_unseen, write it
                self._contact(
                    channel="visit",
                    staff_id=desk,
                    received_at=arrived,
                    visitor_name=visitor,
                    left_at=arrived + timedelta(seconds=rng.randint(240, 900)),
                    left_unseen=True,
                    details={"left_while": WAITING_TO_BE_SERVED},
                )
                continue
            wait = (
                rng.randint(15, int(self.serve_target * 0.95))
                if rng.random() < 0.85
                else rng.randint(self.serve_target + 1, self.serve_target + 420)
            )
            served = arrived + timedelta(seconds=wait)
            second_needed = second_seen = None
            second_by = None
            left = served + timedelta(seconds=rng.randint(120, 900))
            if rng.random() < 0.2:
                second_needed = served + timedelta(seconds=rng.randint(30, 180))
                gap = (
                    rng.randint(20, int(self.second_target * 0.95))
                    if rng.random() < 0.8
                    else rng.randint(self.second_target + 1, self.second_target + 360)
                )
                second_seen = second_needed + timedelta(seconds=gap)
                second_by = rng.choice(self.handlers)
                left = second_seen + timedelta(seconds=rng.randint(300, 1200))
            if left > self.now:
                continue  # still in the building: the board shows today's waiting visitors below
            outcome = self._possible(
                rng.choices(
                    ("resolved", "callback", "referred", "repair", "complaint-stage1"),
                    weights=(60, 12, 14, 10, 4),
                )[0]
            )
            category = self._category(outcome)
            index = self._contact(
                channel="visit",
                customer_id=customer,
                staff_id=desk,
                received_at=arrived,
                visitor_name=visitor,
                served_at=served,
                served_by_id=desk,
                second_needed_at=second_needed,
                second_seen_at=second_seen,
                second_seen_by_id=second_by,
                left_at=left,
                category=category,
                notes=self._note(category),
                created_at=left,
            )
            if category == "housing-registration" and rng.random() < 0.5:
                self.contacts[index].outcome = "resolved"
                self._task(
                    "housing_application", arrived, index, title="Housing application handed in"
                )
            else:
                self._follow_up(index, outcome)

    def _waiting_now(self) -> None:
        """Two visitors in the building right now (only when the office is open)."""
        local = self.now.astimezone(LONDON)
        hours = office_hours(self.profile, local.date())
        if hours is None or local.date() != self.days[-1]:
            return
        if not (
            local_instant(local.date(), hours[0])
            <= self.now
            < local_instant(local.date(), hours[1])
        ):
            return
        for seconds, name in ((75, "Isla"), (int(self.serve_target * 1.4) or 250, "J. M.")):
            self._contact(
                channel="visit",
                received_at=self.now - timedelta(seconds=seconds),
                visitor_name=name,
                staff_id=self.reception[0],  # who logged the arrival, as `reception.arrive`
            )

    def _written(self, day: date) -> None:
        """Emails, letters, social media messages, voicemails: each acknowledged, many answered."""
        rng = self.rng
        fraction = self._day_fraction(day)
        hours = office_hours(self.profile, day)
        assert hours is not None
        kinds = (
            ("email", rng.randint(7, 14)),
            ("letter", rng.randint(1, 4)),
            ("social", rng.randint(0, 3)),
            ("voicemail", rng.randint(0, 3)),
        )
        for channel, count in kinds:
            if channel == "letter":
                stamp = local_instant(day, hours[0]) + timedelta(minutes=45)
                moments = [stamp] * count if stamp <= self.now else []
            elif channel == "voicemail":
                opens = local_instant(day, hours[0])
                moments = [opens - timedelta(minutes=rng.randint(20, 700)) for _ in range(count)]
            else:
                moments = self._moments(day, int(count * max(fraction, 0.0)))
            for received in sorted(moments):
                self._written_one(channel, received)

    def _written_one(self, channel: str, received: datetime) -> None:
        """Like console/desk/correspondence.py: an acknowledgement and a reply (a letter also a
        follow-up call or visit); some report a repair or make a complaint instead."""
        rng = self.rng
        staff = rng.choice(self.reception if channel == "letter" else self.handlers)
        if channel == "voicemail":
            customer = self._customer(anonymous=0.2)
            category = self._category("resolved")
            index = self._contact(
                channel=channel,
                customer_id=customer,
                staff_id=staff,
                received_at=received,
                category=category,
                notes=self._note(category),
            )
            self._follow_up(index, "callback")
            return
        customer = rng.choice(self.customer_ids)  # correspondence always has a sender
        roll = rng.random()
        if roll < 0.12 or (channel in ("email", "letter") and roll < 0.16):
            intent = self._possible("repair" if roll < 0.12 else "complaint-stage1")
            category = self._category(intent)
            index = self._contact(
                channel=channel,
                customer_id=customer,
                staff_id=staff,
                received_at=received,
                category=category,
                notes=self._note(category),
            )
            self._follow_up(index, intent)
            return
        category = self._category("resolved")
        subject = self._note(category)
        urgent = rng.random() < 0.15
        index = self._contact(
            channel=channel,
            customer_id=customer,
            staff_id=staff,
            received_at=received,
            category=category,
            notes=subject,
            details={"subject": subject, "urgent": urgent},
        )
        word = {"email": "email", "social": "message", "letter": "letter"}[channel]
        sender = self.customers[customer]
        found = self.profile.category(category)
        team = found.team if found else None
        self._task(
            "acknowledge",
            received,
            index,
            title=f"acknowledge the {word}: {subject}",
            details=task_details(sender, channel=channel),
        )
        statutory = category == "assignment-alteration" and self.profile.has("statutory_response")
        use = "statutory_response" if statutory else ("reply_urgent" if urgent else "reply_routine")
        self._task(
            use,
            received,
            index,
            title=f"reply to the {word}: {subject}",
            team=team,
            details=task_details(sender, channel=channel, urgent=urgent or None),
        )
        if channel == "letter" and self.profile.has("letter_follow_up"):
            self._task(
                "letter_follow_up",
                received,
                index,
                team=team,
                title=f"follow up the letter: {subject}: a phone call or an attempt to visit",
                details=task_details(sender, channel=channel, follow_up=True),
            )

    def _requests(self) -> None:
        """A few subject access and FOI requests, and alternative formats, over the stretch."""
        rng = self.rng
        for use, channel, title, count in (
            ("subject_access", "email", "Subject access request: all records held", 3),
            ("foi", "email", "FOI: repairs spending last year", 2),
            ("foi", "letter", "FOI: number of empty homes", 1),
        ):
            for _ in range(count):
                day = rng.choice(self.days)
                moments = self._moments(day, 1)
                if not moments:
                    continue
                customer = rng.choice(self.customer_ids) if use == "subject_access" else None
                index = self._contact(
                    channel=channel,
                    customer_id=customer,
                    staff_id=self.admin,
                    received_at=moments[0],
                    category="other",
                    notes=title,
                    details={"subject": title, "urgent": False},
                )
                self._task(
                    use,
                    moments[0],
                    index,
                    title=title,
                    staff_id=self.admin,
                    details={"channel": channel},
                )
        for customer in self.large_print[:3]:
            day = rng.choice(self.days)
            moments = self._moments(day, 1)
            if moments:
                index = self._contact(
                    channel="call",
                    customer_id=customer,
                    staff_id=rng.choice(self.handlers),
                    received_at=moments[0],
                    answered_at=moments[0] + timedelta(seconds=6),
                    ended_at=moments[0] + timedelta(seconds=200),
                    answer_seconds=6.0,
                    category="other",
                    outcome="resolved",
                    notes="Asked for the newsletter in large print",
                )
                self._task(
                    "alternative_format", moments[0], index, title="Newsletter in large print"
                )

    def _home_visits(self) -> None:
        """Visits booked as `book_visit` books them, 8 to 12 working days ahead; those already
        past are recorded as `record_visit` records them (one in five: nobody home)."""
        rng = self.rng
        cal = working_calendar(self.profile, "organisation")
        past = 0
        for day in self.days:
            if rng.random() > 0.35:
                continue
            moments = self._moments(day, 1)
            if not moments:
                continue
            visit_day = cal.add_working_days(day, rng.randint(8, 12))
            hours = office_hours(self.profile, visit_day)
            assert hours is not None
            visit = local_instant(visit_day, hours[0]) + timedelta(hours=rng.randint(1, 5))
            customer = rng.choice(self.customer_ids)
            staff = rng.choice(self.handlers)
            purpose = VISIT_PURPOSES.get(self._category("resolved"), "Tenancy check")
            booked = booking_row(
                self.customers[customer],
                booked_at=moments[0],
                visit_at=visit,
                purpose=purpose,
                notice_ok=enough_notice(self.profile, moments[0], visit),
                staff_id=staff,
            )
            if visit + timedelta(hours=1) <= self.now:
                past += 1
                if past % 5:
                    mark_visit(
                        booked,
                        "visited",
                        when=visit,
                        by=self.staff_names[staff],
                        id_shown=True,
                        record="Talked it through with the tenant; no concerns",
                        next_steps="none",
                    )
                else:
                    mark_visit(booked, "no_access", when=visit, by=self.staff_names[staff])
            self.contacts.append(booked)

    # -- promises ----------------------------------------------------------------------------

    def _settle(self, spec: _TaskSpec, due: datetime) -> tuple[str, datetime | None, str]:
        """Status, completion instant (in office hours) and outcome: mostly on time, some late,
        some open."""
        status, at, outcome = self._settle_any_time(spec, due)
        if at is not None and spec.force_done_at is None:
            opening = next_opening(self.profile, at)  # staff close tasks while the office is open
            if opening < self.now and (opening <= due or at > due):
                at = opening
        return status, at, outcome

    def _settle_any_time(self, spec: _TaskSpec, due: datetime) -> tuple[str, datetime | None, str]:
        rng = self.rng
        if spec.force_done_at is not None:
            return "done", spec.force_done_at, spec.outcome
        family = next((k for k in ("callback", "repair") if spec.use.startswith(k)), "")
        outcome = rng.choice(DONE_OUTCOME[family])
        if spec.use.startswith("complaint"):
            outcome = rng.choice(STAGE2_OUTCOMES if spec.parent is not None else STAGE1_OUTCOMES)
        window = due - spec.received
        if due <= self.now:
            roll = rng.random()
            if roll < 0.02:
                return "cancelled", spec.received + window * rng.uniform(0.1, 0.6), "cancelled"
            if roll < 0.86:
                return "done", spec.received + window * rng.uniform(0.05, 0.97), outcome
            if roll < 0.94:
                late = due + timedelta(hours=rng.uniform(1, 72))
                if late < self.now:
                    return "done", late, outcome
            return "open", None, ""
        elapsed = (self.now - spec.received) / window if window.total_seconds() > 0 else 1.0
        if rng.random() < 0.85 * elapsed:
            return (
                "done",
                spec.received + (self.now - spec.received) * rng.uniform(0.1, 0.99),
                outcome,
            )
        return "open", None, ""

    def _escalations(self, done: dict[int, tuple[str, datetime | None, str]]) -> None:
        """Some stage 1 complaints not upheld go on to stage 2, as a child task from escalation."""
        rng = self.rng
        for i, spec in enumerate(list(self.tasks)):
            if spec.use != "complaint_stage1" or spec.force_done_at is not None:
                continue
            status, completed, outcome = done[i]
            if (
                status != "done"
                or completed is None
                or outcome not in ("not upheld", "partially upheld")
            ):
                continue
            if rng.random() > 0.5:
                continue
            escalated = completed + timedelta(hours=rng.uniform(4, 96))
            if escalated >= self.now:
                continue
            details = {
                **spec.details,
                "stage": 2,
                "escalation_note": "the customer is unhappy with the stage 1 response",
            }  # the closed stage 1 task's details and its id are added once it is built
            self._task(
                "complaint_stage2",
                escalated,
                spec.contact,
                title=spec.title.replace("stage 1 complaint", "stage 2 complaint", 1),
                details=details,
                parent=i,
                customer_id=spec.customer_id,
                staff_id=self.lead,
            )

    def _task_rows(
        self,
        contact_ids: list[int],
        first: int,
        last: int,
        done: dict[int, tuple[str, datetime | None, str]],
        task_ids: dict[int, int],
    ) -> list[Task]:
        """The tasks as `open_task` builds them (console/desk/tasks.task_row), then closed as
        `complete` and `cancel` close them."""
        rng = self.rng
        rows = []
        for i in range(first, last):
            spec = self.tasks[i]
            slug = self.profile.slug_for(spec.use)
            assert slug is not None
            commitment = self.profile.commitment(slug)
            due = due_at(self.profile, commitment, spec.received)
            if i not in done:
                done[i] = self._settle(spec, due)
            status, completed, outcome = done[i]
            details = dict(spec.details)
            if spec.parent is not None:  # as console.desk.tasks.escalate carries them over
                details = {
                    **self.built[spec.parent].details,
                    **details,
                    "escalated_from": task_ids[spec.parent],
                }
            close: dict[str, Any] | None = None
            if "stage" in details and status == "done":
                assert completed is not None
                handler = spec.staff_id or self.lead
                close = closing_record(
                    outcome,
                    "Investigated and wrote to the customer with the decision",
                    rng.choice(ROOT_CAUSES) if outcome in ("upheld", "partially upheld") else "",
                    closed=completed.astimezone(LONDON).date(),
                    handler=self.staff_names.get(handler, ""),
                    handler_id=handler,
                )
            if status == "open":
                assignee = spec.staff_id if rng.random() < 0.6 else None
            else:
                assignee = spec.staff_id or rng.choice(self.handlers)
            task = task_row(
                self.profile,
                slug,
                received_at=spec.received,
                created_at=spec.received,
                created_by_id=spec.staff_id,
                customer_id=spec.customer_id,
                contact_id=contact_ids[spec.contact] if spec.contact is not None else None,
                parent_id=task_ids[spec.parent] if spec.parent is not None else None,
                title=spec.title,
                team=spec.team,
                assignee_id=assignee,
                details=details,
                due_at=due,
            )
            if close is not None:
                assert completed is not None
                close_stage(task, details["stage"], close, completed, assignee)
            elif status == "done":
                assert completed is not None
                mark_done(task, outcome, done_note(outcome), completed, assignee)
            elif status == "cancelled":
                assert completed is not None
                mark_cancelled(task, "duplicate of another task", completed)
            rows.append(task)
            self.built[i] = task
        return rows

    def _system_updates(self, tasks: list[Task]) -> list[Task]:
        """The updates the system opened as each open task went overdue, as a desk that ran all
        along would have (console.desk.queue.ensure_progress_updates): at BHA one every 5
        working days, the past ones given on time and the current one not yet due; at Weslo
        one contact per overdue statutory response. So the queue opens none on first sight,
        and none is overdue the moment it is made. Built by the same functions the desk uses
        (console/desk/tasks.py), with no person as their creator."""
        progress = self.profile.slug_for("progress_update")
        contact = self.profile.slug_for("overdue_contact")
        statutory = self.profile.slug_for("statutory_response")
        slug = progress or contact
        if slug is None:
            return []
        rng = self.rng
        made: list[Task] = []
        for parent in tasks:
            assert parent.due_at is not None
            if parent.status != "open" or parent.due_at >= self.now or parent.slug == slug:
                continue
            if progress is None and parent.slug != statutory:
                continue
            base = parent.due_at
            while True:
                if progress is None:
                    update = overdue_contact_row(self.profile, slug, parent, created_at=base)
                else:
                    update = progress_update_row(
                        self.profile, slug, parent, received_at=base, created_at=base
                    )
                made.append(update)
                assert update.due_at is not None
                if update.due_at >= self.now:
                    break  # the current one, not yet due
                at = base + (update.due_at - base) * rng.uniform(0.2, 0.9)
                mark_done(update, "customer updated", done_note("customer updated"), at, None)
                if progress is None:
                    break
                base = at
        return made

    # -- the load ----------------------------------------------------------------------------

    def load(self, conn: Any, pin_hash: str) -> dict[str, Any]:
        created, existing = self._staff(conn, pin_hash)
        customers = self._customers(conn)
        for day in self.days:
            self._calls(day)
            self._visits(day)
            self._written(day)
        self._requests()
        self._home_visits()
        self._waiting_now()
        contact_ids: list[int] = list(
            conn.execute(
                insert(Contact).returning(col(Contact.id), sort_by_parameter_order=True),
                [c.model_dump(exclude={"id"}) for c in self.contacts],
            ).scalars()
        )
        done: dict[int, tuple[str, datetime | None, str]] = {}
        task_ids: dict[int, int] = {}
        # Settle the first generation to learn which complaints escalate, then insert parents first.
        for i, spec in enumerate(self.tasks):
            slug = self.profile.slug_for(spec.use)
            assert slug is not None
            done[i] = self._settle(spec, due_at(self.profile, slug, spec.received))
        parents = len(self.tasks)
        self._escalations(done)
        rows = self._task_rows(contact_ids, 0, parents, done, task_ids)
        _insert_tasks(conn, rows)
        task_ids.update((i, t.id) for i, t in enumerate(rows) if t.id is not None)
        children = self._task_rows(contact_ids, parents, len(self.tasks), done, task_ids)
        _insert_tasks(conn, children)
        all_rows = rows + children
        updates = self._system_updates(all_rows)
        _insert_tasks(conn, updates)
        all_rows += updates
        open_rows = [t for t in all_rows if t.status == "open"]
        overdue = sum(1 for t in open_rows if t.due_at is not None and t.due_at < self.now)
        channels = Counter(c.channel for c in self.contacts)
        # The bulk insert bypasses the ORM events that keep the daily summary: refresh the
        # days it touched, in the same transaction (console/store/summary/).
        from console.store.summary.cells import local_day_hour
        from console.store.summary.recount import recompute

        recompute(
            conn,
            contact_days={c.day for c in self.contacts},
            due_days={local_day_hour(t.due_at)[0] for t in all_rows if t.due_at is not None},
        )
        conn.execute(
            insert(Event),
            [
                {
                    "at": self.now,
                    "staff_id": self.admin,
                    "action": "demo_loaded",
                    "entity": "database",
                    "entity_id": None,
                    "customer_id": None,
                    "detail": (
                        f"demo data: {len(self.days)} working days "
                        f"{self.days[0]} to {self.days[-1]}; {len(created)} staff, "
                        f"{customers} customers, {len(self.contacts)} contacts, "
                        f"{len(all_rows)} tasks ({len(open_rows)} open, {overdue} overdue)"
                    ),
                }
            ],
        )
        return {
            "staff": created,
            "existing": existing,
            "customers": customers,
            "contacts": dict(sorted(channels.items())),
            "tasks": len(all_rows),
            "open": len(open_rows),
            "overdue": overdue,
        }


def _insert_tasks(conn: Any, tasks: list[Task]) -> None:
    """One bulk insert; each task learns its id (stage 2 and updates point at their parent)."""
    if not tasks:
        return
    ids = conn.execute(
        insert(Task).returning(col(Task.id), sort_by_parameter_order=True),
        [t.model_dump(exclude={"id"}) for t in tasks],
    ).scalars()
    for task, task_id in zip(tasks, ids, strict=True):
        task.id = task_id
