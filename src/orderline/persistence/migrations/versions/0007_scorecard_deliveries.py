"""The weekly scorecard's deliveries: an outbox table like `notifications`, one row per
week and target (issue 13).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scorecard_deliveries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("scorecard_deliveries") as batch_op:
        batch_op.create_index("ix_scorecard_deliveries_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scorecard_deliveries") as batch_op:
        batch_op.drop_index("ix_scorecard_deliveries_due")
    op.drop_table("scorecard_deliveries")
