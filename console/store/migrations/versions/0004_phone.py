"""phone: calls as the phone system reports them, answer-time sources, staff extensions

- ``phone_call``: one row per call the PBX reported (generic CTI or the Asterisk
  Manager Interface), its state and instants, the contact it became and the missed
  call promise it opened.
- ``contact.answer_source`` (phone, queue_log, cdr, typed; "" for calls logged before
  this revision) and ``contact.pbx_answered_at`` (the PBX's own Answer(), where a
  greeting or queue answered before a person did).
- Where a call rings for a person is ``staff.extension`` and ``staff.agent``, added by
  0005 (staff import); this revision uses them and adds no staff columns.

Revision ID: 0004
Revises: 0005 (written on 0002; chained after 0006, 0007 and 0005 when merging)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import console.store.models

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UTC = console.store.models.UTCDateTime
_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    # plain ADD COLUMN: no batch copy of the table, no reflection of its neighbours
    op.add_column("contact", sa.Column("answer_source", _TEXT(), nullable=False, server_default=""))
    op.add_column("contact", sa.Column("pbx_answered_at", _UTC(timezone=True), nullable=True))
    # calls answered before this revision were typed by the handler (the CDR import
    # marks its own rows by their external id)
    op.execute(
        "UPDATE contact SET answer_source = CASE WHEN external_id LIKE 'asterisk:%' "
        "OR external_id LIKE 'plain:%' THEN 'cdr' ELSE 'typed' END "
        "WHERE channel = 'call' AND answer_seconds IS NOT NULL"
    )
    op.create_table(
        "phone_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("source", _TEXT(), nullable=False),
        sa.Column("direction", _TEXT(), nullable=False),
        sa.Column("number", _TEXT(), nullable=False),
        sa.Column("from_number", _TEXT(), nullable=False),
        sa.Column("to_number", _TEXT(), nullable=False),
        sa.Column("queue", _TEXT(), nullable=False),
        sa.Column("state", _TEXT(), nullable=False),
        sa.Column("cause", _TEXT(), nullable=False),
        sa.Column("agent", _TEXT(), nullable=False),
        sa.Column("offered_at", _UTC(timezone=True), nullable=False),
        sa.Column("answered_at", _UTC(timezone=True), nullable=True),
        sa.Column("ended_at", _UTC(timezone=True), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("missed_task_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", _UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"]),
        sa.ForeignKeyConstraint(["missed_task_id"], ["task.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("call_id"),
    )
    with op.batch_alter_table("phone_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_call_number"), ["number"], unique=False)
        batch_op.create_index(batch_op.f("ix_phone_call_state"), ["state"], unique=False)
        batch_op.create_index("ix_phone_call_staff", ["staff_id", "offered_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("phone_call", schema=None) as batch_op:
        batch_op.drop_index("ix_phone_call_staff")
        batch_op.drop_index(batch_op.f("ix_phone_call_state"))
        batch_op.drop_index(batch_op.f("ix_phone_call_number"))
    op.drop_table("phone_call")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("pbx_answered_at")
        batch_op.drop_column("answer_source")
