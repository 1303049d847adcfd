"""The `orderline` command: every subcommand is registered here."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from orderline.bootstrap import SchemaNotReady, build_runtime, build_web_context, open_engine
from orderline.cli import audit, exceptions, tickets, tokens
from orderline.cli.backtest import backtest
from orderline.cli.deliver import deliver
from orderline.cli.demo import run_demo
from orderline.cli.importing import import_orders
from orderline.cli.options import ConfigOption, err, load_or_exit
from orderline.cli.simulate import simulate
from orderline.cli.tick import tick
from orderline.cli.worker import WorkerProcess, run_worker
from orderline.config import check_config
from orderline.services.message_checks import template_problems
from orderline.services.replay import replay_inbox
from orderline.store.database import make_engine, migrate
from orderline.store.tables import inbox
from orderline.web.app import create_app

app = typer.Typer(
    help="Orderline: one canonical truth per order, and the operations around it.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(tokens.app, name="token")
app.add_typer(exceptions.app, name="exceptions")
app.add_typer(tickets.app, name="tickets")
app.add_typer(audit.app, name="audit")
app.command()(deliver)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = Console(soft_wrap=True)


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind. Default: server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind. Default: server.port.")] = None,
    processing: Annotated[
        bool, typer.Option(help="Also run the processing worker (the embedded mode).")
    ] = True,
) -> None:
    """Run the HTTP service: webhooks, API, health and metrics."""
    settings = load_or_exit(config)
    try:
        runtime = build_runtime(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    worker = WorkerProcess(config) if processing else None
    web = create_app(build_web_context(runtime, processing=worker))
    uvicorn.run(
        web,
        host=host or settings.server.host,
        port=port or settings.server.port,
        log_level="warning",
        access_log=False,
    )


@app.command()
def worker(config: ConfigOption = None) -> None:
    """Process the inbox (facts, projections) without serving HTTP; Ctrl-C stops it."""
    run_worker(config)


@app.command()
def demo(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port for the demo server.")] = 8080,
    orders: Annotated[int, typer.Option(help="Orders of history per store, loaded first.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed for the simulated traffic.")] = 7,
) -> None:
    """Start Orderline on SQLite with a Shopify, a WooCommerce and a BigCommerce store fed by
    simulated traffic (history first, then live orders); Ctrl-C stops it."""
    run_demo(config, port=port, order_count=orders, seed=seed)


app.command()(simulate)
app.command("import")(import_orders)
app.command()(tick)
app.command()(backtest)


@app.command()
def replay(config: ConfigOption = None) -> None:
    """Rebuild every fact and projection from the raw inbox."""
    runtime = build_runtime(load_or_exit(config))
    with runtime.engine.connect() as connection:
        total = connection.execute(select(func.count()).select_from(inbox)).scalar_one()
    with _progress() as progress:
        task = progress.add_task("replaying", total=total)
        handled = replay_inbox(runtime.engine, runtime.processor, lambda n: progress.advance(task, n))
    out.print(f"replayed {handled} deliveries")


@app.command("check-config")
def check_config_command(config: ConfigOption = None) -> None:
    """Validate the configuration file and its message templates; print the ownership table."""
    report = check_config(config)
    if report.ok and report.config is not None:
        report = replace(report, problems=template_problems(report.config, report.source))
        report = replace(report, config=None) if report.problems else report
    (out if report.ok else err).print(report.render(), highlight=False, markup=False)
    raise typer.Exit(0 if report.ok else 1)


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Migrate the database schema to the latest revision (needed for PostgreSQL)."""
    settings = load_or_exit(config)
    migrate(make_engine(settings.database_url))
    out.print("schema is up to date")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
    )


def main() -> None:
    app()


__all__ = ["app", "main", "open_engine"]
