"""Customer messages, hand-offs and the messaging audit over HTTP through the ASGI app,
on both databases: every message decision and delivery attempt shows in the order's
timeline; a person can hand an order to the helpdesk once per request."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from orderline.bootstrap import build_runtime, build_web_context
from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.config import load_config
from orderline.domain.facts import Fact, LineItem, LineQuantity, OrderSnapshot, ShipmentRecorded
from orderline.domain.fold import fold
from orderline.domain.order_exceptions.findings import Finding
from orderline.domain.vocabulary import ExceptionType, PaymentStatus
from orderline.persistence import exception_records, message_records
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.message_records import NewMessage
from orderline.persistence.messaging_tables import handoffs
from orderline.persistence.projections import save_projections
from orderline.services.order_rows import projection_of
from orderline.services.outbox_sending import MessageSender
from orderline.web.app import create_app
from tests.e2e.conftest import SECRET, SHOP, Service

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
ORDER = "/api/v1/stores/shop1/orders/7001"
BUYER = "ann@example.com"
MESSAGING_YAML = f"""\
messaging:
  channel: email
  smtp: {{host: 127.0.0.1, sender: orders@shop1.example, message_id_domain: shop1.example}}
helpdesk:
  kind: zendesk
  base_url: https://acme.zendesk.com
  username: agent@acme.example
  api_token: zendesk-token
stores:
  - id: shop1
    platform: shopify
    shop_domain: {SHOP}
    webhook_secrets: [{SECRET}]
"""


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def zulu(moment: datetime) -> str:
    """A UTC moment as the API writes it."""
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def messaging_service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    """The app configured for messaging and a Zendesk helpdesk; its clock stands at T0 + 60 h."""
    migrate(make_engine(database_url))
    path = tmp_path / "orderline.yaml"
    path.write_text(f"database_url: '{database_url}'\n{MESSAGING_YAML}")
    runtime = build_runtime(load_config(path), clock=lambda: at(60))
    with TestClient(create_app(build_web_context(runtime))) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()


def store_order(service: Service, order_id: str = "7001") -> None:
    facts: list[Fact] = [
        OrderSnapshot(order_id=order_id, updated_at=T0, placed_at=T0, payment_status=PaymentStatus.PAID,
                      lines=(LineItem("L1", "Mug", 2, Decimal("10.00")),), order_number=f"#{order_id}",
                      email=BUYER),
        ShipmentRecorded(order_id, "s1", at(2), at(2), (LineQuantity("L1", 1),)),
    ]  # fmt: skip
    order = fold("shop1", order_id, facts)
    assert order is not None
    with service.engine.begin() as connection:
        save_projections(connection, [projection_of(order, len(facts))])


@dataclass
class ScriptedChannel:
    """Answers each send with the next scripted result of that message kind."""

    script: dict[str, list[DeliveryResult]]
    name: str = "email"
    sent: list[str] = field(default_factory=list)

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        self.sent.append(message.kind)
        return self.script[message.kind].pop(0)


def queue(service: Service, kind: str, hours: float, **values: Any) -> None:
    covers, state = values.pop("covers", []), values.pop("state", "queued")
    key = f"shop1-7001-{kind}"
    message = NewMessage("shop1", "7001", key, kind, "email", BUYER, covers, {}, at(hours), state, **values)
    with service.engine.begin() as connection:
        message_records.insert_message(connection, message)


def deliver_a_story(service: Service) -> None:
    """Confirmation sent; the parcel notice's first worker dies mid-send, the resend is
    deferred, then accepted; a delay notice could not be rendered; the platform announced
    the refund itself."""
    channel = ScriptedChannel(
        {
            "order_confirmed": [DeliveryResult(Outcome.SENT, "250 Message accepted", "<c@shop1.example>")],
            "shipment_sent": [
                DeliveryResult(Outcome.TEMPORARY, "RCPT TO refused: 451 try later"),
                DeliveryResult(Outcome.SENT, "250 Message accepted", "<s@shop1.example>"),
            ],
        }
    )
    worker = MessageSender(service.engine, lambda _name: channel)
    queue(service, "order_confirmed", 0.5, covers=["confirmed"])
    worker.deliver_due(at(0.5))
    queue(service, "shipment_sent", 3, covers=["shipment:s1"])
    with service.engine.begin() as connection:  # a worker claims it, then is killed
        message_records.claim_due(connection, at(3), 1, timedelta(minutes=5))
    worker.deliver_due(at(3.25))  # interrupted, resent, deferred
    worker.deliver_due(at(3.5))  # resent, accepted
    queue(service, "exception_notice", 4, state="failed", last_error="render_failed: 'eta' is undefined")
    queue(service, "refund_issued", 5, state="suppressed", covers=["refund:r1"])


def message_timeline(order: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(e["at"], e["kind"], e["summary"]) for e in order["timeline"] if e["kind"].startswith("message_")]


def test_the_order_shows_its_messages_and_every_decision_and_attempt_in_its_timeline(
    messaging_service: Service,
) -> None:
    service = messaging_service
    store_order(service)
    deliver_a_story(service)

    response = service.client.get(ORDER, headers=service.token("viewer"))

    assert response.status_code == 200, response.text
    order = response.json()
    assert [(m["kind"], m["state"], m["attempts"], m["possible_duplicate"]) for m in order["messages"]] == [
        ("order_confirmed", "sent", 1, False),
        ("shipment_sent", "sent", 3, True),
        ("exception_notice", "failed", 0, False),
        ("refund_issued", "suppressed", 0, False),
    ]
    shipment = order["messages"][1]
    assert shipment | {"id": 0} == {
        "id": 0, "kind": "shipment_sent", "channel": "email", "recipient": BUYER, "state": "sent",
        "decided_at": zulu(at(3)), "sent_at": zulu(at(3.5)), "attempts": 3,
        "subject": None, "idempotency_key": "shop1-7001-shipment_sent",
        "remote_id": "<s@shop1.example>", "last_error": "RCPT TO refused: 451 try later",
        "possible_duplicate": True, "covers": ["shipment:s1"],
    }  # fmt: skip
    assert message_timeline(order) == [
        (zulu(at(0.5)), "message_queued", f"Message order_confirmed queued for {BUYER}"),
        (zulu(at(0.5)), "message_attempt", "Message order_confirmed sent (250 Message accepted)"),
        (zulu(at(3)), "message_queued", f"Message shipment_sent queued for {BUYER}"),
        (zulu(at(3.25)), "message_attempt", "Message shipment_sent interrupted: possible duplicate"),
        (zulu(at(3.25)), "message_attempt",
         "Message shipment_sent temporary failure: RCPT TO refused: 451 try later"),
        (zulu(at(3.5)), "message_attempt", "Message shipment_sent sent (250 Message accepted)"),
        (zulu(at(4)), "message_failed",
         "Message exception_notice failed: render_failed: 'eta' is undefined"),
        (zulu(at(5)), "message_suppressed",
         "Message refund_issued suppressed: the platform sends it itself"),
    ]  # fmt: skip
    attempts = [e["data"] for e in order["timeline"] if e["kind"] == "message_attempt"]
    assert [a["possible_duplicate"] for a in attempts] == [False, True, True, True]
    moments = [datetime.fromisoformat(e["at"]) for e in order["timeline"]]
    assert moments == sorted(moments) and len(order["timeline"]) > len(message_timeline(order))
    assert order["handoffs"] == []


def test_a_person_hands_an_order_off_once_per_request_and_a_retried_request_once(
    messaging_service: Service,
) -> None:
    service = messaging_service
    store_order(service)
    support = service.token("support")
    path = f"{ORDER}/handoff"

    first = service.client.post(path, json={"reason": "buyer asks for a call"}, headers=support)
    retried = [
        service.client.post(
            path, json={"reason": "parcel lost"}, headers=support | {"Idempotency-Key": "k-1"}
        )
        for _ in range(2)
    ]
    again = service.client.post(path, json={"reason": "still waiting"}, headers=service.token("operations"))

    assert [r.status_code for r in (first, *retried, again)] == [202, 202, 202, 202]
    assert first.json() == {
        "key": "shop1:7001:manual:1", "helpdesk": "zendesk", "state": "queued",
        "reason": "buyer asks for a call",
        "requested_at": zulu(at(60)), "requested_by": "test-support", "ticket_id": None,
        "ticket_url": None, "attempts": 0, "last_error": None,
    }  # fmt: skip
    assert retried[0].json() == retried[1].json()
    assert retried[0].json()["key"] == "shop1:7001:manual:key:k-1"
    assert (again.json()["key"], again.json()["requested_by"]) == ("shop1:7001:manual:3", "test-operations")
    long_key = {"Idempotency-Key": "x" * 300}  # kept as its digest: the key column holds 200
    digested = [service.client.post(path, json={"reason": "r"}, headers=support | long_key) for _ in range(2)]
    assert digested[0].json() == digested[1].json()
    assert digested[0].json()["key"].startswith("shop1:7001:manual:key-sha256:")
    order = service.client.get(ORDER, headers=support).json()
    assert [h["key"] for h in order["handoffs"][:3]] == [
        "shop1:7001:manual:1", "shop1:7001:manual:key:k-1", "shop1:7001:manual:3",
    ]  # fmt: skip


def handoff_count(service: Service) -> int:
    with service.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(handoffs)).scalar_one())


def test_a_hand_off_is_refused_for_a_viewer_an_unknown_order_and_without_a_helpdesk(
    messaging_service: Service,
) -> None:
    service = messaging_service
    store_order(service)
    body, support = {"reason": "buyer asks for a call"}, service.token("support")

    viewer = service.client.post(f"{ORDER}/handoff", json=body, headers=service.token("viewer"))
    unknown = service.client.post("/api/v1/stores/shop1/orders/404/handoff", json=body, headers=support)
    context = service.context
    context.handoffs = replace(context.handoffs, helpdesk=None)  # as without a helpdesk: section
    no_helpdesk = service.client.post(f"{ORDER}/handoff", json=body, headers=support)

    assert (viewer.status_code, unknown.status_code, no_helpdesk.status_code) == (403, 404, 409)
    assert no_helpdesk.json()["detail"] == "no helpdesk is configured (the helpdesk: section)"
    with service.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(handoffs)).scalar_one() == 0


def test_the_messaging_audit_reports_silent_orders_and_failed_deliveries(messaging_service: Service) -> None:
    service = messaging_service
    store_order(service)
    deliver_a_story(service)
    finding = Finding(
        ExceptionType.BACKORDER, "backorder:L1", at(4), "operations", "restock in May", None, ()
    )
    with service.engine.begin() as connection:
        exception_records.open_exception(connection, "shop1", "7001", finding, 0)
    viewer = service.token("viewer")

    before = service.client.get("/api/v1/audit/messages", params={"now": at(50).isoformat()}, headers=viewer)
    after = service.client.get("/api/v1/audit/messages", headers=viewer)  # the clock: T0 + 60 h

    assert before.status_code == after.status_code == 200
    assert before.json()["counts"] == {"silent": 0, "contradiction": 0, "failed_delivery": 1}
    report = after.json()
    assert (report["now"], report["clean"], report["counts"]) == (
        zulu(at(60)),
        False,
        {"silent": 1, "contradiction": 0, "failed_delivery": 1},
    )
    silent = next(f for f in report["findings"] if f["kind"] == "silent")
    assert (silent["order_number"], silent["owner"], silent["since"]) == (
        "#7001", "support", zulu(at(5 + 48)),
    )  # fmt: skip
    assert service.client.get("/api/v1/audit/messages").status_code == 401
