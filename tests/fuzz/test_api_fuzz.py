"""Fuzzing the JSON API with schemathesis against /openapi.json, through the ASGI app on a
real SQLite file holding a few orders (issue 12).

Every operation, in schemathesis's positive and negative modes, with an admin token and
without one: no answer is a 5xx (schemathesis's `not_a_server_error`), and without a token
no /api/ operation answers 2xx. `ORDERLINE_API_FUZZ_EXAMPLES` sets the examples per
operation, mode and token (default 15: about 1,000 requests); `bench/fuzz` runs more.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode

from tests.fuzz.api_world import ApiWorld, api_world_at
from tests.fuzz.raw_asgi import AsgiServer, RawRequest

API_EXAMPLES = int(os.environ.get("ORDERLINE_API_FUZZ_EXAMPLES", "15"))


@pytest.fixture(scope="module")
def api_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiWorld]:
    with api_world_at(Path(tmp_path_factory.mktemp("api-fuzz"))) as world:
        yield world


def fuzz_operation(
    world: ApiWorld,
    operation: APIOperation,
    mode: GenerationMode,
    headers: dict[str, str] | None,
    examples: int,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_case(case: Case) -> None:
        assert world.send(case, headers) == []

    try:
        one_case()
    except Unsatisfiable:
        # Nothing to get wrong (no parameters, or only strings in the path): no negative case.
        assert mode is GenerationMode.NEGATIVE, operation.label


@pytest.mark.parametrize("token", ["admin", "none"])
@pytest.mark.parametrize("mode", list(GenerationMode))
def test_no_api_request_is_a_5xx_and_none_without_a_token_is_a_2xx(
    api_world: ApiWorld, mode: GenerationMode, token: str
) -> None:
    operations = api_world.operations()
    headers = api_world.admin if token == "admin" else None

    for operation in operations:
        fuzz_operation(api_world, operation, mode, headers, API_EXAMPLES)

    assert len(operations) >= 10
    assert api_world.tally.server_errors == api_world.tally.crashes == 0


@pytest.mark.parametrize("action", ["retry", "skip"])
def test_an_inbox_id_past_64_bits_is_refused_422(api_world: ApiWorld, action: str) -> None:
    (operation,) = [op for op in api_world.operations() if op.path == f"/api/v1/inbox/{{inbox_id}}/{action}"]
    body = {"body": {"reason": "fuzz"}} if action == "skip" else {}
    case = operation.Case(path_parameters={"inbox_id": 2**63}, **body)

    response = case.call(headers=api_world.admin)

    assert response.status_code == 422


@pytest.mark.parametrize(
    "target",
    [
        "/api/v1/stores/%00/orders/1",
        "/api/v1/orders?store=%00",
        "/api/v1/exceptions?type=%00",
        "/api/v1/stores/shop1/orders/1/exceptions/%00/acknowledge",
    ],
)
def test_a_nul_in_a_string_parameter_is_a_4xx(tmp_path: Path, database_url: str, target: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite takes a NUL in a query; only PostgreSQL refuses it")
    method = "POST" if target.endswith("acknowledge") else "GET"
    with api_world_at(tmp_path, database_url) as world, AsgiServer(world.app) as server:
        token = tuple((name.lower().encode(), value.encode()) for name, value in world.admin.items())

        response = server.request(RawRequest(method, target.encode(), token))

    assert 400 <= response.status < 500
