"""Orderline's holds written to Shopify: fulfillment-order holds.

Placing reads the order's fulfillment orders and holds each open one that does not carry
Orderline's hold yet (`fulfillmentOrderHold` with a `handle` of Orderline's and the
marker in `reasonNotes`); releasing releases only Orderline's own holds, by id
(`fulfillmentOrderReleaseHold(id, holdIds)`: without ids Shopify releases every hold,
the merchant's too). Both look before they write, so a write repeated after a lost
answer finds its work done and does nothing: that is the idempotency.

The outbox retries a failed write later; within one attempt the GraphQL endpoint waits
out a 429's `Retry-After` and Shopify's THROTTLED answers, a few times at most.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from orderline.connectors.retry import RetryPolicy
from orderline.connectors.shopify.graphql import AdminApiSettings, GraphQLEndpoint, ShopifyApiError
from orderline.connectors.shopify.statuses import HOLD_REASON, hold_reason
from orderline.domain.platform_writes import (
    PlatformWrite,
    WriteAction,
    WriteOutcome,
    WriteResult,
    is_orderline_text,
)
from orderline.domain.vocabulary import HoldReason

WRITE_RETRY = RetryPolicy(max_attempts=3, base_delay_s=1.0, max_delay_s=30.0)
"""Within one outbox attempt; the outbox's own policy retries for hours."""
HANDLE_PREFIX = "orderline-hold-"
HOLDABLE = frozenset({"OPEN", "ON_HOLD", "SCHEDULED"})

FULFILLMENT_HOLD_REASON: dict[HoldReason, str] = {reason: name for name, reason in HOLD_REASON.items()}
"""Canonical hold reason -> FulfillmentHoldReason; anything else is OTHER."""

ORDER_FULFILLMENT_ORDERS = """
query OrderFulfillmentOrders($id: ID!) {
  order(id: $id) {
    fulfillmentOrders(first: 50) {
      nodes { id status fulfillmentHolds { id handle reason reasonNotes } }
    }
  }
}
"""

HOLD = """
mutation OrderlineHold($id: ID!, $fulfillmentHold: FulfillmentOrderHoldInput!) {
  fulfillmentOrderHold(id: $id, fulfillmentHold: $fulfillmentHold) {
    fulfillmentHold { id handle }
    fulfillmentOrder { id status }
    userErrors { field message }
  }
}
"""

RELEASE = """
mutation OrderlineReleaseHold($id: ID!, $holdIds: [ID!]) {
  fulfillmentOrderReleaseHold(id: $id, holdIds: $holdIds) {
    fulfillmentOrder { id status }
    userErrors { field message }
  }
}
"""


class WriteRefused(Exception):
    """Shopify answered with userErrors: asking again will not help."""


def hold_handle(hold_group: str) -> str:
    """Orderline's handle for its hold (unique per app and fulfillment order, <= 64 chars)."""
    return HANDLE_PREFIX + hashlib.sha256(hold_group.encode()).hexdigest()[:24]


class ShopifyHoldWriter:
    """Places and releases Orderline's holds on one shop's fulfillment orders."""

    def __init__(
        self,
        settings: AdminApiSettings,
        *,
        http: httpx.Client | httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._owns_http = not isinstance(http, httpx.Client)
        client = http if isinstance(http, httpx.Client) else httpx.Client(transport=http)
        self._http = client
        self._endpoint = GraphQLEndpoint(settings, client, sleep)

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def write(self, write: PlatformWrite, placed: Mapping[str, Any]) -> WriteResult:
        try:
            if write.action is WriteAction.PLACE_HOLD:
                return self._place(write)
            return self._release(write)
        except WriteRefused as refused:
            return WriteResult(WriteOutcome.PERMANENT, f"Shopify refused: {refused}")
        except ShopifyApiError as error:
            return WriteResult(WriteOutcome.TEMPORARY, str(error)[:300])

    def _place(self, write: PlatformWrite) -> WriteResult:
        handle = hold_handle(write.hold_group)
        held: dict[str, str] = {}
        for node in self._fulfillment_orders(write.order_id):
            if node.get("status") not in HOLDABLE:
                continue
            fo_id = str(node["id"])
            ours = _our_holds(node, handle)
            held[fo_id] = ours[0] if ours else self._hold(fo_id, write, handle)
        # The reason Shopify's webhooks will name for this hold, read back as Orderline reads
        # them: how a later release is told to have taken this hold or left it.
        remote = _remote(held) | {"reason": hold_reason(_fulfillment_hold_reason(write)).value}
        if not held:
            return WriteResult(WriteOutcome.DONE, "no open fulfillment order to hold", remote=remote)
        return WriteResult(WriteOutcome.DONE, f"held fulfillment orders {_tails(held)}", remote=remote)

    def _release(self, write: PlatformWrite) -> WriteResult:
        handle = hold_handle(write.hold_group)
        released: dict[str, str] = {}
        for node in self._fulfillment_orders(write.order_id):
            fo_id = str(node["id"])
            ours = _our_holds(node, handle)
            if ours:
                data = self._endpoint.query(RELEASE, {"id": fo_id, "holdIds": ours})
                _refused(data.get("fulfillmentOrderReleaseHold"))
                released[fo_id] = ",".join(ours)
        if not released:
            return WriteResult(WriteOutcome.DONE, "no Orderline hold left to release")
        return WriteResult(
            WriteOutcome.DONE, f"released fulfillment orders {_tails(released)}", remote=_remote(released)
        )

    def _hold(self, fo_id: str, write: PlatformWrite, handle: str) -> str:
        hold = {
            "reason": _fulfillment_hold_reason(write),
            "reasonNotes": write.text()[:255],
            "notifyMerchant": False,
            "handle": handle,
        }
        data = self._endpoint.query(HOLD, {"id": fo_id, "fulfillmentHold": hold})
        payload = _refused(data.get("fulfillmentOrderHold"))
        created = payload.get("fulfillmentHold") or {}
        return str(created.get("id") or "")

    def _fulfillment_orders(self, order_id: str) -> list[dict[str, Any]]:
        gid = order_id if order_id.startswith("gid://") else f"gid://shopify/Order/{order_id}"
        order = self._endpoint.query(ORDER_FULFILLMENT_ORDERS, {"id": gid}).get("order")
        if not isinstance(order, dict):
            raise WriteRefused(f"order {order_id} not found")
        nodes = (order.get("fulfillmentOrders") or {}).get("nodes") or []
        return [node for node in nodes if isinstance(node, dict) and node.get("id")]


def _fulfillment_hold_reason(write: PlatformWrite) -> str:
    return FULFILLMENT_HOLD_REASON.get(write.reason, "OTHER")


def _our_holds(node: Mapping[str, Any], handle: str) -> list[str]:
    """Ids of the holds on a fulfillment order that are Orderline's hold: by handle, or
    by the marker in its notes (a hold placed by hand from Orderline's note)."""
    holds = node.get("fulfillmentHolds") or []
    return [
        str(hold["id"])
        for hold in holds
        if isinstance(hold, dict)
        and hold.get("id")
        and (hold.get("handle") == handle or is_orderline_text(hold.get("reasonNotes")))
    ]


def _refused(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise WriteRefused("the mutation returned nothing")
    errors = payload.get("userErrors") or []
    if errors:
        raise WriteRefused("; ".join(str(e.get("message")) for e in errors if isinstance(e, dict))[:300])
    return payload


def _tails(held: Mapping[str, str]) -> str:
    return ", ".join(fo.rsplit("/", 1)[-1] for fo in held)


def _remote(held: Mapping[str, str]) -> dict[str, Any]:
    """The fulfillment orders (their numeric ids are the platform's hold groups) and holds."""
    return {"groups": [fo.rsplit("/", 1)[-1] for fo in held], "holds": dict(held)}


def writer_settings(settings: AdminApiSettings) -> AdminApiSettings:
    """The store's API settings with the write-back's short in-attempt retry."""
    return AdminApiSettings(
        shop_domain=settings.shop_domain,
        access_token=settings.access_token,
        api_version=settings.api_version,
        api_base_url=settings.api_base_url,
        timeout_s=settings.timeout_s,
        connect_timeout_s=settings.connect_timeout_s,
        retry=WRITE_RETRY,
    )
