"""Support-tool drift: the words a helpdesk shows for an order, judged against the canonical
status; and the `order_status` field read from each ticket source."""

from __future__ import annotations

import json

import pytest

from orderline.channels.helpdesk.tickets import (
    TicketPayloadError,
    parse_gorgias_webhook,
    parse_tickets_csv,
    parse_zendesk_webhook,
)
from orderline.domain.support_drift import SupportDrift, is_readable, support_drift
from orderline.domain.vocabulary import OrderStatus as S


@pytest.mark.parametrize(
    ("word", "canonical"),
    [
        ("Unfulfilled", S.READY_TO_FULFILL),
        ("unfulfilled", S.ON_HOLD),  # a platform that does not show Orderline's hold
        ("Fulfilled", S.SHIPPED),
        ("fulfilled", S.DELIVERED),
        ("Completed", S.SHIPPED),  # WooCommerce's word
        ("partially_fulfilled", S.PARTIALLY_SHIPPED),
        ("On-Hold", S.ON_HOLD),
        ("Pending payment", S.PENDING_PAYMENT),
        ("canceled", S.CANCELLED),
        ("Refunded", S.REFUNDED),
    ],
)
def test_words_that_agree_with_the_canonical_status_are_no_drift(word: str, canonical: S) -> None:
    assert support_drift(word, canonical) is None


@pytest.mark.parametrize(
    ("word", "canonical", "normalised"),
    [
        ("Unfulfilled", S.SHIPPED, "unfulfilled"),
        ("Fulfilled", S.READY_TO_FULFILL, "fulfilled"),
        ("In transit", S.DELIVERED, "in transit"),
        ("processing", S.CANCELLED, "processing"),
        ("  ON_HOLD ", S.READY_TO_FULFILL, "on hold"),
        ("delivered", S.RETURNED, "delivered"),
    ],
)
def test_words_that_disagree_are_drift_with_a_readable_text(word: str, canonical: S, normalised: str) -> None:
    drift = support_drift(word, canonical)

    assert drift == SupportDrift(normalised, canonical)
    assert drift.readable == f"the ticket shows {normalised!r}, Orderline says {canonical.value}"


def test_a_word_the_table_does_not_know_is_not_judged() -> None:
    assert support_drift("awaiting pickup at the depot", S.SHIPPED) is None
    assert support_drift(None, S.SHIPPED) is None
    assert not is_readable("awaiting pickup at the depot")
    assert is_readable("Partially-Shipped")


def test_every_source_reads_the_order_status_field_lower_cased() -> None:
    zendesk = {
        "ticket": {
            "id": "1",
            "created_at": "2026-11-23T08:55Z",
            "subject": "Where?",
            "order_status": "Unfulfilled",
        }
    }
    gorgias = {
        "ticket": {
            "id": 2,
            "created_datetime": "2026-11-23T08:58:00",
            "subject": "Hm",
            "order_status": "Fulfilled",
        }
    }
    csv_text = (
        "ticket_id,created_at,subject,order_status\n"
        "3,2026-11-23T09:00:00Z,Late,Shipped\n"
        "4,2026-11-23T09:00:00Z,x,\n"
    )

    tickets, problems = parse_tickets_csv(csv_text)

    assert parse_zendesk_webhook(json.dumps(zendesk).encode()).order_status == "unfulfilled"
    assert parse_gorgias_webhook(json.dumps(gorgias).encode()).order_status == "fulfilled"
    assert ([t.order_status for t in tickets], problems) == (["shipped", None], [])


def test_an_order_status_longer_than_its_column_is_refused() -> None:
    body = {
        "ticket": {"id": "1", "created_at": "2026-11-23T08:55Z", "subject": "s", "order_status": "x" * 33}
    }

    with pytest.raises(TicketPayloadError, match='"order_status" is longer than 32 characters'):
        parse_zendesk_webhook(json.dumps(body).encode())
