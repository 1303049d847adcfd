"""The store keys of each platform, and `StoreEntry`: one entry of `stores:`, validated as
the model of the platform it names (a pydantic discriminated union on `platform`).

`STORE_CONFIGS` lists the platforms' store models; it is the configuration's side of the
platform registry (`orderline.connectors.registry`, whose plugins each name their model
here): the configuration sits below the connectors and cannot import them, so the list
is kept twice, and `tests/unit/test_platform_packages.py` checks the two agree.

An entry whose `platform` is missing or names no platform is validated as
`UnknownPlatformStore`: the platform is reported ("unknown platform 'shopfy'; did you
mean 'shopify'?") with the problems of the common keys, and no platform's keys are
called unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import BeforeValidator, ConfigDict, Discriminator, Tag, TypeAdapter, model_validator

from orderline.config.fields import one_of
from orderline.config.platforms.bigcommerce import BigCommerceStoreConfig
from orderline.config.platforms.shopify import ShopifyStoreConfig
from orderline.config.platforms.store import Credential, StoreConfig, platform_name
from orderline.config.platforms.woocommerce import WooCommerceStoreConfig
from orderline.domain.vocabulary import Platform

__all__ = [
    "PLATFORM_NAMES",
    "STORE_CONFIGS",
    "Credential",
    "StoreConfig",
    "StoreEntry",
    "UnknownPlatformStore",
    "parse_store",
]

STORE_CONFIGS: tuple[type[StoreConfig], ...] = (
    ShopifyStoreConfig,
    WooCommerceStoreConfig,
    BigCommerceStoreConfig,
)
PLATFORM_NAMES: tuple[str, ...] = tuple(platform_name(model) for model in STORE_CONFIGS)
_PLATFORM_KEYS = frozenset(key for model in STORE_CONFIGS for key in model.model_fields)
_UNKNOWN = "?"
"""The union tag of an entry naming no platform (never a platform's name)."""


class UnknownPlatformStore(StoreConfig):
    """A store entry whose platform is missing or unknown; it never validates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: Annotated[Platform, BeforeValidator(one_of(PLATFORM_NAMES, "platform"))]

    @model_validator(mode="before")
    @classmethod
    def _platform_keys_wait_for_the_platform(cls, data: Any) -> Any:
        # Which of them belong is only known once the platform is.
        if not isinstance(data, Mapping):
            return data
        return {k: v for k, v in data.items() if k not in _PLATFORM_KEYS or k in cls.model_fields}


def _platform_tag(entry: Any) -> str:
    platform = entry.get("platform") if isinstance(entry, Mapping) else getattr(entry, "platform", None)
    return str(platform) if isinstance(platform, str) and platform in PLATFORM_NAMES else _UNKNOWN


_MEMBERS = (
    *(Annotated[model, Tag(platform_name(model))] for model in STORE_CONFIGS),
    Annotated[UnknownPlatformStore, Tag(_UNKNOWN)],
)

if TYPE_CHECKING:
    StoreEntry = StoreConfig
else:
    StoreEntry = Annotated[Union[_MEMBERS], Discriminator(_platform_tag)]  # noqa: UP007 - built from a tuple

_ENTRY: TypeAdapter[StoreConfig] = TypeAdapter(StoreEntry)


def parse_store(entry: object) -> StoreConfig:
    """One `stores:` entry as its platform's model; raises pydantic's ValidationError."""
    return _ENTRY.validate_python(entry)
