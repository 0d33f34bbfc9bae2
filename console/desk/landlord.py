"""The database's own landlord: the policy profile a database was made for.

A database records its landlord's profile on first use (the `setting` table:
`landlord` is the profile's key, `landlord.policy` the shipped name or the file
it was loaded from). Later, no `--policy` means the recorded profile, and a
different `--policy` is refused: BHA deadlines over Weslo's records would be
wrong without a word. Changing it is deliberate: `frontdesk landlord set`,
which is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.rules.errors import InputError, LandlordError, ProfileError
from console.rules.profiles import DEFAULT_POLICY, POLICY_DIR, load_profile, resolve_path
from console.store.settings import put_setting, read_settings

if TYPE_CHECKING:
    from console.desk.context import Desk
    from console.rules.profiles import Profile
    from console.store.engine import Store

KEY = "landlord"
SOURCE = "landlord.policy"


@dataclass(frozen=True)
class Landlord:
    key: str  # the profile's key, e.g. "weslo"
    policy: str  # how to load it again: a shipped name or an absolute path


@dataclass(frozen=True)
class LandlordChange:
    before: Landlord | None
    after: Landlord
    name: str  # the new landlord's name, for the confirmation line


def recorded(store: Store) -> Landlord | None:
    """The landlord this database records, or None before its first use."""
    found = read_settings(store, KEY, SOURCE)
    if KEY not in found:
        return None
    return Landlord(found[KEY], found.get(SOURCE) or found[KEY])


def source_of(policy: str) -> str:
    """What to record for a `--policy`: a shipped profile's name, or a file's absolute path."""
    path = resolve_path(policy).expanduser().resolve()
    if path.parent == POLICY_DIR.resolve():
        return path.stem
    return str(path)


def _record(store: Store, profile: Profile, policy: str) -> None:
    with store.write() as session:
        put_setting(session, KEY, profile.key)
        put_setting(session, SOURCE, source_of(policy))


def change_command(key: str) -> str:
    return f"frontdesk --db DATABASE landlord set {key} --confirm"


def profile_for(store: Store, policy: str | None, *, record: bool = True) -> Profile:
    """The profile to open this database with: the recorded one, or `policy` when it agrees.

    A database that records no landlord yet takes `policy` (or the default profile)
    and, when `record`, keeps it from now on.
    """
    landlord = recorded(store)
    if policy is None or str(policy).strip() == "":
        if landlord is None:
            profile = load_profile(DEFAULT_POLICY)
            if record:
                _record(store, profile, DEFAULT_POLICY)
            return profile
        try:
            return load_profile(landlord.policy)
        except ProfileError as exc:
            raise LandlordError(
                f"this database's landlord is '{landlord.key}', whose profile cannot be loaded "
                f"({exc}): give it with --policy NAME|PATH"
            ) from None
    profile = load_profile(policy)
    if landlord is None:
        if record:
            _record(store, profile, str(policy))
        return profile
    if profile.key != landlord.key:
        raise LandlordError(
            f"this database belongs to '{landlord.key}', not '{profile.key}' (--policy {policy}): "
            f"leave out --policy, or change its landlord deliberately with "
            f"`{change_command(profile.key)}`"
        )
    return profile


def set_landlord(desk: Desk, policy: str, *, confirm: bool) -> LandlordChange:
    """Record `policy` as this database's landlord, on purpose, and audit it.

    Admins only. Without `confirm` nothing changes: every deadline, report and
    queue of the database is then read under the new landlord's standards.
    """
    from console.rules.roles import ADMINS

    desk.require(*ADMINS)
    profile = load_profile(policy)
    before = recorded(desk.store)
    after = Landlord(profile.key, source_of(policy))
    if not confirm:
        was = f"'{before.key}'" if before else "not yet recorded"
        raise InputError(
            f"this database's landlord is {was}; to make it '{profile.key}' ({profile.name}), "
            "add --confirm: every deadline and report is then read under its standards"
        )
    with desk.store.write() as session:
        put_setting(session, KEY, after.key)
        put_setting(session, SOURCE, after.policy)
        desk.audit(
            session,
            "changed",
            "landlord",
            None,
            detail=f"landlord {before.key if before else '(none)'} -> {after.key}",
        )
    return LandlordChange(before, after, profile.name)
