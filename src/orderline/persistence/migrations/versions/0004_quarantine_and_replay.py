"""Quarantine and retry times on the inbox, replay staging, worker heartbeats, inbox
actions (issue 10).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.add_column(sa.Column("next_attempt_at", _AT, nullable=True))
    op.create_table(
        "replay_facts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("fact_key", sa.String(length=64), nullable=False),
        sa.Column("fact_type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", _AT, nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("store_id", "order_id", "fact_key", name="uq_replay_facts_identity"),
    )
    op.create_table(
        "workers",
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("beat_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("worker_id"),
    )
    op.create_table(
        "inbox_actions",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("inbox_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("at", _AT, nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inbox_actions") as batch_op:
        batch_op.create_index("ix_inbox_actions_order", ["store_id", "order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbox_actions") as batch_op:
        batch_op.drop_index("ix_inbox_actions_order")
    op.drop_table("inbox_actions")
    op.drop_table("workers")
    op.drop_table("replay_facts")
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.drop_column("next_attempt_at")
