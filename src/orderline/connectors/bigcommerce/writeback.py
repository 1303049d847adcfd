"""Orderline's holds written to BigCommerce: the store's hold status and a staff note.

BigCommerce has no hold object. Placing sets the status the store's `hold_status_id`
names (12 Manual Verification Required unless configured) and appends Orderline's marker
to `staff_notes` (`PUT /v2/orders/{id}`), one request; the marker in the staff notes is
how the echo is recognised (`holds.status_holds`). Releasing the last of Orderline's holds
sets back the status the order had (kept in the placement's result), unless the merchant
moved the order on meanwhile, and takes Orderline's marker lines out of the notes. Both
read the order first, so a write repeated after a lost answer does nothing twice. Requests
go through the same paced client as every other call (150 per 30 s by default).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.bigcommerce.fields import rfc2822_datetime
from orderline.connectors.bigcommerce.rest import FetchFailed, NotFound, RestApi
from orderline.connectors.bigcommerce.statuses import HOLD_GROUP
from orderline.domain.platform_writes import (
    PlatformWrite,
    WriteAction,
    WriteOutcome,
    WriteResult,
    marked_key,
)

DEFAULT_HOLD_STATUS_ID = 12
"""Manual Verification Required: "on hold while some aspect needs to be manually confirmed"."""
DEFAULT_RELEASE_STATUS_ID = 11
"""Awaiting Fulfillment: paid, to fulfil."""


class BigCommerceHoldWriter:
    """Places and releases Orderline's holds on one BigCommerce store's orders."""

    def __init__(
        self,
        api: RestApi,
        hold_status_id: int = DEFAULT_HOLD_STATUS_ID,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self._api, self._hold_status_id, self._close = api, hold_status_id, close

    def close(self) -> None:
        self._close()

    def write(self, write: PlatformWrite, placed: Mapping[str, Any]) -> WriteResult:
        path = f"/v2/orders/{write.order_id}"
        try:
            order = self._api.get(path)
            if not isinstance(order, dict):
                return WriteResult(WriteOutcome.TEMPORARY, f"GET {path}: not a JSON object")
            if write.action is WriteAction.PLACE_HOLD:
                return self._place(write, path, order)
            return self._release(write, path, order, placed)
        except NotFound as missing:
            return WriteResult(WriteOutcome.PERMANENT, f"not found: {missing}")
        except FetchFailed as error:
            text = str(error)
            permanent = "HTTP 4" in text and "HTTP 429" not in text
            return WriteResult(WriteOutcome.PERMANENT if permanent else WriteOutcome.TEMPORARY, text[:300])

    def _place(self, write: PlatformWrite, path: str, order: Mapping[str, Any]) -> WriteResult:
        notes, status_id = str(order.get("staff_notes") or ""), _status_id(order)
        keys = _held_keys(notes)
        previous = DEFAULT_RELEASE_STATUS_ID if keys else status_id
        remote: dict[str, Any] = {"groups": [HOLD_GROUP], "previous_status_id": previous}
        if write.hold_key in keys and status_id == self._hold_status_id:
            remote["written_at"] = _modified(order)
            return WriteResult(WriteOutcome.DONE, "already held for Orderline", remote=remote)
        lines = [line for line in notes.splitlines() if marked_key(line) != write.hold_key]
        body = {"status_id": self._hold_status_id, "staff_notes": "\n".join([*lines, write.text()])}
        updated = self._api.send("PUT", path, json=body)
        remote["written_at"] = _modified(updated if isinstance(updated, dict) else order)
        detail = f"order {write.order_id} set to status {self._hold_status_id}"
        return WriteResult(WriteOutcome.DONE, detail, remote=remote)

    def _release(
        self, write: PlatformWrite, path: str, order: Mapping[str, Any], placed: Mapping[str, Any]
    ) -> WriteResult:
        notes = str(order.get("staff_notes") or "")
        if write.hold_key not in _held_keys(notes):
            return WriteResult(WriteOutcome.DONE, "no Orderline hold left to release")
        lines = [line for line in notes.splitlines() if marked_key(line) != write.hold_key]
        body: dict[str, Any] = {"staff_notes": "\n".join([*lines, write.text()])}
        restored = None
        if not _held_keys("\n".join(lines)) and _status_id(order) == self._hold_status_id:
            restored = int(placed.get("previous_status_id") or DEFAULT_RELEASE_STATUS_ID)
            body["status_id"] = restored
        self._api.send("PUT", path, json=body)
        detail = (
            f"order {write.order_id} set to status {restored}" if restored is not None else "note updated"
        )
        return WriteResult(WriteOutcome.DONE, detail, remote={"groups": [HOLD_GROUP]})


def _modified(order: Mapping[str, Any]) -> str | None:
    """The order's `date_modified` by BigCommerce's own clock (ISO, UTC): a later change of
    status is the merchant's, whatever the two clocks say."""
    try:
        modified = rfc2822_datetime(dict(order), "date_modified", "order")
    except PayloadError:
        return None
    return None if modified is None else modified.isoformat()


def _held_keys(notes: str) -> set[str]:
    return {key for line in notes.splitlines() if (key := marked_key(line)) is not None}


def _status_id(order: Mapping[str, Any]) -> int:
    value = order.get("status_id")
    return value if isinstance(value, int) else -1
