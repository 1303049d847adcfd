"""Per-store settings the WooCommerce mapping depends on (built from configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from orderline.connectors.woocommerce.statuses import MAPPABLE_STATUSES, normalise_status
from orderline.domain.vocabulary import OrderStatus


@dataclass(frozen=True, slots=True)
class WooStoreSettings:
    """`status_map` maps a store's plugin status (e.g. "shipped", "partial-shipped"; a
    `wc-` prefix is accepted) to a canonical OrderStatus value. `backorder_meta_key` is
    the line-item meta WooCommerce writes for a backordered quantity: its name is
    translated (`__('Backordered')`) in the locale the order was placed in.

    Raises ValueError for a target that is not a canonical status, or one a Woo order
    body cannot show (`returned`: there is no restock data)."""

    status_map: Mapping[str, str] = field(default_factory=dict)
    backorder_meta_key: str = "Backordered"
    statuses: Mapping[str, OrderStatus] = field(init=False, repr=False, compare=False)
    """`status_map` with normalised keys and typed values."""

    def __post_init__(self) -> None:
        resolved: dict[str, OrderStatus] = {}
        for platform_status, target in self.status_map.items():
            if target not in MAPPABLE_STATUSES:
                allowed = ", ".join(sorted(MAPPABLE_STATUSES))
                raise ValueError(
                    f"status_map[{platform_status!r}]: {target!r} is not a status a WooCommerce order "
                    f"can be mapped to; expected one of: {allowed}"
                )
            resolved[normalise_status(platform_status)] = OrderStatus(target)
        if not self.backorder_meta_key.strip():
            raise ValueError("backorder_meta_key must not be blank")
        object.__setattr__(self, "statuses", MappingProxyType(resolved))
