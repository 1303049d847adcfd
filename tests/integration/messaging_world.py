"""A small world for messaging tests: one order's facts arriving over a week, the
scheduler and the delivery worker run at every moment anything is due, and a real SMTP
server (aiosmtpd) receiving what is sent.

Order 7001 of store shop1: placed and paid Monday 1 March 2027 09:00 UTC, a mug and a lamp;
the lamp is backordered at 10:00, the mug ships at 11:00 (parcel 1), the lamp is restocked
and ships Thursday 10:00 (parcel 2), both are delivered Friday 15:00.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine, func, select

from orderline.bootstrap.outreach import Outreach, build_outreach
from orderline.channels.email import SmtpChannel, SmtpSettings
from orderline.config import OrderlineConfig
from orderline.domain.facts import (
    Address,
    DeliveryEvent,
    Fact,
    HoldPlaced,
    HoldsReleased,
    LineItem,
    LineQuantity,
    OrderSnapshot,
    ShipmentRecorded,
)
from orderline.domain.order_exceptions import DEFAULT_CALENDAR, DEFAULT_POLICY, ExceptionPolicy
from orderline.domain.vocabulary import DeliveryStatus, HoldReason, PaymentStatus
from orderline.persistence import exception_records
from orderline.persistence.messaging_tables import messages
from orderline.services.processing import Processor
from orderline.services.scheduler import enqueue_now, tick

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
STORE, ORDER = "shop1", "7001"
BUYER = "ann@example.com"
ADDRESS = Address(
    name="Ann Lee", address1="500 Howard St", city="San Francisco", postal_code="94107", country_code="US"
)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def snapshot(order_id: str = ORDER, email: str | None = BUYER) -> OrderSnapshot:
    return OrderSnapshot(
        order_id=order_id,
        updated_at=T0,
        placed_at=T0,
        payment_status=PaymentStatus.PAID,
        lines=(LineItem("L1", "Mug", 1, Decimal("10.00")), LineItem("L2", "Lamp", 1, Decimal("40.00"))),
        order_number=f"#{order_id}",
        email=email,
        currency="USD",
        total_price=Decimal("50.00"),
        shipping_address=ADDRESS,
    )


def parcel(order_id: str, shipment_id: str, line: str, hours: float) -> ShipmentRecorded:
    return ShipmentRecorded(
        order_id, shipment_id, at(hours), at(hours), (LineQuantity(line, 1),),
        tracking_numbers=(f"1Z{shipment_id}",), carrier="UPS",
    )  # fmt: skip


def split_shipment_with_backorder(order_id: str = ORDER) -> list[tuple[datetime, list[Fact]]]:
    return [
        (at(0), [snapshot(order_id)]),
        (at(1), [HoldPlaced(order_id, "fo:2", HoldReason.BACKORDER, at(1), "restock expected 2027-03-04")]),
        (at(2), [parcel(order_id, "s1", "L1", 2)]),
        (at(73), [HoldsReleased(order_id, "fo:2", at(73)), parcel(order_id, "s2", "L2", 73)]),
        (
            at(102),
            [DeliveryEvent(order_id, s, f"d-{s}", DeliveryStatus.DELIVERED, at(102)) for s in ("s1", "s2")],
        ),
    ]


@dataclass
class Mailbox:
    """What the SMTP server received, in order."""

    messages: list[EmailMessage] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    on_data: Callable[[EmailMessage], None] | None = None
    refuse: set[str] = field(default_factory=set)
    defer: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        if address in self.defer:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self.received.set()
        if self.on_data is not None:
            self.on_data(message)
        return "250 Message accepted"

    def kinds(self) -> list[str]:
        return [kind_of(m) for m in self.messages]


def kind_of(message: EmailMessage) -> str:
    """The message kind, read back from the Message-ID (`<store-order-kind-digest@domain>`)."""
    key = str(message["Message-ID"]).strip("<>").split("@")[0]
    return key.split("-")[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def smtp_server(mailbox: Mailbox) -> Iterator[Controller]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def smtp_channel(controller: Controller) -> SmtpChannel:
    port = controller.port
    return SmtpChannel(
        SmtpSettings(host="127.0.0.1", port=port, sender="orders@shop1.example",
                     message_id_domain="shop1.example", security="none", timeout_s=5)
    )  # fmt: skip


def messaging_config(extra: dict[str, Any] | None = None, **cadence: Any) -> OrderlineConfig:
    return OrderlineConfig.model_validate(
        (extra or {})
        | {
            "stores": [
                {"id": STORE, "platform": "shopify", "shop_domain": "shop1.myshopify.com",
                 "webhook_secrets": ["s"],
                 "messaging": {"brand": {"name": "Shop One", "support_email": "help@shop1.example"}}}
            ],
            "messaging": {
                "channel": "email",
                "smtp": {"host": "127.0.0.1", "sender": "orders@shop1.example",
                         "message_id_domain": "shop1.example"},
                "cadence": cadence,
            },
        }
    )  # fmt: skip


class World:
    """Plays facts in at their moments and runs the scheduler and delivery whenever due."""

    def __init__(self, engine: Engine, outreach: Outreach, policy: ExceptionPolicy = DEFAULT_POLICY) -> None:
        self.engine, self.outreach, self.policy = engine, outreach, policy
        self.processor = Processor(engine, {}, lambda: T0)

    @classmethod
    def build(cls, engine: Engine, config: OrderlineConfig, controller: Controller) -> World:
        return cls(engine, build_outreach(config, engine, channels={"email": smtp_channel(controller)}))

    def learn(self, now: datetime, order_id: str, facts: Sequence[Fact]) -> None:
        with self.engine.begin() as connection:
            self.processor.record_facts(connection, STORE, order_id, facts)
            enqueue_now(connection, [(STORE, order_id)], now)

    def run(self, now: datetime) -> None:
        tick(
            self.engine, lambda _s: self.policy, lambda _s: DEFAULT_CALENDAR, now,
            record_facts=self.processor.record_facts, listeners=self.outreach.listeners,
        )  # fmt: skip
        self.outreach.deliver(now)

    def next_due(self, order_ids: Sequence[str]) -> datetime | None:
        """The next order timer or message retry."""
        with self.engine.connect() as connection:
            timers = [exception_records.get_timer(connection, STORE, o) for o in order_ids]
            retry = connection.execute(
                select(func.min(messages.c.due_at)).where(messages.c.state == "queued")
            ).scalar_one_or_none()
        return min([t[0] for t in timers if t is not None] + ([retry] if retry else []), default=None)

    def play(self, script: Sequence[tuple[datetime, str, Sequence[Fact]]], until: datetime) -> None:
        """Run the world from the first fact to `until`, visiting every due moment."""
        pending = sorted(script, key=lambda item: item[0])
        order_ids = sorted({order_id for _, order_id, _ in pending})
        now = pending[0][0]
        while now <= until:
            while pending and pending[0][0] <= now:
                _, order_id, facts = pending.pop(0)
                self.learn(now, order_id, facts)
            self.run(now)
            candidates = [t for t in (self.next_due(order_ids), pending[0][0] if pending else None) if t]
            if not candidates:
                return
            now = max(min(candidates), now + timedelta(seconds=1))
