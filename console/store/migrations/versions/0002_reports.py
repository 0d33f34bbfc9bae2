"""reports: the daily summary with a bucket, and covering indexes for the report

The daily summary is derived data (console/store/summary/ keeps it in the same commit
as every contact and task write), so it is dropped, recreated with a `bucket`
column in its key (staff first; a whole-second histogram of waits, the local hour of a call,
a complaint outcome) and refilled from the contacts and tasks already held.

Two partial indexes on task serve the report without touching the table: the
open tasks by commitment and handler (open and overdue), and the done tasks by
commitment and completion (repairs, complaints).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("daily_summary")
    # Keyed staff first (0 = everyone): a report reads one contiguous range per staff member.
    # On SQLite WITHOUT ROWID, so the key is the table and a range scan reads nothing else.
    op.create_table(
        "daily_summary",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=80), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("longest", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("staff_id", "day", "metric", "bucket"),
        sqlite_with_rowid=False,
    )
    # Recomputing one day (a changed contact or task) finds its rows by day.
    op.create_index("ix_daily_summary_day", "daily_summary", ["day", "metric"])
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(
            "ix_task_open_slug",
            ["slug", "assignee_id", "due_at"],
            unique=False,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )
        batch_op.create_index(
            "ix_task_done_slug",
            ["slug", "completed_at", "received_at", "assignee_id"],
            unique=False,
            sqlite_where=sa.text("status = 'done'"),
            postgresql_where=sa.text("status = 'done'"),
        )
    from console.store.summary.recount import rebuild_on

    rebuild_on(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index("ix_task_done_slug")
        batch_op.drop_index("ix_task_open_slug")
    op.drop_index("ix_daily_summary_day", table_name="daily_summary")
    op.drop_table("daily_summary")
    op.create_table(
        "daily_summary",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("metric", sa.String(length=80), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("longest", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "metric", "staff_id"),
    )
