"""Finding orders the way people ask for them in the console: by order number (with or
without `#`), buyer e-mail or tracking number, optionally in one store."""

from __future__ import annotations

from sqlalchemy import Engine

from orderline.persistence import console_records
from orderline.persistence.console_records import FoundOrder

__all__ = ["FoundOrder", "OrderSearch"]


class OrderSearch:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def find(self, query: str, store_id: str | None = None, limit: int = 50) -> list[FoundOrder]:
        """Matching orders, newest first; none for an empty query."""
        query = query.strip()
        if not query:
            return []
        with self._engine.connect() as connection:
            return console_records.find_orders(connection, query, store_id, limit)
