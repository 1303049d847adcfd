"""Order types: named rules on an order's fields, worked out before the KPIs run.

An order may match several rules (a multi-item pre-order is both); an order matching none
is "standard". A rule's conditions must all hold; rules sharing a name are alternatives
(the order has the type when any of them holds). "International" needs the merchant's
home country, so it is a configuration example (`not_ship_countries`), not a default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from orderline.domain.scorecard.records import OrderTraits

STANDARD = "standard"
"""The type of an order no rule matches."""


@dataclass(frozen=True, slots=True)
class OrderTypeRule:
    """`name` plus at least one condition; text is compared case-insensitively.

    `not_ship_countries` holds when the ship country is known and not listed (how
    "international" is written); `sku_prefixes` when any SKU starts with one of them;
    `title_words` when any line title contains one of them.
    """

    name: str
    units_at_least: int | None = None
    lines_at_least: int | None = None
    total_at_least: Decimal | None = None
    currencies: frozenset[str] = frozenset()
    ship_countries: frozenset[str] = frozenset()
    not_ship_countries: frozenset[str] = frozenset()
    sku_prefixes: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip() or self.name != self.name.strip():
            raise ValueError(f"an order type needs a name without surrounding spaces, got {self.name!r}")
        if not self._conditions():
            raise ValueError(f"order type {self.name!r} has no condition: it would match every order")
        for label, count in (
            ("units_at_least", self.units_at_least),
            ("lines_at_least", self.lines_at_least),
        ):
            if count is not None and count < 1:
                raise ValueError(f"order type {self.name!r}: {label} must be at least 1, got {count}")
        if self.total_at_least is not None and self.total_at_least < 0:
            raise ValueError(f"order type {self.name!r}: total_at_least must not be negative")
        # Folded once here so that matching a million orders compares plain strings.
        for label in ("currencies", "ship_countries", "not_ship_countries"):
            codes: frozenset[str] = getattr(self, label)
            object.__setattr__(self, label, frozenset(code.strip().upper() for code in codes))
        object.__setattr__(self, "sku_prefixes", tuple(prefix.casefold() for prefix in self.sku_prefixes))
        object.__setattr__(self, "title_words", tuple(word.casefold() for word in self.title_words))

    def _conditions(self) -> list[object]:
        optional = (self.units_at_least, self.lines_at_least, self.total_at_least)
        listed = (
            self.currencies,
            self.ship_countries,
            self.not_ship_countries,
            self.sku_prefixes,
            self.title_words,
        )
        return [value for value in optional if value is not None] + [value for value in listed if value]

    def matches(self, traits: OrderTraits) -> bool:
        return (
            (self.units_at_least is None or traits.unit_count >= self.units_at_least)
            and (self.lines_at_least is None or traits.line_count >= self.lines_at_least)
            and (self.total_at_least is None or traits.total_price >= self.total_at_least)
            and (not self.currencies or traits.currency.upper() in self.currencies)
            and self._ships_to(traits.ship_country)
            and (not self.sku_prefixes or _any_starts(traits.skus, self.sku_prefixes))
            and (not self.title_words or _any_contains(traits.titles, self.title_words))
        )

    def _ships_to(self, country: str | None) -> bool:
        code = None if country is None else country.strip().upper() or None
        if self.ship_countries and code not in self.ship_countries:
            return False
        return not self.not_ship_countries or (code is not None and code not in self.not_ship_countries)


def classify(traits: OrderTraits, rules: Sequence[OrderTypeRule]) -> frozenset[str]:
    """The names of every rule `traits` matches; {"standard"} when none does."""
    names = frozenset(rule.name for rule in rules if rule.matches(traits))
    return names or frozenset({STANDARD})


def _any_starts(skus: tuple[str, ...], prefixes: tuple[str, ...]) -> bool:
    return any(sku.casefold().startswith(prefixes) for sku in skus)


def _any_contains(titles: tuple[str, ...], words: tuple[str, ...]) -> bool:
    return any(word in title.casefold() for title in titles for word in words)


DEFAULT_ORDER_TYPES: tuple[OrderTypeRule, ...] = (
    OrderTypeRule("multi_item", units_at_least=2),
    OrderTypeRule("high_value", total_at_least=Decimal("250")),
    # Two rules under one name: a pre-order is told by its title or by its SKU.
    OrderTypeRule("pre_order", title_words=("pre-order", "preorder")),
    OrderTypeRule("pre_order", sku_prefixes=("PRE-",)),
    OrderTypeRule("subscription", title_words=("subscription",)),
)
