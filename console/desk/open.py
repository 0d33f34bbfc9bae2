"""Opening a desk: the store, its landlord's profile and the Desk, in one place.

Every CLI command that touches a database and both apps (the console and the
wall) open their desk here, so `--db`, `--policy`, the default profile and the
database's own landlord (console/desk/landlord.py) follow one rule everywhere.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from console.desk.context import Desk

if TYPE_CHECKING:
    from console.desk.context import Actor
    from console.rules.clock import Clock


def open_desk(
    db: str | os.PathLike[str] | None = None,
    policy: str | None = None,
    *,
    actor: Actor | None = None,
    clock: Clock | None = None,
    writable: bool = True,
) -> Desk:
    """A Desk on the database `db` (see open_store) under its landlord's profile.

    `policy` None means the profile the database records (or the default for a new
    one); a `policy` naming another landlord is refused with one line. A read-only
    desk (`writable=False`, the wall) records nothing.
    """
    from console.desk.landlord import profile_for
    from console.rules.clock import SystemClock
    from console.store.engine import open_store

    store = open_store(db, writable=writable)
    try:
        profile = profile_for(store, policy, record=writable)
    except BaseException:
        store.close()
        raise
    return Desk(store, profile, clock or SystemClock(), actor)
