"""Tables of customer communication and support: the message outbox with its attempts,
helpdesk hand-offs, and support tickets.

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares them with migration 0003 too.

- `messages`: the transactional outbox. A row is written in the transaction of the
  evaluation that decided it, already rendered (or `failed` when it would not render),
  and delivered by the delivery worker. `state`: queued -> sending -> sent | failed;
  `suppressed` rows record what the platform announced itself. `idempotency_key` is
  stable for the message's life: the e-mail Message-ID and the webhook Idempotency-Key.
  `covers` lists the trigger keys the message announced, so news never goes out twice.
- `message_attempts`: one row per delivery attempt, for the order's timeline and audit.
- `handoffs`: a helpdesk ticket Orderline asked for (an exception at its support level, or
  a person's request), retried like a message; `key` is its idempotency key.
- `notifications`: an escalation sent to a person (an e-mail target) or a system (a
  webhook target), queued in the evaluation's transaction and delivered like a message.
- `support_tickets`: tickets known from any source (hand-offs, helpdesk webhooks, CSV),
  linked to an order when one matches, for the scorecard.
- `scorecard_deliveries`: the weekly scorecard sent to an e-mail address or a webhook
  (migration 0007), rendered when it fell due and delivered like a message; `key`
  (`scorecard:<week>:<channel>:<target>`) makes it once per week and target. The outbox
  names each row by store and order: `store_id` is `*` (all stores) and `order_id` the
  week, since a report is about no one order.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table, Text, UniqueConstraint

from orderline.persistence.tables import Id, UtcDateTime, metadata

messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(320)),
    Column("covers", JSON, nullable=False),
    Column("topic", JSON, nullable=False),
    Column("subject", Text),
    Column("body_text", Text),
    Column("body_html", Text),
    Column("state", String(16), nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False),
    Column("claimed_at", UtcDateTime()),
    Column("sent_at", UtcDateTime()),
    Column("remote_id", String(320)),
    Column("last_error", Text),
    Column("possible_duplicate", Boolean, nullable=False),
)
Index("ix_messages_order", messages.c.store_id, messages.c.order_id)
Index("ix_messages_due", messages.c.state, messages.c.due_at)

message_attempts = Table(
    "message_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("message_id", Id, nullable=False),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("detail", Text, nullable=False),
    Column("possible_duplicate", Boolean, nullable=False),
)
Index("ix_message_attempts_order", message_attempts.c.store_id, message_attempts.c.order_id)

handoffs = Table(
    "handoffs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("helpdesk", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("request", JSON, nullable=False),
    Column("state", String(16), nullable=False),
    Column("requested_at", UtcDateTime(), nullable=False),
    Column("requested_by", String(120)),
    Column("due_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False),
    Column("ticket_id", String(64)),
    Column("ticket_url", Text),
    Column("last_error", Text),
)
Index("ix_handoffs_due", handoffs.c.state, handoffs.c.due_at)

support_tickets = Table(
    "support_tickets",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("helpdesk", String(16), nullable=False),
    Column("ticket_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("store_id", String(64)),
    Column("order_id", String(64)),
    Column("order_number", String(64)),
    Column("requester_email", String(320)),
    Column("subject", Text, nullable=False),
    Column("status", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    # The order's status as the ticket shows it (migration 0009): support-tool drift.
    Column("order_status", String(32)),
    UniqueConstraint("helpdesk", "ticket_id", name="uq_support_tickets_ticket"),
)
Index("ix_support_tickets_created", support_tickets.c.created_at)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(400), nullable=False, unique=True),
    Column("target", String(400), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
)
Index("ix_notifications_due", notifications.c.state, notifications.c.due_at)

scorecard_deliveries = Table(
    "scorecard_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("key", String(400), nullable=False, unique=True),
    Column("week", String(10), nullable=False),
    Column("target", String(400), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text),
    Column("payload", JSON),
    Column("state", String(16), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("last_error", Text),
)
Index("ix_scorecard_deliveries_due", scorecard_deliveries.c.state, scorecard_deliveries.c.due_at)
