"""The API fuzzer's world: the ASGI app on a real SQLite file (or a PostgreSQL schema)
holding a processed Shopify and WooCommerce order, a Gorgias helpdesk, an admin token,
and the app's operations as schemathesis reads them from /openapi.json.

Schemathesis's pytest integration (`schemathesis.pytest.from_fixture`, needed for an app
built in a fixture) fails on pytest 9 (`'Function' object has no attribute '_nodeid'`),
so the tests and the bench draw each operation's cases with `operation.as_strategy`."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis
from schemathesis import APIOperation, Case, Response
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.python.asgi import shutdown_lifespans

from orderline.bootstrap import Runtime, build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence import tokens
from orderline.persistence.database import make_engine, migrate
from orderline.persistence.inbox import InboxRecord, write_records
from orderline.web.app import create_app
from tests.fuzz.raw_asgi import ASGIApp
from tests.fuzz.webhook_cases import NOW, STORES
from tests.unit.platform_bodies import shopify_order, woo_order

KNOWN_GAPS: dict[str, Callable[[Case], bool]] = {}
"""Server errors the fuzzer found whose fix lies in the web layer (reported to the lead),
by the request that causes them: counted apart so the fuzzer keeps looking for new ones.
Each has a strict xfail regression test in test_api_fuzz.py; when it passes, remove both."""


@dataclass
class ApiTally:
    cases: int = 0
    server_errors: int = 0
    crashes: int = 0
    """Exceptions out of the app (a server answers them 500)."""
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    known_gaps: Counter[str] = field(default_factory=Counter)


@dataclass
class ApiWorld:
    app: ASGIApp
    runtime: Runtime
    admin: dict[str, str]
    tally: ApiTally = field(default_factory=ApiTally)

    def send(self, case: Case, headers: dict[str, str] | None) -> list[str]:
        """Call the app with `case`; the properties it broke: no 5xx (schemathesis's
        `not_a_server_error`), and no /api/ operation answering 2xx without a token."""
        self.tally.cases += 1
        shown = f"{case.method} {case.formatted_path}"
        try:
            response = case.call(headers=headers)
        except Exception as error:
            status, problems = 500, [f"{shown}: the app raised {error!r}"]
        else:
            status, problems = response.status_code, _failures(case, response)
            if headers is None and case.path.startswith("/api/") and 200 <= status < 300:
                problems.append(f"{shown}: answered {status} without a token")
        self.tally.statuses[status] += 1
        gap = next((name for name, matches in KNOWN_GAPS.items() if matches(case)), None)
        if gap is not None and status >= 500:
            self.tally.known_gaps[gap] += 1
            return []
        self.tally.crashes += status == 500 and any("raised" in problem for problem in problems)
        self.tally.server_errors += status >= 500
        self.tally.problems.extend(problems[: max(0, 20 - len(self.tally.problems))])
        return problems

    def operations(self) -> list[APIOperation]:
        """Every operation of /openapi.json (loading it runs the app's lifespan)."""
        schema = schemathesis.openapi.from_asgi("/openapi.json", self.app)
        found = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                raise AssertionError(
                    f"/openapi.json has an operation schemathesis cannot read: {result.err()}"
                )
            found.append(result.ok())
        return found


def _failures(case: Case, response: Response) -> list[str]:
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except FailureGroup as failures:
        return [f"{case.method} {case.formatted_path}: {failure.title}" for failure in failures.exceptions]
    return []


def _config(database_url: str) -> str:
    return (
        f"database_url: '{database_url}'\n"
        "stores:\n"
        f"  - {{id: shop1, platform: shopify, shop_domain: {STORES.shop_domain},"
        f" webhook_secrets: [{STORES.shopify_secret}]}}\n"
        f"  - {{id: woo1, platform: woocommerce, site_url: '{STORES.woo_site}',"
        f" webhook_secrets: [{STORES.woo_secret}]}}\n"
        "helpdesk:\n"
        "  kind: gorgias\n"
        "  base_url: https://helpdesk.fuzz.example\n"
        "  username: agent@fuzz.example\n"
        "  api_token: not-used-here\n"
        f"  webhook_secret: {STORES.gorgias_secret}\n"
    )


def _seed(runtime: Runtime) -> None:
    """One processed order per store, so reads find something."""
    records = [
        InboxRecord(
            "shopify", "shop1", "orders/updated", "seed-1", None, NOW, None, {}, _json(shopify_order())
        ),
        InboxRecord(
            "woocommerce", "woo1", "order.updated", "seed-2", None, NOW, None, {}, _json(woo_order())
        ),
    ]
    with runtime.engine.begin() as connection:
        write_records(connection, records)
    runtime.processor.run_until_idle()


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


@contextmanager
def api_world_at(directory: Path, database_url: str | None = None) -> Iterator[ApiWorld]:
    url = database_url or f"sqlite:///{directory / 'orderline.db'}"
    config = directory / "orderline.yaml"
    config.write_text(_config(url))
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    runtime = build_runtime(load_config(config), clock=lambda: NOW)
    _seed(runtime)
    with runtime.engine.begin() as connection:
        token = tokens.create_token(connection, name="fuzz-admin", role="admin", now=NOW)
    try:
        yield ApiWorld(create_app(build_web_context(runtime)), runtime, {"Authorization": f"Bearer {token}"})
    finally:
        shutdown_lifespans()  # the app's, which schemathesis started
        runtime.engine.dispose()
