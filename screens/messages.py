"""Messages that carry results up from thread workers and the revision poll."""

from __future__ import annotations

from textual.message import Message


class DataChanged(Message):
    """The store's change revision moved: another desk (or this one) wrote something."""

    def __init__(self, revision: int) -> None:
        super().__init__()
        self.revision = revision


class DeskReady(Message):
    """The store is open and someone is signed in: screens may load."""
