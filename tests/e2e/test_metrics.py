"""/metrics: counters as counters, labelled by configured platform and store and a bounded
outcome; database counts read at scrape time; API latency by route template."""

from __future__ import annotations

import re
from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import SHOP, Service, shopify_signature
from tests.e2e.test_exceptions_api import _queue_service
from tests.e2e.test_intake_abuse import ORDER_BODY, _shopify_headers


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _labels(**labels: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(labels.items()))


def _types(text: str) -> dict[str, str]:
    return dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, flags=re.MULTILINE))


def test_webhooks_are_counted_by_store_and_outcome_and_processing_at_scrape_time(service: Service) -> None:
    service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=_shopify_headers(ORDER_BODY))
    forged = {**_shopify_headers(ORDER_BODY), "X-Shopify-Hmac-Sha256": shopify_signature(b"other")}
    service.client.post("/webhooks/shopify", content=ORDER_BODY, headers=forged)
    service.client.post("/webhooks/shopify/nowhere", content=ORDER_BODY, headers=_shopify_headers(ORDER_BODY))
    before = _samples(service.client.get("/metrics").text)
    assert service.process() == 1
    _later(service, seconds=10)  # one database reading serves every scrape for 5 s

    text = service.client.get("/metrics").text
    samples = _samples(text)

    webhooks = "orderline_webhooks_total"
    assert samples[(webhooks, (("outcome", "accepted"), ("platform", "shopify"), ("store", "shop1")))] == 1
    assert (
        samples[(webhooks, (("outcome", "bad_signature"), ("platform", "shopify"), ("store", "shop1")))] == 1
    )
    assert (
        samples[(webhooks, (("outcome", "unknown_store"), ("platform", "shopify"), ("store", "unknown")))]
        == 1
    )
    assert ("orderline_events_processed_total", (("platform", "shopify"), ("store", "shop1"))) not in before
    assert samples[("orderline_events_processed_total", (("platform", "shopify"), ("store", "shop1")))] == 1
    assert (
        before[
            ("orderline_inbox_backlog", (("platform", "shopify"), ("status", "pending"), ("store", "shop1")))
        ]
        == 1
    )
    assert samples[("orderline_intake_records_total", ())] == 3
    types = _types(text)
    assert types["orderline_webhooks_total"] == "counter"
    assert types["orderline_intake_commits_total"] == "counter"
    assert types["orderline_events_processed_total"] == "counter"
    assert types["orderline_inbox_backlog"] == "gauge"
    assert SHOP not in text  # stores by their configured id, never by a platform identity


def _later(service: Service, seconds: float) -> None:
    context = service.context
    then = context.clock()
    context.clock = lambda: then + timedelta(seconds=seconds)


def test_open_exceptions_by_type_owner_and_sla_and_escalations(service: Service) -> None:
    _queue_service(service)  # two address problems (support, one breached), one fraud hold

    samples = _samples(service.client.get("/metrics").text)

    def open_count(kind: str, owner: str, sla: str) -> float:
        labels = (("owner", owner), ("sla", sla), ("store", "shop1"), ("type", kind))
        return samples.get(("orderline_exceptions_open", labels), 0.0)

    assert open_count("address_invalid", "support", "breached") == 1
    assert open_count("address_invalid", "support", "ok") == 1
    assert open_count("fraud_review", "operations", "ok") == 1
    assert samples[("orderline_escalations_total", (("store", "shop1"), ("type", "address_invalid")))] == 1


def test_api_latency_is_measured_by_route_template_not_by_path(service: Service) -> None:
    viewer = service.token("viewer")
    for order_id in ("1", "2", "3"):
        service.client.get(f"/api/v1/stores/shop1/orders/{order_id}", headers=viewer)
    service.client.get("/no/such/page")

    samples = _samples(service.client.get("/metrics").text)
    counts = {
        dict(labels)["route"]: value
        for (name, labels), value in samples.items()
        if name == "orderline_http_request_duration_seconds_count" and dict(labels)["method"] == "GET"
    }

    assert counts["/api/v1/stores/{store_id}/orders/{platform_order_id}"] == 3
    assert counts["unmatched"] == 1
    assert not any(route.endswith("/1") for route in counts)
