"""Repository of the web console's users and sessions (tables in console_tables.py),
and its order search.

Plain reads and writes: hashing passwords, making session values and deciding who is
logged in are the service's (`orderline.services.console_auth`). Sessions are found by
the SHA-256 of the cookie value; the value itself never reaches this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Text, cast, false, func, insert, or_, select, update

from orderline.persistence.console_tables import console_sessions, console_users
from orderline.persistence.tables import orders


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    id: int
    username: str
    role: str
    password_hash: str
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionHolder:
    """A live session: whose it is and the secret its CSRF tokens derive from."""

    user_id: int
    username: str
    role: str
    csrf_secret: str
    expires_at: datetime


def insert_user(connection: Connection, username: str, role: str, password_hash: str, now: datetime) -> int:
    result = connection.execute(
        insert(console_users).values(
            username=username, role=role, password_hash=password_hash, created_at=now
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def user_named(connection: Connection, username: str) -> ConsoleUser | None:
    row = connection.execute(select(console_users).where(console_users.c.username == username)).one_or_none()
    return None if row is None else ConsoleUser(**row._mapping)


def list_users(connection: Connection) -> list[ConsoleUser]:
    rows = connection.execute(select(console_users).order_by(console_users.c.id)).all()
    return [ConsoleUser(**row._mapping) for row in rows]


def disable_user(connection: Connection, username: str, now: datetime) -> bool:
    """Disable a live user and revoke every session of theirs; False when there is none."""
    user_id = connection.execute(
        update(console_users)
        .where(console_users.c.username == username, console_users.c.disabled_at.is_(None))
        .values(disabled_at=now)
        .returning(console_users.c.id)
    ).scalar_one_or_none()
    if user_id is None:
        return False
    connection.execute(
        update(console_sessions)
        .where(console_sessions.c.user_id == user_id, console_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return True


def insert_session(
    connection: Connection,
    session_hash: str,
    user_id: int,
    csrf_secret: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    connection.execute(
        insert(console_sessions).values(
            session_hash=session_hash,
            user_id=user_id,
            csrf_secret=csrf_secret,
            created_at=now,
            expires_at=expires_at,
        )
    )


def live_session(connection: Connection, session_hash: str, now: datetime) -> SessionHolder | None:
    """The session with this hash when it is neither revoked nor expired and its user is
    not disabled; else None."""
    row = connection.execute(
        select(
            console_users.c.id,
            console_users.c.username,
            console_users.c.role,
            console_sessions.c.csrf_secret,
            console_sessions.c.expires_at,
        )
        .join(console_users, console_users.c.id == console_sessions.c.user_id)
        .where(
            console_sessions.c.session_hash == session_hash,
            console_sessions.c.revoked_at.is_(None),
            console_sessions.c.expires_at > now,
            console_users.c.disabled_at.is_(None),
        )
    ).one_or_none()
    return None if row is None else SessionHolder(*row)


def revoke_session(connection: Connection, session_hash: str, now: datetime) -> bool:
    result = connection.execute(
        update(console_sessions)
        .where(console_sessions.c.session_hash == session_hash, console_sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class FoundOrder:
    store_id: str
    order_id: str
    order_number: str
    email: str | None
    status: str
    owner: str
    placed_at: datetime


_FOUND = (
    orders.c.store_id,
    orders.c.order_id,
    orders.c.order_number,
    orders.c.email,
    orders.c.status,
    orders.c.owner,
    orders.c.placed_at,
)


def find_orders(connection: Connection, query: str, store_id: str | None, limit: int) -> list[FoundOrder]:
    """Orders whose number (with or without its `#`) or buyer e-mail (any case) is `query`,
    newest first; when none is, those with `query` as a tracking number (a scan of the
    stored states, so only for a query of four characters or more)."""
    scope = [] if store_id is None else [orders.c.store_id == store_id]
    bare = query.lstrip("#")
    by_key = or_(
        orders.c.order_number.in_([query, bare, f"#{bare}"]),
        func.lower(orders.c.email) == query.lower() if "@" in query else false(),
    )
    newest = (orders.c.placed_at.desc(), orders.c.store_id, orders.c.order_id)
    rows = connection.execute(select(*_FOUND).where(by_key, *scope).order_by(*newest).limit(limit)).all()
    if not rows and len(query) >= 4 and "@" not in query:
        quoted = json.dumps(query)
        by_tracking = cast(orders.c.state, Text).contains(quoted, autoescape=True)
        rows = connection.execute(
            select(*_FOUND).where(by_tracking, *scope).order_by(*newest).limit(limit)
        ).all()
    return [FoundOrder(*row) for row in rows]
