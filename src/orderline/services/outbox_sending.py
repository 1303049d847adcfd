"""Delivering the outboxes: claim a due row, attempt it, record how it ended, one at a time.

`OutboxWorker` is the loop every outbox shares (customer messages here, helpdesk
hand-offs in `services.handoffs`, escalation notices in `services.notifications`). Each
row is claimed and committed before it is attempted, and its ending committed after
(`store.outbox`). One at a time, so a worker that dies loses at most the outcome of the
one row it was sending: that row is taken again after the lease and resent with the same
idempotency key (Message-ID, Idempotency-Key, the ticket's external id); a message is
marked a possible duplicate. Plain SMTP cannot promise more than that.

Endings: sent; a permanent refusal (invalid address, HTTP 4xx) is failed at once and
never retried; a temporary one (SMTP 4xx, connection refused, HTTP 429/5xx) is retried
with doubling backoff (or the receiver's Retry-After, if longer) until `max_attempts`,
then failed. A failed delivery is owned by support: it shows in the messaging audit.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, Engine

from orderline.channels.channel import Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.domain.retry import RetryPolicy
from orderline.logs import fields
from orderline.persistence import message_records, outbox
from orderline.persistence.message_records import MESSAGES, StoredMessage
from orderline.persistence.outbox import Claim, Ending, Failed, OutboxTable, RetryLater, Sent

log = logging.getLogger(__name__)

FAILED_DELIVERY_OWNER = "support"


class AttemptResult(Protocol):
    """How an attempt went, as a channel or the helpdesk client answers it."""

    @property
    def outcome(self) -> Outcome: ...
    @property
    def detail(self) -> str: ...
    @property
    def retry_after_s(self) -> float | None: ...


ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT", bound=AttemptResult)


MESSAGE_RETRY = RetryPolicy(max_attempts=8, base_delay_s=60.0, max_delay_s=3600.0)
"""`messaging.retry`'s defaults: 8 attempts, waits doubling from 1 minute up to 1 hour."""


@dataclass(frozen=True, slots=True)
class OutboxTerms:
    """How a worker retries, and how long its claim holds before another may take the
    row (`messaging.retry` and `messaging.lease`; these are their defaults)."""

    retry: RetryPolicy = MESSAGE_RETRY
    lease: timedelta = timedelta(minutes=5)


DEFAULT_TERMS = OutboxTerms()


def ending_of(result: AttemptResult, attempts: int, retry: RetryPolicy, now: datetime) -> Ending:
    """How a row ends after its attempt number `attempts` answered `result` at `now`."""
    if result.outcome is Outcome.SENT:
        return Sent()
    if result.outcome is Outcome.PERMANENT:
        return Failed(result.detail)
    if retry.allows_another(attempts):
        return RetryLater(now + retry.delay(attempts, result.retry_after_s), result.detail)
    return Failed(f"gave up after {attempts} attempts: {result.detail}")


class OutboxWorker(ABC, Generic[ItemT, ResultT]):
    """Drains one outbox table: `take` reads what a claim took, `attempt` makes the
    attempt (outside any transaction), `record` says what else its ending writes."""

    def __init__(self, engine: Engine, table: OutboxTable, terms: OutboxTerms) -> None:
        self._engine, self._table, self._terms = engine, table, terms

    def drain(self, now: datetime, limit: int) -> list[tuple[ItemT, Ending]]:
        """Attempt up to `limit` rows due at `now`; each with how it ended. The ending of
        one row and the claim of the next share a commit: one durable write per row, and
        still each row is claimed before it is attempted."""
        finished: list[tuple[ItemT, Ending]] = []
        with self._engine.begin() as connection:
            taken = self._claim(connection, now)
        while taken is not None:
            claim, item = taken
            result = self.attempt(item)
            ending = ending_of(result, claim.attempts, self._terms.retry, now)
            with self._engine.begin() as connection:
                values = self.record(connection, item, result, ending, now)
                outbox.finish(connection, self._table, claim.id, ending, values)
                finished.append((item, ending))
                taken = self._claim(connection, now) if len(finished) < limit else None
            self._log_ending(claim, ending)
        return finished

    def _log_ending(self, claim: Claim, ending: Ending) -> None:
        if isinstance(ending, Sent):
            return
        # The detail is the channel's answer (an SMTP reply, an HTTP status), never the message.
        failed = isinstance(ending, Failed)
        log.log(
            logging.WARNING if failed else logging.INFO,
            "outbox delivery failed" if failed else "outbox delivery will be retried",
            extra=fields(
                outbox=self._table.table.name,
                id=claim.id,
                attempts=claim.attempts,
                error=ending.error[:300],
            ),
        )

    def _claim(self, connection: Connection, now: datetime) -> tuple[Claim, ItemT] | None:
        claims = outbox.claim_due(connection, self._table, now, self._terms.lease)
        return (claims[0], self.take(connection, claims[0])) if claims else None

    @abstractmethod
    def take(self, connection: Connection, claim: Claim) -> ItemT: ...

    @abstractmethod
    def attempt(self, item: ItemT) -> ResultT: ...

    @abstractmethod
    def record(
        self, connection: Connection, item: ItemT, result: ResultT, ending: Ending, now: datetime
    ) -> Mapping[str, Any]: ...


@dataclass(slots=True)
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def attempts(self) -> int:
        return self.sent + self.retrying + self.failed


ChannelFor = Callable[[str], Channel | None]
"""The channel of a message's `channel` name; None when it is not configured (any more)."""


class MessageSender(OutboxWorker[StoredMessage, DeliveryResult]):
    """Delivers customer messages through their channels."""

    def __init__(self, engine: Engine, channel_for: ChannelFor, terms: OutboxTerms = DEFAULT_TERMS) -> None:
        super().__init__(engine, MESSAGES, terms)
        self._channel_for = channel_for

    def deliver_due(self, now: datetime, limit: int = 50) -> SendReport:
        """Send up to `limit` messages due at `now`."""
        return delivery_report(self.drain(now, limit))

    def take(self, connection: Connection, claim: Claim) -> StoredMessage:
        return message_records.claimed(connection, claim)

    def attempt(self, item: StoredMessage) -> DeliveryResult:
        channel = self._channel_for(item.channel)
        if channel is None:
            return DeliveryResult(Outcome.TEMPORARY, f"no {item.channel} channel is configured")
        return channel.send(outgoing(item))

    def record(
        self,
        connection: Connection,
        item: StoredMessage,
        result: DeliveryResult,
        ending: Ending,
        now: datetime,
    ) -> Mapping[str, Any]:
        duplicate = item.possible_duplicate
        outcome = result.outcome.value
        outbox.record_attempt(
            connection, MESSAGES, item, now, outcome, result.detail, possible_duplicate=duplicate
        )
        return {"sent_at": now, "remote_id": result.remote_id} if isinstance(ending, Sent) else {}


def delivery_report(finished: list[tuple[StoredMessage, Ending]]) -> SendReport:
    report = SendReport()
    for message, ending in finished:
        match ending:
            case Sent():
                report.sent += 1
            case RetryLater():
                report.retrying += 1
            case Failed(error):
                report.failed += 1
                report.details.append(f"{message.store_id}/{message.order_id} {message.kind}: {error}")
    return report


def outgoing(message: StoredMessage) -> OutgoingMessage:
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
