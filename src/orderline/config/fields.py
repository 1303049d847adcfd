"""The value types of the configuration schema, each with a message that says what to write.

Every check raises a `PydanticCustomError` worded for the person editing the YAML; the
loader prints it after the key path. Values of secret-bearing fields (webhook secrets,
API tokens, URLs that may carry credentials) are never echoed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, PlainValidator, SecretStr
from pydantic_core import PydanticCustomError

from orderline.config.errors import closest_match
from orderline.domain.order_exceptions import EXCEPTION_TYPES
from orderline.domain.vocabulary import HoldReason, OrderStatus

E = TypeVar("E", bound=StrEnum)

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_DATABASE_SCHEME = re.compile(r"(?:sqlite|postgresql)(?:\+[a-z0-9_]+)?")


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"orderline_{kind}", message)


def _choice(enum_cls: type[E], noun: str, exclude: tuple[E, ...] = ()) -> Callable[[object], E]:
    """A before-validator accepting exactly the enum's values, suggesting the closest on a typo."""
    parse = one_of([str(member) for member in enum_cls if member not in exclude], noun)
    return lambda value: enum_cls(parse(value))


def one_of(choices: Sequence[str], noun: str) -> Callable[[object], str]:
    """A before-validator accepting exactly `choices`, suggesting the closest on a typo."""

    def parse(value: object) -> str:
        if isinstance(value, str) and value in choices:
            return value
        if not isinstance(value, str):
            raise _error("choice", f"must be one of: {', '.join(choices)}")
        match = closest_match(value, choices)
        hint = f"did you mean '{match}'?" if match else f"expected one of: {', '.join(choices)}"
        raise _error("choice", f"unknown {noun} '{value}'; {hint}")

    return parse


_any_owned_status = _choice(OrderStatus, "order status", exclude=(OrderStatus.ON_HOLD,))


def _owned_status(value: object) -> OrderStatus:
    if value == OrderStatus.ON_HOLD:
        raise _error(
            "on_hold_owner", "on_hold is owned by the hold reason; set owners under ownership.holds instead"
        )
    return _any_owned_status(value)


def _slug(noun: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if _SLUG.fullmatch(value):
            return value
        raise _error(
            "slug",
            f"'{value}' is not a valid {noun}: use lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit",
        )

    return check


def _owner(noun: str) -> Callable[[object], object]:
    """A before-validator naming the gap when an owner is left out (`backorder:` or `''`)."""

    def check(value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _error("unowned", f"leaves this {noun} unowned; name the team that owns it")
        return value

    return check


def _http_url(value: str) -> str:
    # Not echoed: a URL may carry credentials (https://user:token@host).
    try:
        parts = urlsplit(value)
        is_http = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        is_http = False
    if not is_http:
        raise _error("http_url", "must be an http:// or https:// URL, e.g. https://shop.example.com")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        match = closest_match(value, available_timezones())
        hint = f"did you mean '{match}'?" if match else "use an IANA name such as America/New_York"
        raise _error("timezone", f"unknown time zone '{value}'; {hint}") from None
    return value


def _database_url(value: str) -> str:
    # Not echoed: a database URL usually carries a password.
    scheme, separator, _ = value.partition("://")
    if separator and _DATABASE_SCHEME.fullmatch(scheme):
        return value
    if scheme == "postgres":
        raise _error("database_url", "write postgresql:// (SQLAlchemy does not accept postgres://)")
    raise _error("database_url", "must be a sqlite:///path or postgresql://user:password@host/db URL")


def _non_empty_secret(value: SecretStr) -> SecretStr:
    if value.get_secret_value():
        return value
    raise _error("empty_secret", "must not be empty")


def _at_least_one_secret(value: list[SecretStr]) -> list[SecretStr]:
    if value:
        return value
    raise _error("no_secrets", "must list at least one secret")


def _exception_type(value: object) -> StrEnum:
    """A registered exception type, as its spec names it. The registry is read when a file
    is validated, so a type registered at start-up is accepted too."""
    name = one_of(EXCEPTION_TYPES.names(), "exception type")(value)
    return EXCEPTION_TYPES[name].type


OrderStatusName = Annotated[OrderStatus, BeforeValidator(_choice(OrderStatus, "order status"))]
OwnedStatusName = Annotated[OrderStatus, BeforeValidator(_owned_status)]
HoldReasonName = Annotated[HoldReason, BeforeValidator(_choice(HoldReason, "hold reason"))]
# A plain validator: the value stays the spec's StrEnum member (str to pydantic's schema).
ExceptionTypeName = Annotated[str, PlainValidator(_exception_type)]
StoreId = Annotated[str, AfterValidator(_slug("store id"))]
TeamName = Annotated[str, AfterValidator(_slug("team name"))]
StatusOwner = Annotated[str, BeforeValidator(_owner("status")), AfterValidator(_slug("team name"))]
HoldOwner = Annotated[str, BeforeValidator(_owner("hold reason")), AfterValidator(_slug("team name"))]
ExceptionOwner = Annotated[str, BeforeValidator(_owner("exception type")), AfterValidator(_slug("team name"))]
HttpUrlText = Annotated[str, AfterValidator(_http_url)]
TimezoneName = Annotated[str, AfterValidator(_timezone)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
WebhookSecret = Annotated[SecretStr, AfterValidator(_non_empty_secret)]
WebhookSecrets = Annotated[list[WebhookSecret], AfterValidator(_at_least_one_secret)]
