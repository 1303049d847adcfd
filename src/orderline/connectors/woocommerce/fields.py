"""Typed readers for fields of WooCommerce REST v3 JSON.

Every reader names where it looked (`where`, e.g. "order 727: line_items[1]") so that a
PayloadError says exactly which field of which resource was wrong. WooCommerce writes
its `*_gmt` dates without an offset; they are UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderline.connectors.base import PayloadError

JsonObject = Mapping[str, Any]


def as_object(value: Any, where: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}: expected a JSON object, got {type_name(value)}")
    return value


def object_list(obj: JsonObject, key: str, where: str) -> list[JsonObject]:
    """A list of objects; a missing or null key reads as an empty list."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: {key} must be a list, got {type_name(value)}")
    return [as_object(item, f"{where}: {key}[{i}]") for i, item in enumerate(value)]


def required_id(obj: JsonObject, key: str, where: str) -> str:
    """A positive numeric WordPress id (int or digit string) as a string."""
    value = obj.get(key)
    if value is None:
        raise PayloadError(f"{where}: {key} is missing")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise PayloadError(f"{where}: {key} must be a numeric id, got {value!r}")
    return str(int(value))


def required_int(obj: JsonObject, key: str, where: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}: {key} must be an integer, got {value!r}")
    return value


def required_str(obj: JsonObject, key: str, where: str) -> str:
    value = optional_str(obj, key, where)
    if value is None:
        raise PayloadError(f"{where}: {key} is missing")
    return value


def optional_str(obj: JsonObject, key: str, where: str) -> str | None:
    """A string field; null and "" read as None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {key} must be a string, got {type_name(value)}")
    return value


def parse_gmt(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time; one without an offset (Woo's `*_gmt` fields) is UTC."""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an ISO 8601 date-time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def required_gmt(obj: JsonObject, key: str, where: str) -> datetime:
    if obj.get(key) is None:
        raise PayloadError(f"{where}: {key} is missing")
    return parse_gmt(obj[key], f"{where}: {key}")


def optional_gmt(obj: JsonObject, key: str, where: str) -> datetime | None:
    if obj.get(key) is None or obj.get(key) == "":
        return None
    return parse_gmt(obj[key], f"{where}: {key}")


def decimal_value(value: Any, where: str) -> Decimal:
    """A money or quantity value: Woo sends strings ("29.35") and, for `price`, numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"{where}: expected a decimal amount, got {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(f"{where}: {value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise PayloadError(f"{where}: {value!r} is not a finite amount")
    return amount


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


def type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
