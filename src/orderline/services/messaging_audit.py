"""The messaging audit, a risk control over customer communication at a given `now`.

It finds three things, each with an owner:

- **silent orders**: a buyer-facing exception is open and the buyer has heard nothing
  (a message sent, or one the platform sends itself) for longer than the store's maximum
  silence. Silence is counted from the later of the last contact and the start of the
  open period (exceptions that follow one another without a break are one period, as the
  cadence counts them), in wall-clock time;
- **contradictions**: a message sent whose content the order's history now contradicts: a
  parcel announced that the order does not have or that was cancelled or failed, a
  delivery announced for an order neither delivered nor with a delivered parcel, a
  cancellation announced for an order not cancelled, a refund announced that the order
  does not have;
- **failed deliveries**: messages that will not reach the buyer without a person.

All three are owned by support: support owns what the buyer is told (DESIGN §2).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import Any

from sqlalchemy import Connection

from orderline.config import OrderlineConfig
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.vocabulary import DeliveryStatus, OrderStatus, ShipmentState
from orderline.services.delivery import FAILED_DELIVERY_OWNER
from orderline.store import message_queries
from orderline.store.message_queries import BuyerFacingException, FailedMessage, SentMessage

BUYER_OWNER = "support"
CHECKED_KINDS = (
    MessageKind.SHIPMENT_SENT,
    MessageKind.ORDER_DELIVERED,
    MessageKind.ORDER_CANCELLED,
    MessageKind.REFUND_ISSUED,
)
MaxSilenceFor = Callable[[str], "timedelta | None"]
"""A store's maximum silence; None where the store sends no messages (nothing to audit)."""


class FindingKind(StrEnum):
    SILENT = "silent"
    CONTRADICTION = "contradiction"
    FAILED_DELIVERY = "failed_delivery"


@dataclass(frozen=True, slots=True)
class AuditFinding:
    store_id: str
    order_id: str
    order_number: str | None
    kind: FindingKind
    detail: str
    owner: str
    since: datetime
    """When it became a finding: the silence window ran out, the message went, the delivery failed."""
    message_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "kind": self.kind.value,
            "detail": self.detail,
            "owner": self.owner,
            "since": self.since.isoformat(),
            "message_id": self.message_id,
        }


@dataclass(frozen=True, slots=True)
class AuditReport:
    now: datetime
    findings: tuple[AuditFinding, ...] = ()

    @property
    def is_clean(self) -> bool:
        return not self.findings

    def of_kind(self, kind: FindingKind) -> list[AuditFinding]:
        return [f for f in self.findings if f.kind is kind]

    def counts(self) -> dict[str, int]:
        return {kind.value: len(self.of_kind(kind)) for kind in FindingKind}

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "clean": self.is_clean,
            "counts": self.counts(),
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """What the audit needs of the configuration: each messaging store's buyer-facing
    exception types and, where its plan sends reminders, its maximum silence."""

    types_by_store: dict[str, frozenset[str]] = field(default_factory=dict)
    silences: dict[str, timedelta] = field(default_factory=dict)

    @property
    def types(self) -> frozenset[str]:
        return frozenset().union(*self.types_by_store.values())

    def types_for(self, store_id: str) -> frozenset[str]:
        return self.types_by_store.get(store_id, frozenset())

    def max_silence_for(self, store_id: str) -> timedelta | None:
        return self.silences.get(store_id)


def audit_settings(config: OrderlineConfig) -> AuditSettings:
    messaging = config.messaging
    if messaging is None:  # nothing is sent, so no buyer is owed a message
        return AuditSettings()
    types, silences = {}, {}
    for store in config.stores:
        own = store.messaging
        if not own.enabled:
            continue
        types[store.id] = frozenset(str(t) for t in own.exception_types or messaging.exception_types)
        # A plan without reminders makes no promise about silence (the planner sends none).
        if MessageKind.EXCEPTION_UPDATE in (own.send or messaging.send):
            silences[store.id] = messaging.cadence.max_silence
    return AuditSettings(types, silences)


def audit_messages(
    connection: Connection,
    now: datetime,
    types: Collection[str],
    max_silence_for: MaxSilenceFor,
    *,
    types_for: Callable[[str], Collection[str]] | None = None,
) -> AuditReport:
    """Every finding at `now`: silent orders, then contradictions, then failed deliveries.
    `types` are the buyer-facing exception types; `types_for` narrows them per store."""
    exceptions = message_queries.buyer_facing_exceptions(connection, types, now) if types else []
    if types_for is not None:
        exceptions = [e for e in exceptions if e.type in types_for(e.store_id)]
    sent = message_queries.sent_messages(connection, [k.value for k in CHECKED_KINDS], now)
    failed = message_queries.failed_messages(connection, now)
    findings = [
        *silent_orders(exceptions, now, max_silence_for),
        *(f for message in sent if (f := contradiction_finding(message)) is not None),
        *(failed_delivery(message) for message in failed),
    ]
    return AuditReport(now, tuple(findings))


def audit(connection: Connection, now: datetime, settings: AuditSettings) -> AuditReport:
    """`audit_messages` with the configured settings."""
    return audit_messages(
        connection, now, settings.types, settings.max_silence_for, types_for=settings.types_for
    )


# --- silent orders ---------------------------------------------------------------------


def silent_orders(
    exceptions: Sequence[BuyerFacingException], now: datetime, max_silence_for: MaxSilenceFor
) -> list[AuditFinding]:
    """`exceptions` come ordered by order; each order with one open is judged once."""
    found = []
    for (store_id, order_id), group in groupby(exceptions, key=lambda e: (e.store_id, e.order_id)):
        window = max_silence_for(store_id)
        of_order = list(group)
        start = open_period_start(of_order)
        if window is None or start is None:
            continue
        last = of_order[0].last_contact
        quiet_from = max(start, last) if last is not None else start
        if now - quiet_from <= window:
            continue
        heard = f"last heard from us {last.isoformat()}" if last is not None else "never heard from us"
        detail = (
            f"{', '.join(sorted({e.type for e in of_order if e.resolved_at is None}))} open since "
            f"{start.isoformat()}; {heard}: {_hours(now - quiet_from)} of silence, "
            f"more than the {_hours(window)} allowed"
        )
        found.append(
            AuditFinding(
                store_id, order_id, of_order[0].order_number, FindingKind.SILENT, detail, BUYER_OWNER,
                quiet_from + window,
            )
        )  # fmt: skip
    return found


def open_period_start(exceptions: Sequence[BuyerFacingException]) -> datetime | None:
    """Since when some exception has been open without a break; None when none is open.
    A resolved one that overlapped the period's start extends it back to its opening."""
    open_now = [e for e in exceptions if e.resolved_at is None]
    if not open_now:
        return None
    start = min(e.opened_at for e in open_now)
    for earlier in sorted(exceptions, key=lambda e: e.opened_at, reverse=True):
        if earlier.opened_at < start and earlier.resolved_at is not None and earlier.resolved_at >= start:
            start = earlier.opened_at
    return start


def _hours(span: timedelta) -> str:
    return f"{span / timedelta(hours=1):.1f}h"


# --- contradictions --------------------------------------------------------------------


def contradiction_finding(message: SentMessage) -> AuditFinding | None:
    detail = contradiction(message)
    if detail is None:
        return None
    return AuditFinding(
        message.store_id, message.order_id, message.order_number, FindingKind.CONTRADICTION,
        f"{message.kind} (message {message.message_id}): {detail}", BUYER_OWNER, message.sent_at,
        message.message_id,
    )  # fmt: skip


def contradiction(message: SentMessage) -> str | None:
    """What in the order's history the sent message contradicts; None when nothing does."""
    if message.order_status is None:
        return "the order is not known to Orderline"
    rule = _RULES.get(message.kind)
    return None if rule is None else rule(message)


def _shipment_problem(message: SentMessage) -> str | None:
    shipments = {str(s.get("shipment_id")): s for s in message.shipments}
    for shipment_id in _covered(message, "shipment:"):
        shipment = shipments.get(shipment_id)
        if shipment is None:
            return f"announced shipment {shipment_id}, which the order does not have"
        if shipment.get("state") in (ShipmentState.CANCELLED, ShipmentState.FAILED):
            return f"announced shipment {shipment_id}, which is {shipment['state']}"
    return None


def _delivery_problem(message: SentMessage) -> str | None:
    delivered = any(s.get("delivery_status") == DeliveryStatus.DELIVERED for s in message.shipments)
    if message.order_status == OrderStatus.DELIVERED or delivered:
        return None
    return f"announced the delivery, but the order is {message.order_status} and no shipment is delivered"


def _cancellation_problem(message: SentMessage) -> str | None:
    if message.order_status == OrderStatus.CANCELLED:
        return None
    return f"announced the cancellation, but the order is {message.order_status}"


def _refund_problem(message: SentMessage) -> str | None:
    refunds = {str(r.get("refund_id")) for r in message.refunds}
    missing = [refund_id for refund_id in _covered(message, "refund:") if refund_id not in refunds]
    return f"announced refund {missing[0]}, which the order does not have" if missing else None


def _covered(message: SentMessage, prefix: str) -> list[str]:
    return [key.removeprefix(prefix) for key in message.covers if key.startswith(prefix)]


_RULES: dict[str, Callable[[SentMessage], str | None]] = {
    MessageKind.SHIPMENT_SENT: _shipment_problem,
    MessageKind.ORDER_DELIVERED: _delivery_problem,
    MessageKind.ORDER_CANCELLED: _cancellation_problem,
    MessageKind.REFUND_ISSUED: _refund_problem,
}


# --- failed deliveries -----------------------------------------------------------------


def failed_delivery(message: FailedMessage) -> AuditFinding:
    to = message.recipient or "no recipient"
    detail = f"{message.kind} (message {message.message_id}) to {to}: {message.last_error or 'failed'}"
    return AuditFinding(
        message.store_id, message.order_id, message.order_number, FindingKind.FAILED_DELIVERY, detail,
        FAILED_DELIVERY_OWNER, message.failed_at, message.message_id,
    )  # fmt: skip
