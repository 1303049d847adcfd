"""The webhook reliability audit over a period, from Orderline's own records: what
`orderline audit webhooks` and `GET /api/v1/audit/webhooks` report.

Per store and topic: deliveries, duplicates, out-of-order and stale deliveries, delivery
lag; per store: signature refusals and the age of the last delivery. The judgement is
`domain/webhook_audit.py`; this module reads the counts and hands them over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from orderline.domain.webhook_audit import (
    AuditLimits,
    DeliveryRules,
    StoreDeliveries,
    TopicTally,
    WebhookFinding,
    WebhookFindingKind,
    judge_store,
    tally_arrivals,
)
from orderline.persistence import webhook_audit_queries as queries
from orderline.services.intake import BAD_SIGNATURE_REASON
from orderline.services.webhook_subscriptions import CheckStatus, SubscriptionCheck, WebhookSubscriptions

__all__ = [
    "AuditedStore",
    "BadAuditPeriod",
    "UnknownAuditStore",
    "WebhookAudit",
    "WebhookAuditReport",
    "WebhookFindingKind",
]

DEFAULT_PERIOD = timedelta(days=7)
SUBSCRIPTION_KINDS = frozenset(kind for kind in WebhookFindingKind if kind.value.startswith("subscription"))
"""Findings read live from the platforms' APIs, counted only when a store was checked."""


class BadAuditPeriod(ValueError):
    """A period that does not end after it starts."""


class UnknownAuditStore(LookupError):
    """A store the configuration does not list."""


@dataclass(frozen=True, slots=True)
class AuditedStore:
    store_id: str
    rules: DeliveryRules


@dataclass(frozen=True, slots=True)
class WebhookAuditReport:
    now: datetime
    since: datetime
    until: datetime
    stores: tuple[StoreDeliveries, ...]
    findings: tuple[WebhookFinding, ...]
    subscriptions: tuple[SubscriptionCheck, ...] = ()
    """Per store, what its platform's API listed (empty unless asked for)."""

    @property
    def is_clean(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        """Findings per kind; the subscription kinds only when some store's API was asked."""
        asked = any(check.status is not CheckStatus.NOT_CHECKED for check in self.subscriptions)
        kinds = [kind for kind in WebhookFindingKind if asked or kind not in SUBSCRIPTION_KINDS]
        return {kind.value: sum(1 for f in self.findings if f.kind is kind) for kind in kinds}

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "clean": self.is_clean,
            "counts": self.counts(),
            "stores": [_store_dict(store) for store in self.stores],
            "subscriptions": [check.as_dict() for check in self.subscriptions],
            "findings": [
                {"store_id": f.store_id, "topic": f.topic, "kind": f.kind.value, "detail": f.detail,
                 "recommendation": f.recommendation}
                for f in self.findings
            ],
        }  # fmt: skip


def _store_dict(store: StoreDeliveries) -> dict[str, Any]:
    last = store.last_received_at
    return {
        "store_id": store.store_id,
        "platform": store.rules.platform,
        "last_delivery_at": None if last is None else last.isoformat(),
        "signature_failures": store.signature_failures,
        "missed_by_reconciliation": {"orders": store.missed_orders, "changes": store.missed_changes},
        "topics": [_topic_dict(tally) for tally in store.topics],
    }


def _topic_dict(tally: TopicTally) -> dict[str, Any]:
    lag = tally.lag
    return {
        "topic": tally.topic,
        "deliveries": tally.deliveries,
        "duplicates": tally.duplicates,
        "out_of_order": tally.out_of_order,
        "stale": tally.stale,
        "lag_s": {"p50": lag.p50_s, "p90": lag.p90_s, "max": lag.max_s},
    }


@dataclass(frozen=True, slots=True)
class WebhookAudit:
    engine: Engine
    stores: tuple[AuditedStore, ...] = ()
    limits: AuditLimits = field(default_factory=AuditLimits)
    live: WebhookSubscriptions = field(default_factory=WebhookSubscriptions)

    def report(
        self,
        now: datetime,
        since: datetime | None = None,
        until: datetime | None = None,
        store_id: str | None = None,
        *,
        subscriptions: bool = False,
    ) -> WebhookAuditReport:
        """The audit of deliveries received in [since, until) (default: the 7 days before
        `now`), judged at `now`; every configured store, or `store_id` alone. With
        `subscriptions`, each store's subscriptions are read from its platform's API too."""
        end = now if until is None else until
        start = end - DEFAULT_PERIOD if since is None else since
        if start >= end:
            raise BadAuditPeriod(
                f"the period must end after it starts ({start.isoformat()} .. {end.isoformat()})"
            )
        audited = self._audited(store_id)
        with self.engine.connect() as connection:
            stores = tuple(_store_deliveries(connection, store, start, end) for store in audited)
        findings = tuple(f for store in stores for f in judge_store(store, now, self.limits))
        checks = self.live.check_all(store_id) if subscriptions else ()
        findings += tuple(f for check in checks for f in check.findings)
        return WebhookAuditReport(now, start, end, stores, findings, checks)

    def _audited(self, store_id: str | None) -> tuple[AuditedStore, ...]:
        if store_id is None:
            return self.stores
        chosen = tuple(store for store in self.stores if store.store_id == store_id)
        if not chosen:
            raise UnknownAuditStore(f"no store {store_id!r} in the configuration")
        return chosen


def _store_deliveries(
    connection: Connection, store: AuditedStore, since: datetime, until: datetime
) -> StoreDeliveries:
    arrivals = queries.arrivals(connection, store.store_id, since, until)
    tallies = tally_arrivals(arrivals, store.rules.sends_trigger_time)
    for topic, count in queries.redeliveries_by_topic(connection, store.store_id, since, until).items():
        tallies.setdefault(topic, TopicTally(topic)).duplicates = count
    refused = queries.refusals(connection, store.store_id, since, until, BAD_SIGNATURE_REASON)
    last = queries.last_received_at(connection, store.store_id)
    missed_orders, missed_changes = queries.missed_by_reconciliation(connection, store.store_id, since, until)
    topics = tuple(tallies[topic] for topic in sorted(tallies))
    return StoreDeliveries(store.store_id, store.rules, topics, refused, last, missed_orders, missed_changes)
