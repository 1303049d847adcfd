"""The webhook audit's judgement: counts in, findings out (domain/webhook_audit.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from orderline.domain.webhook_audit import (
    Arrival,
    AuditLimits,
    DeliveryRules,
    StoreDeliveries,
    TopicTally,
    WebhookFindingKind,
    judge_store,
    tally_arrivals,
)

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
RULES = DeliveryRules("Shop", True, "Shop gives up after 3 failures", "check the shop's hooks page")
LIMITS = AuditLimits()


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def arrival(
    order: str | None, triggered: float | None, received: float, processed: float | None = None
) -> Arrival:
    return Arrival(
        "orders/updated",
        order,
        None if triggered is None else at(triggered),
        at(received),
        None if processed is None else at(processed),
    )


def test_an_older_delivery_is_out_of_order_and_stale_once_the_newer_was_processed() -> None:
    arrivals = [
        arrival("1", triggered=0, received=1, processed=2),
        arrival("1", triggered=-1, received=3),  # after the newer one was folded: stale
        arrival("2", triggered=5, received=6, processed=9),
        arrival("2", triggered=4, received=7),  # the newer one not processed yet: only out of order
        arrival("3", triggered=0, received=1),
    ]

    tally = tally_arrivals(arrivals, sends_trigger_time=True)["orders/updated"]

    assert (tally.deliveries, tally.out_of_order, tally.stale) == (5, 2, 1)
    assert tally.lags_s == [60.0, 240.0, 60.0, 180.0, 60.0]


def test_no_lag_is_measured_where_the_platform_sends_no_trigger_time() -> None:
    arrivals = [arrival("1", triggered=0, received=1, processed=2), arrival("1", triggered=-1, received=3)]

    tally = tally_arrivals(arrivals, sends_trigger_time=False)["orders/updated"]

    assert (tally.deliveries, tally.out_of_order, tally.stale, tally.lags_s) == (2, 1, 1, [])


def test_deliveries_without_order_or_trigger_time_are_counted_but_never_out_of_order() -> None:
    arrivals = [
        arrival(None, triggered=5, received=6),
        arrival(None, triggered=1, received=7),
        arrival("1", None, 8),
    ]

    tally = tally_arrivals(arrivals, sends_trigger_time=True)["orders/updated"]

    assert (tally.deliveries, tally.out_of_order, tally.stale) == (3, 0, 0)


def test_lag_percentiles_interpolate_between_ranks() -> None:
    tally = TopicTally("orders/updated", lags_s=[150.0, 10.0, 60.0, 150.0])

    assert (tally.lag.p50_s, tally.lag.p90_s, tally.lag.max_s) == (105.0, 150.0, 150.0)
    assert TopicTally("x").lag.p50_s is None


def _store(*topics: TopicTally, refused: int = 0, last: datetime | None = T0) -> StoreDeliveries:
    return StoreDeliveries("shop1", RULES, topics, refused, last)


def test_a_clean_store_has_no_findings() -> None:
    quiet = TopicTally("orders/updated", deliveries=100, duplicates=5, out_of_order=3, lags_s=[300.0] * 10)

    assert judge_store(_store(quiet), at(60 * 24), LIMITS) == []


def test_each_problem_is_a_finding_with_the_platforms_advice() -> None:
    noisy = TopicTally(
        "orders/updated", deliveries=100, duplicates=6, stale=2, lags_s=[10.0] * 8 + [400.0] * 2
    )

    findings = judge_store(_store(noisy, refused=3, last=None), T0, LIMITS)

    assert [(f.kind, f.topic) for f in findings] == [
        (WebhookFindingKind.SILENT_STORE, None),
        (WebhookFindingKind.SIGNATURE_FAILURES, None),
        (WebhookFindingKind.DUPLICATES, "orders/updated"),
        (WebhookFindingKind.STALE_DELIVERIES, "orders/updated"),
        (WebhookFindingKind.SLOW_DELIVERY, "orders/updated"),
    ]
    assert findings[0].detail == "no delivery ever"
    assert findings[0].recommendation == "Shop gives up after 3 failures: check the shop's hooks page."
    assert findings[1].detail == "3 deliveries refused (401) for a missing or invalid signature"
    assert findings[2].detail == "6 of 106 deliveries were redeliveries of one already stored"
    assert findings[4].detail == "p90 delivery lag 400 s, over 300 s"
    assert all("check the shop's hooks page" in f.recommendation for f in findings if f.kind != "duplicates")


def test_a_store_is_silent_only_after_the_threshold() -> None:
    limits = AuditLimits(silent_after=timedelta(hours=2))

    at_limit = judge_store(_store(last=T0), T0 + timedelta(hours=2), limits)
    beyond = judge_store(_store(last=T0), T0 + timedelta(hours=2, seconds=1), limits)

    assert at_limit == []
    assert [f.detail for f in beyond] == ["no delivery for 2.0h (last 2026-11-02T08:00:00+00:00)"]
