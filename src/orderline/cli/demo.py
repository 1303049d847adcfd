"""`orderline demo`: a running Orderline on SQLite with a Shopify, a WooCommerce and a
BigCommerce store, fed by simulated traffic over real HTTP.

Everything lives under ./.demo (config, database). In this process: the Orderline
server, a fake BigCommerce API on another port (BigCommerce webhooks are thin, so
Orderline fetches orders from it), and a feeder that posts five weeks of history and
then a new order every few seconds; nothing simulated is dated after now. The demo's
staff work the exception queue as a shop's team would (demo_team.py), so it opens on a
real shop's morning. Once the history is in, it prints where to look:
the API, the customer messages, the weekly scorecard and the rollout checklist. Ctrl-C
stops all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orderline.bootstrap import build_runtime, build_web_context, processing_thread
from orderline.cli.demo_team import work_the_queue
from orderline.cli.feeder import TrafficFeeder
from orderline.cli.options import load_or_exit, output_console
from orderline.clock import system_clock
from orderline.services.api_tokens import Role
from orderline.services.console_auth import ConsoleAuth, ConsoleRole, UserExists
from orderline.services.order_reads import OrderFilter
from orderline.simulation.bigcommerce import FakeBigCommerce, FakeBigCommerceServer
from orderline.simulation.tickets import tickets_csv
from orderline.simulation.traffic import FAKE_QUOTA, MultiStoreTraffic, SimulatedStores
from orderline.web.app import WebContext, create_app

out = output_console()

DEMO_DIR = Path(".demo")
HISTORY_DAYS = 35
"""Five weeks of history: the scorecard of the last complete week has weeks before it to
show a trend against."""
TEAM_PASS_S = 30.0
"""How often the demo's staff look at the queue."""


MAIL_DIR = DEMO_DIR / "mail"
DEMO_MESSAGING = """messaging:
  channel: pickup
  # Relative to this file, like every directory in the configuration.
  pickup: {directory: mail, sender: orders@demo.example, message_id_domain: demo.example}
  # The demo runs at any hour: no quiet hours and no coalescing wait, so messages show at once.
  cadence: {quiet_hours: null, coalesce: 0m}
"""


def run_demo(config_path: Path | None, *, port: int, order_count: int, seed: int) -> None:
    stores = SimulatedStores()
    bigcommerce = FakeBigCommerce(stores.store_hash, rng=random.Random(seed), quota=FAKE_QUOTA)
    with FakeBigCommerceServer(bigcommerce) as bigcommerce_server:
        if config_path is None:
            # Private: it holds the database (buyers' names and addresses) and their mail.
            DEMO_DIR.mkdir(mode=0o700, exist_ok=True)
            DEMO_DIR.chmod(0o700)
            config_path = DEMO_DIR / "orderline.yaml"
            # A fresh start each run: the fake BigCommerce API gets a new port every time,
            # and the simulated order ids start over.
            for stale in [*DEMO_DIR.glob("orderline.db*"), *MAIL_DIR.glob("*.eml")]:
                stale.unlink()
            database = f"sqlite:///{DEMO_DIR / 'orderline.db'}"
            config_path.write_text(
                "# Written by `orderline demo` on every run.\n"
                + stores.config_yaml(database, bigcommerce_server.base_url, bigcommerce.api_token)
                + DEMO_MESSAGING
            )
        runtime = build_runtime(load_or_exit(config_path))
        context = build_web_context(runtime, processing=processing_thread(runtime))
        token = context.tokens.create(name="demo", role=Role.ADMIN, now=runtime.clock())
        console_login = _console_user(context.console, runtime.clock())
        web = create_app(context)
        server = uvicorn.Server(
            uvicorn.Config(web, host="127.0.0.1", port=port, log_config=None, access_log=False)
        )
        # Cut at the real clock: nothing simulated is dated in the future.
        traffic = MultiStoreTraffic(random.Random(seed), stores, bigcommerce, until=system_clock)
        where = _WhereToLook(
            token,
            console_login,
            config_path,
            functools.partial(_import_tickets, context, seed),
            lambda: work_the_queue(context.exceptions, runtime.clock()),
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve_and_feed(server, traffic, port, where, order_count))
    out.print("demo stopped")


@dataclass(frozen=True, slots=True)
class _WhereToLook:
    """What the demo prints once its history is in: the admin token and the config file."""

    token: str
    console_login: tuple[str, str]
    """(user name, password) of the demo's operations user in the web console."""
    config_path: Path
    import_tickets: Callable[[], int]
    """Files the demo's support tickets once the history's orders exist; returns how many."""
    work_queue: Callable[[], int]
    """One pass of the demo's staff over the exception queue; returns how many they resolved."""


async def _serve_and_feed(
    server: uvicorn.Server, traffic: MultiStoreTraffic, port: int, where: _WhereToLook, order_count: int
) -> None:
    feeder = asyncio.create_task(_feed(server, traffic, port, where, order_count))
    feeder.add_done_callback(lambda task: _stop_if_failed(task, server))
    try:
        await server.serve()
    finally:
        feeder.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeder


def _stop_if_failed(feeder: asyncio.Task[None], server: uvicorn.Server) -> None:
    """The demo stops, saying why, when its traffic failed (rather than serve on silently)."""
    if not feeder.cancelled() and (error := feeder.exception()) is not None:
        out.print(f"[red]the demo's traffic stopped: {error!r}[/red]")
        server.should_exit = True


async def _feed(
    server: uvicorn.Server, traffic: MultiStoreTraffic, port: int, where: _WhereToLook, order_count: int
) -> None:
    while not server.started:
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    start = system_clock() - timedelta(days=HISTORY_DAYS)
    spacing = timedelta(days=HISTORY_DAYS) / max(order_count, 1)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        feeder = TrafficFeeder(client, traffic)
        with Progress(
            TextColumn("loading history"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=out
        ) as progress:
            task = progress.add_task("orders", total=order_count * 3)
            await feeder.history(order_count, start, spacing, on_order=lambda: progress.advance(task))
        out.print(f"loaded {order_count} orders per store ({feeder.counts.posted} webhooks accepted)")
        tickets = await asyncio.to_thread(where.import_tickets)
        out.print(f"imported {tickets} support tickets (a helpdesk's CSV export, some naming an order)")
        worked = await asyncio.to_thread(where.work_queue)
        out.print(f"the demo's team has worked the queue: {worked} exceptions resolved over the weeks")
        _print_where_to_look(base, where)
        await asyncio.gather(feeder.live(orders_per_minute=20, now=system_clock), _keep_working(where))


async def _keep_working(where: _WhereToLook) -> None:
    """The staff look at the queue again every `TEAM_PASS_S`, until cancelled."""
    while True:
        await asyncio.sleep(TEAM_PASS_S)
        await asyncio.to_thread(where.work_queue)


def _import_tickets(context: WebContext, seed: int) -> int:
    """Tickets for about 8% of the history's orders, as `orderline tickets import` takes them."""
    placed: list[tuple[str, datetime]] = []
    cursor = None
    while True:
        page = context.orders.orders(OrderFilter(), 500, cursor)
        placed += [(item["order_number"], datetime.fromisoformat(item["placed_at"])) for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    placed.sort(key=lambda pair: (pair[1], pair[0]))
    report = context.tickets.import_csv(tickets_csv(random.Random(seed), placed, system_clock()))
    return report.imported


def _console_user(console: ConsoleAuth, now: datetime) -> tuple[str, str]:
    """An operations user for the web console, with a fresh random password; a demo run
    over a kept database (--config) adds a numbered one."""
    password = secrets.token_urlsafe(12)
    for number in range(1, 100):
        user = "ops" if number == 1 else f"ops{number}"
        with contextlib.suppress(UserExists):
            console.create_user(user, ConsoleRole.OPERATIONS, password, now)
            return user, password
    raise RuntimeError("no free console user name for the demo")


def _print_where_to_look(base: str, where: _WhereToLook) -> None:
    token, config_path = where.token, where.config_path
    auth = f"-H 'Authorization: Bearer {token}'"
    out.print(f"\n[bold]Orderline demo is running at {base}[/bold]  (Ctrl-C stops it)")
    out.print("  Stores:   demo-shopify (Shopify), demo-woo (WooCommerce), demo-bigcommerce (BigCommerce)")
    out.print(f"  API token (admin): {token}")
    user, password = where.console_login
    out.print(f"  Console:  {base}/console/  user {user}, password {password} (operations)")
    out.print(f"  Orders:   curl {auth} '{base}/api/v1/orders?store=demo-woo'")
    out.print(f"  One:      curl {auth} {base}/api/v1/stores/demo-shopify/orders/<order_id>")
    out.print(f"  API docs: {base}/docs    OpenAPI: {base}/openapi.json")
    out.print(f"  Health:   {base}/readyz    Metrics: {base}/metrics")
    out.print(f"  Customer messages: {MAIL_DIR}/*.eml (and `messages` on each order)")
    out.print(f"  Scorecard: curl {auth} '{base}/api/v1/scorecard'  (last week, all stores)")
    report = f"orderline scorecard --config {config_path} --format html --output scorecard.html"
    out.print(f"  Scorecard report: {report}  (then open scorecard.html in a browser)")
    out.print(f"  Rollout checklist: orderline rollout --config {config_path}\n")
