"""The messaging audit, a risk control over customer communication at a given `now`.

It finds three things, each with an owner:

- **silent orders**: a buyer-facing exception is open and the buyer has heard nothing
  (a message sent, or one the platform sends itself) for longer than the store's maximum
  silence. Silence is counted from the later of the last contact and the start of the
  open period (exceptions that follow one another without a break are one period, as the
  cadence counts them), in wall-clock time. An exception the buyer was never told of
  whose news was history when Orderline learned it (an import brought it, or it was old
  when it arrived: the go-live guard) owes the buyer nothing: it is left out of the
  periods and only counted (`unannounced_history`), never reported silent. One learned
  as news but never announced (its notice failed; messaging was switched on after it
  opened, so the plan met it as old news) is still silent: that buyer heard nothing;
- **contradictions**: a message sent whose content the order's history now contradicts: a
  parcel announced that the order does not have or that was cancelled or failed, a
  delivery announced for an order neither delivered nor with a delivered parcel, a
  cancellation announced for an order not cancelled, a refund announced that the order
  does not have;
- **failed deliveries**: messages that will not reach the buyer without a person.

All three are owned by support: support owns what the buyer is told (docs/lifecycle.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, select

from orderline.config import OrderlineConfig
from orderline.domain.messaging import CadencePolicy, MessageKind, Provenance, notice_key
from orderline.domain.vocabulary import DeliveryStatus, OrderStatus, ShipmentState
from orderline.persistence import message_queries
from orderline.persistence.message_queries import BuyerFacingException, FailedMessage, SentMessage
from orderline.persistence.messaging_tables import messages
from orderline.services.messaging import ORDERS_PER_QUERY, OrderKey, news_provenances, of_orders
from orderline.services.outbox_sending import FAILED_DELIVERY_OWNER

BUYER_OWNER = "support"
REMINDED = frozenset({MessageKind.EXCEPTION_NOTICE, MessageKind.EXCEPTION_UPDATE})
"""The kinds a plan must send to promise a buyer word at least every `max_silence`."""
CHECKED_KINDS = (
    MessageKind.SHIPMENT_SENT,
    MessageKind.ORDER_DELIVERED,
    MessageKind.ORDER_CANCELLED,
    MessageKind.REFUND_ISSUED,
)
MaxSilenceFor = Callable[[str], "timedelta | None"]
"""A store's maximum silence; None where the store sends no messages (nothing to audit)."""
StaleAfterFor = Callable[[str], timedelta]
"""A store's `stale_after`: older news was history when Orderline learned it."""
DEFAULT_STALE_AFTER = CadencePolicy().stale_after


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
    unannounced_history: int = 0
    """Open buyer-facing exceptions never announced because their news was history when
    Orderline learned it: not findings (no buyer was promised word), counted to be seen."""

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
            "unannounced_history": self.unannounced_history,
        }


@dataclass(frozen=True, slots=True)
class AuditSettings:
    """What the audit needs of the configuration: each messaging store's buyer-facing
    exception types and, where its plan sends reminders, its maximum silence."""

    types_by_store: dict[str, frozenset[str]] = field(default_factory=dict)
    silences: dict[str, timedelta] = field(default_factory=dict)
    stale_afters: dict[str, timedelta] = field(default_factory=dict)

    @property
    def types(self) -> frozenset[str]:
        return frozenset().union(*self.types_by_store.values())

    def types_for(self, store_id: str) -> frozenset[str]:
        return self.types_by_store.get(store_id, frozenset())

    def max_silence_for(self, store_id: str) -> timedelta | None:
        return self.silences.get(store_id)

    def stale_after_for(self, store_id: str) -> timedelta:
        return self.stale_afters.get(store_id, DEFAULT_STALE_AFTER)


def audit_settings(config: OrderlineConfig) -> AuditSettings:
    messaging = config.messaging
    if messaging is None:  # nothing is sent, so no buyer is owed a message
        return AuditSettings()
    types, silences, stale_afters = {}, {}, {}
    for store in config.stores:
        own = store.messaging
        if not own.enabled:
            continue
        types[store.id] = frozenset(str(t) for t in own.exception_types or messaging.exception_types)
        stale_afters[store.id] = messaging.cadence.stale_after
        # A plan without reminders makes no promise about silence (the planner sends none),
        # nor does one without notices: reminders follow only an exception the buyer was told of.
        if frozenset(own.send or messaging.send) >= REMINDED:
            silences[store.id] = messaging.cadence.max_silence
    return AuditSettings(types, silences, stale_afters)


def audit_messages(
    connection: Connection,
    now: datetime,
    types: Collection[str],
    max_silence_for: MaxSilenceFor,
    *,
    types_for: Callable[[str], Collection[str]] | None = None,
    stale_after_for: StaleAfterFor | None = None,
) -> AuditReport:
    """Every finding at `now`: silent orders, then contradictions, then failed deliveries.
    `types` are the buyer-facing exception types; `types_for` narrows them per store;
    `stale_after_for` says which news was history (default: the cadence's default)."""
    exceptions = message_queries.buyer_facing_exceptions(connection, types, now) if types else []
    if types_for is not None:
        exceptions = [e for e in exceptions if e.type in types_for(e.store_id)]
    exceptions = [e for e in exceptions if max_silence_for(e.store_id) is not None]
    owed, history = owed_exceptions(connection, exceptions, now, stale_after_for or _default_stale_after)
    sent = message_queries.sent_messages(connection, [k.value for k in CHECKED_KINDS], now)
    failed = message_queries.failed_messages(connection, now)
    findings = [
        *silent_orders(owed, now, max_silence_for),
        *(f for message in sent if (f := contradiction_finding(message)) is not None),
        *(failed_delivery(message) for message in failed),
    ]
    return AuditReport(now, tuple(findings), history)


def _default_stale_after(_store_id: str) -> timedelta:
    return DEFAULT_STALE_AFTER


def audit(connection: Connection, now: datetime, settings: AuditSettings) -> AuditReport:
    """`audit_messages` with the configured settings."""
    return audit_messages(
        connection,
        now,
        settings.types,
        settings.max_silence_for,
        types_for=settings.types_for,
        stale_after_for=settings.stale_after_for,
    )


# --- silent orders ---------------------------------------------------------------------


def owed_exceptions(
    connection: Connection,
    exceptions: Sequence[BuyerFacingException],
    now: datetime,
    stale_after_for: StaleAfterFor,
) -> tuple[list[BuyerFacingException], int]:
    """The exceptions the buyer is owed word about, in the same order, and how many open
    ones are not. Those are never announced (no message covers their notice, whatever
    became of it) and were history when Orderline learned them: the plan never announces
    them and sends no reminder, so there is no silence to break."""
    announced = _covered_keys(connection, {(e.store_id, e.order_id) for e in exceptions}, now)
    unannounced = [
        e for e in exceptions if notice_key(e.key, e.opened_at) not in announced.get(_order(e), ())
    ]
    provenance = news_provenances(connection, {_order(e) for e in unannounced}, now)
    history = {
        e
        for e in unannounced
        if provenance.get(_order(e), Provenance()).is_history(e.opened_at, stale_after_for(e.store_id))
    }
    owed = [e for e in exceptions if e not in history]
    return owed, sum(1 for e in history if e.resolved_at is None)


def _order(exception: BuyerFacingException) -> OrderKey:
    return exception.store_id, exception.order_id


def _covered_keys(
    connection: Connection, keys: Collection[OrderKey], now: datetime
) -> dict[OrderKey, set[str]]:
    """Per order, the trigger keys its messages decided by `now` cover (any state)."""
    covered: dict[OrderKey, set[str]] = defaultdict(set)
    ordered = sorted(keys)
    m = messages.c
    for start in range(0, len(ordered), ORDERS_PER_QUERY):
        chunk = of_orders(messages, ordered[start : start + ORDERS_PER_QUERY])
        rows = connection.execute(select(m.store_id, m.order_id, m.covers).where(chunk, m.decided_at <= now))
        for store_id, order_id, covers in rows:
            covered[(store_id, order_id)].update(covers)
    return covered


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
