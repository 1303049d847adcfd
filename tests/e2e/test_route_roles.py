"""Who may call what: every route of the app (its OpenAPI operations and its plain routes)
against a table of rules, called with no token and with a token of each role (issue 12).

A route without a rule fails the test, so a new endpoint cannot ship without someone
deciding who may call it. Status codes only: error bodies are the web layer's business.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from orderline.bootstrap import build_web_context
from orderline.services.api_tokens import Role
from orderline.web.app import create_api_app

from .conftest import Service


@dataclass(frozen=True, slots=True)
class Rule:
    """Who gets past authentication and authorisation (admin always does, for a token rule)."""

    roles: frozenset[Role] | None
    """The token roles allowed; None: the route takes no token (public, or its own secret)."""
    body: dict[str, Any] | None = None
    """A valid body, so a refusal cannot come from validation instead."""


PUBLIC = Rule(None)
ANY_ROLE = Rule(frozenset(Role) - {Role.SUPPORT_LOOKUP})
"""Every role but the helpdesk widget's, which may call only the support lookup."""


def _roles(*roles: Role, body: dict[str, Any] | None = None) -> Rule:
    return Rule(frozenset({Role.ADMIN, *roles}), body)


ORDER = "/api/v1/stores/{store_id}/orders/{platform_order_id}"
EXCEPTION = "/api/v1/stores/{store_id}/orders/{order_id}/exceptions/{key}"
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    # Authenticated by the helpdesk's own secret, never by a token.
    ("POST", "/webhooks/helpdesk/{kind}"): PUBLIC,
    ("GET", "/api/v1/orders"): ANY_ROLE,
    ("GET", ORDER): ANY_ROLE,
    ("GET", f"{ORDER}/tickets"): ANY_ROLE,
    ("GET", "/api/v1/tickets"): ANY_ROLE,
    ("GET", "/api/v1/exceptions"): ANY_ROLE,
    ("GET", "/api/v1/audit/messages"): ANY_ROLE,
    ("GET", "/api/v1/audit/webhooks"): ANY_ROLE,
    ("GET", "/api/v1/scorecard"): ANY_ROLE,
    ("GET", "/api/v1/support/lookup"): _roles(Role.SUPPORT, Role.SUPPORT_LOOKUP),
    # The buyer status page: its token is in the path, never a bearer token.
    ("GET", "/status/{token}"): PUBLIC,
    ("GET", "/status/assets/status.css"): PUBLIC,
    ("GET", "/api/v1/dead-letters"): _roles(Role.OPERATIONS),
    ("GET", "/api/v1/inbox/quarantine"): _roles(Role.OPERATIONS),
    ("POST", "/api/v1/inbox/{inbox_id}/retry"): _roles(Role.OPERATIONS),
    ("POST", "/api/v1/inbox/{inbox_id}/skip"): _roles(Role.OPERATIONS, body={"reason": "matrix"}),
    ("POST", f"{ORDER}/handoff"): _roles(Role.OPERATIONS, Role.SUPPORT, body={"reason": "matrix"}),
    ("POST", f"{EXCEPTION}/acknowledge"): _roles(Role.OPERATIONS, Role.SUPPORT),
    ("POST", f"{EXCEPTION}/assign"): _roles(Role.OPERATIONS, Role.SUPPORT, body={"assignee": "ada"}),
    ("POST", f"{EXCEPTION}/note"): _roles(Role.OPERATIONS, Role.SUPPORT, body={"text": "matrix"}),
    ("POST", f"{EXCEPTION}/resolve"): _roles(Role.OPERATIONS, Role.SUPPORT, body={"resolution": "done"}),
    # The web console: its own login and session cookie (a bearer token is ignored; without a
    # session every page leads to the login page), tested in tests/e2e/test_console.py.
    ("GET", "/"): PUBLIC,
    ("GET", "/console"): PUBLIC,
    ("GET", "/console/"): PUBLIC,
    ("GET", "/console/login"): PUBLIC,
    ("POST", "/console/login"): PUBLIC,
    ("POST", "/console/logout"): PUBLIC,
    ("GET", "/console/exceptions"): PUBLIC,
    ("POST", "/console/exceptions/bulk"): PUBLIC,
    ("POST", "/console/stores/{store_id}/orders/{order_id}/exceptions/{key}/{action}"): PUBLIC,
    ("GET", "/console/orders"): PUBLIC,
    ("GET", "/console/stores/{store_id}/orders/{order_id}"): PUBLIC,
    # A platform delivery's raw body: operations and admin sessions only
    # (tests/e2e/test_console_deliveries.py).
    ("GET", "/console/stores/{store_id}/orders/{order_id}/deliveries/{inbox_id}"): PUBLIC,
    # The console's read-only pages (tests/e2e/test_console_pages.py): dead letters for
    # operations and admin sessions, the rest for every console role.
    ("GET", "/console/ownership"): PUBLIC,
    ("GET", "/console/dead-letters"): PUBLIC,
    ("GET", "/console/audit/messages"): PUBLIC,
    ("GET", "/console/audit/webhooks"): PUBLIC,
    ("GET", "/console/audit/tickets"): PUBLIC,
    ("GET", "/console/reconcile"): PUBLIC,
    ("GET", "/console/scorecard"): PUBLIC,
}
"""(method, path as the app declares it) -> who may call it."""

PATH_VALUES = {
    "store_id": "shop1",
    "platform_order_id": "1001",
    "order_id": "1001",
    "key": "address_invalid:postal_code",
    "inbox_id": "1",
    "kind": "gorgias",
    "token": "no-such-token",
    "action": "acknowledge",
}
PRINCIPALS: list[Role | None] = [None, *Role]


def app_routes(service: Service) -> set[tuple[str, str]]:
    """(method, path) of every route: the OpenAPI operations and the app's plain routes."""
    app = create_api_app(build_web_context(service.runtime))
    found = {
        (method.upper(), path) for path, operations in app.openapi()["paths"].items() for method in operations
    }
    for route in app.routes:
        if isinstance(route, Route):
            found |= {(method, route.path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_route_has_a_rule_and_every_rule_a_route(service: Service) -> None:
    routes = app_routes(service)

    missing = sorted(routes - RULES.keys())
    stale = sorted(RULES.keys() - routes)

    assert not missing, (
        f"routes without a rule: {missing}. Add each to RULES in tests/e2e/test_route_roles.py, "
        "saying which roles may call it (PUBLIC for none needed)."
    )
    assert not stale, f"rules for routes the app no longer has: {stale}; remove them from RULES"


def test_every_route_refuses_exactly_the_principals_its_rule_refuses(service: Service) -> None:
    headers = {role: service.token(role.value) for role in Role}
    wrong: list[str] = []
    tested = 0

    for (method, template), rule in sorted(RULES.items()):
        path = template.format(**PATH_VALUES)
        for principal in PRINCIPALS:
            sent = headers[principal] if principal is not None else {}
            status = service.client.request(method, path, headers=sent, json=rule.body).status_code
            tested += 1
            expected = _expected(rule, principal)
            if not expected(status):
                who = principal.value if principal is not None else "no token"
                wrong.append(f"{method} {template} as {who}: {status}, expected {expected.__doc__}")

    assert wrong == []
    assert tested == len(RULES) * len(PRINCIPALS) >= 100


def _expected(rule: Rule, principal: Role | None) -> Any:
    def refused_401(status: int) -> bool:
        """401"""
        return status == 401

    def refused_403(status: int) -> bool:
        """403"""
        return status == 403

    def let_through(status: int) -> bool:
        """neither 401 nor 403 (nor a 5xx)"""
        return status not in (401, 403) and status < 500

    if rule.roles is None:
        return let_through
    if principal is None:
        return refused_401
    return let_through if principal in rule.roles else refused_403
