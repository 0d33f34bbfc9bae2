"""landlord: a setting table, so a database remembers the profile it was made for

One row per setting (`name`, `value`). The first desk or command to open a
database records its landlord there (`landlord`: the profile's key; `policy`:
the shipped name or the path it was loaded from); later runs without
`--policy` use it, and a different `--policy` is refused (console/desk/open.py).

Revision ID: 0006
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "setting",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("setting")
