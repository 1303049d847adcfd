"""The status-transition audit (the plugin problem), per store whose platform declares a
status vocabulary (WooCommerce): what `orderline audit statuses` reports. The judgement
is `domain/status_audit.py`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from orderline.domain.status_audit import StatusVocabulary, StoreStatusAudit, audit_statuses
from orderline.persistence.status_audit_queries import statuses_seen
from orderline.services.webhook_audit import UnknownAuditStore

__all__ = ["AuditedVocabulary", "StatusAudit", "StatusAuditReport", "UnknownAuditStore"]


@dataclass(frozen=True, slots=True)
class AuditedVocabulary:
    store_id: str
    vocabulary: StatusVocabulary


@dataclass(frozen=True, slots=True)
class StatusAuditReport:
    stores: tuple[StoreStatusAudit, ...]

    @property
    def is_clean(self) -> bool:
        return all(store.is_clean for store in self.stores)

    def as_dict(self) -> dict[str, Any]:
        return {"clean": self.is_clean, "stores": [_store_dict(store) for store in self.stores]}


def _store_dict(store: StoreStatusAudit) -> dict[str, Any]:
    return {
        "store_id": store.store_id,
        "statuses": [
            {"status": s.status, "states": s.states, "core": s.is_core, "known": s.is_known,
             "maps_to": None if s.maps_to is None else s.maps_to.value}
            for s in store.statuses
        ],
        "unknown": list(store.unknown),
        "impossible_transitions": [
            {"from": t.from_status, "to": t.to_status, "count": t.count,
             "example_order_ids": list(t.example_order_ids)}
            for t in store.impossible
        ],
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class StatusAudit:
    engine: Engine
    stores: tuple[AuditedVocabulary, ...] = ()

    def report(self, store_id: str | None = None) -> StatusAuditReport:
        """Every audited store, or `store_id` alone (UnknownAuditStore when it is not one)."""
        chosen = self.stores if store_id is None else tuple(s for s in self.stores if s.store_id == store_id)
        if not chosen:
            if store_id is not None:
                raise UnknownAuditStore(f"no WooCommerce store {store_id!r} in the configuration")
            return StatusAuditReport(())
        with self.engine.connect() as connection:
            audits = tuple(
                audit_statuses(s.store_id, s.vocabulary, statuses_seen(connection, s.store_id))
                for s in chosen
            )
        return StatusAuditReport(audits)
