"""Typed readers for fields of Shopify JSON payloads.

Every reader names where it looked (`where`, e.g. "order 450789469") so that a
PayloadError says exactly which field of which resource was wrong. The generic readers
live in `orderline.connectors.payload`; Shopify's ids and gids are read here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderline.connectors.base import Delivery, PayloadError
from orderline.connectors.limits import MAX_STRING_ID_LENGTH, echo, is_in_range, is_numeric_id
from orderline.connectors.payload import (
    JsonObject,
    as_object,
    money,
    object_list,
    optional_str,
    required_quantity,
    type_name,
)
from orderline.connectors.payload import optional_iso_datetime as optional_datetime
from orderline.connectors.payload import parse_iso_datetime as parse_datetime
from orderline.connectors.payload import required_digits as required_id
from orderline.connectors.payload import required_iso_datetime as required_datetime

__all__ = [
    "JsonObject",
    "as_object",
    "delivery_time",
    "gid_tail",
    "money",
    "object_list",
    "optional_datetime",
    "optional_str",
    "parse_datetime",
    "required_datetime",
    "required_id",
    "required_quantity",
    "type_name",
]


def gid_tail(value: Any, resource: str, where: str) -> str:
    """The numeric id of `gid://shopify/{resource}/123`, `"123"` or `123`."""
    if isinstance(value, int) and not isinstance(value, bool) and is_numeric_id(value):
        return str(value)
    if isinstance(value, str) and len(value) <= MAX_STRING_ID_LENGTH:
        prefix = f"gid://shopify/{resource}/"
        tail = value[len(prefix) :] if value.startswith(prefix) else value
        tail = tail.split("?", 1)[0]
        if is_numeric_id(tail):
            return tail
    raise PayloadError(f"{where}: expected a numeric id or gid://shopify/{resource}/N, got {echo(value)}")


def delivery_time(delivery: Delivery) -> datetime:
    """When Shopify sent the delivery (X-Shopify-Triggered-At), else when it arrived. A
    trigger time outside the accepted range (stored before intake checked it) is ignored."""
    triggered = delivery.triggered_at
    return triggered if triggered is not None and is_in_range(triggered) else delivery.received_at
