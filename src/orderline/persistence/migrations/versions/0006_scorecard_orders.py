"""The scorecard's read model: one row per order, derived from its projection and
refreshed lazily when a scorecard is built (issue 13).

Starts empty: the first scorecard derives the rows of the weeks it reads.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scorecard_orders",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("placed_at", _AT, nullable=False),
        sa.Column("first_shipped_at", _AT, nullable=True),
        sa.Column("last_shipped_at", _AT, nullable=True),
        sa.Column("carrier", sa.String(length=120), nullable=True),
        sa.Column("is_cancelled", sa.Boolean(), nullable=False),
        sa.Column("is_refunded", sa.Boolean(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("unit_count", sa.Integer(), nullable=False),
        sa.Column("total_price", sa.String(length=40), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("ship_country", sa.String(length=16), nullable=True),
        sa.Column("skus", sa.Text(), nullable=False),
        sa.Column("titles", sa.Text(), nullable=False),
        sa.Column("types", sa.Text(), nullable=False),
        sa.Column("types_digest", sa.String(length=16), nullable=False),
        sa.Column("source_updated_at", _AT, nullable=False),
        sa.Column("source_fact_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "order_id"),
    )
    with op.batch_alter_table("scorecard_orders") as batch_op:
        batch_op.create_index("ix_scorecard_orders_placed", ["placed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scorecard_orders") as batch_op:
        batch_op.drop_index("ix_scorecard_orders_placed")
    op.drop_table("scorecard_orders")
