"""The WooCommerce traffic generator: realistic, deterministic, verifiable histories, and a
`coalesce` that delivers them the way WooCommerce does."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

from orderline.connectors.woocommerce import WooCommerceConnector
from orderline.simulation.woocommerce import WooWebhook, coalesce, generate_order_history

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
SITE = "https://shop.example/"
connector = WooCommerceConnector({})


def history(seed: int) -> list[WooWebhook]:
    return generate_order_history(random.Random(seed), order_id=4000 + seed, start=START, site_url=SITE)


def statuses(webhooks: list[WooWebhook]) -> list[str]:
    return [json.loads(webhook.body)["status"] for webhook in webhooks]


def test_the_same_seed_tells_the_same_story() -> None:
    assert history(11) == history(11)
    assert history(11) != history(12)


def test_the_first_save_is_order_created_and_the_rest_order_updated() -> None:
    for seed in range(50):
        topics = [webhook.topic for webhook in history(seed)]

        assert topics == ["order.created"] + ["order.updated"] * (len(topics) - 1)


def test_saves_are_strictly_later_and_dated_by_the_body() -> None:
    for seed in range(50):
        webhooks = history(seed)
        times = [webhook.triggered_at for webhook in webhooks]

        assert times == sorted(set(times))
        for webhook in webhooks:
            modified = json.loads(webhook.body)["date_modified_gmt"]
            assert datetime.fromisoformat(modified).replace(tzinfo=UTC) == webhook.triggered_at


def test_bodies_are_full_v3_orders_of_three_to_six_kilobytes() -> None:
    sizes = [len(webhook.body) for seed in range(100) for webhook in history(seed)]

    assert min(sizes) >= 3000 and max(sizes) <= 6500
    assert 3000 <= sorted(sizes)[len(sizes) // 2] <= 5000


def test_bodies_are_what_wp_json_encode_sends() -> None:
    body = history(3)[0].body

    assert b"https:\\/\\/shop.example\\/wp-json\\/wc\\/v3\\/orders\\/4003" in body
    assert body == body.strip() and b"\n" not in body


def test_headers_are_the_ones_woocommerce_sends_and_verify() -> None:
    webhook = history(0)[-1]

    headers = webhook.headers("wc-secret", SITE, 17)

    assert set(headers) == {
        "Content-Type",
        "User-Agent",
        "X-WC-Webhook-Source",
        "X-WC-Webhook-Topic",
        "X-WC-Webhook-Resource",
        "X-WC-Webhook-Event",
        "X-WC-Webhook-Signature",
        "X-WC-Webhook-ID",
        "X-WC-Webhook-Delivery-ID",
    }
    assert (
        headers["User-Agent"].startswith("WooCommerce/") and "Hookshot (WordPress/" in headers["User-Agent"]
    )
    assert (headers["X-WC-Webhook-Resource"], headers["X-WC-Webhook-Event"]) == ("order", "updated")
    assert (headers["X-WC-Webhook-Source"], headers["X-WC-Webhook-ID"]) == (SITE, "17")
    lowered = {name.lower(): value for name, value in headers.items()}
    assert connector.verify(lowered, webhook.body, ["wc-secret"]) is True
    assert connector.verify(lowered, webhook.body, ["other"]) is False
    assert connector.store_identity(lowered, None) == SITE


def test_delivery_meta_dates_each_webhook_by_its_save() -> None:
    for webhook in history(8):
        lowered = {name.lower(): value for name, value in webhook.headers("s", SITE, 1).items()}

        assert connector.delivery_meta(lowered, webhook.body).triggered_at == webhook.triggered_at


def test_histories_cover_the_stories_the_connector_must_handle() -> None:
    seen: Counter[str] = Counter()
    for seed in range(400):
        webhooks = history(seed)
        bodies = [json.loads(webhook.body) for webhook in webhooks]
        seen.update(statuses(webhooks))
        seen["backordered"] += any("Backordered" in json.dumps(b["line_items"]) for b in bodies)
        seen["tracked"] += any("_wc_shipment_tracking_items" in json.dumps(b["meta_data"]) for b in bodies)
        seen["partial refund"] += any(b["refunds"] and b["status"] == "completed" for b in bodies)
        seen["manual hold"] += any(b["status"] == "on-hold" and b["date_paid_gmt"] for b in bodies)

    for story in ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed"):
        assert seen[story] > 0, story
    for story in ("backordered", "tracked", "partial refund", "manual hold"):
        assert seen[story] >= 10, story


def test_coalesce_always_delivers_the_last_state_and_only_states_of_the_history() -> None:
    for seed in range(200):
        webhooks = history(seed)

        delivered = coalesce(random.Random(seed), webhooks)

        assert webhooks[-1] in delivered
        assert set(delivered) <= set(webhooks)


def test_coalesce_drops_states_and_duplicates_some() -> None:
    dropped = duplicated = 0
    for seed in range(200):
        webhooks = history(seed)
        delivered = coalesce(random.Random(seed), webhooks)
        dropped += len(set(webhooks) - set(delivered))
        duplicated += len(delivered) - len(set(delivered))

    assert dropped > 100
    assert duplicated > 10
