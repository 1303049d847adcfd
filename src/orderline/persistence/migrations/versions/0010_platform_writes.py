"""Holds written back to the platforms: the write-back outbox and its attempts (issue 14).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "platform_writes",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("hold_group", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=True),
        sa.Column("claimed_at", _AT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("remote", sa.JSON(), nullable=False),
        sa.Column("released_on_platform_at", _AT, nullable=True),
        sa.Column("released_by", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("platform_writes") as batch_op:
        batch_op.create_index("ix_platform_writes_due", ["state", "due_at"], unique=False)
        batch_op.create_index("ix_platform_writes_order", ["store_id", "order_id"], unique=False)
    op.create_table(
        "platform_write_attempts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("write_id", _ID, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("possible_duplicate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("platform_write_attempts") as batch_op:
        batch_op.create_index("ix_platform_write_attempts_order", ["store_id", "order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("platform_write_attempts") as batch_op:
        batch_op.drop_index("ix_platform_write_attempts_order")
    op.drop_table("platform_write_attempts")
    with op.batch_alter_table("platform_writes") as batch_op:
        batch_op.drop_index("ix_platform_writes_order")
        batch_op.drop_index("ix_platform_writes_due")
    op.drop_table("platform_writes")
