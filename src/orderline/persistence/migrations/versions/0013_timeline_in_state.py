"""An order's timeline is kept once, in its projection's state (issue 16).

The `timeline` table held a second copy of what `orders.state` already holds, deleted
and rewritten for every order a processing batch touched. Readers take the timeline from
the state; the table goes.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.drop_table("timeline")


def downgrade() -> None:
    op.create_table(
        "timeline",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "order_id", "seq"),
    )
