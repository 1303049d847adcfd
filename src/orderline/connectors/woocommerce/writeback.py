"""Orderline's holds written to WooCommerce: the `on-hold` status, an order note, and the
order meta `_orderline_hold`.

WooCommerce has no hold object. Placing sets `on-hold` with the meta naming Orderline's
holds (`PUT /wp-json/wc/v3/orders/<id>`) and adds a private order note
(`POST /orders/<id>/notes`) for the people in wp-admin; the meta is what the order webhook
carries back, so the echo is recognised (`holds.is_orderline_hold`). The status the order
had is kept in the write's result, and releasing the last of Orderline's holds sets it
back, unless the merchant moved the order on meanwhile. Both look at the order first, so
a write repeated after a lost answer does nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.retry import RetryPolicy
from orderline.connectors.woocommerce.client import ORDERS_PATH, WooCommerceApiError, WooCommerceClient
from orderline.connectors.woocommerce.fields import optional_gmt
from orderline.domain.platform_writes import PlatformWrite, WriteAction, WriteOutcome, WriteResult

ORDERLINE_META = "_orderline_hold"
"""Order meta naming Orderline's holds on the order (exception keys, space-separated)."""
ON_HOLD_STATUS = "on-hold"
STATUS_GROUP = "woo-status"
"""The platform hold group the status maps to (`holds.STATUS_HOLD_GROUP`)."""
DEFAULT_RELEASE_STATUS = "processing"
WRITE_RETRY = RetryPolicy(max_attempts=3, base_delay_s=1.0, max_delay_s=30.0)


class WooHoldWriter:
    """Places and releases Orderline's holds on one WooCommerce site's orders."""

    def __init__(self, client: WooCommerceClient) -> None:
        self._client = client

    def close(self) -> None:
        self._client.close()

    def write(self, write: PlatformWrite, placed: Mapping[str, Any]) -> WriteResult:
        try:
            order = self._client.request("GET", f"{ORDERS_PATH}/{write.order_id}")
            if not isinstance(order, dict):
                return WriteResult(WriteOutcome.PERMANENT, f"order {write.order_id}: not a JSON object")
            if write.action is WriteAction.PLACE_HOLD:
                return self._place(write, order)
            return self._release(write, order, placed)
        except WooCommerceApiError as error:
            text = str(error)
            permanent = "HTTP 4" in text and "HTTP 429" not in text
            return WriteResult(WriteOutcome.PERMANENT if permanent else WriteOutcome.TEMPORARY, text[:300])

    def _place(self, write: PlatformWrite, order: Mapping[str, Any]) -> WriteResult:
        keys = _held_keys(order)
        status = str(order.get("status") or "")
        remote: dict[str, Any] = {"groups": [STATUS_GROUP], "previous_status": _previous(status, order)}
        if write.hold_key in keys and status == ON_HOLD_STATUS:
            remote["written_at"] = _modified(order)
            return WriteResult(WriteOutcome.DONE, "already on-hold for Orderline", remote=remote)
        body = {"status": ON_HOLD_STATUS, "meta_data": [_meta(keys | {write.hold_key})]}
        updated = self._client.request("PUT", f"{ORDERS_PATH}/{write.order_id}", body=body)
        remote["written_at"] = _modified(updated if isinstance(updated, dict) else order)
        self._note(write)
        return WriteResult(WriteOutcome.DONE, f"order {write.order_id} set on-hold", remote=remote)

    def _release(
        self, write: PlatformWrite, order: Mapping[str, Any], placed: Mapping[str, Any]
    ) -> WriteResult:
        keys = _held_keys(order)
        if write.hold_key not in keys:
            return WriteResult(WriteOutcome.DONE, "no Orderline hold left to release")
        left = keys - {write.hold_key}
        body: dict[str, Any] = {"meta_data": [_meta(left)]}
        restored = ""
        if not left and order.get("status") == ON_HOLD_STATUS:
            # Only while the order is still on-hold: a merchant who moved it on decided.
            restored = str(placed.get("previous_status") or DEFAULT_RELEASE_STATUS)
            body["status"] = restored
        self._client.request("PUT", f"{ORDERS_PATH}/{write.order_id}", body=body)
        self._note(write)
        detail = f"order {write.order_id} set {restored}" if restored else "Orderline's hold removed"
        return WriteResult(WriteOutcome.DONE, detail, remote={"groups": [STATUS_GROUP]})

    def _note(self, write: PlatformWrite) -> None:
        note = {"note": write.text(), "customer_note": False}
        self._client.request("POST", f"{ORDERS_PATH}/{write.order_id}/notes", body=note)


def _modified(order: Mapping[str, Any]) -> str | None:
    """When WooCommerce last saved the order, by its own clock (ISO, UTC): a later save that
    moves the order off on-hold is the merchant's, whatever the two clocks say."""
    try:
        modified = optional_gmt(dict(order), "date_modified_gmt", "order")
    except PayloadError:
        return None
    return None if modified is None else modified.isoformat()


def _held_keys(order: Mapping[str, Any]) -> set[str]:
    value: Any = None
    for entry in order.get("meta_data") or []:
        if isinstance(entry, dict) and entry.get("key") == ORDERLINE_META:
            value = entry.get("value")
    return set(value.split()) if isinstance(value, str) else set()


def _meta(keys: set[str]) -> dict[str, str]:
    return {"key": ORDERLINE_META, "value": " ".join(sorted(keys))}


def _previous(status: str, order: Mapping[str, Any]) -> str:
    """The status to go back to: the order's own, unless Orderline put it on-hold already."""
    if status == ON_HOLD_STATUS and _held_keys(order):
        return DEFAULT_RELEASE_STATUS
    return status or DEFAULT_RELEASE_STATUS
