"""Prometheus metrics, in a registry per app so tests and several apps never collide.

Two kinds: what the request path counts as it happens (webhooks by outcome, latencies),
and what is read when /metrics is scraped (`ScrapeCollector`: intake writer totals, the
processing worker, and the database counts of `OperationsGauges`). Every label value is
bounded: platforms and stores come only from the configuration (anything else is
`unknown`), outcomes and routes from fixed lists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from orderline.services.operations_gauges import Reading

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    webhooks: Counter
    ack_seconds: Histogram
    request_seconds: Histogram
    dead_letters_dropped: Counter

    @classmethod
    def create(cls) -> Metrics:
        # `_created` timestamps double the exposition and no dashboard of ours reads them.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        registry = CollectorRegistry()
        return cls(
            registry,
            webhooks=Counter(
                "orderline_webhooks",
                "Webhook deliveries by platform, store and outcome (accepted, or why refused)",
                ["platform", "store", "outcome"],
                registry=registry,
            ),
            ack_seconds=Histogram(
                "orderline_webhook_ack_seconds",
                "Time from request to durable acknowledgement",
                ["platform"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            request_seconds=Histogram(
                "orderline_http_request_duration_seconds",
                "HTTP request latency by method and route template (API, health, metrics)",
                ["method", "route"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            dead_letters_dropped=Counter(
                "orderline_dead_letters_dropped",
                "Refused unauthenticated requests not kept as dead letters: their source was over its rate",
                registry=registry,
            ),
        )


@dataclass(frozen=True)
class ScrapeSources:
    """What a scrape reads; each is called once per scrape."""

    intake_totals: Callable[[], tuple[int, int, int]]
    """(transactions committed, records committed, reused webhook ids) by this server."""
    inbox_health: Callable[[], tuple[dict[str, int], int, float, dict[str, int]]]
    """(unprocessed rows by status, quarantined, oldest pending age s, API-waiting by store)."""
    store_ids: Sequence[str]
    database: Callable[[], list[Reading]]
    worker: Callable[[], tuple[bool, int]] | None = None
    """(running, restarts) of this server's processing worker; None when it runs elsewhere."""


class ScrapeCollector(Collector):
    def __init__(self, sources: ScrapeSources) -> None:
        self._sources = sources

    def collect(self) -> Iterator[Metric]:
        yield from self._intake()
        yield from self._worker()
        yield from self._inbox()
        for reading in self._sources.database():
            yield _family(reading)

    def _intake(self) -> Iterator[Metric]:
        commits, records, reused = self._sources.intake_totals()
        yield CounterMetricFamily(
            "orderline_intake_commits", "Transactions committed by the intake writer", value=commits
        )
        yield CounterMetricFamily(
            "orderline_intake_records",
            "Records (inbox rows and dead letters) committed by the intake writer",
            value=records,
        )
        yield CounterMetricFamily(
            "orderline_webhook_id_reused",
            "Deliveries that reused a webhook id with a different body (kept as dead letters)",
            value=reused,
        )

    def _worker(self) -> Iterator[Metric]:
        if self._sources.worker is None:
            return
        running, restarts = self._sources.worker()
        yield GaugeMetricFamily(
            "orderline_processing_up", "1 while this server's processing worker runs", value=int(running)
        )
        yield CounterMetricFamily(
            "orderline_processing_worker_restarts",
            "Times this server restarted its processing worker",
            value=restarts,
        )

    def _inbox(self) -> Iterator[Metric]:
        by_status, quarantined, oldest_s, waiting = self._sources.inbox_health()
        rows = GaugeMetricFamily(
            "orderline_inbox_rows", "Inbox deliveries not processed (yet), by status", labels=["status"]
        )
        for status, count in sorted(by_status.items()):
            rows.add_metric([status], count)
        yield rows
        yield GaugeMetricFamily(
            "orderline_inbox_quarantined",
            "Deliveries set aside because they could not be processed",
            value=quarantined,
        )
        yield GaugeMetricFamily(
            "orderline_inbox_oldest_pending_age_seconds",
            "Age of the oldest delivery waiting to be processed (0 when none)",
            value=oldest_s,
        )
        api = GaugeMetricFamily(
            "orderline_store_api_waiting_deliveries",
            "Deliveries waiting for their store's platform API to answer, by store",
            labels=["store"],
        )
        for store in self._sources.store_ids:
            api.add_metric([store], waiting.get(store, 0))
        yield api


def _family(reading: Reading) -> Metric:
    family_type = CounterMetricFamily if reading.kind == "counter" else GaugeMetricFamily
    family = family_type(reading.name, reading.help, labels=list(reading.label_names))
    for labels, value in sorted(reading.samples.items()):
        family.add_metric(list(labels), value)
    return family
