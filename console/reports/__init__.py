"""The team lead's report: performance against every published standard.

`figures` holds what a report is (frozen dataclasses), `builder` fills one from
the daily summary and the open tasks (`grouping` and `sections` are its parts),
`render` shows it as text, CSV or JSON, and `files` writes it for a team lead.
The names below are the layer's public face for the CLI and the screens.
"""

from console.reports.builder import build_report, default_period, live_targets
from console.reports.figures import TABLES, Report
from console.reports.files import record_export, write_csv_files
from console.reports.render import as_csv, as_json, as_text, parse_day, sections

__all__ = [
    "TABLES",
    "Report",
    "as_csv",
    "as_json",
    "as_text",
    "build_report",
    "default_period",
    "live_targets",
    "parse_day",
    "record_export",
    "sections",
    "write_csv_files",
]
