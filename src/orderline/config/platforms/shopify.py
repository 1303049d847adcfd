"""The keys of a Shopify store: its `*.myshopify.com` domain (how webhooks name it)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from orderline.config.platforms.store import (
    NOT_WRITTEN,
    Credential,
    PlatformKeys,
    StoreConfig,
    identity_required,
)
from orderline.domain.vocabulary import Platform

_HOSTNAME = re.compile(r"(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}")


def _shop_domain(value: str) -> str:
    host = value.strip().lower()
    if "/" in host:
        raise PydanticCustomError(
            "orderline_shop_domain",
            "write the bare domain, e.g. acme.myshopify.com, without https:// or a path",
        )
    if not _HOSTNAME.fullmatch(host):
        raise PydanticCustomError(
            "orderline_shop_domain", f"'{value}' is not a domain; expected e.g. acme.myshopify.com"
        )
    return host


ShopDomain = Annotated[
    str, BeforeValidator(identity_required(Platform.SHOPIFY)), AfterValidator(_shop_domain)
]


class ShopifyKeys(PlatformKeys):
    # Shopify names a store in its webhooks by the myshopify.com domain, even when the
    # shop has a custom one; stored in lower case.
    shop_domain: ShopDomain = Field(default=NOT_WRITTEN, validate_default=True)


class ShopifyStoreConfig(StoreConfig, ShopifyKeys):
    IDENTITY_KEY = "shop_domain"
    CREDENTIALS = (Credential("api_token", "the import reads the Admin API with it"),)

    platform: Literal[Platform.SHOPIFY]
