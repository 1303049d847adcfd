"""DriftObserved: a reconciliation sweep's observation, stored as a fact and folded onto the order."""

from __future__ import annotations

import json
from dataclasses import replace

from orderline.domain.facts import DriftField, DriftObserved, fact_from_dict, fact_key, fact_to_dict
from orderline.domain.order import order_from_dict, order_to_dict
from tests.unit.detector_orders import ORDER, at, fold_order, shipment, snapshot

PLACED = snapshot(0)
CANCELLED = (DriftField("status", "ready_to_fulfill", "cancelled"), DriftField("cancelled", "no", "yes"))


def observed(hours: float, *fields: DriftField, changed: float = 1) -> DriftObserved:
    return DriftObserved(ORDER, at(hours), at(changed), fields)


def test_a_stored_observation_loads_back_and_folds_the_same() -> None:
    # given an observation as the store keeps it: its dict, through JSON
    fact = observed(5, *CANCELLED)
    stored = json.loads(json.dumps(fact_to_dict(fact)))

    # when it is read back
    loaded = fact_from_dict(stored)

    # then it is the same fact, with the same key, and the order folds the same
    assert loaded == fact
    assert type(loaded.fields[0]) is DriftField  # type: ignore[union-attr]
    assert fact_key(loaded) == fact_key(fact)
    assert fold_order(PLACED, loaded) == fold_order(PLACED, fact)


def test_the_latest_observation_wins_whatever_order_the_facts_come_in() -> None:
    first, second = observed(5, *CANCELLED), observed(9, CANCELLED[1], changed=2)

    for facts in ((PLACED, first, second), (second, PLACED, first)):
        order = fold_order(*facts)

        assert (order.drift, order.drift_changed_at, order.drift_observed_at) == (
            (CANCELLED[1],),
            at(2),
            at(9),
        )


def test_an_order_without_observations_has_no_drift() -> None:
    order = fold_order(PLACED)

    assert (order.drift, order.drift_changed_at, order.drift_observed_at) == ((), None, None)


def test_an_observation_changes_neither_status_nor_updated_at() -> None:
    plain = fold_order(PLACED, shipment("S1", 2, ("L1", 1)))

    seen = fold_order(PLACED, shipment("S1", 2, ("L1", 1)), observed(30, *CANCELLED))

    assert (seen.status, seen.payment_status, seen.updated_at) == (
        plain.status,
        plain.payment_status,
        at(2),
    )


def test_the_timeline_shows_the_readable_diff_and_the_agreement_after_it() -> None:
    order = fold_order(PLACED, observed(5, *CANCELLED), observed(8), observed(9))

    drift = [(e.at, e.kind, e.summary, e.data) for e in order.timeline if e.kind.startswith("drift")]

    assert drift == [
        (
            at(5),
            "drift_observed",
            "The platform differs: status: Orderline ready_to_fulfill, platform cancelled; "
            "cancelled: Orderline no, platform yes",
            (("fields", "status,cancelled"), ("source", "reconciliation")),
        ),
        (at(8), "drift_cleared", "The platform agrees with Orderline again", (("source", "reconciliation"),)),
    ]


def test_the_orders_dict_keeps_the_drift_and_old_stored_states_still_load() -> None:
    order = fold_order(PLACED, observed(5, *CANCELLED))
    data = json.loads(json.dumps(order_to_dict(order)))

    assert order_from_dict(data) == order

    # a state stored before reconciliation existed has none of the drift keys
    old = {key: value for key, value in data.items() if not key.startswith("drift")}
    assert order_from_dict(old) == replace(order, drift=(), drift_changed_at=None, drift_observed_at=None)


def test_two_observations_at_one_instant_fold_the_same_either_way() -> None:
    one, other = observed(5, *CANCELLED), observed(5, CANCELLED[0])

    assert fold_order(PLACED, one, other) == fold_order(PLACED, other, one)
    assert fold_order(PLACED, one, other).updated_at == at(0)
