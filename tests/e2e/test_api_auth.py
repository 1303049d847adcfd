"""The API's one authentication dependency: every route finds who acts (the token's name
and role) with a single lookup, and refuses a missing, unknown or revoked token 401."""

from __future__ import annotations

import pytest

from orderline.services.api_tokens import ApiTokens, Principal

from .conftest import Service
from .problems import problem

UNKNOWN_EXCEPTION = "/api/v1/stores/shop1/orders/404/exceptions/address_invalid:postal_code/acknowledge"


class CountingTokens(ApiTokens):
    """The real token lookup, counted."""

    def __init__(self, tokens: ApiTokens) -> None:
        self._tokens = tokens
        self.lookups = 0

    def principal(self, token: str) -> Principal | None:
        self.lookups += 1
        return self._tokens.principal(token)


def _counting(service: Service) -> CountingTokens:
    context = service.context
    counting = CountingTokens(context.tokens)
    context.tokens = counting
    return counting


@pytest.mark.parametrize(
    ("role", "path", "detail"),
    [
        (
            "support",
            UNKNOWN_EXCEPTION,
            "no exception address_invalid:postal_code on order 404 in store shop1",
        ),
        ("operations", "/api/v1/inbox/1/retry", "no quarantined delivery 1"),
    ],
)
def test_an_action_looks_its_token_up_once(service: Service, role: str, path: str, detail: str) -> None:
    headers = service.token(role)
    counting = _counting(service)

    response = service.client.post(path, headers=headers)

    assert (response.status_code, response.json()) == (404, problem(404, detail))
    assert counting.lookups == 1


def test_missing_unknown_and_revoked_tokens_are_refused_401(service: Service) -> None:
    support = service.token("support")
    tokens = ApiTokens(service.engine)
    (info,) = tokens.listed()
    tokens.revoke(info.id, service.runtime.clock())

    missing = service.client.get("/api/v1/orders")
    unknown = service.client.get("/api/v1/orders", headers={"Authorization": "Bearer olt_nothing"})
    revoked = service.client.get("/api/v1/orders", headers=support)

    assert [r.status_code for r in (missing, unknown, revoked)] == [401, 401, 401]
    assert [r.json()["detail"] for r in (missing, unknown, revoked)] == [
        "missing bearer token",
        "unknown or revoked token",
        "unknown or revoked token",
    ]


def test_every_api_route_asks_for_the_bearer_token(service: Service) -> None:
    """`current_principal` is the only user of the bearer scheme, so an operation that
    declares it depends on the principal."""
    paths = service.client.get("/openapi.json").json()["paths"]
    operations = {
        f"{method.upper()} {path}": operation
        for path, methods in paths.items()
        if path.startswith("/api/")
        for method, operation in methods.items()
    }

    unauthenticated = [name for name, op in operations.items() if op.get("security") != [{"HTTPBearer": []}]]

    assert len(operations) >= 10
    assert unauthenticated == []
