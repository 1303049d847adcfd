"""Typed readers for fields of Shopify JSON payloads.

Every reader names where it looked (`where`, e.g. "order 450789469") so that a
PayloadError says exactly which field of which resource was wrong. The generic readers
live in `orderline.connectors.payload`; Shopify's ids and gids are read here.
"""

from __future__ import annotations

from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.payload import (
    JsonObject,
    as_object,
    money,
    object_list,
    optional_str,
    required_int,
)
from orderline.connectors.payload import optional_iso_datetime as optional_datetime
from orderline.connectors.payload import parse_iso_datetime as parse_datetime
from orderline.connectors.payload import required_digits as required_id
from orderline.connectors.payload import required_iso_datetime as required_datetime

__all__ = [
    "JsonObject",
    "as_object",
    "gid_tail",
    "money",
    "object_list",
    "optional_datetime",
    "optional_str",
    "parse_datetime",
    "required_datetime",
    "required_id",
    "required_int",
]


def gid_tail(value: Any, resource: str, where: str) -> str:
    """The numeric id of `gid://shopify/{resource}/123`, `"123"` or `123`."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    if isinstance(value, str):
        prefix = f"gid://shopify/{resource}/"
        tail = value[len(prefix) :] if value.startswith(prefix) else value
        tail = tail.split("?", 1)[0]
        if tail.isdigit():
            return tail
    raise PayloadError(f"{where}: expected a numeric id or gid://shopify/{resource}/N, got {value!r}")
