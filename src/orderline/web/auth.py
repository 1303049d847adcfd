"""Bearer-token authentication and role checks for the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orderline.store.tokens import role_for_token


class Role(StrEnum):
    ADMIN = "admin"
    OPERATIONS = "operations"
    SUPPORT = "support"
    VIEWER = "viewer"


_bearer = HTTPBearer(auto_error=False, description="A token from `orderline token create`")


def current_role(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Role:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    with request.app.state.context.engine.connect() as connection:
        role = role_for_token(connection, credentials.credentials)
    if role is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return Role(role)


def require(*roles: Role) -> Callable[[Role], Role]:
    """A dependency that lets only `roles` (and always admin) through."""
    allowed = {Role.ADMIN, *roles}

    def check(role: Annotated[Role, Depends(current_role)]) -> Role:
        if role not in allowed:
            raise HTTPException(403, f"role {role.value} may not do this")
        return role

    return check
