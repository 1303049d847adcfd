"""Typed readers for fields of platform JSON payloads, shared by the connectors.

Every reader names where it looked (`where`, e.g. "order 450789469") so that a
PayloadError says exactly which field of which resource was wrong. The platform
packages' `fields` modules re-export these and add what only their platform needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderline.connectors.base import PayloadError

JsonObject = Mapping[str, Any]


def type_name(value: Any) -> str:
    """The JSON-ish name of a value's type, for error messages ("null" for None)."""
    return "null" if value is None else type(value).__name__


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


def required_digits(obj: JsonObject, key: str, where: str) -> str:
    """A numeric id (int or digit string) as a string, digits as sent."""
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


def parse_iso_datetime(value: Any, where: str) -> datetime:
    """An ISO 8601 date-time, offset kept; one without an offset is taken as UTC."""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an ISO 8601 date-time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def required_iso_datetime(obj: JsonObject, key: str, where: str) -> datetime:
    if obj.get(key) is None:
        raise PayloadError(f"{where}: {key} is missing")
    return parse_iso_datetime(obj[key], f"{where}: {key}")


def optional_iso_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    """Missing or null reads as None."""
    if obj.get(key) is None:
        return None
    return parse_iso_datetime(obj[key], f"{where}: {key}")


def money(obj: JsonObject, key: str, where: str, *, blank_is_zero: bool = False) -> Decimal:
    """A money string ("409.94") or JSON number; missing or null (and "" when
    `blank_is_zero`) reads as 0."""
    value = obj.get(key)
    if value is None or (blank_is_zero and value == ""):
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
