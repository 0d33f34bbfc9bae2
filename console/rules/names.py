"""One rule for every person's name (staff, customers, visitors), and safe printing of any.

A name is text with its spaces tidied, at most `NAME_MAX` characters, and nothing a
terminal would act on: no control characters (ESC, NUL, new lines...), which could clear
a screen, set a window title or hide text when the name is printed.
"""

from __future__ import annotations

from console.rules.errors import InputError

NAME_MAX = 100


def person_name(value: object, *, empty: str, limit: int = NAME_MAX) -> str:
    """`value` as a name; InputError (with `empty` when blank) for anything that is not one."""
    if not isinstance(value, str):
        raise InputError("the name must be text")
    if any(not ch.isprintable() and not ch.isspace() for ch in value) or "\x00" in value:
        raise InputError("the name holds control characters: type it again")
    clean = " ".join(value.split())
    if not clean:
        raise InputError(empty)
    if not clean.isprintable():
        raise InputError("the name holds control characters: type it again")
    if len(clean) > limit:
        raise InputError(f"the name is {len(clean)} characters long: keep it under {limit}")
    return clean


def printable(text: str) -> str:
    """Text for a terminal: every control character shown as an escape, never acted on."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def search_words(query: str) -> list[str]:
    """The words of a search, lower case, for LIKE '%word%'.

    `%` and `_` (LIKE's wildcards) and control characters (SQLite ends a pattern at a
    NUL) are dropped, and a word left empty is no word: an empty pattern would match
    everything.
    """
    words = []
    for word in query.lower().split():
        kept = "".join(ch for ch in word if ch not in "%_" and ch.isprintable())
        if kept:
            words.append(kept)
    return words
