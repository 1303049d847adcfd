"""The keys of a WooCommerce store: its site URL (how webhooks name it), the REST key pair,
and what the mapping needs to read the store's orders."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError

from orderline.config.fields import HttpUrlText
from orderline.config.platforms.store import (
    NOT_WRITTEN,
    Credential,
    PlatformKeys,
    StoreConfig,
    identity_required,
)
from orderline.domain.vocabulary import OrderStatus, Platform

SiteUrl = Annotated[HttpUrlText, BeforeValidator(identity_required(Platform.WOOCOMMERCE))]


class WooCommerceKeys(PlatformKeys):
    site_url: SiteUrl = Field(default=NOT_WRITTEN, validate_default=True)
    # The REST consumer key; api_token is then the consumer secret.
    api_key: SecretStr | None = None
    # The line-item meta key that carries backordered quantities (WooCommerce translates it).
    backorder_meta_key: str = "Backordered"


class WooCommerceStoreConfig(StoreConfig, WooCommerceKeys):
    IDENTITY_KEY = "site_url"
    CREDENTIALS = (
        Credential("api_key", "the WooCommerce consumer key"),
        Credential("api_token", "the WooCommerce consumer secret"),
    )

    platform: Literal[Platform.WOOCOMMERCE]

    @field_validator("status_map")
    @classmethod
    def _no_status_means_returned(cls, value: dict[str, OrderStatus]) -> dict[str, OrderStatus]:
        # A WooCommerce order carries no restock data, so no status alone can mean "returned".
        returned = sorted(k for k, v in value.items() if v is OrderStatus.RETURNED)
        if returned:
            raise PydanticCustomError(
                "orderline_status_map_returned",
                f"{', '.join(returned)}: a WooCommerce status cannot map to returned "
                "(the order body carries no restock data)",
            )
        return value
