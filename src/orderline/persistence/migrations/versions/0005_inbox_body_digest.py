"""The SHA-256 of each inbox row's body, to tell a redelivery from a reused webhook id
(issue 12).

Existing rows keep NULL: SQLite has no SHA-256 to backfill them with, and intake reads
such a row's body instead when a redelivery needs comparing.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    # A nullable column is a plain ALTER TABLE ADD COLUMN on SQLite too: no table copy.
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch_op:
        batch_op.drop_column("body_sha256")
