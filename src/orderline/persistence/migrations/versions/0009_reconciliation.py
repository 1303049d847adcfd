"""Reconciliation sweeps and the drift incidents they find, and the order status a
support ticket shows (support-tool drift) (issue 14).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reconcile_sweeps",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("started_at", _AT, nullable=False),
        sa.Column("finished_at", _AT, nullable=True),
        sa.Column("since", _AT, nullable=False),
        sa.Column("until", _AT, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("orders_seen", sa.Integer(), nullable=False),
        sa.Column("orders_missing", sa.Integer(), nullable=False),
        sa.Column("orders_drifted", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("platform_count", sa.Integer(), nullable=True),
        sa.Column("orderline_count", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("reconcile_sweeps") as batch_op:
        batch_op.create_index("ix_reconcile_sweeps_store", ["store_id", "started_at"], unique=False)
    op.create_table(
        "drift_incidents",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("sweep_id", _ID, nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("changed_at", _AT, nullable=False),
        sa.Column("detected_at", _AT, nullable=False),
        sa.Column("healed_at", _AT, nullable=True),
        sa.ForeignKeyConstraint(["sweep_id"], ["reconcile_sweeps.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drift_incidents") as batch_op:
        batch_op.create_index("ix_drift_incidents_detected", ["detected_at"], unique=False)
        batch_op.create_index("ix_drift_incidents_order", ["store_id", "order_id"], unique=False)
    with op.batch_alter_table("support_tickets") as batch_op:
        batch_op.add_column(sa.Column("order_status", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("support_tickets") as batch_op:
        batch_op.drop_column("order_status")
    with op.batch_alter_table("drift_incidents") as batch_op:
        batch_op.drop_index("ix_drift_incidents_order")
        batch_op.drop_index("ix_drift_incidents_detected")
    op.drop_table("drift_incidents")
    with op.batch_alter_table("reconcile_sweeps") as batch_op:
        batch_op.drop_index("ix_reconcile_sweeps_store")
    op.drop_table("reconcile_sweeps")
