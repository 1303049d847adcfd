"""Support tickets coming in from a helpdesk (webhooks) or a CSV export: link each to its
order and record it, for the scorecard's support tickets per 100 orders; a live ticket
that shows its order in another status than the canonical one is support-tool drift.

The linking rule, in order: a ticket Orderline's own hand-off opened carries the hand-off
key as its external id and belongs to that hand-off's order; otherwise the order-number
and e-mail rule of `ticket_records.find_order_for_ticket`. Only orders of the configured
stores are candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine

from orderline.channels.helpdesk.tickets import IncomingTicket, TicketSource, parse_tickets_csv
from orderline.domain.support_drift import SupportDrift
from orderline.persistence import support_drift_records, ticket_records
from orderline.persistence.ticket_records import OrderLink

WEBHOOK, CSV = "webhook", "csv"
"""Values of `support_tickets.source` written here (hand-offs write "handoff")."""


@dataclass(frozen=True, slots=True)
class TicketRecorded:
    ticket_id: str
    link: OrderLink | None
    """The order the ticket is linked to now (found this time, or earlier)."""
    created: bool
    """False when the ticket was known already and has been refreshed."""
    drift: SupportDrift | None = None
    """The ticket showed its order in another status than the canonical one (live tickets)."""


@dataclass(slots=True)
class CsvImportReport:
    imported: int = 0
    """Tickets new to Orderline."""
    updated: int = 0
    """Tickets known already (an earlier import or a webhook), refreshed."""
    linked: int = 0
    """Tickets of the file that are linked to an order."""
    problems: list[str] = field(default_factory=list)
    """One line per skipped row: "row N: column X: what is wrong"."""


ImportProgress = Callable[[int, int], None]
"""Called with (tickets done, tickets in the file) as an import goes."""


def link_ticket(connection: Connection, ticket: IncomingTicket, store_ids: Sequence[str]) -> OrderLink | None:
    """The order `ticket` is about, by the module's linking rule."""
    if ticket.external_id:
        handed_off = ticket_records.handoff_order(connection, ticket.external_id)
        if handed_off is not None and handed_off[0] in store_ids:
            return handed_off
    return ticket_records.find_order_for_ticket(
        connection, ticket.order_number, ticket.requester_email, store_ids
    )


def record_incoming(
    connection: Connection,
    ticket: IncomingTicket,
    source: str,
    store_ids: Sequence[str],
    now: datetime | None = None,
) -> TicketRecorded:
    """Link `ticket` and record it, in the caller's transaction. With `now` (a live
    ticket, not an export of old ones), the order status it shows is checked against the
    canonical one at `now`, and a disagreement is filed as support-tool drift."""
    link = link_ticket(connection, ticket, store_ids)
    created = ticket_records.upsert_ticket(connection, ticket, source, link)
    if link is None and not created:
        link = ticket_records.ticket_link(connection, ticket.helpdesk, ticket.ticket_id)
    drift = None
    if now is not None and link is not None:
        drift = support_drift_records.check_ticket(
            connection, *link, str(ticket.helpdesk), ticket.ticket_id, ticket.order_status, now
        )
    return TicketRecorded(ticket.ticket_id, link, created, drift)


def import_csv(
    engine: Engine,
    text: str,
    store_ids: Sequence[str],
    *,
    helpdesk: TicketSource | None = None,
    progress: ImportProgress | None = None,
) -> CsvImportReport:
    """Import a CSV export of tickets (columns: see `parse_tickets_csv`).

    Rows with problems are skipped and reported; the good rows are recorded in one
    transaction, so an interrupted import leaves nothing half-done. Importing the same
    file again adds nothing (its tickets are refreshed). `helpdesk` files the tickets
    under that helpdesk, so an export of the configured helpdesk and its webhooks
    describe the same tickets instead of counting them twice; by default they are filed
    under "csv". Raises ValueError when the file has no usable header row.
    """
    tickets, problems = parse_tickets_csv(text)
    report = CsvImportReport(problems=problems)
    with engine.begin() as connection:
        for done, ticket in enumerate(tickets, start=1):
            if helpdesk is not None:
                ticket = dataclasses.replace(ticket, helpdesk=helpdesk)
            recorded = record_incoming(connection, ticket, CSV, store_ids)
            report.imported += recorded.created
            report.updated += not recorded.created
            report.linked += recorded.link is not None
            if progress is not None:
                progress(done, len(tickets))
    return report
