"""What a database says about itself: named settings in the `setting` table (migration 0006)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import select

from console.store.models import Setting

if TYPE_CHECKING:
    from sqlmodel import Session

    from console.store.engine import Store


def read_settings(store: Store, *names: str) -> dict[str, str]:
    """The settings asked for that the database holds (absent ones are left out)."""
    with store.read() as session:
        rows = session.exec(select(Setting).where(Setting.name.in_(names))).all()  # type: ignore[attr-defined]
        return {row.name: row.value for row in rows}


def put_setting(session: Session, name: str, value: str) -> str | None:
    """Set one setting in the caller's transaction; the value it had before, if any."""
    row = session.get(Setting, name)
    if row is None:
        session.add(Setting(name=name, value=value))
        return None
    before = row.value
    row.value = value
    session.add(row)
    return before
