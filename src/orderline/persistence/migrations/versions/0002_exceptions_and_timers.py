"""Exceptions, their history, and timers (issue 4).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_exceptions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hold", sa.String(length=32), nullable=True),
        sa.Column("due_levels", sa.JSON(), nullable=False),
        sa.Column("first_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level_reached", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=120), nullable=True),
        sa.Column("assignee", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "order_id", "key", name="uq_order_exceptions_key"),
    )
    with op.batch_alter_table("order_exceptions", schema=None) as batch_op:
        batch_op.create_index("ix_order_exceptions_queue", ["state", "owner"], unique=False)

    op.create_table(
        "exception_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("exception_events", schema=None) as batch_op:
        batch_op.create_index("ix_exception_events_order", ["store_id", "order_id"], unique=False)

    op.create_table(
        "timers",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "order_id"),
    )
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.create_index("ix_timers_due_at", ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("timers", schema=None) as batch_op:
        batch_op.drop_index("ix_timers_due_at")
    op.drop_table("timers")
    with op.batch_alter_table("exception_events", schema=None) as batch_op:
        batch_op.drop_index("ix_exception_events_order")
    op.drop_table("exception_events")
    with op.batch_alter_table("order_exceptions", schema=None) as batch_op:
        batch_op.drop_index("ix_order_exceptions_queue")
    op.drop_table("order_exceptions")
