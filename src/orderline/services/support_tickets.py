"""The support tickets Orderline keeps, as the API and the CLI use them: a period's
tickets, one order's, and importing a helpdesk's CSV export (see `services.tickets` for
the linking rule). Only orders of the configured stores are linked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine

from orderline.channels.helpdesk.tickets import CSV_OPTIONAL_COLUMNS, CSV_REQUIRED_COLUMNS, TicketSource
from orderline.persistence import ticket_records
from orderline.persistence.ticket_records import TicketFilter
from orderline.services.tickets import CsvImportReport, ImportProgress, import_csv

__all__ = [
    "CSV_OPTIONAL_COLUMNS",
    "CSV_REQUIRED_COLUMNS",
    "CsvImportReport",
    "SupportTickets",
    "TicketFilter",
    "TicketSource",
]


class SupportTickets:
    def __init__(self, engine: Engine, store_ids: Sequence[str]) -> None:
        self._engine = engine
        self._store_ids = list(store_ids)

    def search(self, where: TicketFilter, limit: int) -> list[dict[str, Any]]:
        """Tickets matching `where`, newest first."""
        with self._engine.connect() as connection:
            return ticket_records.search_tickets(connection, where, limit)

    def of_order(self, store_id: str, order_id: str) -> list[dict[str, Any]]:
        """The tickets linked to one order, oldest first."""
        with self._engine.connect() as connection:
            return ticket_records.list_tickets(connection, store_id, order_id)

    def import_csv(
        self, text: str, *, helpdesk: TicketSource | None = None, progress: ImportProgress | None = None
    ) -> CsvImportReport:
        """Import a CSV export in one transaction (see `services.tickets.import_csv`);
        raises ValueError when the file has no usable header row."""
        return import_csv(self._engine, text, self._store_ids, helpdesk=helpdesk, progress=progress)
