"""`orderline import`: a store's order history from its platform's API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from orderline.bootstrap import Runtime, SchemaNotReady, build_runtime
from orderline.cli.options import ConfigOption, err, load_or_exit, output_console
from orderline.config import StoreConfig
from orderline.services.importer import ImportResult, ImportStopped, import_store
from orderline.web.moments import utc_text

out = output_console()

IMPORT_BATCH_SIZE = 2_000
"""Deliveries per processing transaction during an import (webhook processing uses fewer)."""

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
        except ImportStopped as error:
            err.print(f"[red]import of {store} stopped:[/red] {error}", highlight=False)
            err.print("Orders stored so far are kept; running the import again continues safely.")
            raise typer.Exit(1) from error
    out.print(_summary(store, moment, result), highlight=False)


def _run_import(runtime: Runtime, store: StoreConfig, since: datetime, bar: _ImportBar) -> ImportResult:
    engine, processor, clock = runtime.engine, runtime.processor, runtime.clock
    return import_store(engine, processor, store, since, bar, clock=clock, on_status=bar.status)


def _importable_store(stores: list[StoreConfig], store_id: str) -> StoreConfig:
    found = next((s for s in stores if s.id == store_id), None)
    if found is None:
        known = ", ".join(s.id for s in stores) or "none"
        err.print(f"[red]unknown store {store_id!r}[/red] (configured: {known})", highlight=False)
        raise typer.Exit(2)
    missing = found.missing_credentials()
    if missing:
        key, meaning = missing[0].key, missing[0].meaning
        err.print(f"[red]store {store_id} has no {key}[/red] ({meaning})", highlight=False)
        raise typer.Exit(2)
    return found


def _summary(store: str, since: datetime, result: ImportResult) -> str:
    known = result.fetched - result.stored
    return (
        f"imported {result.fetched} orders of {store} updated since {utc_text(since)}: "
        f"{result.stored} new, {known} already imported; {result.processed} deliveries processed"
    )


class _ImportBar:
    """Rich progress: orders fetched (total unknown until the last page) and processed;
    first what the platform says while it prepares the history (Shopify's bulk operation)."""

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

    def status(self, text: str | None) -> None:
        """While the platform prepares the history, the first line says so."""
        self._progress.update(self._fetched, description="fetched" if text is None else text)
