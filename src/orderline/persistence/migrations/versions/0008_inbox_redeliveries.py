"""Redeliveries of a stored webhook, counted per (store, dedupe key) for the webhook
reliability audit (issue 14).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"

_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inbox_redeliveries",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", _AT, nullable=False),
        sa.Column("last_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("store_id", "dedupe_key"),
    )


def downgrade() -> None:
    op.drop_table("inbox_redeliveries")
