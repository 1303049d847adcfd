"""`orderline rollout` on both databases: the four weeks' checklist of a fresh installation
and of one rolled out, each item checked from the configuration and the data.

The rolled-out shop (Berlin): its history was imported (one import delivery) and it went
live with its first webhook on Monday 16 November 2026 09:00 UTC, so its baseline is
2026-W46. Orders of 2026-W46 (times UTC): 1001 placed Mon 9 10:00 with a bad postal code
(address_invalid, held), corrected at 14:00 and shipped Tue 10 10:00; 1002 placed Tue 10
08:00, a mug and a lamp shipped in two parcels at +10 h and +40 h (split_shipment); 1003
placed Wed 11 09:00 and never shipped (fulfillment_delayed: one wait, so no stale_order); 1004 placed
Thu 12 09:00, shipped 20 h later. A ticket about 1003 came on Fri 13. `now` is Wednesday
18 November 12:00 UTC; the weekly scorecard of 2026-W46 was delivered at 08:00 local on
Monday 16 November, by a worker, to the pickup directory.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from orderline.bootstrap.outreach import build_outreach
from orderline.bootstrap.scorecard_delivery import delivery_targets
from orderline.cli.main import app
from orderline.clock import OFFSET_VARIABLE, clock_offset, system_clock
from orderline.config import OrderlineConfig, parse_config
from orderline.domain.facts import Address, Fact, LineItem, LineQuantity, OrderSnapshot, ShipmentRecorded
from orderline.domain.vocabulary import PaymentStatus
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.reconcile_tables import reconcile_sweeps
from orderline.services.audit_runs import MessagingAudit
from orderline.services.messaging_audit import audit_settings
from orderline.services.processing import Processor
from orderline.services.rollout import RolloutChecklist, RolloutItem, delivery_configured
from orderline.services.scheduler import enqueue_now, tick
from orderline.services.scorecard import ScorecardReports
from orderline.services.scorecard_delivery import WeeklyScorecard
from orderline.services.tickets import import_csv

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
WENT_LIVE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 11, 16, 7, 0, tzinfo=UTC)
STORE = "shop1"
TICKETS_CSV = "ticket_id,created_at,subject,order_number\nT1,2026-11-13T10:00:00Z,Where is it?,1003\n"
ADDRESS = Address(
    name="Lea Ott", address1="Hauptstr. 1", city="Berlin", postal_code="10115", country_code="DE"
)
FRESH = f"""
stores:
  - {{id: {STORE}, platform: shopify, shop_domain: shop1.myshopify.com, webhook_secrets: [s],
      timezone: Europe/Berlin}}
"""


def rolled_out(tmp_path: Path) -> str:
    return (
        FRESH
        + f"""
exceptions:
  address_invalid:
    escalation: [{{after: 1h, target: operations}}, {{after: 24h, target: lead@shop1.example}}]
messaging:
  channel: pickup
  pickup: {{directory: {tmp_path / "mail"}, sender: shop@shop1.example, message_id_domain: shop1.example}}
scorecard:
  delivery: {{weekday: monday, hour: 8, email: [ops@shop1.example]}}
"""
    )


def utc(day: int, hour: float) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def snapshot(order_id: str, placed: datetime, *lines: str, **changes: object) -> OrderSnapshot:
    items = tuple(LineItem(line, f"Item {line}", 1, Decimal("10.00"), f"SKU-{line}") for line in lines)
    base = OrderSnapshot(
        order_id=order_id, updated_at=placed, placed_at=placed, payment_status=PaymentStatus.PAID,
        lines=items, order_number=f"#{order_id}", email="lea@example.com", currency="EUR",
        total_price=Decimal(10 * len(lines)), shipping_address=ADDRESS,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def parcel(order_id: str, shipment_id: str, at: datetime, *lines: str) -> ShipmentRecorded:
    parts = tuple(LineQuantity(line, 1) for line in lines)
    return ShipmentRecorded(order_id, shipment_id, at, at, parts, carrier="DHL")


def events() -> list[tuple[datetime, Fact]]:
    bad = replace(ADDRESS, postal_code="1234")
    return [
        (utc(9, 10), snapshot("1001", utc(9, 10), "L1", shipping_address=bad)),
        (utc(9, 14), snapshot("1001", utc(9, 10), "L1", updated_at=utc(9, 14))),
        (utc(10, 8), snapshot("1002", utc(10, 8), "L1", "L2")),
        (utc(10, 10), parcel("1001", "S1", utc(10, 10), "L1")),
        (utc(10, 18), parcel("1002", "S1", utc(10, 18), "L1")),
        (utc(11, 9), snapshot("1003", utc(11, 9), "L1")),
        (utc(12, 0), parcel("1002", "S2", utc(12, 0), "L2")),
        (utc(12, 9), snapshot("1004", utc(12, 9), "L1")),
        (utc(13, 5), parcel("1004", "S1", utc(13, 5), "L1")),
    ]


def inbox_record(dedupe_key: str, received_at: datetime) -> InboxRecord:
    return InboxRecord("shopify", STORE, "orders/updated", dedupe_key, None, received_at, None, {}, b"{}")


def learn(engine: Engine, config: OrderlineConfig, at: datetime, fact: Fact | None) -> None:
    """What processing does with a new fact, then the worker's tick at that moment."""
    policy, calendar = config.exception_policy(), config.stores[0].business_calendar()
    processor = Processor(engine, {}, lambda: at)
    if fact is not None:
        with engine.begin() as connection:
            processor.record_facts(connection, STORE, fact.order_id, [fact])
            enqueue_now(connection, [(STORE, fact.order_id)], at)
    tick(engine, lambda _s: policy, lambda _s: calendar, at, record_facts=processor.record_facts)


def build_world(engine: Engine, config: OrderlineConfig) -> None:
    for at, fact in events():
        learn(engine, config, at, fact)
    with engine.begin() as connection:
        write_records(
            connection, [inbox_record("import:1001:1", utc(13, 12)), inbox_record("w-1", WENT_LIVE)]
        )
    import_csv(engine, TICKETS_CSV, [STORE])
    # The worker at the due hour: the report of 2026-W46 queued and delivered.
    delivery = config.scorecard.delivery
    schedule = delivery.schedule(config.stores[0].zone)
    weekly = WeeklyScorecard(engine, reports(engine, config, DELIVERED), schedule, delivery_targets(config))
    weekly.queue_due(DELIVERED)
    build_outreach(config, engine).deliver(DELIVERED)
    learn(engine, config, NOW, None)


def reports(engine: Engine, config: OrderlineConfig, now: datetime = NOW) -> ScorecardReports:
    return ScorecardReports(engine, config, lambda: now)


def checklist(engine: Engine, config: OrderlineConfig) -> list[RolloutItem]:
    audit = MessagingAudit(engine, audit_settings(config))
    return RolloutChecklist(engine, config, reports(engine, config), audit).items(NOW)


NO_SWEEP = RolloutItem(
    3,
    "Drift sweeps running",
    False,
    "last successful sweep: shop1 never",
    "run `orderline reconcile --store ID` for shop1 and keep the worker running (it sweeps every "
    "store on the reconcile schedule)",
)


def record_sweep(
    engine: Engine, finished_at: datetime, outcome: str = "ok", trigger: str = "scheduled"
) -> None:
    with engine.begin() as connection:
        connection.execute(
            reconcile_sweeps.insert().values(
                store_id="shop1", trigger=trigger, started_at=finished_at - timedelta(minutes=1),
                finished_at=finished_at, since=finished_at - timedelta(hours=1), until=finished_at,
                outcome=outcome, orders_seen=4, orders_missing=0, orders_drifted=0,
            )
        )  # fmt: skip


AUDIT_NEXT = "work through `orderline audit messages`, and run it daily from cron (it exits 1 on a finding)"
OWNERS = RolloutItem(
    1, "Owners assigned", True, "9 enabled exception types, owned by operations 6, support 3"
)


def test_a_fresh_installation_has_all_but_its_default_owners_and_a_clean_audit_open(engine: Engine) -> None:
    assert checklist(engine, parse_config(FRESH, env={})) == [
        RolloutItem(
            1,
            "History imported",
            False,
            "imported orders (deliveries) by store: shop1 0",
            "import each store's history: `orderline import --store shop1 --since <date>` (not yet: shop1)",
        ),
        RolloutItem(
            1,
            "Baseline computable",
            False,
            "no history imported: the baseline is the last complete week, 2026-W46, 0 orders",
            "import history from before go-live, then `orderline scorecard --baseline`",
        ),
        OWNERS,
        RolloutItem(
            1,
            "Escalation targets set",
            False,
            "every escalation stays in a team's queue: nobody outside Orderline is told",
            "give the last escalation level of the types that matter an e-mail address or a webhook URL "
            "(exceptions.<type>.escalation)",
        ),
        RolloutItem(
            2,
            "Controls on for the top 3 workflows",
            False,
            "no exceptions in 2026-W46 to rank",
            "import history and let the worker evaluate it, so the scorecard can rank the workflows",
        ),
        NO_SWEEP,
        RolloutItem(
            3,
            "Webhook audits running",
            False,
            "webhooks received in the last 7 days: shop1 0",
            "run `orderline audit webhooks --store ID` for shop1 and repair its subscriptions "
            "(`orderline webhooks repair --store ID`)",
        ),
        RolloutItem(3, "Messaging audit clean", True, "the audit finds nothing"),
        RolloutItem(
            4,
            "Weekly scorecard delivery configured",
            False,
            "scorecard.delivery names no recipient",
            "name recipients in scorecard.delivery (email: [...], webhook: URL) and an e-mail channel",
        ),
        RolloutItem(
            4,
            "KPI review held",
            False,
            "no weekly scorecard delivered yet",
            "review 2026-W46 with its failure analysis: "
            "`orderline scorecard --week 2026-W46 --format html --output scorecard.html`",
        ),
    ]


def test_a_rolled_out_installation_has_each_item_checked_from_its_data(
    engine: Engine, tmp_path: Path
) -> None:
    # given an installation that imported history, went live, escalates to a person and
    # had its weekly scorecard delivered
    config = parse_config(rolled_out(tmp_path), env={})
    build_world(engine, config)
    record_sweep(engine, NOW - timedelta(days=2))
    record_sweep(engine, NOW - timedelta(hours=2))
    record_sweep(engine, NOW - timedelta(minutes=5), outcome="failed")
    record_sweep(engine, NOW - timedelta(minutes=4), trigger="count_check")

    # when its checklist is read
    items = checklist(engine, config)

    # then only the silent order 1003 stays open
    assert items == [
        RolloutItem(1, "History imported", True, "imported orders (deliveries) by store: shop1 1"),
        RolloutItem(
            1,
            "Baseline computable",
            True,
            "baseline week 2026-W46: 4 orders (went live 2026-11-16 09:00 UTC)",
        ),
        OWNERS,
        RolloutItem(
            1,
            "Escalation targets set",
            True,
            "escalations reach address_invalid level 2 -> lead@shop1.example",
        ),
        RolloutItem(
            2,
            "Controls on for the top 3 workflows",
            True,
            "riskiest workflows of 2026-W46: 1. address_invalid (score 5.0) on, "
            "2. stale_order (score 3.0) on, 3. fulfillment_delayed (score 2.0) on",
        ),
        RolloutItem(3, "Drift sweeps running", True, "last successful sweep: shop1 2026-11-18T10:00:00Z"),
        RolloutItem(3, "Webhook audits running", True, "webhooks received in the last 7 days: shop1 1"),
        RolloutItem(
            3,
            "Messaging audit clean",
            False,
            "the audit finds 1 silent",
            AUDIT_NEXT,
        ),
        RolloutItem(
            4,
            "Weekly scorecard delivery configured",
            True,
            "Mondays at 08:00 Europe/Berlin to ops@shop1.example; next: 2026-W47 at 2026-11-23 07:00 UTC",
        ),
        RolloutItem(
            4,
            "KPI review held",
            True,
            "the scorecard of 2026-W46 went to ops@shop1.example at 2026-11-16 07:00 UTC",
        ),
    ]
    assert [path.name for path in (tmp_path / "mail").iterdir()] == [
        "scorecard_2026-W46_email_ops_shop1.example.eml"
    ]


def test_a_ranked_workflow_switched_off_leaves_its_controls_open(engine: Engine, tmp_path: Path) -> None:
    # given the rolled-out shop, one of whose three riskiest workflows is then switched off
    text = rolled_out(tmp_path)
    build_world(engine, parse_config(text, env={}))
    switched_off = parse_config(
        text.replace("exceptions:\n", "exceptions:\n  stale_order: {enabled: false}\n"), env={}
    )

    # when
    (controls,) = [item for item in checklist(engine, switched_off) if item.week == 2]

    # then
    assert controls == RolloutItem(
        2,
        "Controls on for the top 3 workflows",
        False,
        "riskiest workflows of 2026-W46: 1. address_invalid (score 5.0) on, 2. stale_order (score 3.0) off, "
        "3. fulfillment_delayed (score 2.0) on",
        "enable stale_order (exceptions.<type>.enabled: true)",
    )


def test_email_recipients_without_a_mail_channel_leave_the_delivery_open() -> None:
    config = parse_config(FRESH + "scorecard:\n  delivery: {hour: 7, email: [ops@shop1.example]}\n", env={})

    assert delivery_configured(config, NOW) == RolloutItem(
        4,
        "Weekly scorecard delivery configured",
        False,
        "Mondays at 07:00 Europe/Berlin to ops@shop1.example; next: 2026-W47 at 2026-11-23 06:00 UTC; "
        "no e-mail channel is configured (messaging.smtp)",
        "name recipients in scorecard.delivery (email: [...], webhook: URL) and an e-mail channel",
    )


def test_the_rollout_command_prints_every_item_whole_or_as_json(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    # given the rolled-out shop's database and configuration file
    text = rolled_out(tmp_path)
    build_world(engine, parse_config(text, env={}))
    path = tmp_path / "orderline.yaml"
    path.write_text(f"database_url: '{database_url}'\n" + text)
    # The command reads the clock: move it to NOW, as ORDERLINE_CLOCK_OFFSET moves any process.
    offset_s = int((clock_offset() + (NOW - system_clock())).total_seconds())
    runner = CliRunner(env={OFFSET_VARIABLE: f"{offset_s}s" if offset_s >= 0 else f"-{-offset_s}s"})

    # when the command runs, piped, as a table and as JSON
    table = runner.invoke(app, ["rollout", "--config", str(path)])
    as_json = runner.invoke(app, ["rollout", "--json", "--config", str(path)])

    # then both exit 0; the table holds every evidence whole, the JSON every item
    assert table.exit_code == 0, table.output
    assert "escalations reach address_invalid level 2 -> lead@shop1.example" in table.output
    assert NO_SWEEP.next_step is not None and NO_SWEEP.next_step in table.output
    assert table.output.rstrip().endswith("8 of 10 items done, 2 open")
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.output)
    assert document["open"] == 2
    assert [(i["week"], i["title"], i["done"]) for i in document["items"]][:2] == [
        (1, "History imported", True),
        (1, "Baseline computable", True),
    ]
    assert document["items"][7] == {
        "week": 3,
        "title": "Messaging audit clean",
        "done": False,
        "evidence": "the audit finds 1 silent",
        "next": AUDIT_NEXT,
    }
