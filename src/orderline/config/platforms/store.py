"""What every entry of `stores:` says, whatever its platform.

A platform's module beside this one (`shopify`, `woocommerce`, `bigcommerce`) declares
the keys only its stores take, as a `PlatformKeys` model, and joins them to these as
`class ShopifyStoreConfig(StoreConfig, ShopifyKeys)`: the platform's keys come first
in the schema (its identity key above all), so a store missing both its identity and
its webhook secrets hears of the identity first, as the file is usually written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, get_args
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_core import PydanticCustomError

from orderline.config.calendar import CalendarConfig, default_business_calendar
from orderline.config.fields import HttpUrlText, OrderStatusName, StoreId, TimezoneName, WebhookSecrets
from orderline.config.messaging import StoreMessagingConfig
from orderline.domain.order_exceptions import BusinessCalendar
from orderline.domain.vocabulary import Platform

NOT_WRITTEN: Any = None
"""The default of a platform's identity key: validated (`validate_default`) and refused
with "required for a ... store", so a missing identity says which platform wants it."""


@dataclass(frozen=True, slots=True)
class Credential:
    """A store key the platform's API cannot be read without, and what it holds."""

    key: str
    meaning: str


class PlatformKeys(BaseModel):
    """The keys one platform's stores take beyond the common ones."""

    # A misspelt key must be reported, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(BaseModel):
    """One storefront; a platform's subclass adds its own keys (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    IDENTITY_KEY: ClassVar[str] = ""
    """The key holding the platform's own name for the store (shop domain, site URL, store hash)."""
    CREDENTIALS: ClassVar[tuple[Credential, ...]] = ()
    """The keys the platform's API (history import) needs, in the order they are asked for."""

    id: StoreId
    platform: Platform
    webhook_secrets: WebhookSecrets
    api_base_url: HttpUrlText | None = None
    api_token: SecretStr | None = None
    timezone: TimezoneName = "UTC"
    status_map: dict[str, OrderStatusName] = Field(default_factory=dict)
    calendar: CalendarConfig | None = None
    messaging: StoreMessagingConfig = Field(default_factory=StoreMessagingConfig)
    write_back: bool | None = None
    """Write Orderline's holds back to the platform; unset: on when the store has its API
    credentials (docs/write-back.md)."""

    @property
    def identity(self) -> str:
        """The platform's own name for this store: shop domain, site URL or store hash."""
        value = getattr(self, self.IDENTITY_KEY, None) if self.IDENTITY_KEY else None
        if not isinstance(value, str):
            raise ValueError(f"store {self.id} has no identity key")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def business_calendar(self) -> BusinessCalendar:
        """The store's working time in its own zone; the domain's default calendar when unset."""
        if self.calendar is None:
            return default_business_calendar(self.timezone)
        return self.calendar.business_calendar(self.timezone)

    def webhook_secret_values(self) -> tuple[str, ...]:
        """The secrets in clear, newest rotation order as written, for signature checks."""
        return tuple(secret.get_secret_value() for secret in self.webhook_secrets)

    @property
    def writes_back(self) -> bool:
        """Whether Orderline's holds are written to this store's platform."""
        return self.write_back if self.write_back is not None else not self.missing_credentials()

    def missing_credentials(self) -> tuple[Credential, ...]:
        """The platform's credentials this store does not set."""
        return tuple(credential for credential in self.CREDENTIALS if getattr(self, credential.key) is None)

    @classmethod
    def foreign_key_message(cls, key: str, owners: Sequence[str]) -> str:
        """Why `key`, which only `owners`' stores take, is wrong in a store of this platform."""
        article = "an" if key[:1] in ("a", "e", "i", "o", "u") else "a"
        platform = platform_name(cls) or "such"
        return f"not used by a {platform} store (only {' and '.join(owners)} stores have {article} {key})"


def platform_name(model: type[StoreConfig]) -> str:
    """The platform a store model is for (its `platform: Literal[...]`); "" for the base."""
    names = get_args(model.model_fields["platform"].annotation)
    return str(names[0]) if len(names) == 1 else ""


def identity_required(platform: Platform) -> Callable[[object], object]:
    """A before-validator refusing an absent identity key (see NOT_WRITTEN)."""

    def check(value: object) -> object:
        if value is None:
            raise PydanticCustomError("orderline_identity_missing", f"required for a {platform} store")
        return value

    return check
