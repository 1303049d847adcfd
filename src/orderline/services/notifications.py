"""Escalation notifications: an escalation level whose target is an e-mail address or a
webhook URL is told so, with the order's story.

A team target is a queue (the exception queue shows it); an e-mail or URL target is
someone outside Orderline who must hear of it. The notification is queued in the
evaluation's transaction with a key per (exception, level, target), so re-evaluating
never queues it twice, and delivered by `NotificationWorker` through the configured
e-mail channel or a JSON webhook to the target URL (with the key as Idempotency-Key),
retried with backoff like customer messages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, or_, select, update

from orderline.channels.delivery import Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.domain.exceptions.escalation import TargetKind, target_kind
from orderline.services.delivery import RetryPolicy
from orderline.services.exceptions import ExceptionChange
from orderline.services.order_story import order_story
from orderline.store.messaging_tables import notifications

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
ESCALATION = "escalation"

WebhookFor = Callable[[str], Channel]
"""A channel posting to one target URL."""


def notify_escalations(connection: Connection, escalated: Sequence[ExceptionChange], now: datetime) -> int:
    """Queue a notification for each escalation to an e-mail or webhook target."""
    queued = 0
    for change in escalated:
        kind = target_kind(change.target or "")
        if change.target is None or kind is TargetKind.TEAM:
            continue
        key = f"{change.store_id}:{change.order_id}:{change.key}:level{change.level}:{change.target}"
        if connection.execute(select(notifications.c.id).where(notifications.c.key == key)).first():
            continue
        escalation = f"{change.type} escalated to level {change.level}"
        story = order_story(connection, change.store_id, change.order_id, f"{escalation}: {change.reason}")
        connection.execute(
            insert(notifications).values(
                store_id=change.store_id,
                order_id=change.order_id,
                key=key,
                target=change.target,
                channel=kind.value,
                subject=f"[Orderline] Order {story.order_number}: {escalation}",
                body_text=story.text,
                state=QUEUED,
                created_at=now,
                due_at=now,
                attempts=0,
            )
        )
        queued += 1
    return queued


class NotificationWorker:
    def __init__(
        self, engine: Engine, email: Channel | None, webhook_for: WebhookFor, retry: RetryPolicy | None = None
    ) -> None:
        self._engine, self._email, self._webhook_for = engine, email, webhook_for
        self._retry = retry or RetryPolicy()

    def deliver_due(self, now: datetime, limit: int = 20) -> int:
        done = 0
        for _ in range(limit):
            with self._engine.begin() as connection:
                row = _claim(connection, now, self._retry)
            if row is None:
                break
            result = self._send(row)
            with self._engine.begin() as connection:
                self._record(connection, row, result, now)
            done += 1
        return done

    def _send(self, row: Any) -> DeliveryResult:
        message = OutgoingMessage(
            idempotency_key=row.key,
            store_id=row.store_id,
            order_id=row.order_id,
            kind=ESCALATION,
            recipient=row.target,
            subject=row.subject,
            text=row.body_text,
        )
        if row.channel == TargetKind.WEBHOOK:
            return self._webhook_for(row.target).send(message)
        if self._email is None:
            return DeliveryResult(Outcome.TEMPORARY, "no e-mail channel is configured (messaging.smtp)")
        return self._email.send(message)

    def _record(self, connection: Connection, row: Any, result: DeliveryResult, now: datetime) -> None:
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": result.detail}
        if result.outcome is Outcome.SENT:
            values |= {"state": SENT, "sent_at": now, "last_error": None}
        elif result.outcome is Outcome.TEMPORARY and attempts < self._retry.max_attempts:
            values |= {"state": QUEUED, "due_at": now + self._retry.delay(attempts, result.retry_after_s)}
        else:
            values |= {"state": FAILED}
        connection.execute(update(notifications).where(notifications.c.id == row.id).values(**values))


def _claim(connection: Connection, now: datetime, retry: RetryPolicy) -> Any:
    due = or_(
        and_(notifications.c.state == QUEUED, notifications.c.due_at <= now),
        and_(notifications.c.state == SENDING, notifications.c.due_at <= now - retry.lease),
    )
    query = select(notifications).where(due).order_by(notifications.c.due_at, notifications.c.id).limit(1)
    row = connection.execute(query).first()
    if row is not None:
        connection.execute(
            update(notifications).where(notifications.c.id == row.id).values(state=SENDING, due_at=now)
        )
    return row


def list_notifications(connection: Connection, store_id: str, order_id: str) -> list[dict[str, Any]]:
    query = (
        select(notifications)
        .where(notifications.c.store_id == store_id, notifications.c.order_id == order_id)
        .order_by(notifications.c.id)
    )
    return [dict(row._mapping) for row in connection.execute(query)]
