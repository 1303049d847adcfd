"""Typed readers for fields of BigCommerce JSON (webhook bodies, V2 and V3 resources).

Every reader names where it looked (`where`, e.g. "order 218") so that a PayloadError
says exactly which field of which resource was wrong. V2 resources write dates in
RFC 2822 ("Tue, 05 Mar 2019 21:40:11 +0000") and money as 4-decimal strings; V3 writes
RFC 3339 dates and money as JSON numbers. Both read here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any

from orderline.connectors.base import PayloadError

JsonObject = Mapping[str, Any]


def as_object(value: Any, where: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}: expected a JSON object, got {_type_name(value)}")
    return value


def object_list(value: Any, where: str) -> list[JsonObject]:
    """A JSON array of objects (a V2 collection response, a nested list); null reads as []."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: expected a list, got {_type_name(value)}")
    return [as_object(item, f"{where}[{i}]") for i, item in enumerate(value)]


def required_id(obj: JsonObject, key: str, where: str) -> int:
    """A positive integer id; BigCommerce sends ids as JSON numbers (a digit string is accepted)."""
    value = obj.get(key)
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError(f"{where}: {key} must be a numeric id, got {value!r}")
    return value


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


def money(obj: JsonObject, key: str, where: str) -> Decimal:
    """A V2 money string ("69.8400") or a V3 number (109.11); missing or null reads as 0."""
    value = obj.get(key)
    if value is None or value == "":
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


def rfc2822_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    """A V2 date ("Mon, 11 Mar 2019 15:17:25 +0000"); "" and null read as None."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {key} must be an RFC 2822 date, got {value!r}")
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        raise PayloadError(f"{where}: {key} {value!r} is not an RFC 2822 date") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def required_rfc2822_datetime(obj: JsonObject, key: str, where: str) -> datetime:
    parsed = rfc2822_datetime(obj, key, where)
    if parsed is None:
        raise PayloadError(f"{where}: {key} is missing")
    return parsed


def iso_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    """A V3 date-time ("2022-06-16T16:44:15+00:00"); one without an offset is taken as UTC."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {key} must be an RFC 3339 date-time, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {key} {value!r} is not an RFC 3339 date-time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def unix_datetime(value: Any, where: str) -> datetime:
    """A Unix timestamp in seconds (webhook `created_at`)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where}: expected a Unix timestamp, got {value!r}")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"{where}: {value!r} is out of range for a Unix timestamp") from None


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__
