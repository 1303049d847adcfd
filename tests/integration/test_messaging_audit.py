"""Issue 5, acceptance 4: the messaging audit, run on simulator output with seeded silent
exceptions, reports exactly the seeded orders.

Thirty simulated Shopify orders (seeded, placed over two days from Monday 1 March 2027)
arrive as webhooks when they happen; processing, the scheduler and the delivery worker
run at every moment anything is due, against a real SMTP server. Three orders are stuck:
their platform history ends once they are placed, so a buyer-facing exception (the
payment never arrives, or the order is not shipped within its SLA) opens and stays open.

Seeded, their buyers' addresses are refused by the SMTP server (550), so nothing reaches
them: at NOW + max silence + 1 h the audit reports exactly those three orders silent,
and their failed deliveries. Unseeded, the same stuck orders get their reminders and no
order is silent. What the simulator itself makes contradictory (a parcel announced, then
cancelled before pickup) is reported in both runs, and nothing else.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from orderline.bootstrap.outreach import Outreach, build_outreach
from orderline.cli import audit as audit_cli
from orderline.connectors.shopify import ShopifyConnector
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY
from orderline.persistence.exception_tables import order_exceptions, timers
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.persistence.messaging_tables import messages
from orderline.services.messaging_audit import AuditReport, FindingKind, audit, audit_settings
from orderline.services.processing import Processor
from orderline.services.scheduler import tick
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from tests.integration.messaging_world import (
    STORE,
    Mailbox,
    kind_of,
    messaging_config,
    smtp_channel,
    smtp_server,
)

SEED, ORDERS, STUCK = 5, 30, 3
START = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday
NOW = START + timedelta(days=3)
MAX_SILENCE = timedelta(hours=48)  # the cadence's default
AUDIT_AT = NOW + MAX_SILENCE + timedelta(hours=1)
SHOP = "shop1.myshopify.com"
BUYER_FACING = ("address_invalid", "payment_failed", "backorder", "fulfillment_delayed", "delivery_exception")


@dataclass(frozen=True)
class Simulated:
    webhooks: list[ShopifyWebhook]
    """Every order's webhooks up to the audit, by trigger time."""
    stuck: dict[str, str]
    """The stuck orders' ids and their buyers' e-mail addresses."""
    cancelled_parcels: frozenset[str]
    """Fulfillments the simulator cancelled."""


def simulate() -> Simulated:
    rng = random.Random(SEED)
    histories = {
        str(5000 + n): generate_order_history(
            rng, order_id=5000 + n, start=START + timedelta(minutes=rng.randint(0, 48 * 60))
        )
        for n in range(ORDERS)
    }
    emails = {order_id: json.loads(history[0].body)["email"] for order_id, history in histories.items()}
    unique = {e for e in emails.values() if list(emails.values()).count(e) == 1}
    early = sorted(o for o, h in histories.items() if h[0].triggered_at < START + timedelta(hours=12))
    stuck = rng.sample([o for o in early if emails[o] in unique], STUCK)
    for order_id in stuck:  # nothing after the order's creation ever happens on the platform
        first = histories[order_id][0].event_id
        histories[order_id] = [w for w in histories[order_id] if w.event_id == first]
    webhooks = sorted((w for h in histories.values() for w in h), key=lambda w: w.triggered_at)
    cancelled = {
        str(body["id"])
        for w in webhooks
        if w.topic == "fulfillments/update" and (body := json.loads(w.body))["status"] == "cancelled"
    }
    return Simulated(
        [w for w in webhooks if w.triggered_at <= AUDIT_AT],
        {o: emails[o] for o in stuck},
        frozenset(cancelled),
    )


class SimulatedShop:
    """Webhooks arrive at their trigger time; processing, the scheduler and delivery run at
    every moment something is due: a webhook, an order's timer, a message's retry."""

    def __init__(self, engine: Engine, outreach: Outreach) -> None:
        self.engine, self.outreach, self.now = engine, outreach, START
        self.processor = Processor(engine, {"shopify": ShopifyConnector()}, lambda: self.now)

    def receive(self, webhooks: Sequence[ShopifyWebhook]) -> None:
        records = [
            InboxRecord("shopify", STORE, w.topic, w.webhook_id, w.event_id, self.now, w.triggered_at,
                        w.headers("s", SHOP), w.body)
            for w in webhooks
        ]  # fmt: skip
        with self.engine.begin() as connection:
            write_records(connection, records)
        self.processor.run_until_idle()

    def run(self) -> None:
        tick(
            self.engine, lambda _s: DEFAULT_POLICY, lambda _s: DEFAULT_CALENDAR, self.now,
            record_facts=self.processor.record_facts, listeners=self.outreach.listeners,
        )  # fmt: skip
        while self.outreach.deliver(self.now).attempts:
            pass

    def next_due(self) -> datetime | None:
        with self.engine.connect() as connection:
            timer = connection.execute(select(func.min(timers.c.due_at))).scalar_one_or_none()
            retry = connection.execute(
                select(func.min(messages.c.due_at)).where(messages.c.state == "queued")
            ).scalar_one_or_none()
        return min((t for t in (timer, retry) if t is not None), default=None)

    def play(self, webhooks: Sequence[ShopifyWebhook], until: datetime) -> None:
        pending = list(webhooks)
        self.now = pending[0].triggered_at
        while self.now <= until:
            arrived = [w for w in pending if w.triggered_at <= self.now]
            pending = pending[len(arrived) :]
            if arrived:
                self.receive(arrived)
            self.run()
            due = [t for t in (self.next_due(), pending[0].triggered_at if pending else None) if t]
            if not due:
                return
            self.now = max(min(due), self.now + timedelta(seconds=1))


def play(engine: Engine, simulated: Simulated, refuse: set[str]) -> Mailbox:
    mailbox = Mailbox(refuse=refuse)
    with smtp_server(mailbox) as controller:
        outreach = build_outreach(messaging_config(), engine, channels={"email": smtp_channel(controller)})
        SimulatedShop(engine, outreach).play(simulated.webhooks, until=AUDIT_AT)
    return mailbox


def audit_report(engine: Engine) -> AuditReport:
    with engine.connect() as connection:
        return audit(connection, AUDIT_AT, audit_settings(messaging_config()))


def open_at_now(engine: Engine) -> set[str]:
    """Orders with a buyer-facing exception open at NOW."""
    e = order_exceptions.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(e.order_id).where(
                e.type.in_(BUYER_FACING),
                e.opened_at <= NOW,
                (e.resolved_at.is_(None)) | (e.resolved_at > NOW),
            )
        )
        return {row.order_id for row in rows}


def orders_of(report: AuditReport, kind: FindingKind) -> set[str]:
    return {f.order_id for f in report.of_kind(kind)}


def assert_only_cancelled_parcels_contradict(
    engine: Engine, report: AuditReport, simulated: Simulated
) -> None:
    """Contradictions in simulator output: exactly the parcels announced, then cancelled
    before pickup (as the outbox and the simulator say, not the audit)."""
    with engine.connect() as connection:
        covers = connection.execute(
            select(messages.c.covers).where(messages.c.state == "sent", messages.c.kind == "shipment_sent")
        ).scalars()
        announced = {key.removeprefix("shipment:") for keys in covers for key in keys}
    expected = announced & simulated.cancelled_parcels
    found = report.of_kind(FindingKind.CONTRADICTION)
    assert expected and {f.detail.split("announced shipment ")[1].split(",")[0] for f in found} == expected
    assert all(f.detail.endswith("which is cancelled") for f in found) and len(found) == len(expected)


def test_the_audit_reports_exactly_the_seeded_silent_orders_and_their_failed_deliveries(
    engine: Engine, tmp_path: Path
) -> None:
    simulated = simulate()
    seeded = set(simulated.stuck)

    mailbox = play(engine, simulated, refuse=set(simulated.stuck.values()))

    assert seeded <= open_at_now(engine)
    report = audit_report(engine)
    assert orders_of(report, FindingKind.SILENT) == seeded
    assert orders_of(report, FindingKind.FAILED_DELIVERY) == seeded
    failed = report.of_kind(FindingKind.FAILED_DELIVERY)
    assert all("RCPT TO refused: 550 5.1.1 mailbox unavailable" in f.detail for f in failed)
    assert {f.owner for f in report.findings} == {"support"}
    assert not {m["To"] for m in mailbox.messages} & set(simulated.stuck.values())
    assert_only_cancelled_parcels_contradict(engine, report, simulated)
    # the command writes the same report, its moments in UTC with `Z`
    in_utc_z = json.dumps(report.as_dict()).replace('+00:00"', 'Z"')
    assert command_report(engine, tmp_path) == json.loads(in_utc_z)


def command_report(engine: Engine, directory: Path) -> object:
    """`orderline audit messages --json` on the same database: exit code 1, the same report."""
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{engine.url.render_as_string(hide_password=False)}'\n"
        f"stores: [{{id: {STORE}, platform: shopify, shop_domain: {SHOP}, webhook_secrets: [s]}}]\n"
        "messaging: {smtp: {host: 127.0.0.1, sender: o@shop1.example, message_id_domain: shop1.example}}\n"
    )
    app = typer.Typer()
    app.add_typer(audit_cli.app, name="audit")
    command = ["audit", "messages", "--now", AUDIT_AT.isoformat(), "--config", str(path), "--json"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)


def test_without_seeding_no_order_is_silent_and_no_delivery_failed(engine: Engine) -> None:
    simulated = simulate()

    mailbox = play(engine, simulated, refuse=set())

    assert set(simulated.stuck) <= open_at_now(engine)
    report = audit_report(engine)
    assert report.of_kind(FindingKind.SILENT) == []
    assert report.of_kind(FindingKind.FAILED_DELIVERY) == []
    assert_only_cancelled_parcels_contradict(engine, report, simulated)
    reminded = {m["To"] for m in mailbox.messages if kind_of(m) == "exception_update"}
    assert set(simulated.stuck.values()) <= reminded  # the stuck orders' buyers were kept informed
