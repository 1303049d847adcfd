"""Bearer-token authentication for the JSON API: the one dependency that finds who a
request acts as (its principal: the token's name and role), and role checks on it.

Every API route depends on `current_principal`, directly or through `require`; FastAPI
resolves it once per request, so a token is looked up once however many parameters use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from orderline.services.api_tokens import Principal, Role

__all__ = ["Authenticated", "Principal", "Role", "current_principal", "lookup_principal", "require"]

_bearer = HTTPBearer(auto_error=False, description="A token from `orderline token create`")


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who the bearer token belongs to; 401 without a live token. A `support_lookup` token
    is refused (403) here: it may call only the helpdesk lookup (`lookup_principal`)."""
    principal = lookup_principal(request, credentials)
    if principal.role is Role.SUPPORT_LOOKUP:
        raise HTTPException(403, f"role {principal.role.value} may only call the support lookup")
    return principal


def lookup_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """Who the bearer token belongs to, whatever its role; 401 without a live token."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    principal: Principal | None = request.app.state.context.tokens.principal(credentials.credentials)
    if principal is None:
        raise HTTPException(401, "unknown or revoked token", headers={"WWW-Authenticate": "Bearer"})
    return principal


Authenticated = Annotated[Principal, Depends(current_principal)]
"""Any live token (viewer and up)."""


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only `roles` (and always admin) through; 403 for the others."""
    allowed = {Role.ADMIN, *roles}

    def check(principal: Authenticated) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(403, f"role {principal.role.value} may not do this")
        return principal

    return check
