"""The outcome details a call or visit may need, shared by the calls screen and the visit dialog.

`outcome_dialog` asks for them (who to refer or transfer to, a complaint's subject);
`outcome_summary` is the one line shown under the outcome choice once they are given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text

from console.desk.outcomes import BY_KIND, Outcome
from screens.widgets.literal import literal

if TYPE_CHECKING:
    from console.rules.profiles import Profile
    from screens.dialogs.outcome_dialog import OutcomeDialog
    from screens.widgets.key_choice import KeyChoice


def outcome_dialog(profile: Profile, kind: str, category_key: str | None) -> OutcomeDialog:
    """The dialog asking for `kind`'s details (urgent call back where the profile has one)."""
    from screens.dialogs.outcome_dialog import OutcomeDialog

    category = profile.category(category_key or "")
    # The enquiry's category names the service a complaint is about, except the
    # "Complaint" category itself: that says nothing about which service.
    service = category.label if category and "complaint" not in category.key.lower() else ""
    return OutcomeDialog(
        kind,
        teams=profile.teams,
        urgent_available=profile.has("callback_urgent")
        and profile.slug_for("callback_urgent") != profile.slug_for("callback_routine"),
        service=service,
    )


# Colleagues' names by staff id, as last listed by the outcome dialog: the screen names the
# colleague a call was referred to (an Outcome carries only the id).
_COLLEAGUES: dict[int, str] = {}


def pick_outcome(
    screen: Any,
    choice: KeyChoice,
    kind: str | None,
    category_key: str | None,
    settle: Callable[[Outcome | None], None],
) -> None:
    """An outcome's digit was pressed (calls desk, visit record): take it, or first ask for
    what it needs (who to refer to, which service). `settle` gets the outcome: None while
    nothing is chosen or when the handler backs out of the details."""
    settle(None)
    if kind is None:
        return
    if not BY_KIND[kind].needs:
        settle(Outcome(kind))
        return

    def chosen(outcome: Outcome | None) -> None:
        if outcome is None:
            choice.select(None, post=False)
        settle(outcome)
        choice.focus()

    screen.app.push_screen(outcome_dialog(screen.desk.profile, kind, category_key), chosen)


def remember_colleagues(names: dict[int, str]) -> None:
    _COLLEAGUES.update(names)


def outcome_summary(o: Outcome | None, *, with_service: bool = True) -> Text | str:
    """One line saying who the contact went to, or what the complaint is about ("" for none)."""
    if o is None or not BY_KIND[o.kind].needs:
        return ""
    if o.kind in ("referred", "transferred"):
        named = _COLLEAGUES.get(o.to_staff_id) if o.to_staff_id is not None else None
        who = o.to_name or o.to_team or named or "a colleague"
        verb = "Referred to" if o.kind == "referred" else "Transferred to"
        return literal(f"{verb} {who}" + (" (urgent call back)" if o.urgent else ""))
    service = f" · service: {o.service}" if with_service and o.service else ""
    return literal(f"Complaint about: {o.subject}" + service)
