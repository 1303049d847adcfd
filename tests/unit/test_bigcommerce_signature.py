"""BigCommerce webhook verification: Standard Webhooks vectors, replay window, rotation,
and the shared-secret header fallback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from orderline.connectors.bigcommerce import SHARED_SECRET_HEADER, BigCommerceConnector
from orderline.connectors.bigcommerce.signature import sign

FIXTURES = Path(__file__).parents[1] / "fixtures" / "platforms" / "bigcommerce"
STATUS_UPDATED = (FIXTURES / "store_order_statusUpdated.webhook.sample.json").read_bytes()

# Official Standard Webhooks vector (libraries/python/tests/test_webhooks.py::test_sign_function).
SPEC_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = "1614265330"
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

# reference/platforms.md §3.1: a BigCommerce client secret over the statusUpdated fixture.
CLIENT_SECRET = "test-client-secret"
BC_ID = "msg_test_0001"
BC_TIMESTAMP = "1700000000"
BC_SIGNATURE = "v1,xEg9+xFKOFZAV9Er/vksJZ/TweyxEqSD6w+4gZYa3qw="


def at(timestamp: str, offset_s: int = 0) -> datetime:
    return datetime.fromtimestamp(int(timestamp), UTC) + timedelta(seconds=offset_s)


def connector_at(now: datetime) -> BigCommerceConnector:
    return BigCommerceConnector({}, clock=lambda: now)


def spec_headers(signature: str = SPEC_SIGNATURE) -> dict[str, str]:
    return {"webhook-id": SPEC_ID, "webhook-timestamp": SPEC_TIMESTAMP, "webhook-signature": signature}


def bc_headers(signature: str = BC_SIGNATURE) -> dict[str, str]:
    return {"webhook-id": BC_ID, "webhook-timestamp": BC_TIMESTAMP, "webhook-signature": signature}


def test_spec_vector_signs_to_the_published_value() -> None:
    assert sign(SPEC_KEY, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_reference_vector_over_the_status_updated_fixture_signs_to_its_value() -> None:
    assert len(STATUS_UPDATED) == 334
    assert sign(CLIENT_SECRET, BC_ID, BC_TIMESTAMP, STATUS_UPDATED) == BC_SIGNATURE


def test_verify_accepts_the_spec_vector_inside_the_window() -> None:
    assert connector_at(at(SPEC_TIMESTAMP, 60)).verify(spec_headers(), SPEC_BODY, [SPEC_KEY]) is True


def test_verify_accepts_a_client_secret_signature_over_the_fixture() -> None:
    connector = connector_at(at(BC_TIMESTAMP))

    assert connector.verify(bc_headers(), STATUS_UPDATED, [CLIENT_SECRET]) is True


@pytest.mark.parametrize("offset_s", [-300, 300])
def test_verify_accepts_the_edges_of_the_five_minute_window(offset_s: int) -> None:
    assert (
        connector_at(at(BC_TIMESTAMP, offset_s)).verify(bc_headers(), STATUS_UPDATED, [CLIENT_SECRET]) is True
    )


@pytest.mark.parametrize("offset_s", [301, 3600, -301])
def test_verify_rejects_a_replay_outside_the_window(offset_s: int) -> None:
    connector = connector_at(at(BC_TIMESTAMP, offset_s))

    assert connector.verify(bc_headers(), STATUS_UPDATED, [CLIENT_SECRET]) is False


def test_verify_accepts_any_of_several_offered_signatures() -> None:
    other = sign("some-other-secret", BC_ID, BC_TIMESTAMP, STATUS_UPDATED)
    headers = bc_headers(f"v2,abc {other} {BC_SIGNATURE}")

    assert connector_at(at(BC_TIMESTAMP)).verify(headers, STATUS_UPDATED, [CLIENT_SECRET]) is True


def test_verify_accepts_old_and_new_secret_during_rotation() -> None:
    connector = connector_at(at(BC_TIMESTAMP))
    new_signature = sign("new-client-secret", BC_ID, BC_TIMESTAMP, STATUS_UPDATED)
    secrets = ["new-client-secret", CLIENT_SECRET]

    assert connector.verify(bc_headers(), STATUS_UPDATED, secrets) is True
    assert connector.verify(bc_headers(new_signature), STATUS_UPDATED, secrets) is True


def test_verify_rejects_a_changed_body_id_or_timestamp() -> None:
    connector = connector_at(at(BC_TIMESTAMP))
    tampered = STATUS_UPDATED.replace(b'"new_status_id": 11', b'"new_status_id": 10')

    assert tampered != STATUS_UPDATED
    assert connector.verify(bc_headers(), tampered, [CLIENT_SECRET]) is False
    assert (
        connector.verify({**bc_headers(), "webhook-id": "msg_test_0002"}, STATUS_UPDATED, [CLIENT_SECRET])
        is False
    )
    assert (
        connector.verify({**bc_headers(), "webhook-timestamp": "1700000001"}, STATUS_UPDATED, [CLIENT_SECRET])
        is False
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"webhook-signature": ""},
        {"webhook-signature": "v1,not base64!"},
        {"webhook-signature": "v1,xEg9+xFK"},  # valid base64, wrong length
        {"webhook-signature": "xEg9+xFKOFZAV9Er/vksJZ/TweyxEqSD6w+4gZYa3qw="},  # no version
        {"webhook-timestamp": "soon"},
        {"webhook-id": ""},
    ],
)
def test_verify_rejects_malformed_standard_headers(changes: dict[str, str]) -> None:
    headers = {**bc_headers(), **changes}

    assert connector_at(at(BC_TIMESTAMP)).verify(headers, STATUS_UPDATED, [CLIENT_SECRET]) is False


def test_partial_standard_headers_do_not_fall_back_to_the_shared_secret() -> None:
    headers = {"webhook-id": BC_ID, SHARED_SECRET_HEADER: CLIENT_SECRET}

    assert connector_at(at(BC_TIMESTAMP)).verify(headers, STATUS_UPDATED, [CLIENT_SECRET]) is False


def test_shared_secret_header_is_accepted_without_standard_headers() -> None:
    headers = {SHARED_SECRET_HEADER: "hook-secret-2"}

    assert SHARED_SECRET_HEADER == "x-orderline-webhook-secret"
    assert (
        connector_at(at(BC_TIMESTAMP)).verify(headers, STATUS_UPDATED, ["hook-secret-1", "hook-secret-2"])
        is True
    )


@pytest.mark.parametrize("value", ["", "hook-secret", "hook-secret-1 ", "HOOK-SECRET-1"])
def test_shared_secret_header_must_match_apart_from_surrounding_space(value: str) -> None:
    expected = value == "hook-secret-1 "  # surrounding whitespace is not part of a header value
    headers = {SHARED_SECRET_HEADER: value}

    assert connector_at(at(BC_TIMESTAMP)).verify(headers, STATUS_UPDATED, ["hook-secret-1"]) is expected


def test_no_headers_at_all_is_rejected() -> None:
    assert connector_at(at(BC_TIMESTAMP)).verify({}, STATUS_UPDATED, [CLIENT_SECRET]) is False


def test_a_whsec_secret_that_is_not_base64_never_verifies() -> None:
    connector = connector_at(at(SPEC_TIMESTAMP))

    assert connector.verify(spec_headers(), SPEC_BODY, ["whsec_***not-base64***"]) is False
    with pytest.raises(ValueError):
        sign("whsec_***not-base64***", SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
