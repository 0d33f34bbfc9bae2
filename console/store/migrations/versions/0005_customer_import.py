"""customer import: what a housing system's export carries, and the phone system's staff names

Customer gains title, postcode, date of birth and tenure (tenant, applicant, owner, ...),
read from the landlord's export by `frontdesk import customers`. Staff gains the
extension and PBX agent name that `frontdesk import staff` reads, so call records
and caller ID can be matched to the person.

The customer finder stays quick on a whole landlord's customers (100,000): an index on
lower(name), so a common word walks customers in name order and stops at the first
matches; and on SQLite an FTS5 trigram index over search_text (`customer_search`, external
content, kept in step by three triggers on customer), so a rare word finds its few rows
without reading every customer. A later migration that rebuilds the customer table
(batch "move and copy") must create the three triggers again.

Revision ID: 0005
Revises: 0007 (chained after the landlord and aims migrations, which landed first)
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0007"
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
    op.create_index("ix_customer_name_lower", "customer", [sa.text("lower(name)")])
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and _has_trigram(bind):
        for statement in SEARCH_INDEX:
            op.execute(statement)


SEARCH_INDEX = (
    "CREATE VIRTUAL TABLE customer_search USING fts5(search_text, content='customer', "
    "content_rowid='id', tokenize='trigram', detail='none')",
    "CREATE TRIGGER customer_search_insert AFTER INSERT ON customer BEGIN "
    "INSERT INTO customer_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER customer_search_delete AFTER DELETE ON customer BEGIN "
    "INSERT INTO customer_search (customer_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER customer_search_update AFTER UPDATE OF search_text ON customer BEGIN "
    "INSERT INTO customer_search (customer_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO customer_search (rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO customer_search (customer_search) VALUES ('rebuild')",
)


def _has_trigram(bind: sa.engine.Connection) -> bool:
    """SQLite 3.34 or later with FTS5: else the finder reads every customer, as before."""
    try:
        bind.exec_driver_sql(
            "CREATE VIRTUAL TABLE temp.frontdesk_probe USING fts5(x, tokenize='trigram')"
        )
        bind.exec_driver_sql("DROP TABLE temp.frontdesk_probe")
    except sa.exc.OperationalError:
        return False
    return True


def downgrade() -> None:
    for name in ("customer_search_insert", "customer_search_delete", "customer_search_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS customer_search")
    op.drop_index("ix_customer_name_lower", table_name="customer")
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("agent")
        batch_op.drop_column("extension")
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("tenure")
        batch_op.drop_column("date_of_birth")
        batch_op.drop_column("postcode")
        batch_op.drop_column("title")
