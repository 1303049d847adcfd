"""Helpdesk hand-off (Orderline opens a support ticket) and ticket ingest (the helpdesk
tells Orderline a ticket was opened)."""

from orderline.channels.helpdesk.gorgias import GorgiasHelpdesk, GorgiasSettings
from orderline.channels.helpdesk.handoff import HandoffRequest, HandoffResult, Helpdesk, Priority
from orderline.channels.helpdesk.tickets import (
    IncomingTicket,
    TicketPayloadError,
    TicketSource,
    parse_gorgias_webhook,
    parse_tickets_csv,
    parse_zendesk_webhook,
    verify_zendesk_signature,
)
from orderline.channels.helpdesk.zendesk import ZendeskHelpdesk, ZendeskSettings

__all__ = [
    "GorgiasHelpdesk",
    "GorgiasSettings",
    "HandoffRequest",
    "HandoffResult",
    "Helpdesk",
    "IncomingTicket",
    "Priority",
    "TicketPayloadError",
    "TicketSource",
    "ZendeskHelpdesk",
    "ZendeskSettings",
    "parse_gorgias_webhook",
    "parse_tickets_csv",
    "parse_zendesk_webhook",
    "verify_zendesk_signature",
]
