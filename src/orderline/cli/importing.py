"""`orderline import`: a store's order history from its platform's API (DESIGN §6, week 1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from orderline.bootstrap import Runtime, SchemaNotReady, bigcommerce_client, build_runtime
from orderline.cli.options import ConfigOption, err, load_or_exit
from orderline.config import StoreConfig
from orderline.connectors.bigcommerce import FetchFailed, NotFound
from orderline.connectors.shopify import AdminApiSettings, ShopifyAdminClient, ShopifyApiError
from orderline.connectors.woocommerce import WooApiSettings, WooCommerceApiError, WooCommerceClient
from orderline.domain.vocabulary import Platform
from orderline.services.importer import (
    ImportResult,
    import_bigcommerce_history,
    import_history,
    import_woocommerce_history,
)

out = Console(soft_wrap=True)

IMPORT_BATCH_SIZE = 2_000
"""Deliveries per processing transaction during an import (webhook processing uses fewer)."""
API_ERRORS = (ShopifyApiError, WooCommerceApiError, FetchFailed, NotFound)
"""What a platform API raises when it refuses or keeps failing an import's reads."""
REQUIRED_CREDENTIALS: dict[Platform, tuple[tuple[str, str], ...]] = {
    Platform.SHOPIFY: (("api_token", "the import reads the Admin API with it"),),
    Platform.WOOCOMMERCE: (
        ("api_key", "the WooCommerce consumer key"),
        ("api_token", "the WooCommerce consumer secret"),
    ),
    Platform.BIGCOMMERCE: (("api_token", "the BigCommerce API account's X-Auth-Token"),),
}
"""Per platform, the store settings an import cannot read the API without, and what each is."""

StoreOption = Annotated[str, typer.Option("--store", help="Id of the configured store to import.")]
SinceOption = Annotated[
    datetime,
    typer.Option(
        "--since",
        help="Import orders updated after this moment (UTC unless an offset is given).",
        formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"],
    ),
]


def import_orders(store: StoreOption, since: SinceOption, config: ConfigOption = None) -> None:
    """Import a store's orders updated since a date through its platform API, then process them.

    Raw orders are kept in the inbox; running it again adds only orders changed since.
    """
    settings = load_or_exit(config)
    store_config = _importable_store(settings.stores, store)
    try:
        runtime = build_runtime(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    runtime.processor.batch_size = IMPORT_BATCH_SIZE
    moment = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
    with _ImportBar() as bar:
        try:
            result = _run_import(runtime, store_config, moment, bar)
        except API_ERRORS as error:
            err.print(f"[red]import of {store} stopped:[/red] {error}", highlight=False)
            err.print("Orders stored so far are kept; running the import again continues safely.")
            raise typer.Exit(1) from error
    out.print(_summary(store, moment, result), highlight=False)


def _run_import(runtime: Runtime, store: StoreConfig, since: datetime, bar: _ImportBar) -> ImportResult:
    engine, processor, clock = runtime.engine, runtime.processor, runtime.clock
    if store.platform is Platform.WOOCOMMERCE:
        with _woocommerce_client(store) as woo:
            return import_woocommerce_history(engine, processor, woo, store.id, since, bar, clock=clock)
    if store.platform is Platform.BIGCOMMERCE:
        with bigcommerce_client(store) as bigcommerce:
            return import_bigcommerce_history(
                engine, processor, bigcommerce, store.id, since, bar, clock=clock
            )
    with _shopify_client(store, bar) as shopify:
        return import_history(engine, processor, shopify, store.id, since, bar, clock=clock)


def _importable_store(stores: list[StoreConfig], store_id: str) -> StoreConfig:
    found = next((s for s in stores if s.id == store_id), None)
    if found is None:
        known = ", ".join(s.id for s in stores) or "none"
        err.print(f"[red]unknown store {store_id!r}[/red] (configured: {known})", highlight=False)
        raise typer.Exit(2)
    for key, meaning in REQUIRED_CREDENTIALS[found.platform]:
        if getattr(found, key) is None:
            err.print(f"[red]store {store_id} has no {key}[/red] ({meaning})", highlight=False)
            raise typer.Exit(2)
    return found


def _shopify_client(store: StoreConfig, bar: _ImportBar) -> ShopifyAdminClient:
    assert store.shop_domain is not None and store.api_token is not None  # checked by _importable_store
    api = AdminApiSettings(
        shop_domain=store.shop_domain,
        access_token=store.api_token.get_secret_value(),
        api_base_url=store.api_base_url,
    )
    return ShopifyAdminClient(api, on_bulk_status=bar.bulk_status)


def _woocommerce_client(store: StoreConfig) -> WooCommerceClient:
    assert store.site_url is not None and store.api_key is not None and store.api_token is not None
    api = WooApiSettings(
        site_url=store.site_url,
        consumer_key=store.api_key.get_secret_value(),
        consumer_secret=store.api_token.get_secret_value(),
        api_base_url=store.api_base_url,
    )
    return WooCommerceClient(api)


def _summary(store: str, since: datetime, result: ImportResult) -> str:
    known = result.fetched - result.stored
    return (
        f"imported {result.fetched} orders of {store} updated since {since.isoformat()}: "
        f"{result.stored} new, {known} already imported; {result.processed} deliveries processed"
    )


class _ImportBar:
    """Rich progress: orders fetched (total unknown until the last page) and processed;
    for Shopify, first the bulk operation's progress."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:>10}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        )
        self._fetched: TaskID = self._progress.add_task("fetched", total=None)
        self._processed: TaskID = self._progress.add_task("processed", total=0)
        self._fetched_count = 0

    def __enter__(self) -> _ImportBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def fetched(self, orders: int) -> None:
        self._fetched_count += orders
        self._progress.advance(self._fetched, orders)
        self._progress.update(self._processed, total=self._fetched_count)

    def processed(self, deliveries: int) -> None:
        self._progress.advance(self._processed, deliveries)

    def bulk_status(self, status: str, objects: int) -> None:
        """While Shopify writes the bulk operation's file, the first line says so."""
        description = "fetched" if status == "COMPLETED" else f"Shopify {status.lower()}, {objects:,} objects"
        self._progress.update(self._fetched, description=description)
