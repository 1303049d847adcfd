"""Deciding on a helpdesk ticket delivery, without a database: the configured helpdesk
only, its signature or shared secret, the Zendesk replay window, a readable body; and
what a refused delivery is kept as."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from orderline.config.messaging import HelpdeskConfig
from orderline.services.ticket_intake import (
    SECRET_HEADER,
    SIGNATURE_WINDOW,
    HelpdeskDelivery,
    Refusal,
    check_delivery,
    dead_letter,
)

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
BODY = json.dumps(
    {"ticket": {"id": "35436", "created_at": "2026-11-23T08:55Z", "subject": "Order 9999?"}}
).encode()
GORGIAS_BODY = json.dumps(
    {"ticket": {"id": 9001, "created_datetime": "2026-11-23T08:58:00", "subject": "Damaged mug"}}
).encode()


def _helpdesk(kind: str, secret: str | None) -> HelpdeskConfig:
    return HelpdeskConfig(
        kind=kind,
        base_url="https://acme.example",
        username="agent@acme.example",
        api_token=SecretStr("not-used-here"),
        webhook_secret=SecretStr(secret) if secret is not None else None,
    )


def _zendesk(signed_at: datetime, body: bytes = BODY, secret: str = "zs") -> HelpdeskDelivery:
    timestamp = signed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    headers = {
        "x-zendesk-webhook-signature": base64.b64encode(signature).decode(),
        "x-zendesk-webhook-signature-timestamp": timestamp,
    }
    return HelpdeskDelivery("zendesk", "/webhooks/helpdesk/zendesk", headers, body, NOW)


def test_a_fresh_signed_zendesk_ticket_is_read() -> None:
    ticket = check_delivery(_helpdesk("zendesk", "zs"), _zendesk(NOW - SIGNATURE_WINDOW))

    assert not isinstance(ticket, Refusal)
    assert (ticket.ticket_id, ticket.order_number) == ("35436", "9999")


def test_a_zendesk_signature_older_than_the_window_is_refused_as_a_replay() -> None:
    stale = _zendesk(NOW - SIGNATURE_WINDOW - timedelta(seconds=1))

    refusal = check_delivery(_helpdesk("zendesk", "zs"), stale)

    assert refusal == Refusal(
        401, "signature timestamp 2026-11-23T08:54:59Z is more than 5 minutes from now; refused as a replay"
    )


def test_a_zendesk_body_signed_with_another_secret_is_refused() -> None:
    refusal = check_delivery(_helpdesk("zendesk", "zs"), _zendesk(NOW, secret="other"))

    assert refusal == Refusal(401, "missing or invalid signature")


def test_a_helpdesk_that_is_not_the_configured_one_is_not_found() -> None:
    delivery = HelpdeskDelivery("gorgias", "/webhooks/helpdesk/gorgias", {}, BODY, NOW)

    assert check_delivery(_helpdesk("zendesk", "zs"), delivery) == Refusal(
        404, "no gorgias helpdesk is configured"
    )
    assert check_delivery(None, delivery) == Refusal(404, "no gorgias helpdesk is configured")


def test_a_gorgias_ticket_needs_the_shared_secret_header() -> None:
    config = _helpdesk("gorgias", "gs")
    right = HelpdeskDelivery("gorgias", "/p", {SECRET_HEADER.lower(): "gs"}, GORGIAS_BODY, NOW)
    wrong = HelpdeskDelivery("gorgias", "/p", {SECRET_HEADER.lower(): "gx"}, GORGIAS_BODY, NOW)

    ticket = check_delivery(config, right)
    assert not isinstance(ticket, Refusal)
    assert ticket.ticket_id == "9001"
    assert check_delivery(config, wrong) == Refusal(401, f"missing or wrong {SECRET_HEADER} header")


def test_an_unreadable_body_is_refused_400() -> None:
    delivery = HelpdeskDelivery("gorgias", "/p", {}, b"not json", NOW)

    refusal = check_delivery(_helpdesk("gorgias", None), delivery)

    assert isinstance(refusal, Refusal)
    assert refusal.status_code == 400


def test_a_refused_delivery_is_kept_with_its_reason_and_the_secret_masked() -> None:
    delivery = HelpdeskDelivery(
        "gorgias", "/webhooks/helpdesk/gorgias", {SECRET_HEADER.lower(): "gx"}, BODY, NOW
    )

    letter = dead_letter(delivery, Refusal(401, "wrong secret"))

    assert (letter.platform, letter.store_id, letter.path, letter.status_code, letter.reason) == (
        "helpdesk:gorgias",
        None,
        "/webhooks/helpdesk/gorgias",
        401,
        "wrong secret",
    )
    assert (letter.headers, letter.body, letter.received_at) == (
        {SECRET_HEADER.lower(): "<redacted; not verified>"},
        BODY,
        NOW,
    )
