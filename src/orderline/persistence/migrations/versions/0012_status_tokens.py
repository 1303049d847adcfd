"""Buyers' status-page tokens (issue 15).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "status_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("revoked_at", _AT, nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("status_tokens") as batch_op:
        batch_op.create_index("ix_status_tokens_order", ["store_id", "order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_tokens") as batch_op:
        batch_op.drop_index("ix_status_tokens_order")
    op.drop_table("status_tokens")
