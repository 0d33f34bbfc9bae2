"""customer import: what a housing system's export carries, and the phone system's staff names

Customer gains title, postcode, date of birth and tenure (tenant, applicant, owner, ...),
read from the landlord's export by `frontdesk import customers`. Staff gains the
extension and PBX agent name that `frontdesk import staff` reads, so call records
and caller ID can be matched to the person.

Revision ID: 0005
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="")


def upgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(_text("title"))
        batch_op.add_column(_text("postcode"))
        batch_op.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        batch_op.add_column(_text("tenure"))
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(_text("extension"))
        batch_op.add_column(_text("agent"))


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("agent")
        batch_op.drop_column("extension")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("tenure")
        batch_op.drop_column("date_of_birth")
        batch_op.drop_column("postcode")
        batch_op.drop_column("title")
