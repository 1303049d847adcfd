"""The order in which a fold replays facts: deduplicated, by (occurred_at, kind rank, fact_key)."""

from __future__ import annotations

from collections.abc import Iterable

from orderline.domain.facts import (
    DeliveryEvent,
    DriftObserved,
    Fact,
    HoldPlaced,
    HoldsReleased,
    OrderSnapshot,
    RefundRecorded,
    ShipmentRecorded,
    fact_key,
)

# Same instant: the snapshot first (so the order exists for what happened with it), a hold
# before its release (a hold placed and released at one instant ends released), an
# observation of drift last (it compares with everything else at its instant).
_KIND_RANK: dict[type, int] = {
    OrderSnapshot: 0,
    ShipmentRecorded: 1,
    DeliveryEvent: 2,
    RefundRecorded: 3,
    HoldPlaced: 4,
    HoldsReleased: 5,
    DriftObserved: 6,
}


def replay_order(order_id: str, facts: Iterable[Fact]) -> list[Fact]:
    """The distinct facts of `order_id` in replay order; facts of other orders are ignored.

    Equal facts always share an instant and a kind, so duplicates can only sit in the same
    run of the time-sorted list; fact_key (a JSON dump and a hash, ~10-30 µs) is computed
    only for such runs.
    """
    mine = [fact for fact in facts if fact.order_id == order_id]
    keys = [(fact.occurred_at, _KIND_RANK[type(fact)]) for fact in mine]
    order = sorted(range(len(mine)), key=keys.__getitem__)
    replayed: list[Fact] = []
    start = 0
    for end in range(1, len(order) + 1):
        if end == len(order) or keys[order[end]] != keys[order[start]]:
            if end - start == 1:
                replayed.append(mine[order[start]])
            else:
                replayed.extend(_one_instant([mine[i] for i in order[start:end]]))
            start = end
    return replayed


def _one_instant(run: list[Fact]) -> list[Fact]:
    """Facts of one kind at one instant, in fact_key order. Equal facts count once; of two
    equal facts spelled differently (Decimal "1.0" and "1.00") the larger key is kept."""
    unique: list[Fact] = []
    for fact in run:
        # A plain duplicate is equal and spelled the same; repr is ~5x cheaper than fact_key.
        if not any(fact is seen or (fact == seen and repr(fact) == repr(seen)) for seen in unique):
            unique.append(fact)
    if len(unique) == 1:
        return unique
    kept: list[Fact] = []
    for fact in sorted(unique, key=fact_key, reverse=True):
        if all(fact != seen for seen in kept):
            kept.append(fact)
    return kept[::-1]
