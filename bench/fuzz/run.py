"""Fuzzing at scale. Usage: .venv/bin/python bench/fuzz/run.py [--cases N] [--api-share F]

Runs the two fuzzers of tests/fuzz at 100,000 cases by default, in one process, through
the real ASGI app on a fresh SQLite file each (or `--database URL`, e.g. a PostgreSQL schema):

- webhooks (hypothesis, tests/fuzz/webhook_cases.py): signed bodies with wrong types,
  missing fields, nulls, huge numbers, deep nesting, long strings and odd unicode;
  unsigned garbage; missing, duplicate and oversized headers; oversized bodies; unknown
  platforms and stores; path tricks. Accepted deliveries are processed after every chunk
  of 2,000 (as the worker would), and a valid order of each platform is sent at the end;
- the API (schemathesis, tests/fuzz/test_api_fuzz.py): every operation of /openapi.json,
  positive and negative cases, with an admin token and without one.

Each request is checked as the tests check it (tests/fuzz/webhook_world.py): no 5xx,
every refusal a dead letter (or over its source's dead-letter rate), processing never
raises. Failures already reported (`KNOWN_GAPS`) are counted among the server errors and
listed apart. Baseline in the same run: valid signed Shopify webhooks through the same
driver and app, so the fuzz rate can be read against what the harness itself costs.

The last line is machine-readable:
    fuzz cases=N server_errors=N crashes=N dead_letters=N
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the fuzzers live in tests/fuzz

from hypothesis import HealthCheck, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from tests.fuzz.api_world import ApiTally, ApiWorld, api_world_at
from tests.fuzz.raw_asgi import RawRequest
from tests.fuzz.webhook_cases import STORES, sign, webhook_requests
from tests.fuzz.webhook_world import Tally, WebhookWorld, webhook_world
from tests.unit.platform_bodies import shopify_order

CHUNK = 2000
BASELINE_REQUESTS = 500


def fuzz_webhooks(world: WebhookWorld, cases: int, first_seed: int) -> None:
    done, chunk_index = 0, 0
    while done < cases:
        size = min(CHUNK, cases - done)

        @seed(first_seed + chunk_index)
        @settings(max_examples=size, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(request=webhook_requests)
        def one_request(request: RawRequest) -> None:
            world.send(request)

        before = world.tally.cases
        one_request()
        world.process_all()
        done += max(1, world.tally.cases - before)
        chunk_index += 1
        print(f"  webhooks: {world.tally.cases} cases, {world.tally.problem_count} problems", flush=True)
    world.valid_orders_go_through()


def baseline_per_s(world: WebhookWorld) -> float:
    """Valid signed Shopify orders through the same driver and app."""
    requests = []
    for n in range(BASELINE_REQUESTS):
        body = json.dumps({**shopify_order(), "id": 5_000_000 + n}).encode()
        headers = (
            (b"x-shopify-topic", b"orders/create"),
            (b"x-shopify-shop-domain", STORES.shop_domain.encode()),
            (b"x-shopify-webhook-id", f"baseline-{n}".encode()),
            (b"x-shopify-hmac-sha256", sign(STORES.shopify_secret, body).encode()),
        )
        requests.append(RawRequest("POST", b"/webhooks/shopify", headers, body))
    started = time.perf_counter()
    for request in requests:
        assert world.server.request(request).status == 200
    return len(requests) / (time.perf_counter() - started)


def fuzz_api(world: ApiWorld, cases: int, first_seed: int) -> None:
    operations = world.operations()
    runs = [(op, mode, token) for op in operations for mode in GenerationMode for token in (True, False)]
    per_run = max(1, cases // len(runs))
    for index, (operation, mode, token) in enumerate(runs):
        try:
            fuzz_operation(
                world, operation, mode, world.admin if token else None, per_run, first_seed + index
            )
        except Unsatisfiable:  # nothing to get wrong: no negative case for this operation
            if mode is not GenerationMode.NEGATIVE:
                raise
        if index % 10 == 9:
            print(f"  api: {world.tally.cases} cases", flush=True)


def fuzz_operation(
    world: ApiWorld,
    operation: APIOperation,
    mode: GenerationMode,
    headers: dict[str, str] | None,
    examples: int,
    run_seed: int,
) -> None:
    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def one_case(case: Case) -> None:
        world.send(case, headers)

    one_case()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=100_000, help="requests in all (default 100,000)")
    parser.add_argument("--api-share", type=float, default=0.2, help="the API fuzzer's share of the cases")
    parser.add_argument(
        "--database",
        help="a database URL both fuzzers share (default: a fresh SQLite file each)",
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    api_cases = int(args.cases * args.api_share)
    webhook_cases = args.cases - api_cases

    with tempfile.TemporaryDirectory(prefix="orderline-bench-fuzz-") as tmp:
        workdir = Path(tmp)
        log_file = Path(tempfile.gettempdir()) / "orderline-bench-fuzz.log"
        logging.basicConfig(filename=log_file, filemode="w", level=logging.WARNING, force=True)
        (workdir / "hooks").mkdir()
        url = args.database or f"sqlite:///{workdir / 'hooks' / 'orderline.db'}"
        started = time.perf_counter()
        with webhook_world(url, workdir / "hooks") as world:
            fuzz_webhooks(world, webhook_cases, args.seed)
            webhook_s = time.perf_counter() - started
            baseline = baseline_per_s(world)
        hooks = world.tally
        (workdir / "api").mkdir()
        started = time.perf_counter()
        with api_world_at(workdir / "api", args.database) as api:
            fuzz_api(api, api_cases, args.seed)
        api_s = time.perf_counter() - started
    report(hooks, webhook_s, baseline, api.tally, api_s, log_file)


def report(hooks: Tally, webhook_s: float, baseline: float, api: ApiTally, api_s: float, log: Path) -> None:
    hooks_5xx = hooks.server_errors + sum(hooks.known_gaps.values())
    api_5xx = api.server_errors + sum(api.known_gaps.values())
    print(f"{'fuzzer':<34}{'cases':>9}{'cases/s':>9}{'5xx':>6}{'crashes':>9}")
    print(_row("webhooks (hypothesis)", hooks.cases, hooks.cases / webhook_s, hooks_5xx, hooks.crashes))
    print(f"{'  valid webhooks alone (baseline)':<34}{BASELINE_REQUESTS:>9}{baseline:>9.0f}")
    print(_row("API (schemathesis)", api.cases, api.cases / api_s, api_5xx, api.crashes))
    print(
        f"webhooks: {hooks.accepted} accepted, {hooks.dead_letters} dead letters, "
        f"{hooks.rate_limited} over their source's dead-letter rate"
    )
    print(f"API answers by status: {dict(sorted(api.statuses.items()))}")
    for name, count in [*hooks.known_gaps.items(), *api.known_gaps.items()]:
        print(f"known gap x{count}: {name}")
    for problem in [*hooks.problems, *api.problems]:
        print(f"problem: {problem[:300]}")
    print(f"logs: {log}")
    print(
        f"fuzz cases={hooks.cases + api.cases} server_errors={hooks_5xx + api_5xx} "
        f"crashes={hooks.crashes + api.crashes} dead_letters={hooks.dead_letters}"
    )


def _row(name: str, cases: int, rate: float, server_errors: int, crashes: int) -> str:
    return f"{name:<34}{cases:>9}{rate:>9.0f}{server_errors:>6}{crashes:>9}"


if __name__ == "__main__":
    main()
