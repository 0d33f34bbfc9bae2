"""aims: a task keeps the aim instant of its commitment, where the commitment has one

A commitment may carry an aim inside its promise ("within 24 hours where possible,
no later than 3 days"): the task keeps both instants, so the queue can tell "past
the aim" from "overdue" and the report can count the share met within the aim.
Nullable: tasks opened before this revision, and commitments without an aim, have
none.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import console.store.models

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("aim_at", console.store.models.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_column("aim_at")
