"""A ticket's reason from its subject: the first row of the keyword table that matches."""

from __future__ import annotations

from pathlib import Path

import pytest

from orderline.domain.scorecard.ticket_reasons import REASON_KEYWORDS, TicketReason, classify


@pytest.mark.parametrize(
    ("subject", "reason"),
    [
        ("Where is my order #1001?", "where_is_my_order"),
        ("Where\u2019s my order", "where_is_my_order"),
        ("Tracking number does not work", "where_is_my_order"),
        ("Parcel has not arrived", "where_is_my_order"),
        ("WISMO", "where_is_my_order"),
        ("Delivery status?", "where_is_my_order"),
        ("Mug arrived damaged", "damaged"),
        ("Broken lid", "damaged"),
        ("Wrong item in my box", "wrong_or_missing_item"),
        ("One mug missing", "wrong_or_missing_item"),
        ("I want to return this", "return_refund"),
        ("Refund please", "return_refund"),
        ("Please cancel order 1002", "cancel"),
        ("Cancellation", "cancel"),
        ("New address for my order", "address_change"),
        ("Payment declined", "payment"),
        ("Charged twice", "payment"),
        ("Do you sell gift cards?", "other"),
        ("", "other"),
    ],
)
def test_subjects_are_read_case_insensitively(subject: str, reason: str) -> None:
    assert classify(subject) == reason


def test_the_first_row_of_the_table_wins() -> None:
    # Damage comes before refunds in the table, delivery questions before everything.
    assert classify("Refund for a damaged mug") == "damaged"
    assert classify("Tracking shows delivered but item missing") == "where_is_my_order"
    assert classify("Cancel and refund") == "return_refund"


def test_every_reason_but_other_has_a_row_and_values_are_stable() -> None:
    assert [reason for reason, _ in REASON_KEYWORDS] + [TicketReason.OTHER] == list(TicketReason)
    assert [reason.value for reason in TicketReason] == [
        "where_is_my_order",
        "damaged",
        "wrong_or_missing_item",
        "return_refund",
        "cancel",
        "address_change",
        "payment",
        "other",
    ]


def test_the_docs_list_the_table_as_the_code_has_it() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "scorecard.md").read_text(encoding="utf-8")
    rows = [
        f"| `{reason.value}` | " + ", ".join(f"`{keyword}`" for keyword in keywords) + " |"
        for reason, keywords in REASON_KEYWORDS
    ]

    assert "\n".join(rows) in page
