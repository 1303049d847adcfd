"""Standard Webhooks signing and the receivers' check, without a network: the published
test vector, secrets in both forms, and every way verification refuses a request."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from orderline.channels.webhook import WebhookChannel, WebhookSettings
from orderline.channels.webhook_signing import (
    WebhookSignatureError,
    signature,
    signed_headers,
    signing_key,
    verify_webhook,
    webhook_id,
)

# The Standard Webhooks reference libraries' own test vector.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

NOW = datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)
BODY = b'{"kind":"shipment_sent"}'


def _vector_headers() -> dict[str, str]:
    return {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": VECTOR_SIGNATURE,
    }


def test_signing_reproduces_the_published_test_vector() -> None:
    # when
    signed = signature(signing_key(VECTOR_SECRET), VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY)
    # then
    assert signed == VECTOR_SIGNATURE


def test_the_verifier_accepts_the_published_test_vector_and_answers_its_id() -> None:
    # given the receiver's clock reads the vector's moment
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)
    # when
    answered = verify_webhook(VECTOR_SECRET, _vector_headers(), VECTOR_BODY, now)
    # then
    assert answered == VECTOR_ID


def test_a_whsec_secret_is_base64_decoded_and_a_plain_one_is_its_utf8_bytes() -> None:
    assert signing_key("whsec_" + base64.b64encode(b"\x00\xffkey").decode()) == b"\x00\xffkey"
    assert signing_key("grüße") == "grüße".encode()


def test_a_malformed_whsec_secret_is_refused_when_the_channel_is_built() -> None:
    with pytest.raises(ValueError, match="a whsec_ secret must be base64 after the prefix"):
        WebhookChannel(WebhookSettings("https://hooks.example.test/", secret="whsec_not base64!"))


def test_the_webhook_id_is_stable_for_a_key_and_header_safe() -> None:
    key = "s1:1001:address_invalid:level3:https://hooks.example/escalate?x=1"
    assert webhook_id(key) == webhook_id(key)
    assert webhook_id(key) != webhook_id(key + "x")
    assert webhook_id(key).startswith("msg_") and len(webhook_id(key)) == 36
    assert webhook_id(key)[4:].isalnum()


def test_the_timestamp_is_the_attempts_whole_unix_seconds() -> None:
    # when
    headers = signed_headers(b"k", "key-1", BODY, NOW + timedelta(microseconds=900_000))
    # then
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))


def test_a_tampered_body_fails_verification() -> None:
    # given
    headers = signed_headers(signing_key("s3cret"), "key-1", BODY, NOW)
    # when / then
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook("s3cret", headers, BODY.replace(b"shipment", b"refund"), NOW)


def test_a_request_signed_with_another_secret_fails_verification() -> None:
    headers = signed_headers(signing_key("other"), "key-1", BODY, NOW)

    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook("s3cret", headers, BODY, NOW)


def test_a_changed_id_or_timestamp_fails_verification() -> None:
    headers = signed_headers(signing_key("s3cret"), "key-1", BODY, NOW)
    later = str(int(headers["webhook-timestamp"]) + 1)

    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook("s3cret", headers | {"webhook-id": "msg_other"}, BODY, NOW)
    with pytest.raises(WebhookSignatureError, match="no signature matches"):
        verify_webhook("s3cret", headers | {"webhook-timestamp": later}, BODY, NOW)


@pytest.mark.parametrize("skew", [timedelta(minutes=5, seconds=1), -timedelta(minutes=5, seconds=1)])
def test_a_timestamp_outside_the_tolerance_fails_verification(skew: timedelta) -> None:
    # given a request signed at NOW, checked more than five minutes later (a replay) or earlier
    headers = signed_headers(signing_key("s3cret"), "key-1", BODY, NOW)
    # when / then
    with pytest.raises(WebhookSignatureError, match="webhook-timestamp is more than 0:05:00 from now"):
        verify_webhook("s3cret", headers, BODY, NOW + skew)


def test_a_timestamp_at_the_edge_of_the_tolerance_passes() -> None:
    headers = signed_headers(signing_key("s3cret"), "key-1", BODY, NOW)

    assert verify_webhook("s3cret", headers, BODY, NOW + timedelta(minutes=5)) == webhook_id("key-1")
    assert verify_webhook("s3cret", headers, BODY, NOW - timedelta(minutes=5)) == webhook_id("key-1")


def test_the_tolerance_can_be_narrowed() -> None:
    headers = signed_headers(signing_key("s3cret"), "key-1", BODY, NOW)

    with pytest.raises(WebhookSignatureError, match="more than 0:00:30 from now"):
        verify_webhook("s3cret", headers, BODY, NOW + timedelta(seconds=31), timedelta(seconds=30))


def test_one_matching_signature_among_several_is_enough() -> None:
    # given a sender rotating secrets lists a signature per secret, in any order
    headers = _vector_headers()
    headers["webhook-signature"] = "v1,bm9wZQ== v2,whatever " + VECTOR_SIGNATURE
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)
    # when / then
    assert verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now) == VECTOR_ID


def test_header_names_are_matched_without_case() -> None:
    headers = {name.title(): value for name, value in _vector_headers().items()}
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)

    assert verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now) == VECTOR_ID


@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(name: str) -> None:
    headers = _vector_headers()
    del headers[name]
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)

    with pytest.raises(WebhookSignatureError, match=f"missing header {name}"):
        verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now)


@pytest.mark.parametrize("stamp", ["1614265330.5", "-1614265330", "²", "1" * 40, "soon"])
def test_a_timestamp_that_is_not_whole_unix_seconds_is_refused(stamp: str) -> None:
    headers = _vector_headers() | {"webhook-timestamp": stamp}
    now = datetime.fromtimestamp(VECTOR_TIMESTAMP, UTC)

    with pytest.raises(WebhookSignatureError, match="webhook-timestamp is not whole Unix seconds"):
        verify_webhook(VECTOR_SECRET, headers, VECTOR_BODY, now)
