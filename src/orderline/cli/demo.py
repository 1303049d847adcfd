"""`orderline demo`: a running Orderline on SQLite, fed by simulated Shopify traffic.

Everything lives under ./.demo (config, database). The server runs in this process;
a feeder task posts signed webhooks to it over real HTTP, first a batch of history,
then a new order every few seconds. Ctrl-C stops both.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from rich.console import Console

from orderline.bootstrap import build_runtime, build_web_context, processing_thread
from orderline.cli.options import load_or_exit
from orderline.simulation.shopify import ShopifyWebhook, generate_order_history
from orderline.store import tokens as token_store
from orderline.web.app import create_app

out = Console(soft_wrap=True)

DEMO_DIR = Path(".demo")
SHOP_DOMAIN = "orderline-demo.myshopify.com"
SECRET = "demo-webhook-secret"
DEMO_CONFIG = f"""\
# Written by `orderline demo`. Edit freely; the demo reuses it.
database_url: sqlite:///{DEMO_DIR}/orderline.db
stores:
  - id: demo-shopify
    platform: shopify
    shop_domain: {SHOP_DOMAIN}
    webhook_secrets: ["{SECRET}"]
    timezone: Europe/London
"""


def run_demo(config_path: Path | None, *, port: int, order_count: int, seed: int) -> None:
    if config_path is None:
        DEMO_DIR.mkdir(exist_ok=True)
        config_path = DEMO_DIR / "orderline.yaml"
        if not config_path.exists():
            config_path.write_text(DEMO_CONFIG)
    runtime = build_runtime(load_or_exit(config_path))
    with runtime.engine.begin() as connection:
        token = token_store.create_token(connection, name="demo", role="admin", now=runtime.clock())
    web = create_app(build_web_context(runtime, processing=processing_thread(runtime)))
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_and_feed(server, port, token, order_count, seed))
    out.print("demo stopped")


async def _serve_and_feed(server: uvicorn.Server, port: int, token: str, order_count: int, seed: int) -> None:
    feeder = asyncio.create_task(_feed(server, port, token, order_count, seed))
    try:
        await server.serve()
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder


async def _feed(server: uvicorn.Server, port: int, token: str, order_count: int, seed: int) -> None:
    while not server.started:
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(days=21)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        first_id = 5_000_000 + seed * 100_000
        histories = [
            generate_order_history(rng, order_id=first_id + n, start=start + timedelta(minutes=150 * n))
            for n in range(order_count)
        ]
        sent = await _post_all(client, [w for h in histories for w in h])
        out.print(f"loaded {order_count} orders of history ({sent} webhooks)")
        _print_where_to_look(base, token)
        next_id = first_id + order_count
        while True:
            await asyncio.sleep(3)
            await _post_all(client, generate_order_history(rng, order_id=next_id, start=datetime.now(UTC)))
            next_id += 1


async def _post_all(client: httpx.AsyncClient, webhooks: list[ShopifyWebhook]) -> int:
    limit = asyncio.Semaphore(32)

    async def post(webhook: ShopifyWebhook) -> None:
        async with limit:
            response = await client.post(
                "/webhooks/shopify", content=webhook.body, headers=webhook.headers(SECRET, SHOP_DOMAIN)
            )
            response.raise_for_status()

    await asyncio.gather(*(post(w) for w in webhooks))
    return len(webhooks)


def _print_where_to_look(base: str, token: str) -> None:
    out.print(f"\n[bold]Orderline demo is running at {base}[/bold]  (Ctrl-C stops it)")
    out.print(f"  API token (admin): {token}")
    out.print(f"  Orders:   curl -H 'Authorization: Bearer {token}' {base}/api/v1/orders")
    out.print(f"  API docs: {base}/docs    OpenAPI: {base}/openapi.json")
    out.print(f"  Health:   {base}/healthz    Metrics: {base}/metrics\n")
