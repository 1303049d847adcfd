"""The `scorecard:` section: the report's zone, the order-type rules, the targets per KPI
and the weekly delivery.

```yaml
scorecard:
  timezone: Europe/Berlin      # tickets with no store, the all-stores delivery
  order_types:                 # replaces the defaults when given
    - name: international
      not_ship_countries: [DE]
    - name: multi_item
      units_at_least: 2
  targets:                     # per KPI; merged over the defaults, `null` drops one
    ship_first_p50_hours: {green: 24, amber: 48}
  delivery:                    # off without recipients
    weekday: monday
    hour: 8
    email: [ops@acme.example]
    webhook: https://hooks.acme.example/scorecard
    webhook_secret: ${SCORECARD_WEBHOOK_SECRET}   # signs the POST; unsigned without
```

Rules sharing a name are alternatives (`order_types.OrderTypeRule`): the order has the
type when any of them holds. Every figure is lower-is-better, so a target's amber is at
least its green.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orderline.config.calendar import Weekday
from orderline.config.fields import HttpUrlText, TimezoneName, one_of
from orderline.config.platforms import StoreConfig
from orderline.domain.scorecard.figures import Kpi, Target
from orderline.domain.scorecard.order_types import DEFAULT_ORDER_TYPES, STANDARD, OrderTypeRule
from orderline.domain.scorecard.schedule import DeliverySchedule

DEFAULT_TARGETS: dict[Kpi, Target] = {
    Kpi.SHIP_FIRST_P50_HOURS: Target(green=24, amber=48),
    Kpi.SHIP_FIRST_P90_HOURS: Target(green=72, amber=120),
    Kpi.PROBLEM_EXCEPTION_RATE_PCT: Target(green=5, amber=10),
    Kpi.TICKETS_PER_100_ORDERS: Target(green=3, amber=6),
}
"""Starting points for a merchant's own targets (docs/configuration.md says so)."""

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_CONDITIONS = (
    "units_at_least",
    "lines_at_least",
    "total_at_least",
    "currencies",
    "ship_countries",
    "not_ship_countries",
    "sku_prefixes",
    "title_words",
)


def _error(kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(f"orderline_{kind}", message)


def _type_name(value: str) -> str:
    if not _SLUG.fullmatch(value):
        raise _error(
            "slug",
            f"'{value}' is not a valid order type name: use lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit",
        )
    if value == STANDARD:
        raise _error(
            "standard_type", f"'{STANDARD}' is the type of orders no rule matches; pick another name"
        )
    return value


def _code(pattern: re.Pattern[str], noun: str, example: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value.strip()):
            raise _error("code", f"'{value}' is not a {noun}; write it like {example}")
        return value.strip().upper()

    return check


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise _error("email", f"'{value}' is not an e-mail address")
    return value


def _iso_weekday(day: int) -> int:
    return day + 1  # calendar's Weekday counts from Monday = 0; the schedule from Monday = 1


OrderTypeName = Annotated[str, AfterValidator(_type_name)]
CountryCode = Annotated[str, AfterValidator(_code(_COUNTRY, "country code", "DE or US"))]
CurrencyCode = Annotated[str, AfterValidator(_code(_CURRENCY, "currency code", "EUR or USD"))]
KpiName = Annotated[Kpi, BeforeValidator(lambda value: Kpi(one_of([str(k) for k in Kpi], "KPI")(value)))]
EmailAddress = Annotated[str, AfterValidator(_email)]
IsoWeekday = Annotated[Weekday, AfterValidator(_iso_weekday)]


class _Section(BaseModel):
    # A misspelt key must be reported, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderTypeConfig(_Section):
    """One rule: a name and at least one condition, all of which must hold."""

    name: OrderTypeName
    units_at_least: int | None = Field(default=None, ge=1)
    lines_at_least: int | None = Field(default=None, ge=1)
    total_at_least: Decimal | None = Field(default=None, ge=0)
    currencies: list[CurrencyCode] = Field(default_factory=list)
    ship_countries: list[CountryCode] = Field(default_factory=list)
    not_ship_countries: list[CountryCode] = Field(default_factory=list)
    sku_prefixes: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    title_words: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some_condition(self) -> OrderTypeConfig:
        if not any(getattr(self, name) not in (None, []) for name in _CONDITIONS):
            raise _error(
                "no_condition",
                f"order type '{self.name}' has no condition, so it would match every order; "
                f"give at least one of: {', '.join(_CONDITIONS)}",
            )
        return self

    def rule(self) -> OrderTypeRule:
        return OrderTypeRule(
            name=self.name,
            units_at_least=self.units_at_least,
            lines_at_least=self.lines_at_least,
            total_at_least=self.total_at_least,
            currencies=frozenset(self.currencies),
            ship_countries=frozenset(self.ship_countries),
            not_ship_countries=frozenset(self.not_ship_countries),
            sku_prefixes=tuple(self.sku_prefixes),
            title_words=tuple(self.title_words),
        )


def default_order_types() -> list[OrderTypeConfig]:
    """DEFAULT_ORDER_TYPES as the section would write them."""
    return [
        OrderTypeConfig(
            name=rule.name,
            units_at_least=rule.units_at_least,
            lines_at_least=rule.lines_at_least,
            total_at_least=rule.total_at_least,
            currencies=sorted(rule.currencies),
            ship_countries=sorted(rule.ship_countries),
            not_ship_countries=sorted(rule.not_ship_countries),
            sku_prefixes=list(rule.sku_prefixes),
            title_words=list(rule.title_words),
        )
        for rule in DEFAULT_ORDER_TYPES
    ]


class TargetConfig(_Section):
    """Green up to `green`, amber up to `amber`, red beyond."""

    green: float = Field(ge=0)
    amber: float = Field(ge=0)

    @model_validator(mode="after")
    def _amber_after_green(self) -> TargetConfig:
        try:
            self.target()
        except ValueError as error:
            raise _error("target", str(error)) from None
        return self

    def target(self) -> Target:
        return Target(green=self.green, amber=self.amber)


class DeliveryConfig(_Section):
    """The weekly report of the last complete week, sent at `weekday` `hour`:00 in the
    scorecard's zone. `weekday` is kept as an ISO number (1 Monday .. 7 Sunday)."""

    weekday: IsoWeekday = 1
    hour: int = Field(default=8, ge=0, le=23)
    email: list[EmailAddress] = Field(default_factory=list)
    webhook: HttpUrlText | None = None
    webhook_secret: SecretStr | None = None
    """Signs the webhook's POST (Standard Webhooks headers, as escalation notices are);
    unsigned without one."""

    @property
    def is_enabled(self) -> bool:
        """Off until the section names a recipient."""
        return bool(self.email) or self.webhook is not None

    def schedule(self, zone: ZoneInfo) -> DeliverySchedule:
        return DeliverySchedule(weekday=self.weekday, hour=self.hour, zone=zone)


class ScorecardConfig(_Section):
    timezone: TimezoneName | None = None
    """The zone of tickets with no store and of the all-stores report; default: the
    first store's zone, else UTC."""
    order_types: list[OrderTypeConfig] = Field(default_factory=lambda: default_order_types())
    """DEFAULT_ORDER_TYPES unless the file lists its own (an empty list: every order standard)."""
    targets: dict[KpiName, TargetConfig | None] = Field(default_factory=dict)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)

    def order_type_rules(self) -> tuple[OrderTypeRule, ...]:
        return tuple(entry.rule() for entry in self.order_types)

    def target_map(self) -> dict[Kpi, Target]:
        """DEFAULT_TARGETS with this section's targets over them; `null` drops a default."""
        merged: dict[Kpi, Target | None] = {**DEFAULT_TARGETS}
        merged.update({kpi: None if entry is None else entry.target() for kpi, entry in self.targets.items()})
        return {kpi: target for kpi in Kpi if (target := merged.get(kpi)) is not None}

    def zone(self, stores: Sequence[StoreConfig]) -> ZoneInfo:
        """The scorecard's own zone: `timezone`, else the first store's, else UTC."""
        if self.timezone is not None:
            return ZoneInfo(self.timezone)
        return stores[0].zone if stores else ZoneInfo("UTC")
