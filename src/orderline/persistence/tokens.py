"""API bearer tokens. Only a SHA-256 of each token is stored; the token is shown once.

Tokens are 256-bit random strings, so a plain hash (no salt, no slow KDF) is enough:
there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from orderline.persistence.tables import api_tokens

TOKEN_PREFIX = "olt_"


@dataclass(frozen=True, slots=True)
class TokenHolder:
    """Who a live token was created for: its name (recorded as the actor) and its role."""

    name: str
    role: str


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(connection: Connection, *, name: str, role: str, now: datetime) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    connection.execute(
        insert(api_tokens).values(name=name, role=role, token_hash=hash_token(token), created_at=now)
    )
    return token


def holder_of(connection: Connection, token: str) -> TokenHolder | None:
    """The name and role of `token`; None when it is unknown or revoked."""
    row = connection.execute(
        select(api_tokens.c.name, api_tokens.c.role).where(
            api_tokens.c.token_hash == hash_token(token), api_tokens.c.revoked_at.is_(None)
        )
    ).one_or_none()
    return None if row is None else TokenHolder(str(row.name), str(row.role))


def list_tokens(connection: Connection) -> list[TokenInfo]:
    rows = connection.execute(
        select(
            api_tokens.c.id,
            api_tokens.c.name,
            api_tokens.c.role,
            api_tokens.c.created_at,
            api_tokens.c.revoked_at,
        ).order_by(api_tokens.c.id)
    ).all()
    return [TokenInfo(*row) for row in rows]


def revoke_token(connection: Connection, token_id: int, now: datetime) -> bool:
    result = connection.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount == 1
