"""backorder: one exception per held part, with its promise date when the note carries one."""

from __future__ import annotations

from datetime import date

import pytest

from orderline.domain.order_exceptions import DEFAULT_POLICY, detect_backorder, merge, promise_date
from orderline.domain.vocabulary import HoldReason

from .detector_orders import at, fold_order, hold, release, shipment, snapshot


def test_a_backorder_hold_with_a_promise_date() -> None:
    order = fold_order(
        snapshot(0),
        shipment("S1", 1, ("L1", 2)),
        hold(1, HoldReason.BACKORDER, "FO-2", "1 unit(s) backordered; restock expected 2027-03-20"),
    )

    (finding,) = detect_backorder(order, DEFAULT_POLICY, at(2))

    assert finding.key == "backorder:FO-2"
    assert finding.opened_at == at(1)
    assert finding.owner == "operations"
    assert finding.hold is None  # by default the rest of the order ships first
    assert (
        finding.reason
        == "Backordered (1 unit(s) backordered; restock expected 2027-03-20); promised for 2027-03-20"
    )
    assert finding.data == (("hold_group", "FO-2"), ("promised_on", "2027-03-20"), ("units_outstanding", "1"))
    assert [(level.level, level.due_at) for level in finding.due_levels] == [(1, at(25)), (2, at(73))]


def test_without_a_date_the_promise_is_unknown() -> None:
    order = fold_order(
        snapshot(0), hold(0, HoldReason.BACKORDER, "woocommerce-backorder", "3 unit(s) backordered")
    )

    (finding,) = detect_backorder(order, DEFAULT_POLICY, at(1))

    assert dict(finding.data).get("promised_on") is None
    assert finding.reason == "Backordered (3 unit(s) backordered)"


def test_holding_the_whole_order_is_a_policy_choice() -> None:
    policy = merge(DEFAULT_POLICY, {"backorder": {"places_hold": True}})
    order = fold_order(snapshot(0), hold(0, HoldReason.BACKORDER))

    (finding,) = detect_backorder(order, policy, at(1))

    assert finding.hold is HoldReason.BACKORDER


def test_each_held_part_is_its_own_exception() -> None:
    order = fold_order(
        snapshot(0), hold(0, HoldReason.BACKORDER, "FO-1"), hold(2, HoldReason.BACKORDER, "FO-2")
    )

    findings = detect_backorder(order, DEFAULT_POLICY, at(3))

    assert [(f.key, f.opened_at) for f in findings] == [("backorder:FO-1", at(0)), ("backorder:FO-2", at(2))]


def test_stock_arriving_releases_the_exception() -> None:
    order = fold_order(snapshot(0), hold(0, HoldReason.BACKORDER), release(30))

    assert detect_backorder(order, DEFAULT_POLICY, at(31)) == []


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("restock expected 2027-03-20", date(2027, 3, 20)),
        ("ETA 2027-02-30, then 2027-03-02", date(2027, 3, 2)),  # an impossible date is skipped
        ("PO 12027-03-200", None),
        ("ships in 2 weeks", None),
        (None, None),
    ],
)
def test_promise_date_from_a_note(note: str | None, expected: date | None) -> None:
    assert promise_date(note) == expected


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"backorder": {"enabled": False}})
    order = fold_order(snapshot(0), hold(0, HoldReason.BACKORDER))

    assert detect_backorder(order, policy, at(1)) == []
