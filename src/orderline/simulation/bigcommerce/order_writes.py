"""`PUT /v2/orders/{id}` on the fake store: the order writes Orderline's hold write-back
sends (`connectors.bigcommerce.writeback`), a status change and the staff notes.

As on BigCommerce, `status_id` must be one of the status ids (0-14; 400 otherwise), an
unknown order is 404, and the answer is the whole order. The fake has no clock of its
own: a write moves the order's `date_modified` one second on. `fail_next` answers that
many writes 500 (the store's `is_down` and quota apply before this, as for every call).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from orderline.simulation.bigcommerce.bodies import order_body
from orderline.simulation.bigcommerce.state import FakeStoreState

_ORDER = re.compile(r"/v2/orders/(\d+)")
STATUS_IDS = range(0, 15)


class FakeOrderWrites:
    def __init__(self, state: FakeStoreState) -> None:
        self.state = state
        self.fail_next = 0
        self.writes: list[dict[str, Any]] = []
        """The body of every write applied, in order."""

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any] | None:
        """The answer to a write of an order (path under the store); None for anything else."""
        found = _ORDER.fullmatch(path)
        if method != "PUT" or found is None:
            return None
        if self.fail_next > 0:
            self.fail_next -= 1
            return 500, {"status": 500, "title": "Internal Server Error"}
        order = self.state.orders.get(int(found.group(1)))
        if order is None:
            return 404, {"status": 404, "title": "The requested resource was not found."}
        try:
            change = json.loads(body or b"{}")
        except ValueError:
            return 400, {"status": 400, "title": "The request body is not JSON."}
        status_id = change.get("status_id")
        if status_id is not None and status_id not in STATUS_IDS:
            return 400, {"status": 400, "title": f"status_id {status_id} is not a valid order status."}
        at = order.date_modified + timedelta(seconds=1)
        if status_id is not None:
            self.state.set_status(order.id, int(status_id), None, at)
        if "staff_notes" in change:
            order.staff_notes = str(change["staff_notes"])
            order.date_modified = at
        self.writes.append(change)
        return 200, order_body(order, self.state.store_hash)
