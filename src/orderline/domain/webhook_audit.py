"""The webhook reliability audit's judgement: a store's delivery counts in, findings out.

What is counted (by the service, from Orderline's own records) and what each count means:

- **deliveries**: inbox rows received in the period;
- **duplicates**: deliveries of a (store, dedupe key) already stored, acknowledged and
  skipped (`inbox_redeliveries`);
- **out of order**: a delivery whose trigger time is earlier than that of a delivery for the
  same order received before it. Harmless to the order (the fold orders facts by time, not
  by arrival); no platform promises order, so it is counted, not a finding;
- **stale**: an out-of-order delivery that arrived after the newer one had been processed:
  its state was older than what Orderline had already folded. Processing does not flag
  these itself (facts are a set), so the audit derives them from the inbox;
- **signature failures**: deliveries refused for a missing or invalid signature;
- **lag**: receipt minus trigger time, only where the platform sends a trigger time;
- **last delivery**: a store silent for longer than `silent_after` has probably lost its
  webhook subscription.

Each platform's failure rules (who retries, who removes a subscription, where to look)
come from its plugin as `DeliveryRules`, so the recommendations speak of that platform.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from orderline.domain.scorecard.percentiles import quantile


@dataclass(frozen=True, slots=True)
class DeliveryRules:
    """How a platform delivers webhooks and gives up on them (platforms.md §1.2, §2.2, §3.2)."""

    platform: str
    sends_trigger_time: bool
    """Whether a delivery says when its event fired (WooCommerce's bodies only say when the
    order was last saved, and are built later: no delivery lag can be measured)."""
    on_failure: str
    """What the platform does after failed deliveries, as a sentence."""
    where_to_look: str
    """Where a person checks (and repairs) the store's webhook subscriptions."""


class WebhookFindingKind(StrEnum):
    SILENT_STORE = "silent_store"
    SIGNATURE_FAILURES = "signature_failures"
    DUPLICATES = "duplicates"
    STALE_DELIVERIES = "stale_deliveries"
    SLOW_DELIVERY = "slow_delivery"
    MISSED_DELIVERIES = "missed_deliveries"
    """Orders or changes only a reconciliation sweep found: no webhook brought them."""
    # Read live from the platform's API (domain/subscription_health.py).
    SUBSCRIPTION_MISSING = "subscription_missing"
    SUBSCRIPTION_DISABLED = "subscription_disabled"
    SUBSCRIPTION_PAUSED = "subscription_paused"
    SUBSCRIPTION_INACTIVE = "subscription_inactive"
    SUBSCRIPTION_WRONG_ADDRESS = "subscription_wrong_address"
    SUBSCRIPTIONS_UNREADABLE = "subscriptions_unreadable"


@dataclass(frozen=True, slots=True)
class AuditLimits:
    silent_after: timedelta = timedelta(hours=24)
    """A store without a delivery for longer is a finding (a quiet shop may set more)."""
    max_duplicate_share: float = 0.05
    """Redeliveries above this share of a topic's deliveries are a finding: a few are routine."""
    max_lag_p90_s: float = 300.0


@dataclass(frozen=True, slots=True)
class Arrival:
    """One stored delivery, in the order the inbox received them."""

    topic: str
    order_id: str | None
    triggered_at: datetime | None
    received_at: datetime
    processed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Lag:
    p50_s: float | None
    p90_s: float | None
    max_s: float | None

    @staticmethod
    def of(lags_s: Iterable[float]) -> Lag:
        ordered = sorted(lags_s)
        if not ordered:
            return Lag(None, None, None)
        return Lag(quantile(ordered, 0.5), quantile(ordered, 0.9), ordered[-1])


@dataclass(slots=True)
class TopicTally:
    topic: str
    deliveries: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    stale: int = 0
    lags_s: list[float] = field(default_factory=list)

    @property
    def lag(self) -> Lag:
        return Lag.of(self.lags_s)


def tally_arrivals(arrivals: Iterable[Arrival], sends_trigger_time: bool) -> dict[str, TopicTally]:
    """Deliveries, out-of-order and stale deliveries and lags per topic, from one store's
    deliveries in arrival order."""
    tallies: dict[str, TopicTally] = {}
    # Per order: the latest trigger time received so far, and when that delivery was processed.
    newest: dict[str, tuple[datetime, datetime | None]] = {}
    for arrival in arrivals:
        tally = tallies.setdefault(arrival.topic, TopicTally(arrival.topic))
        tally.deliveries += 1
        if arrival.triggered_at is None:
            continue
        if sends_trigger_time:
            tally.lags_s.append((arrival.received_at - arrival.triggered_at).total_seconds())
        if arrival.order_id is None:
            continue
        seen = newest.get(arrival.order_id)
        if seen is None or arrival.triggered_at >= seen[0]:
            newest[arrival.order_id] = (arrival.triggered_at, arrival.processed_at)
            continue
        tally.out_of_order += 1
        if seen[1] is not None and seen[1] <= arrival.received_at:
            tally.stale += 1
    return tallies


@dataclass(frozen=True, slots=True)
class StoreDeliveries:
    store_id: str
    rules: DeliveryRules
    topics: tuple[TopicTally, ...]
    signature_failures: int
    last_received_at: datetime | None
    """The store's latest delivery ever (not only in the period)."""
    missed_orders: int = 0
    """Orders reconciliation sweeps of the period found missing from Orderline."""
    missed_changes: int = 0
    """Orders those sweeps found changed on the platform with no webhook telling Orderline."""


@dataclass(frozen=True, slots=True)
class WebhookFinding:
    store_id: str
    topic: str | None
    kind: WebhookFindingKind
    detail: str
    recommendation: str


def judge_store(store: StoreDeliveries, now: datetime, limits: AuditLimits) -> list[WebhookFinding]:
    """The store's findings at `now`: silence, signature failures, then per topic."""
    found = []
    silent = _silence(store, now, limits)
    if silent is not None:
        found.append(silent)
    if store.signature_failures:
        found.append(_signature_finding(store))
    if store.missed_orders or store.missed_changes:
        found.append(_missed_finding(store))
    for tally in store.topics:
        found.extend(_topic_findings(store, tally, limits))
    return found


def _silence(store: StoreDeliveries, now: datetime, limits: AuditLimits) -> WebhookFinding | None:
    last = store.last_received_at
    if last is not None and now - last <= limits.silent_after:
        return None
    heard = (
        "no delivery ever"
        if last is None
        else f"no delivery for {_hours(now - last)} (last {last.isoformat()})"
    )
    rules = store.rules
    advice = f"{rules.on_failure}: {rules.where_to_look}."
    return WebhookFinding(store.store_id, None, WebhookFindingKind.SILENT_STORE, heard, advice)


def _signature_finding(store: StoreDeliveries) -> WebhookFinding:
    rules = store.rules
    detail = f"{store.signature_failures} deliveries refused (401) for a missing or invalid signature"
    advice = (
        f"Each refusal is a failed delivery to the platform. {rules.on_failure}. Make the store's "
        f"webhook_secrets in the configuration match the webhook's secret on the platform, then "
        f"{rules.where_to_look}."
    )
    return WebhookFinding(store.store_id, None, WebhookFindingKind.SIGNATURE_FAILURES, detail, advice)


def _missed_finding(store: StoreDeliveries) -> WebhookFinding:
    rules = store.rules
    detail = (
        f"reconciliation found {store.missed_orders} orders no webhook had delivered and "
        f"{store.missed_changes} orders changed on the platform with no webhook telling Orderline"
    )
    advice = (
        f"The sweeps have caught up on them, but live updates are being lost. {rules.on_failure}: "
        f"{rules.where_to_look} (`orderline webhooks repair --store {store.store_id} --dry-run` "
        "shows what is missing)."
    )
    return WebhookFinding(store.store_id, None, WebhookFindingKind.MISSED_DELIVERIES, detail, advice)


def _topic_findings(store: StoreDeliveries, tally: TopicTally, limits: AuditLimits) -> list[WebhookFinding]:
    rules, found = store.rules, []
    sent = tally.deliveries + tally.duplicates
    if tally.duplicates and tally.duplicates > limits.max_duplicate_share * sent:
        detail = f"{tally.duplicates} of {sent} deliveries were redeliveries of one already stored"
        advice = (
            f"{rules.platform} sent again what it did not see acknowledged in time: check that Orderline "
            "answers webhooks quickly (GET /readyz, the request timings in /metrics) and that no proxy "
            f"in front of it drops answers. {rules.on_failure}."
        )
        found.append(
            WebhookFinding(store.store_id, tally.topic, WebhookFindingKind.DUPLICATES, detail, advice)
        )
    if tally.stale:
        detail = f"{tally.stale} deliveries carried an older state than Orderline had already folded"
        advice = (
            "Harmless to the orders (facts fold by time, not by arrival), but the platform delivered "
            f"them late. {rules.on_failure}: {rules.where_to_look}."
        )
        found.append(
            WebhookFinding(store.store_id, tally.topic, WebhookFindingKind.STALE_DELIVERIES, detail, advice)
        )
    lag = tally.lag
    if lag.p90_s is not None and lag.p90_s > limits.max_lag_p90_s:
        detail = f"p90 delivery lag {lag.p90_s:.0f} s, over {limits.max_lag_p90_s:.0f} s"
        advice = f"Deliveries reach Orderline late, which delays every exception: {rules.where_to_look}."
        found.append(
            WebhookFinding(store.store_id, tally.topic, WebhookFindingKind.SLOW_DELIVERY, detail, advice)
        )
    return found


def _hours(span: timedelta) -> str:
    return f"{span / timedelta(hours=1):.1f}h"
