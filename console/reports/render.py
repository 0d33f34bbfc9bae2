"""A report for people (plain words, aligned tables) and for other programs (CSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from console.reports.figures import Report
from console.rules.clock import local
from console.rules.errors import InputError

# --- output -------------------------------------------------------------------------------


def as_json(report: Report) -> str:
    return json.dumps(report.as_dict(), indent=2, default=_json_default, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def table_csv(columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """One table as CSV; a text cell starting = + - @ is defused as in the subject access export.

    Staff names and subjects are typed by people: a spreadsheet must not run one as a formula.
    """
    from console.desk.export import csv_cell

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([csv_cell(v) if isinstance(v, str) else v for v in row] for row in rows)
    return out.getvalue()


def as_csv(report: Report) -> str:
    """Every table, one after another: a "# name" line, the header, the rows, a blank line."""
    parts = []
    for name, (columns, rows) in report.tables().items():
        parts.append(f"# {name}\n" + table_csv(columns, rows))
    return "\n".join(parts)


# --- for people: plain words, aligned tables ---------------------------------------------


def parse_day(value: str, *, end: bool = False) -> date:
    """A day from --from/--to: YYYY-MM-DD, or YYYY-MM (its first day, or with end=True its last)."""
    text = (value or "").strip()
    try:
        day = date.fromisoformat(text + "-01" if len(text) == 7 else text)
    except ValueError:
        raise InputError(f"'{text}' is not a date: type it as YYYY-MM-DD (or YYYY-MM)") from None
    if not REPORT_YEARS[0] <= day.year <= REPORT_YEARS[1]:
        raise InputError(
            f"'{text}' is outside the years a report can cover "
            f"({REPORT_YEARS[0]} to {REPORT_YEARS[1]})"
        )
    if len(text) == 7 and end:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return day


REPORT_YEARS = (1990, 2200)


def fmt_share(value: float | None) -> str:
    if value is None:
        return "—"
    pct = value * 100
    return f"{pct:.0f}%" if pct in (0, 100) or abs(pct - round(pct)) < 0.05 else f"{pct:.1f}%"


def fmt_duration(seconds: float | None) -> str:
    """17 s, 17.5 s, 4m 05s, 2h 15m, 3d 4h."""
    if seconds is None:
        return "—"
    s = max(0.0, seconds)
    if s < 60:
        whole = round(s)
        return f"{whole} s" if abs(s - whole) < 0.05 else f"{s:.1f} s"
    s = round(s)
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m"
    return f"{s // 86400}d {s % 86400 // 3600}h"


def fmt_number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} {unit}".strip()


@dataclass(frozen=True)
class Section:
    """One table in plain words: what the screen and `frontdesk report` show."""

    key: str  # the table's name in CSV and JSON
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: frozenset[int]  # columns to right-align (numbers)


_GROUP_TITLES = {"handler": "Handler", "week": "Week of", "month": "Month"}


def sections(report: Report) -> list[Section]:
    by = report.period.by
    g_title = _GROUP_TITLES.get(by or "", "")

    def make(key: str, title: str, columns: list[str], rows: list[list[str]], first: int) -> None:
        """Adds the group column when the report is broken down; numbers from column `first`."""
        if by:
            columns = [g_title, *columns]
            first += 1
        else:
            rows = [r[1:] for r in rows]
        right = frozenset(range(first, len(columns)))
        out.append(Section(key, title, tuple(columns), tuple(tuple(r) for r in rows), right))

    out: list[Section] = []
    answer = report.answer_target_seconds
    # Where a commitment has an aim inside its promise: met within the aim, and its share
    # (the promise's own share is "Share met"); the columns only appear for such profiles.
    aims = any(c.met_aim is not None for c in report.commitments)
    make(
        "commitments",
        "Every commitment",
        [
            "Commitment",
            "Target",
            "Fell due",
            "Met",
            "Late",
            "Overdue",
            "Not yet due",
            "Share met",
            *(["Met aim", "Share aim"] if aims else []),
            "Average",
            "Longest",
        ],
        [
            [
                c.group,
                promise_words(c.promise),
                _cut(c.target, 32),
                str(c.fell_due),
                str(c.met),
                str(c.late),
                str(c.open_overdue),
                str(c.not_yet_due),
                fmt_share(c.share_met),
                *(
                    [
                        "—" if c.met_aim is None else str(c.met_aim),
                        fmt_share(c.share_met_aim) if c.met_aim is not None else "—",
                    ]
                    if aims
                    else []
                ),
                fmt_duration(c.average_seconds),
                fmt_duration(c.longest_seconds),
            ]
            for c in report.commitments
        ],
        2,
    )
    make(
        "open_now",
        f"Open now (as at {local(report.period.at):%d %b %Y %H:%M})",
        ["Commitment", "Open", "Overdue"],
        [[o.group, promise_words(o.promise), str(o.open), str(o.overdue)] for o in report.open_now],
        1,
    )
    within = f"Within {answer} s" if answer is not None else "Within target"
    make(
        "telephone",
        "Telephone",
        [
            "Offered",
            "Answered",
            "Abandoned",
            within,
            "Service level",
            "Avg speed of answer",
            "Longest wait",
            "Resolved first time",
            "First contact resolution",
        ],
        [
            [
                t.group,
                str(t.offered),
                str(t.answered),
                str(t.abandoned),
                str(t.answered_within) if answer is not None else "—",
                fmt_share(t.service_level),
                fmt_duration(t.average_answer_seconds),
                fmt_duration(t.longest_wait_seconds),
                str(t.resolved),
                fmt_share(t.first_contact_resolution),
            ]
            for t in report.telephone
        ],
        0,
    )
    make(
        "reception",
        "Reception",
        [
            "Visitors",
            "Served",
            "Left unseen",
            "Served in target",
            "Share",
            "Average wait",
            "Longest wait",
            "Second needed",
            "Second seen",
            "In target",
            "Share",
            "Average",
            "Longest",
        ],
        [
            [
                r.group,
                str(r.visitors),
                str(r.served),
                str(r.left_unseen),
                str(r.served_within) if report.serve_target_seconds else "—",
                fmt_share(r.share_within),
                fmt_duration(r.average_wait_seconds),
                fmt_duration(r.longest_wait_seconds),
                str(r.second_needed),
                str(r.second_seen),
                str(r.second_within) if report.second_target_seconds else "—",
                fmt_share(r.second_share_within),
                fmt_duration(r.second_average_seconds),
                fmt_duration(r.second_longest_seconds),
            ]
            for r in report.reception
        ],
        0,
    )
    if report.complaints:
        make(
            "complaints",
            "Complaints (SPSO)",
            [
                "Stage",
                "Received",
                "Front line",
                "Escalated in",
                "Closed in full",
                "Within 5 wd",
                "Within 20 wd",
                "Average wd",
                "Upheld",
                "Partly",
                "Not upheld",
                "Resolved",
                "Escalated",
            ],
            [
                [
                    c.group,
                    f"stage {c.stage}",
                    str(c.received),
                    str(c.frontline),
                    str(c.escalated_from_stage1),
                    str(c.closed_in_full),
                    f"{c.within_5} ({fmt_share(c.share_within_5)})",
                    f"{c.within_20} ({fmt_share(c.share_within_20)})",
                    fmt_number(c.average_working_days),
                    str(c.upheld),
                    str(c.partially_upheld),
                    str(c.not_upheld),
                    str(c.resolved),
                    str(c.escalated),
                ]
                for c in report.complaints
            ],
            1,
        )
    if report.repairs:
        make(
            "repairs",
            "Repairs (Charter indicators)",
            ["Repairs", "Completed", "Average", "Longest"],
            [
                [
                    r.group,
                    r.priority,
                    str(r.completed),
                    fmt_number(r.average, r.unit),
                    fmt_number(r.longest, r.unit),
                ]
                for r in report.repairs
            ],
            1,
        )
    out.append(
        Section(
            "hours",
            "Calls by hour of day",
            ("Hour", "Offered", "Answered", "Avg speed of answer"),
            tuple(
                (
                    f"{h.hour:02d}:00",
                    str(h.offered),
                    str(h.answered),
                    fmt_duration(h.average_answer_seconds),
                )
                for h in report.hours
            ),
            frozenset({1, 2, 3}),
        )
    )
    return out


def as_text(report: Report) -> str:
    """The report as aligned plain-text tables (what `frontdesk report` prints)."""
    lines = [
        f"{report.organisation}: performance against the published standards",
        report.period.describe(),
    ]
    lines += [f"note: {n}" for n in report.notes]
    for s in sections(report):
        lines += ["", s.title]
        widths = [len(c) for c in s.columns]
        for r in s.rows:
            widths = [max(w, len(v)) for w, v in zip(widths, r, strict=True)]

        def line(cells: tuple[str, ...], sec: Section = s, w: list[int] = widths) -> str:
            return "  ".join(
                c.rjust(w[i]) if i in sec.right else c.ljust(w[i]) for i, c in enumerate(cells)
            ).rstrip()

        lines.append(line(s.columns))
        lines.append(line(tuple("-" * w for w in widths)))
        lines += [line(r) for r in s.rows] or ["(nothing in this period)"]
    return "\n".join(lines)


def sparkline(values: list[float | None]) -> str:
    """▁▂▃▄▅▆▇█ for shares 0..1 (a space where there is none)."""
    bars = "▁▂▃▄▅▆▇█"
    return "".join(" " if v is None else bars[min(7, max(0, int(v * 7.999)))] for v in values)


def promise_words(promise: str, width: int = 36) -> str:
    """A commitment as people say it ("urgent call back"), not its slug ("callback-urgent")."""
    words = re.split(r"\s*[(;:]", promise, maxsplit=1)[0].strip() or promise
    return _cut(words, width)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
