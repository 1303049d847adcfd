"""Rows of `status_tokens`: the SHA-256 of each buyer status-page token handed out, its
order, and when it was revoked. The token itself is never stored (it is derived again from
the server secret, `services/status_pages.py`); an order's revoked rows count its generations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from orderline.persistence.console_tables import status_tokens

_t = status_tokens.c


@dataclass(frozen=True, slots=True)
class TokenOrder:
    store_id: str
    order_id: str


def revoked_count(connection: Connection, store_id: str, order_id: str) -> int:
    """How many of the order's tokens were revoked: the generation of its live token."""
    count = connection.execute(
        select(func.count())
        .select_from(status_tokens)
        .where(_t.store_id == store_id, _t.order_id == order_id, _t.revoked_at.is_not(None))
    ).scalar_one()
    return int(count)


def remember(connection: Connection, token_hash: str, store_id: str, order_id: str, now: datetime) -> None:
    """Record a token's hash as live for the order; a hash already recorded is left as it is."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(status_tokens)
        .values(token_hash=token_hash, store_id=store_id, order_id=order_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["token_hash"])
    )
    connection.execute(statement)


def live_order(connection: Connection, token_hash: str) -> TokenOrder | None:
    """The order a live token stands for; None for an unknown or revoked one."""
    row = connection.execute(
        select(_t.store_id, _t.order_id).where(_t.token_hash == token_hash, _t.revoked_at.is_(None))
    ).one_or_none()
    return None if row is None else TokenOrder(str(row.store_id), str(row.order_id))


def revoke(connection: Connection, store_id: str, order_id: str, now: datetime) -> int:
    """Revoke the order's live tokens; how many there were."""
    result = connection.execute(
        update(status_tokens)
        .where(_t.store_id == store_id, _t.order_id == order_id, _t.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)
