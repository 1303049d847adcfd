"""Replay equals live: random simulated histories on Shopify, WooCommerce and BigCommerce,
with address, payment, backorder and fraud holds, escalations and customer messages,
processed live at random moments and then replayed from the inbox, leave every table
exactly as live processing did.

Hypothesis draws the simulator seed, how many orders each platform has (3 to 12 in all),
which Shopify orders are created with a broken address (and which field), whether
Shopify's hold releases come without `order_id`, the payment policy's `pending_after`,
the live moments (hours apart, relative to the traffic's start), the moments BigCommerce's
API is down, and when the replay runs. Compared: orders (with their timelines), facts (Orderline's
own holds included), fulfillment orders, exceptions and their history, timers, messages
and their attempts, notifications, hand-offs, inbox outcomes and dead letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings, target
from hypothesis import strategies as st
from sqlalchemy import Engine, Select, select

from orderline.persistence.exception_tables import exception_events, order_exceptions, timers
from orderline.persistence.messaging_tables import handoffs, message_attempts, messages, notifications
from orderline.persistence.tables import dead_letters, facts, fulfillment_order_index, inbox, orders
from orderline.services.exception_evaluation import HOLD_GROUP_PREFIX
from tests.integration.replay_world import History, live, replay

Snapshot = dict[str, list[tuple[Any, ...]]]
"""Rows of each compared table, by table name."""

# --- what is compared --------------------------------------------------------------------


def _without_id(table: Any, *order_by: Any) -> Select[Any]:
    return select(*(c for c in table.c if c.name != "id")).order_by(*order_by)


def snapshot(engine: Engine) -> Snapshot:
    """Every table live processing writes, without surrogate ids, in a stable order."""
    a, m = message_attempts.c, messages.c
    queries: dict[str, Select[Any]] = {
        "orders": select(orders).order_by(orders.c.store_id, orders.c.order_id),
        "facts": _without_id(facts, facts.c.store_id, facts.c.order_id, facts.c.fact_key),
        "fulfillment_order_index": select(fulfillment_order_index).order_by(*fulfillment_order_index.c),
        "order_exceptions": _without_id(order_exceptions, order_exceptions.c.id),
        "exception_events": _without_id(exception_events, exception_events.c.id),
        "timers": select(timers).order_by(timers.c.store_id, timers.c.order_id),
        "messages": _without_id(messages, m.id),
        "message_attempts": select(m.idempotency_key, *(c for c in a if c.name not in ("id", "message_id")))
        .join_from(message_attempts, messages, a.message_id == m.id)
        .order_by(a.id),
        "notifications": _without_id(notifications, notifications.c.id),
        "handoffs": _without_id(handoffs, handoffs.c.id),
        "inbox": select(
            inbox.c.store_id, inbox.c.dedupe_key, inbox.c.status, inbox.c.order_id, inbox.c.error
        ).order_by(inbox.c.id),
        "dead_letters": _without_id(dead_letters, dead_letters.c.inbox_id, dead_letters.c.received_at),
    }
    with engine.connect() as connection:
        return {name: [tuple(row) for row in connection.execute(query)] for name, query in queries.items()}


def _first_difference(live: list[tuple[Any, ...]], replayed: list[tuple[Any, ...]]) -> str:
    for index, (a, b) in enumerate(zip(live, replayed, strict=False)):
        if a != b:
            return f"row {index}:\n  live:     {a!r}\n  replayed: {b!r}"
    return f"{len(live)} live rows, {len(replayed)} replayed rows"


def differences(live: Snapshot, replayed: Snapshot) -> dict[str, str]:
    return {t: _first_difference(live[t], replayed[t]) for t in live if live[t] != replayed[t]}


@dataclass(frozen=True)
class Richness:
    """What a run did that replay must keep."""

    orderline_holds: frozenset[str]
    """The exception types Orderline placed holds for."""
    orderline_releases: int
    platform_holds: int
    exception_types: frozenset[str]
    escalations: int
    messages: int
    notifications: int

    @property
    def size(self) -> int:
        return len(self.orderline_holds) + self.orderline_releases + self.escalations + self.messages


def richness(state: Snapshot) -> Richness:
    fact_columns = [c.name for c in facts.c if c.name != "id"]
    stored = [dict(zip(fact_columns, row, strict=True)) for row in state["facts"]]
    holds = [f["body"]["hold_group"] for f in stored if f["fact_type"] == "HoldPlaced"]
    ours = [group.removeprefix(HOLD_GROUP_PREFIX) for group in holds if group.startswith(HOLD_GROUP_PREFIX)]
    released = [f for f in stored if f["fact_type"] == "HoldsReleased" and f["inbox_id"] is None]
    exception_type = [c.name for c in order_exceptions.c if c.name != "id"].index("type")
    action = [c.name for c in exception_events.c if c.name != "id"].index("action")
    return Richness(
        orderline_holds=frozenset(key.split(":")[0] for key in ours),
        orderline_releases=len(released),
        platform_holds=len(holds) - len(ours),
        exception_types=frozenset(row[exception_type] for row in state["order_exceptions"]),
        escalations=sum(row[action] == "escalated" for row in state["exception_events"]),
        messages=len(state["messages"]),
        notifications=len(state["notifications"]),
    )


# --- the histories -------------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> History:
    total = draw(st.integers(3, 12))
    woo = draw(st.integers(0, min(3, total - 1)))
    bigcommerce = draw(st.integers(0, min(3, total - 1 - woo)))
    shopify = total - woo - bigcommerce
    gaps = draw(st.lists(st.integers(15, 36 * 60), min_size=1, max_size=7))
    first = draw(st.integers(60, 48 * 60))
    return History(
        seed=draw(st.integers(0, 2**32 - 1)),
        shopify=shopify,
        woo=woo,
        bigcommerce=bigcommerce,
        bad_addresses=frozenset(draw(st.sets(st.integers(0, shopify - 1), max_size=shopify))),
        bad_field=draw(st.sampled_from(("zip", "address1"))),
        thin_releases=draw(st.booleans()),
        pending_after_h=draw(st.sampled_from((2, 6, 24))),
        nows_min=tuple(first + sum(gaps[:i]) for i in range(len(gaps) + 1)),
        outages=frozenset(draw(st.sets(st.integers(0, len(gaps) - 1), max_size=len(gaps)))),
        replay_after_min=draw(st.integers(0, 72 * 60)),
    )


FIXED = History(
    seed=25,
    shopify=8,
    woo=2,
    bigcommerce=2,
    bad_addresses=frozenset({0, 3}),
    bad_field="zip",
    thin_releases=True,
    pending_after_h=6,
    nows_min=(4 * 60, 9 * 60, 20 * 60, 30 * 60, 50 * 60, 80 * 60, 130 * 60),
    outages=frozenset({1, 3}),
    replay_after_min=12 * 60,
)


def assert_replay_equals_live(engine: Engine, history: History) -> Richness:
    with live(engine, history) as world:
        before = snapshot(engine)
        replay(world, history)
        after = snapshot(engine)
    found = differences(before, after)
    assert not found, "replay differs from live in " + "; ".join(f"{t}: {d}" for t, d in found.items())
    return richness(before)


@pytest.mark.replay_at_any_date
def test_a_fixed_history_has_orderline_holds_escalations_and_messages_and_replays_exactly(
    engine: Engine,
) -> None:
    found = assert_replay_equals_live(engine, FIXED)

    assert found.orderline_holds == {"address_invalid", "payment_failed"}
    assert found.orderline_releases > 0
    assert found.platform_holds > 0
    assert {"address_invalid", "payment_failed", "backorder", "fraud_review"} <= found.exception_types
    assert found.escalations > 0
    assert found.messages > 0
    assert found.notifications > 0


@pytest.mark.replay_at_any_date
def test_the_comparison_catches_a_replay_that_loses_orderline_holds(engine: Engine) -> None:
    """Without Orderline's own facts (as a replay rebuilding from the inbox alone would
    leave them), exactly the orders Orderline had held come back different."""
    with live(engine, FIXED) as world:
        before = snapshot(engine)
        with engine.begin() as connection:
            connection.execute(facts.delete().where(facts.c.inbox_id.is_(None)))
        replay(world, FIXED)
        after = snapshot(engine)

    assert set(differences(before, after)) == {"orders", "facts", "timers"}
    assert changed_orders(before, after) == orders_with_orderline_facts(before) != set()
    assert richness(after).orderline_holds == frozenset()


def changed_orders(live: Snapshot, replayed: Snapshot) -> set[tuple[str, str]]:
    replayed_orders = {(row[0], row[1]): row for row in replayed["orders"]}
    return {(row[0], row[1]) for row in live["orders"] if replayed_orders.get((row[0], row[1])) != row}


def orders_with_orderline_facts(state: Snapshot) -> set[tuple[str, str]]:
    inbox_id = [c.name for c in facts.c if c.name != "id"].index("inbox_id")
    return {(row[0], row[1]) for row in state["facts"] if row[inbox_id] is None}


@pytest.mark.replay_at_any_date
def test_random_histories_processed_live_at_random_moments_replay_exactly(engine: Engine) -> None:
    examples = 25 if engine.dialect.name == "sqlite" else 8

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(history=histories())
    def replay_equals_live(history: History) -> None:
        note(repr(history))
        found = assert_replay_equals_live(engine, history)
        note(repr(found))
        target(float(found.size), label="richness")

    replay_equals_live()
