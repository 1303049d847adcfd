"""Typed readers for fields of BigCommerce JSON (webhook bodies, V2 and V3 resources).

Every reader names where it looked (`where`, e.g. "order 218") so that a PayloadError
says exactly which field of which resource was wrong. V2 resources write dates in
RFC 2822 ("Tue, 05 Mar 2019 21:40:11 +0000") and money as 4-decimal strings; V3 writes
RFC 3339 dates and money as JSON numbers. Both read here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from orderline.connectors.base import PayloadError
from orderline.connectors.limits import check_moment, check_numeric_id, echo
from orderline.connectors.payload import (
    JsonObject,
    as_object,
    aware,
    optional_str,
    parse_unix_datetime,
    required_int,
    required_quantity,
    type_name,
)
from orderline.connectors.payload import money as _money

__all__ = [
    "JsonObject",
    "as_object",
    "iso_datetime",
    "money",
    "object_list",
    "optional_str",
    "required_id",
    "required_int",
    "required_quantity",
    "required_rfc2822_datetime",
    "rfc2822_datetime",
    "unix_datetime",
]


def object_list(value: Any, where: str) -> list[JsonObject]:
    """A JSON array of objects (a V2 collection response, a nested list); null reads as []."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadError(f"{where}: expected a list, got {type_name(value)}")
    return [as_object(item, f"{where}[{i}]") for i, item in enumerate(value)]


def required_id(obj: JsonObject, key: str, where: str) -> int:
    """A positive integer id; BigCommerce sends ids as JSON numbers (a digit string is accepted)."""
    return int(check_numeric_id(obj.get(key), f"{where}: {key}"))


def money(obj: JsonObject, key: str, where: str) -> Decimal:
    """A V2 money string ("69.8400") or a V3 number (109.11); missing, null or "" reads as 0."""
    return _money(obj, key, where, blank_is_zero=True)


def rfc2822_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    """A V2 date ("Mon, 11 Mar 2019 15:17:25 +0000"); "" and null read as None."""
    return _optional_date(obj, key, where, "RFC 2822 date", parsedate_to_datetime)


def required_rfc2822_datetime(obj: JsonObject, key: str, where: str) -> datetime:
    parsed = rfc2822_datetime(obj, key, where)
    if parsed is None:
        raise PayloadError(f"{where}: {key} is missing")
    return parsed


def iso_datetime(obj: JsonObject, key: str, where: str) -> datetime | None:
    """A V3 date-time ("2022-06-16T16:44:15+00:00"); one without an offset is taken as UTC."""
    return _optional_date(obj, key, where, "RFC 3339 date-time", datetime.fromisoformat)


def unix_datetime(value: Any, where: str) -> datetime:
    """A Unix timestamp in seconds (webhook `created_at`)."""
    return parse_unix_datetime(value, where)


def _optional_date(
    obj: JsonObject, key: str, where: str, kind: str, parse: Callable[[str], datetime]
) -> datetime | None:
    """A date string read by `parse` (which raises ValueError or TypeError on a bad one);
    "" and null read as None, and one without an offset is taken as UTC."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: {key} must be an {kind}, got {echo(value)}")
    try:
        parsed = parse(value)
    except (TypeError, ValueError, OverflowError):
        raise PayloadError(f"{where}: {key} {echo(value)} is not an {kind}") from None
    return check_moment(aware(parsed), value, f"{where}: {key}")
