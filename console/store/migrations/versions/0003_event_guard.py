"""event guard: the database itself refuses to change or remove audit events

Triggers abort every UPDATE and DELETE on `event` (SQLite and PostgreSQL), an
INSERT that reuses an existing event's id (SQLite's INSERT OR REPLACE deletes the
old row without firing delete triggers) and, on PostgreSQL, TRUNCATE. They hold
for any connection, the application's or a plain `sqlite3` / `psql` one.

What they cannot stop: on SQLite, whoever can write the file can drop the
triggers or the file itself; on PostgreSQL, the table's owner can drop the
triggers. The application's own connections refuse DROP and ALTER of the table
and its triggers too (console/store/engine.py), and on PostgreSQL the documented
application role owns nothing (README, "The audit trail").

Revision ID: 0003
Revises: 0004 (written against 0002; chained after main's 0006, 0007, 0005, 0004 at the merge)
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit events are append-only: they cannot be changed or removed"

SQLITE_TRIGGERS = {
    "event_no_update": f"BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "event_no_delete": f"BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "event_no_replace": (
        "BEFORE INSERT ON event WHEN NEW.id IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM event WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    ),
}

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION frontdesk_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""

PG_TRIGGERS = {
    "event_no_update": "BEFORE UPDATE ON event FOR EACH STATEMENT",
    "event_no_delete": "BEFORE DELETE ON event FOR EACH STATEMENT",
    "event_no_truncate": "BEFORE TRUNCATE ON event FOR EACH STATEMENT",
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    elif dialect == "postgresql":
        op.execute(PG_FUNCTION)
        for name, when in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON event")
            op.execute(
                f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION frontdesk_event_append_only()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        for name in PG_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON event")
        op.execute("DROP FUNCTION IF EXISTS frontdesk_event_append_only()")
