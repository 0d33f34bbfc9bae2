"""Reports: the team lead's figures against every published standard, with charts.

Tables (every commitment, open now, telephone, reception, complaints, repairs) and
charts in the terminal (calls by hour of day against the answer target; the share
met per week for each commitment). The period is a month to date by default; the
keys move it a month at a time, show the last twelve months, break every table
down by handler, week or month, and export every table as CSV. Team leads and
admins only: anyone else sees why.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from screens.base import DeskScreen
from screens.messages import DataChanged
from screens.widgets.literal import literal

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.reports.figures import Report
    from console.reports.render import Section

BYS: tuple[str | None, ...] = (None, "handler", "week", "month")
TABS = ("commitments", "telephone", "reception", "complaints", "charts")
# which section goes in which table on which tab
TABLE_TAB = {
    "commitments": "commitments",
    "open_now": "commitments",
    "telephone": "telephone",
    "hours": "telephone",
    "reception": "reception",
    "complaints": "complaints",
    "repairs": "complaints",
}


def _cell(value: object, *, right: bool = False) -> Text:
    """A table cell shown literally (no markup, no raw control characters)."""
    cell = literal(value)
    cell.justify = "right" if right else "left"
    return cell


def month_span(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return first, last


class ReportsScreen(DeskScreen[None]):
    """Performance against the standards: tables, charts, CSV export."""

    CSS_PATH = "reports.tcss"
    TITLE = "Reports"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "tab('commitments')", "Commitments", id="reports.tab.commitments",
                tooltip="Every commitment: fell due, met, late, time taken; open now"),
        Binding("2", "tab('telephone')", "Telephone", id="reports.tab.telephone",
                tooltip="Calls offered, answered, service level, speed of answer, by hour"),
        Binding("3", "tab('reception')", "Reception", id="reports.tab.reception",
                tooltip="Visitors served within target, waits, the second stage"),
        Binding("4", "tab('complaints')", "Complaints", id="reports.tab.complaints",
                tooltip="SPSO complaint figures and the Charter's repair indicators"),
        Binding("5", "tab('charts')", "Charts", id="reports.tab.charts",
                tooltip="Calls by hour of day; share met per week"),
        Binding("left_square_bracket", "month(-1)", "Prev month", id="reports.previous",
                tooltip="The month before the one shown"),
        Binding("right_square_bracket", "month(1)", "Next month", id="reports.next",
                tooltip="The month after the one shown"),
        Binding("m", "this_month", "This month", id="reports.month",
                tooltip="This month to date"),
        Binding("y", "year", "12 months", id="reports.year",
                tooltip="The last twelve months to date"),
        Binding("b", "by", "Break down", id="reports.by",
                tooltip="Break every table down: by handler, by week, by month, or not"),
        Binding("x", "export", "Export CSV", id="reports.export",
                tooltip="Write every table as a CSV file (the export is audited)"),
        Binding("r", "reload", "Refresh", id="reports.reload", tooltip="Read the figures again"),
    ]  # fmt: skip

    export_root: Path | None = None  # where CSV exports go (default: the user's data folder)

    def __init__(self) -> None:
        super().__init__()
        self.start: date | None = None
        self.end: date | None = None
        self.by: str | None = None
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the figures…", id="period", markup=False)
        with TabbedContent(id="tabs", initial="commitments"):
            with TabPane("1 Commitments", id="commitments"), VerticalScroll():
                yield DataTable(id="t-commitments", zebra_stripes=True)
                yield Static("", id="h-open_now", classes="table-title", markup=False)
                yield DataTable(id="t-open_now", zebra_stripes=True)
            with TabPane("2 Telephone", id="telephone"), VerticalScroll():
                yield DataTable(id="t-telephone", zebra_stripes=True)
                yield Static("Calls by hour of day", classes="table-title", markup=False)
                yield DataTable(id="t-hours", zebra_stripes=True)
            with TabPane("3 Reception", id="reception"), VerticalScroll():
                yield DataTable(id="t-reception", zebra_stripes=True)
            with TabPane("4 Complaints & repairs", id="complaints"), VerticalScroll():
                yield Static("Complaints (SPSO)", classes="table-title", markup=False)
                yield DataTable(id="t-complaints", zebra_stripes=True)
                yield Static("Repairs (Charter indicators)", classes="table-title", markup=False)
                yield DataTable(id="t-repairs", zebra_stripes=True)
            with TabPane("5 Charts", id="charts"), VerticalScroll():
                with Horizontal(id="hour-charts"):
                    yield self._plot("c-hours")
                    yield self._plot("c-speed")
                yield Static("Share met per week", classes="table-title", markup=False)
                yield DataTable(id="t-weekly", zebra_stripes=True)
        yield Footer()

    @staticmethod
    def _plot(plot_id: str) -> Any:
        from textual_plotext import PlotextPlot

        return PlotextPlot(id=plot_id, classes="chart")

    def on_mount(self) -> None:
        self.query_one("#t-commitments", DataTable).focus()
        self.load()

    # ------------------------------------------------------------------ data

    def load(self) -> None:
        from console.reports.builder import build_report

        self.run_service(
            build_report,
            start=self.start,
            end=self.end,
            by=self.by,
            done=self.show_report,
            failed=self._load_failed,
            doing="read the report",
            group="reports-load",
        )

    def _load_failed(self, error: BaseException) -> None:
        from console.rules.errors import PermissionDenied

        if isinstance(error, PermissionDenied):
            self.show_refusal(str(error))
        else:
            self.service_failed(error, "read the report")

    def on_data_changed(self, message: DataChanged) -> None:
        self.load()

    def show_refusal(self, message: str) -> None:
        self.query_one("#period", Static).update(
            literal(f"Reports are for team leads and admins. {message}.")
        )

    def show_report(self, report: Report) -> None:
        from console.reports.render import sections

        self.report = report
        self.start, self.end = report.period.start, report.period.end
        by = {None: "", "handler": " · by handler", "week": " · by week", "month": " · by month"}
        notes = "".join(f"\n{n[0].upper()}{n[1:]}." for n in report.notes)
        self.query_one("#period", Static).update(
            literal(
                f"{report.organisation} · {report.period.describe()}{by[report.period.by]}{notes}"
            )
        )
        found = {s.key: s for s in sections(report)}
        for key in TABLE_TAB:
            table = self.query_one(f"#t-{key}", DataTable)
            section = found.get(key)
            if key == "open_now" and section is not None:
                self.query_one("#h-open_now", Static).update(literal(section.title))
            self.fill(table, section)
        self.fill_weekly(report)
        self.draw_charts(report)

    def fill(self, table: DataTable[Any], section: Section | None) -> None:
        """Replace a table's rows, keeping the cursor where the user left it."""
        row, column = table.cursor_coordinate
        table.clear(columns=True)
        if section is None:
            table.add_column("")
            table.add_row(Text("Nothing to show: this profile sets no such standard."))
            return
        for i, name in enumerate(section.columns):
            table.add_column(_cell(name, right=i in section.right))
        for cells in section.rows:  # staff names (by handler) among them: shown literally
            table.add_row(*(_cell(c, right=i in section.right) for i, c in enumerate(cells)))
        if not section.rows:
            table.add_row(*([Text("—")] * len(section.columns)))
        table.move_cursor(
            row=min(row, table.row_count - 1), column=min(column, len(section.columns) - 1)
        )

    def fill_weekly(self, report: Report) -> None:
        from console.reports.render import fmt_share, promise_words, sparkline

        weeks = sorted({w.week for w in report.weekly})
        shown = weeks[-6:]
        by_slug: dict[str, dict[date, Any]] = {}
        for w in report.weekly:
            by_slug.setdefault(w.slug, {})[w.week] = w
        table = self.query_one("#t-weekly", DataTable)
        row, column = table.cursor_coordinate
        table.clear(columns=True)
        table.add_column("Commitment")
        table.add_column("Trend")
        for week in shown:
            table.add_column(Text(f"w/c {week:%d %b}", justify="right"))
        table.add_column(Text("Period", justify="right"))
        totals = {c.slug: c for c in report.commitments if c.group == "all"}
        for slug in (s for s in self.desk.profile.commitments if s in by_slug):
            cells = by_slug[slug]
            trend = sparkline([cells[w].share_met if w in cells else None for w in weeks])
            per_week = [
                Text(fmt_share(cells[w].share_met) if w in cells else "", justify="right")
                for w in shown
            ]
            total = totals.get(slug)
            table.add_row(
                literal(promise_words(self.desk.profile.commitments[slug].promise)),
                Text(trend),
                *per_week,
                Text(fmt_share(total.share_met if total else None), justify="right"),
            )
        if table.row_count == 0:
            table.add_row(
                Text("Nothing fell due in this period."), *([Text("")] * (len(shown) + 2))
            )
        table.move_cursor(row=min(row, table.row_count - 1), column=column)

    def draw_charts(self, report: Report) -> None:
        """Calls by hour (within the target, later, not answered) and speed of answer by hour."""
        from textual_plotext import PlotextPlot

        by_hour = {h.hour: h for h in report.hours}
        span = office_hours_span(self.desk) | set(by_hour)
        hours = list(range(min(span), max(span) + 1)) if span else []
        labels = [f"{h:02d}" for h in hours]
        target = report.answer_target_seconds
        chart = self.query_one("#c-hours", PlotextPlot)
        plt = chart.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Calls offered by hour of day")
        if hours:
            rows = [by_hour.get(h) for h in hours]
            offered = [r.offered if r else 0 for r in rows]
            answered = [r.answered if r else 0 for r in rows]
            if target is not None:
                within = [(r.answered_within or 0) if r else 0 for r in rows]
                later = [a - w for a, w in zip(answered, within, strict=True)]
                series = [within, later]
                names = [f"answered within {target} s", "answered later"]
            else:
                series, names = [answered], ["answered"]
            series.append([o - a for o, a in zip(offered, answered, strict=True)])
            names.append("not answered")
            plt.stacked_bar(labels, series, labels=names)  # type: ignore[call-arg]
        chart.refresh()
        speed = self.query_one("#c-speed", PlotextPlot)
        plt = speed.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Average speed of answer by hour" + (f" (target {target} s)" if target else ""))
        if hours:
            asa = [
                round(by_hour[h].average_answer_seconds or 0, 1) if h in by_hour else 0
                for h in hours
            ]
            plt.bar(labels, asa)
            if target is not None:
                plt.hline(target, "red")
        speed.refresh()

    # ------------------------------------------------------------------ actions

    def action_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        first = {"commitments": "commitments", "telephone": "telephone", "reception": "reception",
                 "complaints": "complaints", "charts": "weekly"}[tab]  # fmt: skip
        self.query_one(f"#t-{first}", DataTable).focus()

    def action_month(self, step: int) -> None:
        anchor = self.start or self.desk.now().date()
        first = anchor.replace(day=1)
        if step < 0:
            first = (first - timedelta(days=1)).replace(day=1)
        else:
            first = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        self._set_period(*month_span(first))

    def action_this_month(self) -> None:
        self._set_period(None, None)

    def action_year(self) -> None:
        from console.rules.clock import local

        today = local(self.desk.now()).date()
        start = today - timedelta(days=364)  # the last twelve months, today included
        self._set_period(start, today)

    def _set_period(self, start: date | None, end: date | None) -> None:
        from console.rules.clock import local

        today = local(self.desk.now()).date()
        if start is not None and start > today:
            self.notify("That month has not started yet.", severity="warning")
            return
        self.start, self.end = start, (min(end, today) if end else None)
        self.load()

    def action_by(self) -> None:
        self.by = BYS[(BYS.index(self.by) + 1) % len(BYS)]
        self.notify(f"Broken down {'by ' + self.by if self.by else 'no further'}.", timeout=2)
        self.load()

    def action_reload(self) -> None:
        self.load()

    def action_export(self) -> None:
        if self.report is None:
            self.notify("The figures are still being read.", severity="warning")
            return
        self.export(self.report)

    def export(self, report: Report) -> None:
        p = report.period
        root = self.export_root or _default_export_root()
        folder = root / (f"report-{p.start}-to-{p.end}" + (f"-by-{p.by}" if p.by else ""))

        def written(count: int) -> None:
            self.notify(f"{count} CSV files written to {folder}", title="Exported", timeout=10)

        self.run_service(
            _export, report, folder, done=written, doing="export the report", group="reports-export"
        )


def office_hours_span(desk: Desk) -> set[int]:
    """The local hours the office is open on some day of the week (for the hourly charts)."""
    found: set[int] = set()
    for hours in desk.profile.office_hours:
        if hours is not None:
            last = hours[1].hour - (1 if hours[1].minute == 0 else 0)
            found.update(range(hours[0].hour, last + 1))
    return found


def _export(desk: Desk, report: Report, folder: Path) -> int:
    """Write the report's CSV files and audit the export (runs in a worker)."""
    from console.reports.files import record_export, write_csv_files

    paths = write_csv_files(report, folder)
    record_export(desk, report, "csv files")
    return len(paths)


def _default_export_root() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("frontdesk", appauthor=False)) / "reports"
