"""Typed readers for fields of WooCommerce REST v3 JSON.

Every reader names where it looked (`where`, e.g. "order 727: line_items[1]") so that a
PayloadError says exactly which field of which resource was wrong. WooCommerce writes
its `*_gmt` dates without an offset; they are UTC. The generic readers live in
`orderline.connectors.payload`; what reads differently on WooCommerce is here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_amount, echo
from orderline.connectors.payload import (
    JsonObject,
    as_object,
    object_list,
    optional_iso_datetime,
    optional_str,
    parse_iso_datetime,
    required_digits,
    required_iso_datetime,
    required_quantity,
    required_str,
    type_name,
)

__all__ = [
    "JsonObject",
    "as_object",
    "decimal_value",
    "meta_entries",
    "meta_value",
    "money",
    "object_list",
    "optional_gmt",
    "optional_str",
    "parse_gmt",
    "required_gmt",
    "required_id",
    "required_quantity",
    "required_str",
    "type_name",
]


def required_id(obj: JsonObject, key: str, where: str) -> str:
    """A positive numeric WordPress id (int or digit string) as a string."""
    return str(int(required_digits(obj, key, where)))


def parse_gmt(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time in UTC; one without an offset (Woo's `*_gmt` fields) is UTC."""
    return parse_iso_datetime(value, where).astimezone(UTC)


def required_gmt(obj: JsonObject, key: str, where: str) -> datetime:
    return required_iso_datetime(obj, key, where).astimezone(UTC)


def optional_gmt(obj: JsonObject, key: str, where: str) -> datetime | None:
    """Missing, null or "" reads as None."""
    if obj.get(key) == "":
        return None
    parsed = optional_iso_datetime(obj, key, where)
    return None if parsed is None else parsed.astimezone(UTC)


def decimal_value(value: Any, where: str) -> Decimal:
    """A money or quantity value: Woo sends strings ("29.35") and, for `price`, numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"{where}: expected a decimal amount, got {echo(value)}")
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{where}: {echo(value)} is not a decimal amount") from None
    return check_amount(amount, value, where)


def money(obj: JsonObject, key: str, where: str) -> Decimal:
    """A money field; missing, null or "" reads as 0."""
    value = obj.get(key)
    if value is None or value == "":
        return Decimal("0")
    return decimal_value(value, f"{where}: {key}")


def meta_entries(obj: JsonObject, where: str) -> list[JsonObject]:
    """The `meta_data` list of an order, a line item or a fulfillment."""
    return object_list(obj, "meta_data", where)


def meta_value(obj: JsonObject, key: str, where: str) -> Any:
    """The value of the last `meta_data` entry named `key` (WordPress keeps the last
    write of a unique key), or None."""
    found: Any = None
    for entry in meta_entries(obj, where):
        if entry.get("key") == key:
            found = entry.get("value")
    return found
