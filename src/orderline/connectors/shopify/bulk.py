"""Reading a shop's order history through a bulk operation (`bulkOperationRunQuery`).

Why not cursor pages: Shopify prices a query before running it by every nested
connection's `first` (2 + first x the price of one node), and refuses one priced over
1,000 points. The order node `graphql_orders` maps (its line items, fulfillments with
their lines, refunds with their lines, fulfillment orders with their holds) is priced
at thousands of points with room for a real order's lists, so cursor pages of it
cannot run at all. A bulk operation has no price limit: Shopify runs the query in the
background and leaves the result as a JSONL file to download.

The JSONL holds one object per line. An order's own fields and its plain lists
(`fulfillments`, `refunds`) sit on its line; each node of a nested connection is a line
of its own that names its parent in `__parentId`: the order for `lineItems` and
`fulfillmentOrders`, the fulfillment or refund for `fulfillmentLineItems` and
`refundLineItems`. Asked with `groupObjects: true` (the default before API 2026-01,
an explicit argument since 2023-07), Shopify writes each object's children directly
below it, so `assemble_orders` rebuilds one order at a time, in the node shape the
mapper reads, without holding the file in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from orderline.connectors.shopify.graphql import ShopifyApiError

RUN_BULK_QUERY = """
mutation RunBulkQuery($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message }
  }
}
"""

BULK_OPERATION = """
query BulkOperation($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { id status errorCode objectCount url }
  }
}
"""

_ORDERS = """
{
  orders(query: %s, sortKey: UPDATED_AT) {
    edges {
      node {
        id legacyResourceId name email createdAt processedAt updatedAt cancelledAt cancelReason
        displayFinancialStatus displayFulfillmentStatus currencyCode tags
        totalPriceSet { shopMoney { amount currencyCode } }
        shippingAddress {
          name firstName lastName company address1 address2 city province zip countryCodeV2 phone
        }
        lineItems {
          edges {
            node {
              __typename id quantity title sku
              originalUnitPriceSet { shopMoney { amount currencyCode } }
            }
          }
        }
        fulfillments {
          id status displayStatus createdAt updatedAt
          trackingInfo { number url company }
          fulfillmentLineItems { edges { node { __typename id lineItem { id } quantity } } }
        }
        refunds {
          id createdAt note
          totalRefundedSet { shopMoney { amount currencyCode } }
          refundLineItems { edges { node { __typename lineItem { id } quantity restockType } } }
        }
        fulfillmentOrders {
          edges { node { __typename id status updatedAt fulfillmentHolds { reason reasonNotes } } }
        }
      }
    }
  }
}
"""
"""Everything `graphql_orders.map_order_node` reads; five connections, two levels deep,
which is as much as a bulk query may hold."""

RUNNING = frozenset({"CREATED", "RUNNING"})
"""Statuses of an operation that has not finished; COMPLETED has a file (or none, when
no order matched), every other status (FAILED, CANCELED, CANCELING, EXPIRED) none."""

# A child line's __typename -> (the parent's connection field, whether the parent is the order).
_CHILDREN: dict[str, tuple[str, bool]] = {
    "LineItem": ("lineItems", True),
    "FulfillmentOrder": ("fulfillmentOrders", True),
    "FulfillmentLineItem": ("fulfillmentLineItems", False),
    "RefundLineItem": ("refundLineItems", False),
}


def orders_query(search: str) -> str:
    """The bulk query for the orders `search` finds (e.g. `updated_at:>'2026-01-01T00:00:00Z'`)."""
    return _ORDERS % orjson.dumps(search).decode()


def assemble_orders(lines: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """Order nodes from a grouped bulk result, each as the orders query's `nodes` hold it:
    `lineItems`, `fulfillmentOrders`, and each fulfillment's and refund's lines as
    `{"nodes": [...]}`. Raises ShopifyApiError on a line that is not JSON, or a child
    whose parent is not the order above it (output that was not grouped)."""
    order: dict[str, Any] | None = None
    parents: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ShopifyApiError(f"bulk result line {number} is not JSON: {exc}") from None
        if not isinstance(item, dict):
            raise ShopifyApiError(f"bulk result line {number} is not a JSON object")
        parent_id = item.pop("__parentId", None)
        if parent_id is None:
            if order is not None:
                yield order
            order = item
            parents = _open_order(order)
            continue
        kind = item.pop("__typename", None)
        field, under_order = _CHILDREN.get(kind, ("", False)) if isinstance(kind, str) else ("", False)
        if not field:
            raise ShopifyApiError(f"bulk result line {number}: unexpected child type {kind!r}")
        parent = order if under_order else parents.get(parent_id)
        if parent is None or (under_order and parent.get("id") != parent_id):
            raise ShopifyApiError(
                f"bulk result line {number}: {kind} of {parent_id} does not follow its parent"
                " (the bulk operation's output is not grouped)"
            )
        parent[field]["nodes"].append(item)
    if order is not None:
        yield order


def _open_order(order: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Give `order` empty connections for its children to land in; returns its
    fulfillments and refunds by id (the parents of the lines of each)."""
    order["lineItems"] = {"nodes": []}
    order["fulfillmentOrders"] = {"nodes": []}
    parents: dict[str, dict[str, Any]] = {}
    for field, lines in (("fulfillments", "fulfillmentLineItems"), ("refunds", "refundLineItems")):
        for owner in order.get(field) or []:
            if isinstance(owner, dict) and isinstance(owner.get("id"), str):
                owner[lines] = {"nodes": []}
                parents[owner["id"]] = owner
    return parents
