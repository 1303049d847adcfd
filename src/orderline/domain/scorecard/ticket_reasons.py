"""Why a support ticket was opened, read from its subject by a keyword table.

The first reason (in table order) with a keyword contained in the subject wins, compared
case-insensitively; a subject matching none is `other`. docs/scorecard.md lists the table.
"""

from __future__ import annotations

from enum import StrEnum


class TicketReason(StrEnum):
    WHERE_IS_MY_ORDER = "where_is_my_order"
    DAMAGED = "damaged"
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item"
    RETURN_REFUND = "return_refund"
    CANCEL = "cancel"
    ADDRESS_CHANGE = "address_change"
    PAYMENT = "payment"
    OTHER = "other"


# Order matters: "refund for a damaged mug" is about the damage; "missing" alone is about
# an item since the delivery questions are caught by the first row.
REASON_KEYWORDS: tuple[tuple[TicketReason, tuple[str, ...]], ...] = (
    (
        TicketReason.WHERE_IS_MY_ORDER,
        (
            "where is my order",
            "where's my order",
            "wismo",
            "tracking",
            "not arrived",
            "hasn't arrived",
            "never arrived",
            "not delivered",
            "delivery status",
            "shipping status",
        ),
    ),
    (TicketReason.DAMAGED, ("damaged", "broken")),
    (TicketReason.WRONG_OR_MISSING_ITEM, ("wrong item", "missing item", "missing")),
    (TicketReason.RETURN_REFUND, ("return", "refund")),
    (TicketReason.CANCEL, ("cancel",)),
    (TicketReason.ADDRESS_CHANGE, ("address",)),
    (TicketReason.PAYMENT, ("payment", "charge")),
)


def classify(subject: str) -> str:
    """The reason of a ticket with this subject (a `TicketReason` value)."""
    # A typographic apostrophe (U+2019) is read as a plain one.
    text = subject.casefold().replace("\u2019", "'")
    for reason, keywords in REASON_KEYWORDS:
        if any(keyword in text for keyword in keywords):
            return reason.value
    return TicketReason.OTHER.value
