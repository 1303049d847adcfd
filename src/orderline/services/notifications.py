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

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.channels.channel import Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.domain.order import Order
from orderline.domain.order_exceptions.escalation import TargetKind, target_kind
from orderline.persistence.notification_records import (
    NOTIFICATIONS,
    Notice,
    claimed_notice,
    notice_known,
    queue_notice,
)
from orderline.persistence.notification_records import list_notifications as list_notifications
from orderline.persistence.outbox import Claim, Ending, Sent
from orderline.services.exception_evaluation import Evaluation, ExceptionChange
from orderline.services.order_story import order_story
from orderline.services.outbox_sending import DEFAULT_TERMS, OutboxTerms, OutboxWorker

ESCALATION = "escalation"

WebhookFor = Callable[[str], Channel]
"""A channel posting to one target URL."""


class EscalationNotices:
    """Evaluation listener: a notice for each escalation to an e-mail or webhook target."""

    def evaluated(
        self, connection: Connection, order: Order, evaluation: Evaluation, now: datetime
    ) -> datetime | None:
        if evaluation.escalated:
            notify_escalations(connection, evaluation.escalated, now)
        return None


def notify_escalations(connection: Connection, escalated: Sequence[ExceptionChange], now: datetime) -> int:
    """Queue a notification for each escalation to an e-mail or webhook target."""
    queued = 0
    for change in escalated:
        kind = target_kind(change.target or "")
        if change.target is None or kind is TargetKind.TEAM:
            continue
        key = f"{change.store_id}:{change.order_id}:{change.key}:level{change.level}:{change.target}"
        if notice_known(connection, key):
            continue
        escalation = f"{change.type} escalated to level {change.level}"
        story = order_story(connection, change.store_id, change.order_id, f"{escalation}: {change.reason}")
        subject = f"[Orderline] Order {story.order_number}: {escalation}"
        notice = Notice(change.store_id, change.order_id, key, change.target, kind.value, subject, story.text)
        queue_notice(connection, notice, now)
        queued += 1
    return queued


class NotificationWorker(OutboxWorker[Notice, DeliveryResult]):
    """Sends due escalation notices: by e-mail, or as a JSON POST to the target URL."""

    def __init__(
        self,
        engine: Engine,
        email: Channel | None,
        webhook_for: WebhookFor,
        terms: OutboxTerms = DEFAULT_TERMS,
    ) -> None:
        super().__init__(engine, NOTIFICATIONS, terms)
        self._email, self._webhook_for = email, webhook_for

    def deliver_due(self, now: datetime, limit: int = 20) -> int:
        """Send up to `limit` due notices; how many were attempted."""
        return len(self.drain(now, limit))

    def take(self, connection: Connection, claim: Claim) -> Notice:
        return claimed_notice(connection, claim)

    def attempt(self, item: Notice) -> DeliveryResult:
        message = OutgoingMessage(
            idempotency_key=item.key,
            store_id=item.store_id,
            order_id=item.order_id,
            kind=ESCALATION,
            recipient=item.target,
            subject=item.subject,
            text=item.body_text,
        )
        if item.channel == TargetKind.WEBHOOK:
            return self._webhook_for(item.target).send(message)
        if self._email is None:
            return DeliveryResult(Outcome.TEMPORARY, "no e-mail channel is configured (messaging.smtp)")
        return self._email.send(message)

    def record(
        self, connection: Connection, item: Notice, result: DeliveryResult, ending: Ending, now: datetime
    ) -> Mapping[str, Any]:
        return {"sent_at": now, "last_error": None} if isinstance(ending, Sent) else {}
