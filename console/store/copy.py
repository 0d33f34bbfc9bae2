"""Moving a desk's database onto PostgreSQL: `frontdesk copy --to postgresql+psycopg://…`.

Every table of the current database (normally the SQLite file) is copied, parents
before children and in id order, onto an *empty* database that this command first
brings to the current schema. It is one transaction on the target: the counts of
every table are compared before it commits, so a copy is whole or not there at
all. PostgreSQL's id sequences are then set past the copied ids, so the first
record a desk adds there does not collide with a copied one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel

from console.rules.errors import StoreError
from console.store.engine import Store, _where, open_store

CHUNK = 5_000
# Tables a freshly migrated database fills itself: replaced by the source's rows.
_SELF_FILLED = ("revision", "daily_summary")


@dataclass(frozen=True)
class CopyResult:
    target: str
    counts: dict[str, int]  # table -> rows copied (equal on both sides)


def tables() -> list[Table]:
    """Every table the models define, parents before children."""
    import console.store.models  # noqa: F401  (registers the tables)

    return list(SQLModel.metadata.sorted_tables)


def copy_database(source: Store, url: str) -> CopyResult:
    """Copy everything in `source` onto the empty database at `url` (see the module doc)."""
    if url.strip() == source.url or (
        source.path is not None and url.startswith("sqlite") and str(source.path) in url
    ):
        raise StoreError("the target is the database being copied: give another --to")
    target = open_store(url)
    try:
        try:
            return _copy(source, target)
        except SQLAlchemyError as exc:
            raise target.error(exc) from exc
    finally:
        target.close()


def _copy(source: Store, target: Store) -> CopyResult:
    where = _where(target.url)
    with target.engine.connect() as conn:
        held = {
            t.name: int(conn.execute(select(func.count()).select_from(t)).scalar() or 0)
            for t in tables()
            if t.name not in _SELF_FILLED
        }
    if any(held.values()):
        listed = ", ".join(f"{n} {t}" for t, n in held.items() if n)
        raise StoreError(
            f"the database {where} is not empty ({listed}): copy onto a new, empty database"
        )
    counts: dict[str, int] = {}
    with source.engine.connect() as src, target._writer.begin() as dst:
        if target.dialect == "sqlite":
            dst.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        for table in tables():
            if table.name in _SELF_FILLED:
                dst.execute(table.delete())  # the revision row, derived summary rows
            order = list(table.primary_key.columns)
            result = src.execution_options(stream_results=True).execute(
                select(table).order_by(*order)
            )
            copied = 0
            while True:
                rows = result.mappings().fetchmany(CHUNK)
                if not rows:
                    break
                dst.execute(insert(table), [dict(r) for r in rows])
                copied += len(rows)
            there = int(dst.execute(select(func.count()).select_from(table)).scalar() or 0)
            here = int(src.execute(select(func.count()).select_from(table)).scalar() or 0)
            if not here == there == copied:
                raise StoreError(
                    f"table {table.name}: {here} rows here, {there} on {where} after copying: "
                    "nothing was copied (the copy is rolled back); try again"
                )
            counts[table.name] = there
        if target.dialect == "postgresql":
            _reset_sequences(dst)
    return CopyResult(where, counts)


def _reset_sequences(conn: object) -> None:
    """Each serial id's sequence moved past the copied ids."""
    from sqlalchemy.engine import Connection

    assert isinstance(conn, Connection)
    for table in tables():
        id_col = table.columns.get("id")
        if id_col is None or not id_col.primary_key:
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f'"{table.name}"'}
        ).scalar()
        if not seq:
            continue
        conn.execute(
            text(
                f'SELECT setval(:seq, COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
            ),
            {"seq": seq},
        )
