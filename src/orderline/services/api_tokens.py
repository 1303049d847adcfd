"""API bearer tokens as the entry points use them: who a request acts as (its principal:
the token's name and role, found with one lookup), and creating, listing and revoking
tokens from the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Engine

from orderline.persistence import tokens as token_store
from orderline.persistence.tokens import TokenInfo

__all__ = ["ApiTokens", "Principal", "Role", "TokenInfo"]


class Role(StrEnum):
    ADMIN = "admin"
    OPERATIONS = "operations"
    SUPPORT = "support"
    VIEWER = "viewer"
    SUPPORT_LOOKUP = "support_lookup"
    """A helpdesk's widget (Gorgias, Zendesk): `GET /api/v1/support/lookup` and nothing else.
    Its token lives in a third party's settings, so it may read only the compact summary."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: `name` is recorded with every action, `role` decides which."""

    name: str
    role: Role


class ApiTokens:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def principal(self, token: str) -> Principal | None:
        """The principal `token` stands for; None when it is unknown or revoked."""
        with self._engine.connect() as connection:
            holder = token_store.holder_of(connection, token)
        return None if holder is None else Principal(holder.name, Role(holder.role))

    def create(self, *, name: str, role: Role, now: datetime) -> str:
        """A new token; the value is returned this once, only its hash is kept."""
        with self._engine.begin() as connection:
            return token_store.create_token(connection, name=name, role=role.value, now=now)

    def listed(self) -> list[TokenInfo]:
        """Every token, live or revoked, oldest first (never their values)."""
        with self._engine.connect() as connection:
            return token_store.list_tokens(connection)

    def revoke(self, token_id: int, now: datetime) -> bool:
        """False when there is no live token with that id."""
        with self._engine.begin() as connection:
            return token_store.revoke_token(connection, token_id, now)
