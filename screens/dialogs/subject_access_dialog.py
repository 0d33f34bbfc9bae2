"""Where to write a subject access export. Dismisses the folder, or None."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from screens.base import DeskDialog
from screens.widgets.literal import LITERAL, shown


class SubjectAccessDialog(DeskDialog[str | None]):
    CSS_PATH = "subject_access_dialog.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+s",
            "confirm",
            "Export",
            id="export.confirm",
            tooltip="Write the export into this folder",
            priority=True,
        ),
        Binding("escape", "cancel", "Back", id="export.cancel", tooltip="Close without exporting"),
    ]

    def __init__(self, customer: str, folder: str | None = None) -> None:
        super().__init__()
        self.customer = customer
        self.folder = folder or str(Path.cwd())

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"):
            title = Text("Subject access export: ")
            title.append(shown(self.customer), style="bold")
            yield Static(title, id="export-title")
            yield Static(
                "Everything held on this customer (record, contacts, tasks, audit trail) "
                "as JSON and CSV, in a new folder readable only by you. The export is "
                "recorded in the audit trail.",
                id="export-help",
                markup=False,
            )
            yield Label("Folder", classes="field-label")
            yield Input(self.folder, id="export-folder", highlighter=LITERAL)
            yield Static(id="export-message", markup=False)

    def on_mount(self) -> None:
        self.query_one("#export-folder", Input).focus()

    @on(Input.Submitted, "#export-folder")
    def _submitted(self, _event: Input.Submitted) -> None:
        self.action_confirm()

    def action_confirm(self) -> None:
        folder = self.query_one("#export-folder", Input).value.strip()
        if not folder:
            self.query_one("#export-message", Static).update("Type a folder to write into.")
            return
        self.dismiss(folder)

    def action_cancel(self) -> None:
        self.dismiss(None)
