"""Message outbox and attempts, escalation notifications, helpdesk hand-offs, support
tickets (issue 5).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.create_index("ix_orders_number", ["order_number"], unique=False)
        batch_op.create_index("ix_orders_email", ["email"], unique=False)
    op.create_table(
        "messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=True),
        sa.Column("covers", sa.JSON(), nullable=False),
        sa.Column("topic", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body_text", sa.Text(), nullable=True),
        sa.Column("body_html", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", _AT, nullable=True),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("remote_id", sa.String(length=320), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("possible_duplicate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("messages") as batch_op:
        batch_op.create_index("ix_messages_order", ["store_id", "order_id"], unique=False)
        batch_op.create_index("ix_messages_due", ["state", "due_at"], unique=False)
    op.create_table(
        "message_attempts",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("message_id", _ID, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("at", _AT, nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("possible_duplicate", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("message_attempts") as batch_op:
        batch_op.create_index("ix_message_attempts_order", ["store_id", "order_id"], unique=False)
    op.create_table(
        "handoffs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("helpdesk", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", _AT, nullable=False),
        sa.Column("requested_by", sa.String(length=120), nullable=True),
        sa.Column("due_at", _AT, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.String(length=64), nullable=True),
        sa.Column("ticket_url", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("handoffs") as batch_op:
        batch_op.create_index("ix_handoffs_due", ["state", "due_at"], unique=False)
    op.create_table(
        "support_tickets",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("helpdesk", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("requester_email", sa.String(length=320), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("helpdesk", "ticket_id", name="uq_support_tickets_ticket"),
    )
    with op.batch_alter_table("support_tickets") as batch_op:
        batch_op.create_index("ix_support_tickets_created", ["created_at"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("due_at", _AT, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", _AT, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.create_index("ix_notifications_due", ["state", "due_at"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("notifications", ["ix_notifications_due"]),
        ("support_tickets", ["ix_support_tickets_created"]),
        ("handoffs", ["ix_handoffs_due"]),
        ("message_attempts", ["ix_message_attempts_order"]),
        ("messages", ["ix_messages_due", "ix_messages_order"]),
    ):
        with op.batch_alter_table(table) as batch_op:
            for index in indexes:
                batch_op.drop_index(index)
        op.drop_table(table)
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("ix_orders_email")
        batch_op.drop_index("ix_orders_number")
