"""Typed readers for fields of platform JSON payloads, shared by the connectors.

Every reader names where it looked (`where`, e.g. "order 450789469") so that a
PayloadError says exactly which field of which resource was wrong. The platform
packages' `fields` modules re-export these and add what only their platform needs.
Bounds (dates, quantities, ids, amounts) are checked through `limits`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_amount, check_moment, check_numeric_id, check_quantity, echo

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
    for i, item in enumerate(value):
        if type(item) is not dict:  # parsed JSON: the check (and its message) costs only then
            as_object(item, f"{where}: {key}[{i}]")
    return list(value)


def required_digits(obj: JsonObject, key: str, where: str) -> str:
    """A numeric id (int or ASCII digit string) as a string, digits as sent."""
    value = obj.get(key)
    if value is None:
        raise PayloadError(f"{where}: {key} is missing")
    return check_numeric_id(value, f"{where}: {key}")


def required_int(obj: JsonObject, key: str, where: str) -> int:
    """An integer code (a status id); quantities are read by `required_quantity`."""
    value = obj.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}: {key} must be an integer, got {echo(value)}")
    return value


def required_quantity(obj: JsonObject, key: str, where: str) -> int:
    """A number of units, 0 to `limits.MAX_QUANTITY`."""
    return check_quantity(obj.get(key), f"{where}: {key}")


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
    """An ISO 8601 date-time within the accepted range, offset kept; one without an
    offset is taken as UTC."""
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an ISO 8601 date-time, got {echo(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {echo(value)} is not an ISO 8601 date-time") from None
    return check_moment(aware(parsed), value, where)


def parse_unix_datetime(value: Any, where: str) -> datetime:
    """A Unix timestamp in seconds (int or float) within the accepted range, in UTC."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where}: expected a Unix timestamp, got {echo(value)}")
    try:
        moment = datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise PayloadError(f"{where}: {echo(value)} is out of range for a Unix timestamp") from None
    return check_moment(moment, value, where)


def aware(moment: datetime) -> datetime:
    """A date-time without an offset is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


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
        raise PayloadError(f"{where}: {key} must be a decimal amount, got {echo(value)}")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise PayloadError(f"{where}: {key} {echo(value)} is not a decimal amount") from None
    return check_amount(amount, value, f"{where}: {key}")
