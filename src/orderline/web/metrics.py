"""Prometheus metrics, in a registry per app so tests and several apps never collide."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    webhooks: Counter
    ack_seconds: Histogram
    intake_commits: Gauge
    intake_records: Gauge
    processing_up: Gauge
    inbox_rows: Gauge
    quarantined: Gauge
    oldest_pending_age: Gauge
    store_api_waiting: Gauge
    dead_letters_dropped: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry()
        webhooks = Counter(
            "orderline_webhooks",
            "Webhook deliveries by platform and answer",
            ["platform", "status_code"],
            registry=registry,
        )
        ack_seconds = Histogram(
            "orderline_webhook_ack_seconds",
            "Time from request to durable acknowledgement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=registry,
        )
        intake_commits = Gauge(
            "orderline_intake_commits", "Transactions committed by the intake writer", registry=registry
        )
        intake_records = Gauge(
            "orderline_intake_records",
            "Records (inbox rows and dead letters) committed by the intake writer",
            registry=registry,
        )
        processing_up = Gauge(
            "orderline_processing_up", "1 while this server's processing worker runs", registry=registry
        )
        inbox_rows = Gauge(
            "orderline_inbox_rows",
            "Inbox deliveries not processed (yet), by status",
            ["status"],
            registry=registry,
        )
        quarantined = Gauge(
            "orderline_inbox_quarantined",
            "Deliveries set aside because they could not be processed",
            registry=registry,
        )
        oldest_pending_age = Gauge(
            "orderline_inbox_oldest_pending_age_seconds",
            "Age of the oldest delivery waiting to be processed (0 when none)",
            registry=registry,
        )
        store_api_waiting = Gauge(
            "orderline_store_api_waiting_deliveries",
            "Deliveries waiting for their store's platform API to answer, by store",
            ["store"],
            registry=registry,
        )
        dead_letters_dropped = Counter(
            "orderline_dead_letters_dropped",
            "Refused unauthenticated requests not kept as dead letters: their source was over its rate",
            registry=registry,
        )
        return cls(
            registry,
            webhooks,
            ack_seconds,
            intake_commits,
            intake_records,
            processing_up,
            inbox_rows,
            quarantined,
            oldest_pending_age,
            store_api_waiting,
            dead_letters_dropped,
        )
