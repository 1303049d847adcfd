"""An index for a store's pending deliveries (issue 16).

A scale-out job works one store's inbox: `status = 'pending' AND store_id = ?` in id
order. Without this index the query walked every pending row of every store, or every
row the store ever received.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.create_index("ix_inbox_status_store_id", ["status", "store_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.drop_index("ix_inbox_status_store_id")
