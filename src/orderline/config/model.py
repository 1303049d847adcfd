"""The configuration schema: what `orderline.yaml` may say, with its defaults.

Field names are the YAML keys. Per-value checks live in `fields`; rules that relate
one part of the file to another (unique store ids, declared teams) live in
`references`, so the loader can report them even when other parts are broken.
"""

from __future__ import annotations

import re
from typing import Any, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from orderline.config.calendar import CalendarConfig, default_business_calendar
from orderline.config.errors import format_key_path
from orderline.config.exceptions import build_exception_policy
from orderline.config.fields import (
    DatabaseUrl,
    ExceptionOwner,
    ExceptionTypeName,
    HoldOwner,
    HoldReasonName,
    HttpUrlText,
    OrderStatusName,
    OwnedStatusName,
    PlatformName,
    ShopDomain,
    StatusOwner,
    StoreHash,
    StoreId,
    TeamName,
    TimezoneName,
    WebhookSecrets,
)
from orderline.config.messaging import HelpdeskConfig, MessagingConfig, StoreMessagingConfig
from orderline.config.ownership import Ownership
from orderline.config.references import reference_problems
from orderline.domain.exceptions import BusinessCalendar, ExceptionPolicy
from orderline.domain.vocabulary import OrderStatus, Platform, Team

DEFAULT_DATABASE_URL = "sqlite:///orderline.db"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
STANDING_TEAMS: tuple[str, ...] = tuple(str(team) for team in Team)
"""Teams that exist whatever the file says."""

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
REFERENCES_CHECKED = "orderline.config.references_checked"
"""Validation-context flag: the caller reports cross-references itself, with precise key paths."""

IDENTITY_KEYS: dict[Platform, str] = {
    Platform.SHOPIFY: "shop_domain",
    Platform.WOOCOMMERCE: "site_url",
    Platform.BIGCOMMERCE: "store_hash",
}
"""The key holding each platform's own identity of a store."""


class _Section(BaseModel):
    # A misspelt key must be reported, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    # /readyz says "degraded" once the oldest delivery waiting to be processed is older.
    max_backlog_age_s: float = Field(default=300.0, gt=0)


class StoreConfig(_Section):
    """One storefront. Exactly the identity key of its platform is set."""

    id: StoreId
    platform: PlatformName
    # validate_default: an absent identity key still reaches the platform check below.
    shop_domain: ShopDomain | None = Field(default=None, validate_default=True)
    site_url: HttpUrlText | None = Field(default=None, validate_default=True)
    store_hash: StoreHash | None = Field(default=None, validate_default=True)
    webhook_secrets: WebhookSecrets
    api_base_url: HttpUrlText | None = None
    api_token: SecretStr | None = None
    timezone: TimezoneName = "UTC"
    status_map: dict[str, OrderStatusName] = Field(default_factory=dict)
    # WooCommerce: REST consumer key (api_token is then the consumer secret), and the
    # line-item meta key that carries backordered quantities (it is translated).
    api_key: SecretStr | None = None
    backorder_meta_key: str = "Backordered"
    # BigCommerce: API requests per 30 s, shared by every app on the store (150 on
    # Standard and Plus, 450 on Pro, more on Enterprise).
    api_requests_per_30s: int = Field(default=150, ge=1)
    calendar: CalendarConfig | None = None
    messaging: StoreMessagingConfig = Field(default_factory=StoreMessagingConfig)

    @field_validator("shop_domain", "site_url", "store_hash")
    @classmethod
    def _identity_matches_platform(cls, value: str | None, info: ValidationInfo) -> str | None:
        platform = info.data.get("platform")
        if not isinstance(platform, Platform):
            return value  # the platform itself is reported as wrong
        wanted = IDENTITY_KEYS[platform]
        if info.field_name == wanted and value is None:
            raise PydanticCustomError("orderline_identity_missing", f"required for a {platform} store")
        if info.field_name != wanted and value is not None:
            owner = next(p for p, key in IDENTITY_KEYS.items() if key == info.field_name)
            raise PydanticCustomError(
                "orderline_identity_foreign",
                f"not used by a {platform} store (only {owner} stores have a {info.field_name})",
            )
        return value

    @field_validator("status_map")
    @classmethod
    def _status_map_fits_platform(
        cls, value: dict[str, OrderStatus], info: ValidationInfo
    ) -> dict[str, OrderStatus]:
        # A WooCommerce order carries no restock data, so no status alone can mean "returned".
        if info.data.get("platform") is Platform.WOOCOMMERCE:
            returned = sorted(k for k, v in value.items() if v is OrderStatus.RETURNED)
            if returned:
                raise PydanticCustomError(
                    "orderline_status_map_returned",
                    f"{', '.join(returned)}: a WooCommerce status cannot map to returned "
                    "(the order body carries no restock data)",
                )
        return value

    @property
    def identity(self) -> str:
        """The platform's own name for this store: shop domain, site URL or store hash."""
        value: str | None = getattr(self, IDENTITY_KEYS[self.platform])
        if value is None:
            raise ValueError(f"store {self.id} has no {IDENTITY_KEYS[self.platform]}")
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


class OwnershipConfig(_Section):
    """Overrides of the default owners; anything not named keeps its DESIGN §2 owner."""

    statuses: dict[OwnedStatusName, StatusOwner] = Field(default_factory=dict)
    holds: dict[HoldReasonName, HoldOwner] = Field(default_factory=dict)
    exceptions: dict[ExceptionTypeName, ExceptionOwner] = Field(default_factory=dict)

    def resolve(self) -> Ownership:
        """The complete owner table: defaults with these overrides applied."""
        return Ownership.with_overrides(self.statuses, self.holds, self.exceptions)


class OrderlineConfig(_Section):
    """A whole `orderline.yaml`. `OrderlineConfig()` is the built-in default configuration."""

    database_url: DatabaseUrl = DEFAULT_DATABASE_URL
    server: ServerConfig = Field(default_factory=ServerConfig)
    stores: list[StoreConfig] = Field(default_factory=list)
    teams: list[TeamName] = Field(default_factory=lambda: list(STANDING_TEAMS))
    ownership: OwnershipConfig = Field(default_factory=OwnershipConfig)
    # Overrides of DEFAULT_POLICY per exception type, as written; policy_lint checks them.
    exceptions: dict[ExceptionTypeName, dict[str, Any]] = Field(default_factory=dict)
    # Customer messages are off until this section says how to send them.
    messaging: MessagingConfig | None = None
    helpdesk: HelpdeskConfig | None = None

    @model_validator(mode="before")
    @classmethod
    def _policy_owners_join_the_owner_table(cls, data: Any) -> Any:
        """`exceptions.<type>.owner` is an entry of the one owner table, like
        `ownership.exceptions.<type>`; a conflict between the two is reported by policy_lint."""
        if not isinstance(data, dict) or not isinstance(data.get("exceptions"), dict):
            return data
        ownership = data.get("ownership", {})
        if not isinstance(ownership, dict) or not isinstance(ownership.get("exceptions", {}), dict):
            return data
        listed = dict(ownership.get("exceptions", {}))
        for name, section in data["exceptions"].items():
            owner = section.get("owner") if isinstance(section, dict) else None
            if isinstance(owner, str) and _SLUG.fullmatch(owner):
                listed.setdefault(name, owner)
        return {**data, "ownership": {**ownership, "exceptions": listed}}

    @field_validator("teams")
    @classmethod
    def _with_standing_teams(cls, teams: list[str]) -> list[str]:
        extra = [team for team in dict.fromkeys(teams) if team not in STANDING_TEAMS]
        return [*STANDING_TEAMS, *extra]

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(REFERENCES_CHECKED):
            return self
        problems = reference_problems(self.model_dump(mode="json"))
        if problems:
            raise ValueError("; ".join(f"{format_key_path(loc)}: {message}" for loc, message in problems))
        return self

    def exception_policy(self) -> ExceptionPolicy:
        """DEFAULT_POLICY with this file's `exceptions:` overrides and the owner table's owners."""
        return build_exception_policy(self.exceptions, self.ownership.resolve())

    def store(self, store_id: str) -> StoreConfig:
        """The store with this id; KeyError if there is none."""
        for store in self.stores:
            if store.id == store_id:
                return store
        raise KeyError(store_id)
