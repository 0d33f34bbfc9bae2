"""A pick list that jumps to what is typed: "mac" finds "Mhairi MacLeod" without 9 Downs.

Letters typed while the list has focus build a search; the highlight moves to the
first option whose words start with it (the whole line is tried next). Backspace
shortens the search; any other key (Up, Down, Enter) ends it.
"""

from __future__ import annotations

from textual import events
from textual.widgets import OptionList


class FindList(OptionList):
    """An OptionList with type-to-find."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.typed = ""

    def _find(self, typed: str) -> bool:
        wanted = typed.lower()
        prompts = [str(self.get_option_at_index(i).prompt) for i in range(self.option_count)]
        for test in (
            lambda line: any(w.startswith(wanted) for w in line.lower().split()),
            lambda line: wanted in line.lower(),
        ):
            for index, line in enumerate(prompts):
                if test(line):
                    self.highlighted = index
                    return True
        return False

    def on_key(self, event: events.Key) -> None:
        if event.key == "backspace" and self.typed:
            self.typed = self.typed[:-1]
            if self.typed:
                self._find(self.typed)
            event.stop()
            event.prevent_default()
            return
        char = event.character
        if char is None or not char.isprintable() or (char == " " and not self.typed):
            self.typed = ""
            return
        event.stop()
        event.prevent_default()
        if self._find(self.typed + char):
            self.typed += char
        elif self._find(char):  # no such name: start again from this letter
            self.typed = char
        else:
            self.app.bell()
