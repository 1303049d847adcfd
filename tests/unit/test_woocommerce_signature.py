"""WooCommerce webhook verification: HMAC-SHA256 in base64, secret rotation, and the
unsigned save-time ping."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from orderline.connectors.woocommerce import WooCommerceConnector
from orderline.connectors.woocommerce.signature import is_signed_by_any, ping_webhook_id, sign

connector = WooCommerceConnector({})
BODY = b'{"id":727,"status":"processing"}'
BODY_SIGNATURE = "Ph+PlpivQia1dHckyU6LmTljkmPCmoPgLr/6G4bGlCk="


def signed(signature: str) -> dict[str, str]:
    return {"x-wc-webhook-signature": signature, "x-wc-webhook-topic": "order.updated"}


def test_official_vector_empty_secret_signs_the_word_secret() -> None:
    # plugins/woocommerce/tests/legacy/unit-tests/webhooks/crud.php::test_generate_signature
    assert sign("", b"secret") == "GBDo00G55h6IiV+6CxqivQPLbI//KzaOZm747971tPs="


def test_sign_matches_an_independent_hmac() -> None:
    expected = base64.b64encode(hmac.new(b"my-wc-secret", BODY, hashlib.sha256).digest()).decode()

    assert sign("my-wc-secret", BODY) == expected == BODY_SIGNATURE


def test_body_signed_with_the_secret_verifies() -> None:
    assert connector.verify(signed(BODY_SIGNATURE), BODY, ["my-wc-secret"]) is True


def test_any_of_several_secrets_verifies_during_rotation() -> None:
    assert connector.verify(signed(BODY_SIGNATURE), BODY, ["new-secret", "my-wc-secret"]) is True


def test_wrong_secret_is_rejected() -> None:
    assert connector.verify(signed(BODY_SIGNATURE), BODY, ["other-secret"]) is False


def test_one_changed_byte_is_rejected() -> None:
    assert connector.verify(signed(BODY_SIGNATURE), BODY.replace(b"727", b"728"), ["my-wc-secret"]) is False


def test_missing_signature_is_rejected() -> None:
    assert connector.verify({"x-wc-webhook-topic": "order.updated"}, BODY, ["my-wc-secret"]) is False


@pytest.mark.parametrize("signature", ["", "   ", "not base64!", base64.b64encode(b"short").decode()])
def test_malformed_signature_is_rejected(signature: str) -> None:
    assert connector.verify(signed(signature), BODY, ["my-wc-secret"]) is False


def test_an_empty_configured_secret_never_verifies() -> None:
    """WooCommerce's own default secret is empty, but everyone can sign with an empty key."""
    assert is_signed_by_any(sign("", BODY), BODY, [""]) is False


def test_secret_with_html_entities_verifies_in_both_spellings() -> None:
    """WooCommerce signs with wp_specialchars_decode($secret, ENT_QUOTES)."""
    signature = sign("a&b<c>\"d'", BODY)

    assert is_signed_by_any(signature, BODY, ["a&amp;b&lt;c&gt;&quot;d&#039;"]) is True
    assert is_signed_by_any(signature, BODY, ["a&b<c>\"d'"]) is True
    assert is_signed_by_any(sign("x&lt;y", BODY), BODY, ["x&amp;lt;y"]) is True


def test_the_unsigned_ping_verifies() -> None:
    assert (
        connector.verify({"user-agent": "WooCommerce/9.9.5 Hookshot"}, b"webhook_id=42", ["my-wc-secret"])
        is True
    )


@pytest.mark.parametrize(
    "body", [b"webhook_id=", b"webhook_id=42&x=1", b"webhook_id=abc", b" webhook_id=42", b'{"webhook_id":42}']
)
def test_a_body_that_is_not_exactly_a_ping_needs_a_signature(body: bytes) -> None:
    assert connector.verify({}, body, ["my-wc-secret"]) is False


def test_a_ping_shaped_body_with_a_wrong_signature_is_rejected() -> None:
    assert connector.verify(signed(BODY_SIGNATURE), b"webhook_id=42", ["my-wc-secret"]) is False


def test_ping_webhook_id_reads_only_an_exact_ping() -> None:
    assert ping_webhook_id(b"webhook_id=1234") == "1234"
    assert ping_webhook_id(b"webhook_id=1234\n") is None
