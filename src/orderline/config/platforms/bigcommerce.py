"""The keys of a BigCommerce store: its store hash (how webhooks name it) and the API
request quota Orderline stays under."""

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

_STORE_HASH = re.compile(r"[a-z0-9]+")


def _store_hash(value: str) -> str:
    store_hash = value.strip().lower()
    if _STORE_HASH.fullmatch(store_hash):
        return store_hash
    raise PydanticCustomError(
        "orderline_store_hash", "must be the store hash alone, letters and digits (abc123 from stores/abc123)"
    )


StoreHash = Annotated[
    str, BeforeValidator(identity_required(Platform.BIGCOMMERCE)), AfterValidator(_store_hash)
]


class BigCommerceKeys(PlatformKeys):
    store_hash: StoreHash = Field(default=NOT_WRITTEN, validate_default=True)
    # API requests per 30 s, shared by every app on the store (150 on Standard and Plus,
    # 450 on Pro, more on Enterprise).
    api_requests_per_30s: int = Field(default=150, ge=1)
    # The status Orderline's holds set when written back (docs/write-back.md): 12 Manual
    # Verification Required or 13 Disputed, the statuses BigCommerce itself treats as held.
    hold_status_id: Literal[12, 13] = 12


class BigCommerceStoreConfig(StoreConfig, BigCommerceKeys):
    IDENTITY_KEY = "store_hash"
    CREDENTIALS = (Credential("api_token", "the BigCommerce API account's X-Auth-Token"),)

    platform: Literal[Platform.BIGCOMMERCE]
