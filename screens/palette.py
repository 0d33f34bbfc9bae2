"""The command palette (ctrl+p): every desk, and every key of the desk on show.

Commands are read from the BINDINGS of the screen on show, the widget in focus and
the app, at the moment the palette opens: an action added anywhere with a Binding
(sign-out, lock, a new desk key) appears here with its key and needs no extra work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyCommand:
    """One palette line: what it does in words, the key that does it, and how to run it."""

    name: str
    key: str
    help: str
    run: Callable[[], object]

    @property
    def shown(self) -> str:
        return f"{self.name}  ({self.key})" if self.key else self.name


def key_commands(provider: Provider) -> Iterator[KeyCommand]:
    """The actions of the desk on show, then the app's (desks, quit, ...); each once."""
    app = provider.app
    screen = provider.screen
    seen: set[tuple[int, str]] = set()
    names: set[str] = set()
    # The chain the footer uses (focused widget, its ancestors, the screen, the app), but
    # with the screen's own keys first whatever is focused: they are the desk's actions.
    chain: list[tuple[DOMNode, list[Binding]]] = [
        (node, [b for _, b in keys]) for node, keys in screen._modal_binding_chain
    ]
    chain.sort(key=lambda pair: 0 if pair[0] is screen else 1)
    for node, bindings in chain:
        for binding in bindings:
            name = binding.description or binding.tooltip
            if not name or binding.system:
                continue
            if node is not app and not binding.show:
                continue  # a widget's or desk's hidden key (cursor moves and the like)
            state = app._check_action_state(binding.action, node)
            if state is False:
                continue
            if (id(node), binding.action) in seen or name in names:
                continue
            seen.add((id(node), binding.action))
            names.add(name)
            yield KeyCommand(
                name,
                app.get_key_display(binding),
                binding.tooltip or name,
                partial(app.run_action, binding.action, node),
            )


class KeysProvider(Provider):
    """Palette commands for every binding in reach: the desk's keys, the desks, the app's."""

    async def discover(self) -> Hits:
        for command in key_commands(self):
            yield DiscoveryHit(command.shown, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in key_commands(self):
            # Match the words and the help too: "sign" finds "Sign out", "phone" a tooltip.
            score = max(matcher.match(command.shown), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(command.shown), command.run, help=command.help)
