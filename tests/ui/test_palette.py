"""The command palette (ctrl+p): every desk and every key of the desk on show."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.widgets import Footer

from console.rules.clock import FrozenClock
from console.store.engine import open_store
from screens.app import DESKS, FrontDeskApp
from screens.desks.queue import QueueScreen
from screens.dialogs.arrival_dialog import ArrivalDialog
from screens.palette import KeysProvider, key_commands
from tests.conftest import add_staff, settle


def app_for(tmp_path: Path, clock: FrozenClock, start: str) -> FrontDeskApp:
    db = str(tmp_path / "p.db")
    store = open_store(db)
    lead = add_staff(store, "Leah Murray", "lmurray", "team_lead", "Customer Services")
    store.close()
    return FrontDeskApp(db=db, clock=clock, actor=lead, start=start, poll_seconds=3600)


def commands(app: App[Any]) -> dict[str, str]:
    """Palette line -> key, as the palette would offer them on the screen on show."""
    provider = KeysProvider(app.screen)
    return {c.name: c.key for c in key_commands(provider)}


async def test_every_desk_and_every_queue_key_is_a_command(
    tmp_path: Path, clock: FrozenClock
) -> None:
    app = app_for(tmp_path, clock, "queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, QueueScreen)
        offered = commands(app)
        for _module, _cls, title in DESKS.values():
            assert any(name.startswith(title.split()[0]) for name in offered), title
        for binding in QueueScreen.BINDINGS:
            assert isinstance(binding, Binding)
            if binding.show:
                assert offered[binding.description] == app.get_key_display(binding)
        assert offered["Calls"] == "f2"
        # The desk's own keys come before the app's.
        names = list(offered)
        assert names.index("Claim") < names.index("Calls")


async def test_a_desk_is_opened_from_the_palette(tmp_path: Path, clock: FrozenClock) -> None:
    app = app_for(tmp_path, clock, "queue")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        for key in "reception":
            await pilot.press(key)
        await pilot.pause(0.5)  # the palette searches in a worker of its own
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.current_mode == "reception"


async def test_a_desk_action_runs_from_the_palette(tmp_path: Path, clock: FrozenClock) -> None:
    app = app_for(tmp_path, clock, "reception")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "arrival":
            await pilot.press(key)
        await pilot.pause(0.5)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArrivalDialog)


class _Later(Screen[None]):
    """A screen with an action nobody told the palette about."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "sign_out", "Sign out", tooltip="Leave the desk for the next person"),
        Binding("down", "noop", "Cursor down", show=False),
    ]
    signed_out = False

    def compose(self) -> Any:
        yield Footer()

    def action_sign_out(self) -> None:
        _Later.signed_out = True


class _LaterApp(App[None]):
    COMMANDS = App.COMMANDS | {KeysProvider}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+l", "lock", "Lock")]

    def on_mount(self) -> None:
        self.push_screen(_Later())

    def action_lock(self) -> None:
        self.locked = True


async def test_new_actions_appear_without_extra_work() -> None:
    app = _LaterApp()
    async with app.run_test() as pilot:
        await pilot.pause()
        offered = commands(app)
        assert offered["Sign out"] == "^o"
        assert offered["Lock"] == "^l"
        assert "Cursor down" not in offered  # hidden keys of a screen stay hidden
        await pilot.press("ctrl+p")
        await pilot.pause()
        for key in "sign out":
            await pilot.press(key)
        await pilot.pause(0.5)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert _Later.signed_out
