"""Which configured store a delivery belongs to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoreEndpoint:
    """What intake needs to know of one configured store."""

    store_id: str
    platform: str
    identity: str
    webhook_secrets: tuple[str, ...]
    timezone: str = "UTC"


def normalise_identity(identity: str) -> str:
    """Shop domains, site URLs and store hashes compare case-insensitively, without a
    scheme or trailing slash (WooCommerce sends `home_url('/')`)."""
    value = identity.strip().lower()
    for scheme in ("https://", "http://"):
        if value.startswith(scheme):
            value = value[len(scheme) :]
    return value.rstrip("/")


class StoreDirectory:
    def __init__(self, endpoints: Sequence[StoreEndpoint]) -> None:
        self._by_id = {e.store_id: e for e in endpoints}
        self._by_identity = {(e.platform, normalise_identity(e.identity)): e for e in endpoints}

    def by_id(self, store_id: str) -> StoreEndpoint | None:
        return self._by_id.get(store_id)

    def by_identity(self, platform: str, identity: str) -> StoreEndpoint | None:
        return self._by_identity.get((platform, normalise_identity(identity)))

    def all(self) -> list[StoreEndpoint]:
        return list(self._by_id.values())
