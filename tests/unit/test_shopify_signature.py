"""Shopify webhook verification: HMAC vector, secret rotation, header spellings."""

from __future__ import annotations

import pytest

from orderline.connectors.shopify import ShopifyConnector
from orderline.connectors.shopify.signature import sign

SECRET = "test-webhook-secret"
BODY = b'{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}'
SIGNATURE = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw="

connector = ShopifyConnector()


def test_published_vector_signs_to_expected_value() -> None:
    assert sign(SECRET, BODY) == SIGNATURE


def test_verify_accepts_published_vector() -> None:
    assert connector.verify({"x-shopify-hmac-sha256": SIGNATURE}, BODY, [SECRET]) is True


def test_verify_accepts_old_and_new_secret_during_rotation() -> None:
    secrets = ["new-secret", SECRET]
    new_signature = sign("new-secret", BODY)

    assert connector.verify({"x-shopify-hmac-sha256": SIGNATURE}, BODY, secrets) is True
    assert connector.verify({"x-shopify-hmac-sha256": new_signature}, BODY, secrets) is True


def test_verify_rejects_a_third_secret() -> None:
    signature = sign("revoked-secret", BODY)

    assert connector.verify({"x-shopify-hmac-sha256": signature}, BODY, ["new-secret", SECRET]) is False


def test_verify_accepts_unprefixed_header_of_shopify_events() -> None:
    assert connector.verify({"shopify-hmac-sha256": SIGNATURE}, BODY, [SECRET]) is True


def test_verify_rejects_a_changed_body() -> None:
    tampered = BODY.replace(b"123.45", b"0.01")

    assert connector.verify({"x-shopify-hmac-sha256": SIGNATURE}, tampered, [SECRET]) is False


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-shopify-hmac-sha256": ""},
        {"x-shopify-hmac-sha256": "not base64 at all!"},
        {"x-shopify-hmac-sha256": "QNyObTlKbMx2qDlP"},  # valid base64, wrong length
        {"x-shopify-hmac-sha256": "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw=é"},
    ],
)
def test_verify_rejects_missing_or_malformed_signature(headers: dict[str, str]) -> None:
    assert connector.verify(headers, BODY, [SECRET]) is False


def test_verify_rejects_everything_without_secrets() -> None:
    assert connector.verify({"x-shopify-hmac-sha256": SIGNATURE}, BODY, []) is False
    assert connector.verify({"x-shopify-hmac-sha256": SIGNATURE}, BODY, [""]) is False
