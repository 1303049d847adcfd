"""An order's facts as rows and the read model folded from them: shared by live
processing, replay and an import's bulk path, so the three write the very same rows."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from orderline.domain.facts import Fact, HoldPlaced, HoldsReleased, fact_key_of, fact_to_dict
from orderline.domain.fold import fold
from orderline.domain.lifecycle import Ownership
from orderline.domain.order import Order, order_to_dict
from orderline.persistence.projections import FactRow, OrderProjection


def project_facts(
    store_id: str, order_id: str, facts: Sequence[Fact], ownership: Ownership | None
) -> OrderProjection | None:
    """The read model of an order folded from `facts` (one per fact key); None without an order."""
    order = fold(store_id, order_id, facts, ownership)
    return None if order is None else projection_of(order, len(facts))


def projection_of(order: Order, fact_count: int) -> OrderProjection:
    state = order_to_dict(order)
    return OrderProjection(
        store_id=order.store_id,
        order_id=order.order_id,
        order_number=order.order_number,
        status=order.status.value,
        payment_status=order.payment_status.value,
        fulfillment_status=order.fulfillment_status.value,
        owner=order.owner,
        placed_at=order.placed_at,
        updated_at=order.updated_at,
        email=order.email,
        state=state,
        fact_count=fact_count,
        order=order,
    )


def fact_rows_for(store_id: str, order_id: str, facts: Sequence[Fact], inbox_id: int | None) -> list[FactRow]:
    """The rows that store `facts` of one order, each keyed by its content."""
    rows = []
    for fact in facts:
        body = fact_to_dict(fact)
        rows.append(
            FactRow(
                store_id=store_id,
                order_id=order_id,
                fact_key=content_key(body),
                fact_type=body["type"],
                occurred_at=fact.occurred_at,
                body=body,
                inbox_id=inbox_id,
                fact=fact,
            )
        )
    return rows


def content_key(body: dict[str, Any]) -> str:
    """`facts.fact_key_of(body)`, through orjson whenever that writes the same canonical text.

    fact_key_of hashes `json.dumps(body, sort_keys=True, separators=(",", ":"))`; the
    stdlib encoder was a tenth of an import's CPU. orjson with sorted keys writes the very
    same bytes when they are printable ASCII without a backslash (the stdlib escapes
    everything else, and differently); a fact body holds no floats, whose spelling differs.
    """
    try:
        canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # an int beyond 64 bits, say
        return fact_key_of(body)
    if not canonical.isascii() or b"\\" in canonical or b"\x7f" in canonical:
        return fact_key_of(body)
    return hashlib.sha256(canonical).hexdigest()[:32]


def fulfillment_orders(rows: Sequence[FactRow]) -> list[tuple[str, str, str]]:
    """(store_id, fulfillment_order_id, order_id) named by hold facts among `rows`."""
    found = set()
    for row in rows:
        if row.fact_type in (HoldPlaced.__name__, HoldsReleased.__name__):
            found.add((row.store_id, str(row.body["hold_group"]), row.order_id))
    return sorted(found)
