"""The SQL of a replay: staged facts, and swapping an order's inbox-derived facts for them.

Facts whose `inbox_id` is NULL were established by Orderline itself (holds its exception
policy placed and released): no delivery produced them, so a replay keeps them as they
are. Facts of deliveries received after the replay started (`inbox_id` above its
boundary) are live processing's and are kept too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select, union

from orderline.persistence.processing_tables import replay_facts
from orderline.persistence.projections import OrderKey, of_orders, upsert
from orderline.persistence.tables import facts, orders

CHUNK = 400


def clear(connection: Connection, store_id: str | None = None) -> None:
    statement = delete(replay_facts)
    if store_id is not None:
        statement = statement.where(replay_facts.c.store_id == store_id)
    connection.execute(statement)


def affected_orders(connection: Connection, up_to_id: int, store_id: str | None) -> list[OrderKey]:
    """Every order with staged facts or facts of a replayed delivery, in key order."""
    staged = select(replay_facts.c.store_id, replay_facts.c.order_id)
    derived = select(facts.c.store_id, facts.c.order_id).where(
        facts.c.inbox_id.is_not(None), facts.c.inbox_id <= up_to_id
    )
    if store_id is not None:
        staged = staged.where(replay_facts.c.store_id == store_id)
        derived = derived.where(facts.c.store_id == store_id)
    both = union(staged, derived).subquery()
    query = select(both.c.store_id, both.c.order_id).order_by(both.c.store_id, both.c.order_id)
    return [(store, order) for store, order in connection.execute(query)]


def facts_after_swap(
    connection: Connection, keys: Sequence[OrderKey], up_to_id: int, kept_ids: Collection[int]
) -> dict[OrderKey, dict[str, dict[str, Any]]]:
    """fact_key -> body per order as the swap leaves it: Orderline's own facts, facts of
    deliveries newer than the replay or not re-mapped (`kept_ids`), and the staged facts."""
    found: dict[OrderKey, dict[str, dict[str, Any]]] = {key: {} for key in keys}
    kept = or_(facts.c.inbox_id.is_(None), facts.c.inbox_id > up_to_id)
    if kept_ids:
        kept = or_(kept, facts.c.inbox_id.in_(sorted(kept_ids)))
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        for table, condition in ((facts, kept), (replay_facts, None)):
            query = select(table.c.store_id, table.c.order_id, table.c.fact_key, table.c.body).where(
                of_orders(table, chunk)
            )
            if condition is not None:
                query = query.where(condition)
            for store, order, key, body in connection.execute(query):
                found[(store, order)][key] = body
    return found


def swap_facts(
    connection: Connection, keys: Sequence[OrderKey], up_to_id: int, kept_ids: Collection[int]
) -> None:
    """Replace the replayed deliveries' facts of `keys` with the staged ones."""
    replaced = and_(facts.c.inbox_id.is_not(None), facts.c.inbox_id <= up_to_id)
    if kept_ids:
        replaced = and_(replaced, facts.c.inbox_id.not_in(sorted(kept_ids)))
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        connection.execute(delete(facts).where(of_orders(facts, chunk), replaced))
        staged = select(
            replay_facts.c.store_id,
            replay_facts.c.order_id,
            replay_facts.c.fact_key,
            replay_facts.c.fact_type,
            replay_facts.c.occurred_at,
            replay_facts.c.body,
            replay_facts.c.inbox_id,
        ).where(of_orders(replay_facts, chunk))
        rows = [dict(row) for row in connection.execute(staged).mappings()]
        if rows:
            statement = upsert(connection.dialect.name, facts).on_conflict_do_nothing(
                index_elements=["store_id", "order_id", "fact_key"]
            )
            connection.execute(statement, rows)


def current_states(
    connection: Connection, keys: Sequence[OrderKey]
) -> dict[OrderKey, tuple[dict[str, Any], int]]:
    """(state, fact_count) of each order's projection as readers see it now."""
    found: dict[OrderKey, tuple[dict[str, Any], int]] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        query = select(orders.c.store_id, orders.c.order_id, orders.c.state, orders.c.fact_count).where(
            of_orders(orders, chunk)
        )
        for store, order, state, count in connection.execute(query):
            found[(store, order)] = (state, int(count))
    return found


def drop_orders(connection: Connection, keys: Sequence[OrderKey]) -> None:
    """Projections of orders no fact speaks of any more."""
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        connection.execute(delete(orders).where(of_orders(orders, chunk)))
