"""The scorecard service on both databases: orders learned the way processing learns them,
exceptions opened by the scheduler, tickets imported from a CSV export, then a week's
scorecard built from the read model it refreshes itself.

Week 2026-W20 runs Monday 11 May to Sunday 17 May. acme-de (Shopify) is in Berlin
(UTC+2), acme-us (WooCommerce) in New York (UTC-4); the scorecard's own zone is Berlin.
Times below are UTC.

acme-de: 0999 placed Wed 6 May (W19), shipped 48 h later. 1001 placed Mon 11 10:00, two
mugs, shipped in one DHL parcel 20 h later. 1002 placed Tue 12 08:00, a mug and a tea,
shipped in two UPS parcels at +10 h and +40 h (split_shipment). 1003 placed Wed 13 09:00,
never shipped (fulfillment_delayed at Fri 15 09:00, its 48 business hours; stale_order
72 h after its last fact). 1004 placed Thu 14 12:00 and cancelled at 15:00. 1005 placed
Sun 17 22:30, already Monday in Berlin: week 21. 1006 placed Fri 15 10:00 with a bad
postal code (address_invalid, held), corrected at 15:00, shipped Sat 16 10:00. 1007 placed
Thu 14 09:00, marked fulfilled on the platform at 11:00 with no parcel (state_drift),
shipped by DHL at 13:00.
acme-us: 2001 placed Mon 18 03:30, still Sunday in New York (W20), shipped 30 h later by
USPS. 2002 placed Mon 11 02:00, still Sunday 10 May in New York (W19), shipped at +5 h.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, delete, select

from orderline.config import OrderlineConfig, parse_config
from orderline.domain.facts import (
    Address,
    Fact,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
)
from orderline.domain.scorecard.figures import (
    BreachedEscalation,
    Kpi,
    Rating,
    SilentException,
)
from orderline.domain.scorecard.records import OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.domain.vocabulary import FulfillmentStatus, PaymentStatus
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.reconcile_tables import drift_incidents
from orderline.persistence.scorecard_tables import scorecard_orders
from orderline.persistence.tables import orders
from orderline.services.processing import Processor
from orderline.services.scheduler import enqueue_now, tick
from orderline.services.scorecard import ScorecardReports, UnknownStore
from orderline.services.scorecard_inputs import Derivation, order_span, refresh
from orderline.services.tickets import import_csv

FULFILLED = FulfillmentStatus.FULFILLED
W19, W20, W21 = IsoWeek(2026, 19), IsoWeek(2026, 20), IsoWeek(2026, 21)
NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)
DE, US = "acme-de", "acme-us"
BERLIN_ADDRESS = Address(
    name="Lea Ott", address1="Hauptstr. 1", city="Berlin", postal_code="10115", country_code="DE"
)
US_ADDRESS = Address(name="Ann Lee", address1="500 Howard St", city="San Francisco", province="CA",
                     postal_code="94107", country_code="US")  # fmt: skip
CONFIG = f"""
stores:
  - {{id: {DE}, platform: shopify, shop_domain: de.myshopify.com, webhook_secrets: [s],
      timezone: Europe/Berlin}}
  - {{id: {US}, platform: woocommerce, site_url: https://us.example.com, webhook_secrets: [s],
      timezone: America/New_York}}
exceptions:
  stale_order: {{enabled: false}}
scorecard:
  timezone: Europe/Berlin
  order_types:
    - {{name: international, not_ship_countries: [DE]}}
    - {{name: multi_item, units_at_least: 2}}
  targets:
    ship_first_p50_hours: {{green: 12, amber: 24}}
messaging:
  channel: pickup
  pickup: {{directory: mail, sender: shop@example.com, message_id_domain: example.com}}
"""
TICKETS_CSV = (
    "ticket_id,created_at,subject,order_number,requester_email\n"
    "T1,2026-05-13T10:00:00Z,Where is my order?,1003,\n"
    "T2,2026-05-14T10:00:00Z,Question about sizes,,nobody@example.com\n"
    "T3,2026-05-18T03:50:00Z,Package damaged,2001,\n"
    "T4,2026-05-07T10:00:00Z,Refund please,0999,\n"
)


def utc(day: int, hour: float) -> datetime:
    return datetime(2026, 5, day, tzinfo=UTC) + timedelta(hours=hour)


def snapshot(order_id: str, placed: datetime, *lines: tuple[str, int], **changes: object) -> OrderSnapshot:
    items = tuple(
        LineItem(line_id, f"Item {line_id}", units, Decimal("10.00"), f"SKU-{line_id}")
        for line_id, units in lines
    )
    base = OrderSnapshot(
        order_id=order_id, updated_at=placed, placed_at=placed, payment_status=PaymentStatus.PAID,
        lines=items,
        order_number=f"#{order_id}", currency="EUR", total_price=Decimal(10 * sum(u for _, u in lines)),
        shipping_address=BERLIN_ADDRESS,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def parcel(
    order_id: str, shipment_id: str, at: datetime, carrier: str, *lines: tuple[str, int]
) -> ShipmentRecorded:
    parts = tuple(LineQuantity(line_id, units) for line_id, units in lines)
    return ShipmentRecorded(order_id, shipment_id, at, at, parts, carrier=carrier)


def events() -> list[tuple[datetime, str, Fact]]:
    bad = replace(BERLIN_ADDRESS, postal_code="1234")
    us = {"shipping_address": US_ADDRESS, "currency": "USD"}
    placed_1004 = utc(14, 12)
    return [
        (utc(6, 10), DE, snapshot("0999", utc(6, 10), ("L1", 1))),
        (utc(8, 10), DE, parcel("0999", "S1", utc(8, 10), "DHL", ("L1", 1))),
        (utc(11, 2), US, snapshot("2002", utc(11, 2), ("L1", 1), **us)),
        (utc(11, 7), US, parcel("2002", "S1", utc(11, 7), "USPS", ("L1", 1))),
        (utc(11, 10), DE, snapshot("1001", utc(11, 10), ("L1", 2))),
        (utc(12, 6), DE, parcel("1001", "S1", utc(12, 6), "DHL", ("L1", 2))),
        (utc(12, 8), DE, snapshot("1002", utc(12, 8), ("L1", 1), ("L2", 1))),
        (utc(12, 18), DE, parcel("1002", "S1", utc(12, 18), "UPS", ("L1", 1))),
        (utc(13, 9), DE, snapshot("1003", utc(13, 9), ("L1", 1))),
        (utc(14, 0), DE, parcel("1002", "S2", utc(14, 0), "UPS", ("L2", 1))),
        (placed_1004, DE, snapshot("1004", placed_1004, ("L1", 1))),
        (utc(14, 15), DE, snapshot("1004", placed_1004, ("L1", 1), updated_at=utc(14, 15),
                                   cancelled_at=utc(14, 15))),
        (utc(14, 9), DE, snapshot("1007", utc(14, 9), ("L1", 1))),
        (utc(14, 11), DE, snapshot("1007", utc(14, 9), ("L1", 1), updated_at=utc(14, 11),
                                   platform_fulfillment=FULFILLED)),
        (utc(14, 13), DE, parcel("1007", "S1", utc(14, 13), "DHL", ("L1", 1))),
        (utc(15, 10), DE, snapshot("1006", utc(15, 10), ("L1", 1), shipping_address=bad)),
        (utc(15, 15), DE, snapshot("1006", utc(15, 10), ("L1", 1), updated_at=utc(15, 15))),
        (utc(16, 10), DE, parcel("1006", "S1", utc(16, 10), "DHL", ("L1", 1))),
        (utc(17, 22.5), DE, snapshot("1005", utc(17, 22.5), ("L1", 1))),
        (utc(18, 3.5), US, snapshot("2001", utc(18, 3.5), ("L1", 1), **us)),
        (utc(19, 9.5), US, parcel("2001", "S1", utc(19, 9.5), "USPS", ("L1", 1))),
    ]  # fmt: skip


def learn(engine: Engine, at: datetime, store_id: str, fact: Fact) -> None:
    """What processing does with a new fact, then the scheduler's tick at that moment."""
    processor = Processor(engine, {}, lambda: at)
    with engine.begin() as connection:
        processor.record_facts(connection, store_id, fact.order_id, [fact])
        enqueue_now(connection, [(store_id, fact.order_id)], at)
    run_tick(engine, at, processor)


def config() -> OrderlineConfig:
    return parse_config(CONFIG, env={})


@pytest.fixture
def world(engine: Engine) -> Iterator[Engine]:
    for at, store_id, fact in events():
        learn(engine, at, store_id, fact)
    run_tick(engine, NOW, Processor(engine, {}, lambda: NOW))
    import_csv(engine, TICKETS_CSV, [DE, US])
    yield engine


def run_tick(engine: Engine, now: datetime, processor: Processor) -> None:
    """The scheduler's tick at `now`, with the configured policy and store calendars."""
    policy, calendars = config().exception_policy(), {s.id: s.business_calendar() for s in config().stores}
    tick(engine, lambda _s: policy, calendars.__getitem__, now, record_facts=processor.record_facts)


def reports(engine: Engine, now: datetime = NOW) -> ScorecardReports:
    return ScorecardReports(engine, config(), lambda: now)


def record(inputs_orders: list[OrderRecord], order_id: str) -> OrderRecord:
    (found,) = [r for r in inputs_orders if r.order_id == order_id]
    return found


def test_the_read_orders_carry_their_shipping_times_types_and_every_exception_type(world: Engine) -> None:
    inputs = reports(world).inputs(W20)

    assert sorted(r.order_id for r in inputs.orders) == [
        "0999", "1001", "1002", "1003", "1004", "1005", "1006", "1007", "2001", "2002",
    ]  # fmt: skip
    assert record(inputs.orders, "1002") == OrderRecord(
        DE, "1002", "shopify", utc(12, 8), utc(12, 18), utc(14, 0), "UPS", False, False,
        frozenset({"multi_item"}), frozenset({"split_shipment"}),
    )  # fmt: skip
    assert record(inputs.orders, "1003") == OrderRecord(
        DE, "1003", "shopify", utc(13, 9), None, None, None, False, False,
        frozenset({"standard"}), frozenset({"fulfillment_delayed"}),
    )  # fmt: skip
    assert record(inputs.orders, "1004") == OrderRecord(
        DE, "1004", "shopify", utc(14, 12), None, None, None, True, False,
        frozenset({"standard"}), frozenset(),
    )  # fmt: skip
    assert record(inputs.orders, "1006").exception_types == frozenset({"address_invalid"})
    assert record(inputs.orders, "2001") == OrderRecord(
        US, "2001", "woocommerce", utc(18, 3.5), utc(19, 9.5), utc(19, 9.5), "USPS", False, False,
        frozenset({"international"}), frozenset(),
    )  # fmt: skip


def test_tickets_are_read_with_their_reason_and_link(world: Engine) -> None:
    inputs = reports(world).inputs(W20)

    assert sorted(inputs.tickets, key=lambda t: t.ticket_id) == [
        TicketRecord("csv:T1", utc(13, 10), "csv", DE, "1003", "where_is_my_order"),
        TicketRecord("csv:T2", utc(14, 10), "csv", None, None, "other"),
        TicketRecord("csv:T3", utc(18, 3 + 50 / 60), "csv", US, "2001", "damaged"),
        TicketRecord("csv:T4", utc(7, 10), "csv", DE, "0999", "return_refund"),
    ]


def test_the_all_stores_scorecard_counts_each_order_in_its_own_stores_week(world: Engine) -> None:
    card = reports(world).build(W20)
    headline = {figure.kpi: figure for figure in card.headline}

    # 1005 is Monday in Berlin (W21); 2001 is still Sunday in New York (W20).
    assert (card.week, card.store_id, card.orders, card.cancelled, card.is_baseline) == (
        W20,
        None,
        7,
        1,
        False,
    )
    first = headline[Kpi.SHIP_FIRST_P50_HOURS]
    assert (first.value, first.previous, first.rating) == (
        20.0,
        26.5,
        Rating.AMBER,
    )  # target 12/24 from the file
    assert headline[Kpi.SHIP_FIRST_P90_HOURS].value == pytest.approx(27.6, abs=1e-9)
    assert (headline[Kpi.SHIP_LAST_P50_HOURS].value, headline[Kpi.SHIP_LAST_P90_HOURS].value) == (24.0, 36.0)
    assert headline[Kpi.EXCEPTION_RATE_PCT].value == pytest.approx(400 / 7, abs=1e-9)
    assert headline[Kpi.PROBLEM_EXCEPTION_RATE_PCT].value == pytest.approx(300 / 7, abs=1e-9)
    assert headline[Kpi.TICKETS_PER_100_ORDERS].value == pytest.approx(300 / 7, abs=1e-9)
    assert (headline[Kpi.TICKETS_PER_100_ORDERS].previous, headline[Kpi.EXCEPTION_RATE_PCT].previous) == (
        50.0,
        0.0,
    )
    assert (card.unshipped.count, card.unshipped.oldest_age_hours) == (1, 171.0)
    assert (card.tickets.total.tickets, card.tickets.total.linked) == (3, 2)


def test_the_failure_analysis_has_the_breached_escalations_silent_exceptions_and_drift(world: Engine) -> None:
    analysis = reports(world).build(W20).analysis

    # address_invalid was due at 14:00 and resolved at 15:00; split_shipment is informational.
    assert analysis.breached_escalations == (
        BreachedEscalation(DE, "1003", "fulfillment_delayed", "operations", utc(15, 9), 2, False),
        BreachedEscalation(DE, "1006", "address_invalid", "support", utc(15, 10), 0, True),
    )
    # Open since Fri 15 09:00 with no message; audited at the week's end (Mon 18 04:00 UTC).
    assert analysis.silent_exceptions == (SilentException(DE, "1003", "fulfillment_delayed", 67.0),)
    (drift,) = analysis.drift_incidents
    assert (drift.store_id, drift.order_id, drift.opened_at, drift.is_resolved) == (
        DE,
        "1007",
        utc(14, 11),
        True,
    )


def test_a_stores_scorecard_reads_only_that_store(world: Engine) -> None:
    inputs = reports(world).inputs(W20, US)
    card = reports(world).build(W20, US)

    assert sorted(r.order_id for r in inputs.orders) == ["2001", "2002"]
    assert [t.ticket_id for t in inputs.tickets] == ["csv:T3"]
    assert (inputs.analysis.breached_escalations, inputs.analysis.silent_exceptions) == ((), ())
    assert (card.store_id, card.orders, card.tickets.total.tickets) == (US, 1, 1)


def test_an_unknown_store_is_refused_before_anything_is_derived(world: Engine) -> None:
    with pytest.raises(UnknownStore, match="no store 'acme-fr' in the configuration"):
        reports(world).build(W20, "acme-fr")

    with world.connect() as connection:
        assert connection.execute(select(scorecard_orders.c.order_id)).all() == []


def test_an_order_shipped_after_a_build_shows_shipped_in_the_next_one(world: Engine) -> None:
    first = reports(world).build(W20)
    later = NOW + timedelta(hours=2)
    learn(world, later, DE, parcel("1003", "S1", later, "DHL", ("L1", 1)))

    second = reports(world, later).build(W20)

    assert (first.unshipped.count, second.unshipped.count) == (1, 0)
    shipped = record(reports(world, later).inputs(W20).orders, "1003")
    assert (shipped.first_shipped_at, shipped.last_shipped_at, shipped.carrier) == (later, later, "DHL")


def test_a_refresh_derives_only_the_orders_whose_projection_changed(world: Engine) -> None:
    span = order_span(W20, 8)
    derivation = Derivation({DE: "shopify", US: "woocommerce"}, config().scorecard.order_type_rules())
    # A fact older than the order's newest one (its second parcel, Thu 14 00:00) changes
    # the state but not `updated_at`: the fact count tells.
    late_refund = RefundRecorded("1002", "R1", utc(13, 0), Decimal("1.00"), ())

    counts = [refresh(world, span, derivation), refresh(world, span, derivation)]
    learn(world, NOW, DE, late_refund)
    counts.append(refresh(world, span, derivation))

    assert counts == [10, 0, 1]
    with world.connect() as connection:
        row = connection.execute(
            select(scorecard_orders.c.is_refunded, scorecard_orders.c.source_updated_at).where(
                scorecard_orders.c.order_id == "1002"
            )
        ).one()
    assert tuple(row) == (True, utc(14, 0))


def test_an_order_gone_from_the_projections_leaves_the_read_model(world: Engine) -> None:
    span = order_span(W20, 8)
    derivation = Derivation({}, ())
    refresh(world, span, derivation)
    with world.begin() as connection:
        connection.execute(delete(orders).where(orders.c.order_id == "1004"))

    looked_at = refresh(world, span, derivation)

    with world.connect() as connection:
        kept = connection.execute(select(scorecard_orders.c.order_id).order_by(scorecard_orders.c.order_id))
        assert [order_id for (order_id,) in kept] == [
            "0999", "1001", "1002", "1003", "1005", "1006", "1007", "2001", "2002",
        ]  # fmt: skip
    assert looked_at == 1


def test_changed_order_type_rules_reclassify_every_order_of_the_weeks_read(world: Engine) -> None:
    reports(world).inputs(W20)
    bulky = config().model_copy(
        update={
            "scorecard": parse_config(
                "scorecard:\n  order_types: [{name: bulky, lines_at_least: 2}]\n", env={}
            ).scorecard
        }
    )

    orders_read = ScorecardReports(world, bulky, lambda: NOW).inputs(W20).orders

    assert {r.order_id for r in orders_read if r.types == frozenset({"bulky"})} == {"1002"}
    assert {r.types for r in orders_read} == {frozenset({"bulky"}), frozenset({"standard"})}


def test_the_last_complete_week_is_the_one_before_now_in_the_zone_asked_about(engine: Engine) -> None:
    # Sunday 22:30 UTC is Monday 00:30 in Berlin, and Sunday 18:30 in New York.
    service = reports(engine, utc(17, 22.5))

    assert (service.last_complete_week(), service.last_complete_week(US)) == (W20, W19)
    assert service.store_ids() == [DE, US]


def delivery(store_id: str, key: str, received_at: datetime) -> InboxRecord:
    return InboxRecord("shopify", store_id, "orders/updated", key, None, received_at, None, {}, b"{}")


def test_without_imported_history_the_baseline_is_the_last_complete_week(world: Engine) -> None:
    card = reports(world).build(None, baseline=True)

    assert (card.week, card.is_baseline, card.orders) == (W20, True, 7)


def test_the_baseline_is_the_last_complete_week_before_the_first_live_webhook(world: Engine) -> None:
    with world.begin() as connection:
        write_records(connection, [
            delivery(DE, "import:1001:1", utc(19, 8)),
            delivery(US, "import:2001:1", utc(19, 8)),
            delivery(DE, "w-1", utc(20, 8)),  # Wednesday of W21: policies act from then on
            delivery(US, "w-2", utc(27, 8)),
        ])  # fmt: skip
    june = reports(world, datetime(2026, 6, 10, 12, tzinfo=UTC))

    card = june.build(None, baseline=True)

    assert (june.last_complete_week(), june.baseline_week(), june.baseline_week(US)) == (
        IsoWeek(2026, 23), W20, W21,
    )  # fmt: skip
    assert (card.week, card.is_baseline, card.orders) == (W20, True, 7)


def test_history_imported_but_not_live_yet_has_the_last_complete_week_as_baseline(world: Engine) -> None:
    with world.begin() as connection:
        write_records(connection, [delivery(DE, "import:1001:1", utc(19, 8))])

    assert reports(world).baseline_week() == W20
    assert reports(world, datetime(2026, 6, 10, 12, tzinfo=UTC)).baseline_week() == IsoWeek(2026, 23)


def test_drift_incidents_are_read_by_their_store_week_of_detection(world: Engine) -> None:
    def incident(store: str, order_id: str, changed: datetime, detected: datetime) -> dict[str, object]:
        fields = [{"field": "status", "orderline": "processing", "platform": "cancelled"}]
        return {"store_id": store, "order_id": order_id, "source": "reconciliation", "fields": fields,
                "changed_at": changed, "detected_at": detected}  # fmt: skip

    with world.begin() as connection:
        connection.execute(drift_incidents.insert(), [
            incident(DE, "1001", utc(11, 12), utc(11, 14)),  # 2 h to detect
            incident(DE, "1002", utc(12, 9), utc(13, 9)),  # 24 h
            incident(US, "2001", utc(18, 1), utc(18, 3)),  # Sunday 17 in New York: W20, 2 h
            incident(DE, "1005", utc(17, 20), utc(17, 22.5)),  # Monday in Berlin: W21
            incident(DE, "0999", utc(6, 9), utc(6, 10)),  # W19, 1 h
        ])  # fmt: skip

    card = reports(world).build(W20)
    headline = {figure.kpi: figure for figure in card.headline}
    de_only = {figure.kpi: figure.value for figure in reports(world).build(W20, DE).headline}

    drift = headline[Kpi.DRIFT_PER_1000_ORDERS]
    assert (drift.value, drift.previous) == (pytest.approx(3000 / 7), pytest.approx(1000 / 2))
    assert (headline[Kpi.DRIFT_DETECT_P50_HOURS].value, headline[Kpi.DRIFT_DETECT_P50_HOURS].previous) == (
        2.0,
        1.0,
    )
    assert de_only[Kpi.DRIFT_DETECT_P50_HOURS] == 13.0
