"""Typed readers for fields of Shopify JSON payloads.

Every reader names where it looked (`where`, e.g. "order 450789469") so that a
PayloadError says exactly which field of which resource was wrong.
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
        raise PayloadError(f"{where}: expected a JSON object, got {_type_name(value)}")
    return value


def object_list(obj: JsonObject, key: str, where: str) -> list[JsonObject]:
    """A list of objects; a missing or null key reads as an empty list."""
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: {key} must be a list, got {_type_name(value)}")
    return [as_object(item, f"{where}: {key}[{i}]") for i, item in enumerate(value)]


def required_id(obj: JsonObject, key: str, where: str) -> str:
    """A numeric Shopify id (int or digit string) as a string."""
    value = obj.get(key)
    if value is None:
        raise PayloadError(f"{where}: {key} is missing")
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise PayloadError(f"{where}: {key} must be a numeric id, got {value!r}")
    return str(value)


def required_int(obj: JsonObject, key: str, where: str) -> int:
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}: {key} must be an integer, got {value!r}")
    return value


def optional_str(obj: JsonObject, key: str, where: str) -> str | None:
    """A string field; null and "" read as None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {key} must be a string, got {_type_name(value)}")
    return value


def parse_datetime(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time; one without an offset is taken as UTC."""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an ISO 8601 date-time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def required_datetime(obj: JsonObject, key: str, where: str) -> datetime:
    if obj.get(key) is None:
        raise PayloadError(f"{where}: {key} is missing")
    return parse_datetime(obj[key], f"{where}: {key}")


def optional_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    if obj.get(key) is None:
        return None
    return parse_datetime(obj[key], f"{where}: {key}")


def money(obj: JsonObject, key: str, where: str) -> Decimal:
    """A Shopify money string ("409.94"); missing or null reads as 0."""
    value = obj.get(key)
    if value is None:
        return Decimal("0")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise PayloadError(f"{where}: {key} must be a decimal amount, got {value!r}")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(f"{where}: {key} {value!r} is not a decimal amount") from None
    if not amount.is_finite():
        raise PayloadError(f"{where}: {key} {value!r} is not a finite amount")
    return amount


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


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
