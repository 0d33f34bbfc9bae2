"""Report files: CSV written for a team lead, and the audit event that says so."""

from __future__ import annotations

import os
from pathlib import Path

from console.desk.context import Desk
from console.reports.figures import Report
from console.reports.render import table_csv
from console.rules.errors import InputError


def record_export(desk: Desk, report: Report, what: str) -> None:
    """An audit event: who took which figures out of the console (staff names are in them)."""
    from console.rules.roles import LEADS

    desk.require(*LEADS)  # as building the report does
    p = report.period
    by = f" by {p.by}" if p.by else ""
    with desk.store.write() as session:
        desk.audit(session, "exported", "report", None, detail=f"{what} {p.start}..{p.end}{by}")


def write_csv_files(report: Report, folder: Path) -> list[Path]:
    """One CSV file per table in ``folder`` (created if missing); returns the paths.

    Staff names and complaint subjects are personal data: as the database (0600) and the
    subject access export, the files are for their owner only (0600) and a folder made
    here is too (0700).
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        paths = []
        for name, (columns, rows) in report.tables().items():
            path = folder / f"{name}.csv"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.fchmod(fd, 0o600)  # a file left from an earlier run keeps no wider mode
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
                fh.write(table_csv(columns, rows))
            paths.append(path)
    except OSError as exc:
        raise InputError(f"cannot write the CSV files in {folder}: {exc.strerror}") from None
    return paths
