"""One error body everywhere: the webhook fast path, the API's own refusals, request
validation and routing all answer RFC 9457 problem details as application/problem+json,
with the same keys, and /openapi.json says so."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Service
from .problems import PROBLEM_JSON, problem

KEYS = ["type", "title", "status", "detail"]
ORDERS = "/api/v1/stores/shop1/orders"
LIMIT_MESSAGE = "Input should be greater than or equal to 1"

# (name, method, path, role or None, status, detail)
REFUSALS = [
    ("webhook unknown platform", "POST", "/webhooks/magento", None, 404, "unknown platform 'magento'"),
    ("webhook unsigned", "POST", "/webhooks/shopify/shop1", None, 401, "missing or invalid signature"),
    ("api no token", "GET", "/api/v1/orders", None, 401, "missing bearer token"),
    ("api role", "GET", "/api/v1/dead-letters", "viewer", 403, "role viewer may not do this"),
    ("api unknown order", "GET", f"{ORDERS}/nope", "viewer", 404, "no order nope in store shop1"),
    ("unknown route", "GET", "/nowhere", None, 404, "Not Found"),
    ("wrong method", "GET", "/webhooks/helpdesk/zendesk", None, 405, "Method Not Allowed"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "role", "status", "detail"),
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_every_refusal_answers_a_problem_with_the_same_keys(
    service: Service, method: str, path: str, role: str | None, status: int, detail: str
) -> None:
    headers = service.token(role) if role else {}

    response = service.client.request(method, path, headers=headers, content=b"{}")

    assert (response.status_code, response.headers["content-type"]) == (status, PROBLEM_JSON)
    assert response.json() == problem(status, detail)
    assert list(response.json()) == KEYS


def test_a_refusal_keeps_its_headers(service: Service) -> None:
    unauthenticated = service.client.get("/api/v1/orders")
    wrong_method = service.client.get("/webhooks/helpdesk/zendesk")

    assert unauthenticated.headers["www-authenticate"] == "Bearer"
    assert wrong_method.headers["allow"] == "POST"


def test_invalid_inputs_are_listed_one_by_one_with_their_field(service: Service) -> None:
    response = service.client.get(
        "/api/v1/orders", params={"limit": "0", "placed_from": "soon"}, headers=service.token("viewer")
    )

    assert (response.status_code, response.headers["content-type"]) == (422, PROBLEM_JSON)
    body = response.json()
    (placed_from,) = [e["message"] for e in body["errors"] if e["field"] == "query.placed_from"]
    assert body == problem(
        422,
        f"query.placed_from: {placed_from}; query.limit: {LIMIT_MESSAGE}",
        errors=[
            {"field": "query.placed_from", "message": placed_from},
            {"field": "query.limit", "message": LIMIT_MESSAGE},
        ],
    )
    assert list(body) == [*KEYS, "errors"]


def _problem_ref(operation: dict[str, Any], status: str) -> str:
    ref: str = operation["responses"][status]["content"][PROBLEM_JSON]["schema"]["$ref"]
    return ref


def test_openapi_documents_the_problem_answers(service: Service) -> None:
    openapi = service.client.get("/openapi.json").json()
    paths = openapi["paths"]
    listing = paths["/api/v1/orders"]["get"]
    act = paths["/api/v1/stores/{store_id}/orders/{order_id}/exceptions/{key}/resolve"]["post"]
    schemas = openapi["components"]["schemas"]

    refs = {_problem_ref(listing, "401"), _problem_ref(listing, "422")}
    refs |= {_problem_ref(act, status) for status in ("401", "403", "404", "409", "422")}
    assert refs == {"#/components/schemas/Problem"}
    assert list(schemas["Problem"]["properties"]) == [*KEYS, "errors"]
    problem_schema = schemas["Problem"]["properties"]
    assert problem_schema["errors"]["items"] == {"$ref": "#/components/schemas/FieldProblem"}
    assert "HTTPValidationError" not in schemas
