"""The owner table: the default owners, overrides from the file, and its plain-dict form."""

from __future__ import annotations

import pytest

from orderline.config import Ownership, parse_config
from orderline.domain.vocabulary import ExceptionType, HoldReason, OrderStatus

DESIGN_OWNERS = {
    "statuses": {
        "pending_payment": "support",
        "ready_to_fulfill": "operations",
        "partially_shipped": "operations",
        "shipped": "support",
        "delivered": "support",
        "cancelled": "support",
        "refunded": "support",
        "returned": "support",
    },
    "holds": {
        "payment": "support",
        "fraud_review": "operations",
        "address": "support",
        "backorder": "operations",
        "customer_request": "support",
        "other": "operations",
    },
    "exceptions": {
        "address_invalid": "support",
        "payment_failed": "support",
        "fraud_review": "operations",
        "backorder": "operations",
        "split_shipment": "operations",
        "fulfillment_delayed": "operations",
        "delivery_exception": "support",
        "stale_order": "operations",
        "state_drift": "operations",
    },
}


def test_without_overrides_every_owner_is_the_design_default() -> None:
    ownership = parse_config("", env={}).ownership.resolve()

    assert ownership.as_mapping() == DESIGN_OWNERS


def test_overrides_replace_only_the_entries_they_name() -> None:
    text = """\
teams: [warehouse, risk]
ownership:
  statuses: {ready_to_fulfill: warehouse}
  holds: {fraud_review: risk}
  exceptions: {split_shipment: warehouse}
"""

    ownership = parse_config(text, env={}).ownership.resolve()

    assert ownership.owner_of_status(OrderStatus.READY_TO_FULFILL) == "warehouse"
    assert ownership.owner_of_status(OrderStatus.PARTIALLY_SHIPPED) == "operations"
    assert ownership.hold_owner(HoldReason.FRAUD_REVIEW) == "risk"
    assert ownership.hold_owner(HoldReason.PAYMENT) == "support"
    assert ownership.exception_owner(ExceptionType.SPLIT_SHIPMENT) == "warehouse"
    assert ownership.exception_owner(ExceptionType.STATE_DRIFT) == "operations"


def test_as_mapping_holds_plain_strings_only() -> None:
    mapping = Ownership.with_overrides().as_mapping()

    kinds = {type(value) for section in mapping.values() for pair in section.items() for value in pair}
    assert kinds == {str}


def test_on_hold_has_no_owner_of_its_own() -> None:
    ownership = Ownership.with_overrides()

    with pytest.raises(ValueError, match="on_hold is owned by the hold reason"):
        ownership.owner_of_status(OrderStatus.ON_HOLD)
    assert "on_hold" not in ownership.as_mapping()["statuses"]


def test_an_ownership_table_with_a_gap_is_rejected() -> None:
    # Overrides only replace defaults, so a gap can only be an override naming no team.
    with pytest.raises(ValueError, match="no owner for: status shipped"):
        Ownership(statuses={OrderStatus.SHIPPED: " "})


def test_an_owner_for_on_hold_or_for_an_unknown_exception_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="on_hold is owned by the hold reason"):
        Ownership(statuses={OrderStatus.ON_HOLD: "support"})
    with pytest.raises(ValueError, match="unknown exception type"):
        Ownership(exceptions={"paymnet_failed": "support"})
