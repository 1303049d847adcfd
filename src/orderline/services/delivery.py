"""Delivering the outbox: claim a due message, send it, record the outcome, one at a time.

Each message is claimed and committed before it is sent, and its outcome committed after
(`store.message_records`). One at a time, so a worker that dies loses at most the outcome
of the one message it was sending: that message is taken again after the lease, resent
with the same idempotency key (Message-ID, Idempotency-Key) and marked a possible
duplicate. Plain SMTP cannot promise more than that.

Outcomes: sent; a permanent refusal (invalid address, HTTP 4xx) is failed at once and
never retried; a temporary one (SMTP 4xx, connection refused, HTTP 429/5xx) is retried
with doubling backoff (or the receiver's Retry-After, if longer) until `max_attempts`,
then failed. A failed delivery is owned by support: it shows in the messaging audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine

from orderline.channels.delivery import Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.store import message_records as outbox

FAILED_DELIVERY_OWNER = "support"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=5)

    def delay(self, attempt: int, hint_s: float | None) -> timedelta:
        backoff = min(self.first_delay * (1 << min(max(attempt - 1, 0), 30)), self.max_delay)
        return max(backoff, timedelta(seconds=hint_s or 0))


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.sent + self.retrying + self.failed


ChannelFor = Callable[[str], Channel | None]
"""The channel of a message's `channel` name; None when it is not configured (any more)."""


class DeliveryWorker:
    def __init__(self, engine: Engine, channel_for: ChannelFor, retry: RetryPolicy | None = None) -> None:
        self._engine = engine
        self._channel_for = channel_for
        self._retry = retry or RetryPolicy()

    def deliver_due(self, now: datetime, limit: int = 50) -> DeliveryReport:
        """Send up to `limit` messages due at `now`. The outcome of one message and the
        claim of the next share a commit: one durable write per message, and still each
        message is claimed before it is sent."""
        report = DeliveryReport()
        with self._engine.begin() as connection:
            claimed = outbox.claim_due(connection, now, 1, self._retry.lease)
        while claimed:
            result = self._send(claimed[0])
            with self._engine.begin() as connection:
                self._record(connection, claimed[0], result, now, report)
                more = report.attempts < limit
                claimed = outbox.claim_due(connection, now, 1, self._retry.lease) if more else []
        return report

    def _send(self, message: outbox.StoredMessage) -> DeliveryResult:
        channel = self._channel_for(message.channel)
        if channel is None:
            return DeliveryResult(Outcome.TEMPORARY, f"no {message.channel} channel is configured")
        return channel.send(outgoing(message))

    def _record(
        self,
        connection: Connection,
        message: outbox.StoredMessage,
        result: DeliveryResult,
        now: datetime,
        report: DeliveryReport,
    ) -> None:
        duplicate = message.possible_duplicate
        outbox.record_attempt(
            connection, message, now, result.outcome.value, result.detail, possible_duplicate=duplicate
        )
        if result.outcome is Outcome.SENT:
            outbox.finish(connection, message, outbox.SENT, {"sent_at": now, "remote_id": result.remote_id})
            report.sent += 1
        elif result.outcome is Outcome.TEMPORARY and message.attempts < self._retry.max_attempts:
            due = now + self._retry.delay(message.attempts, result.retry_after_s)
            outbox.finish(connection, message, outbox.QUEUED, {"due_at": due, "last_error": result.detail})
            report.retrying += 1
        else:
            reason = result.detail
            if result.outcome is Outcome.TEMPORARY:
                reason = f"gave up after {message.attempts} attempts: {result.detail}"
            outbox.finish(connection, message, outbox.FAILED, {"last_error": reason})
            report.failed += 1
            report.details.append(f"{message.store_id}/{message.order_id} {message.kind}: {reason}")


def outgoing(message: outbox.StoredMessage) -> OutgoingMessage:
    return OutgoingMessage(
        idempotency_key=message.idempotency_key,
        store_id=message.store_id,
        order_id=message.order_id,
        kind=message.kind,
        recipient=message.recipient or "",
        subject=message.subject or "",
        text=message.body_text or "",
        html=message.body_html,
        data={"topic": message.topic, "covers": list(message.covers)},
    )
