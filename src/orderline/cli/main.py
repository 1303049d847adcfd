"""The `orderline` command: every subcommand is registered here."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Annotated

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from orderline import __version__, logs
from orderline.bootstrap import (
    SchemaNotReady,
    build_runtime,
    build_web_context,
    database_label,
    exception_types_at,
    upgrade_database,
)
from orderline.cli import audit, console_users, inbox, jobs, order_exceptions, tickets, tokens, webhooks
from orderline.cli.backtest import backtest
from orderline.cli.deliver import deliver
from orderline.cli.demo import run_demo
from orderline.cli.importing import import_orders
from orderline.cli.log_options import LogFormatOption, LogLevelOption
from orderline.cli.options import (
    ConfigOption,
    JsonOption,
    err,
    load_or_exit,
    output_console,
    print_json,
    refuse_missing_config,
)
from orderline.cli.reconcile import reconcile
from orderline.cli.rollout import rollout
from orderline.cli.scorecard import scorecard
from orderline.cli.simulate import simulate
from orderline.cli.starter import init
from orderline.cli.status_links import app as status_link_app
from orderline.cli.tick import tick
from orderline.cli.worker import WorkerProcess, run_worker
from orderline.clock import ClockOffsetError
from orderline.config import CheckReport, check_config
from orderline.config.ownership_table import ownership_rows
from orderline.logs import LogFormat, LogLevel
from orderline.services.message_checks import template_problems
from orderline.services.replay import ReplayRunning, replay_inbox, replay_size, running_workers
from orderline.web.app import create_app

app = typer.Typer(
    help="Orderline: one canonical truth per order, and the operations around it.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(tokens.app, name="token")
app.add_typer(status_link_app, name="status-link")
app.add_typer(console_users.app, name="user")
app.add_typer(order_exceptions.app, name="exceptions")
app.add_typer(tickets.app, name="tickets")
app.add_typer(audit.app, name="audit")
app.add_typer(inbox.app, name="inbox")
app.add_typer(jobs.app, name="jobs")
app.add_typer(webhooks.app, name="webhooks")
app.command()(deliver)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = output_console()
log = logging.getLogger("orderline.serve")


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to bind. Default: server.host.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to bind. Default: server.port.")] = None,
    processing: Annotated[
        bool,
        typer.Option(
            help="Also run the processing worker, in a process of its own (the in-process engine on "
            "SQLite, a procrastinate worker on PostgreSQL)."
        ),
    ] = True,
    log_level: LogLevelOption = LogLevel.INFO,
    log_format: LogFormatOption = LogFormat.KV,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log a line per HTTP request (method, route, status, time).")
    ] = False,
) -> None:
    """Run the HTTP service: webhooks, API, web console, buyer status pages, health and metrics."""
    logs.configure(log_level, log_format)
    settings = load_or_exit(config)
    try:
        runtime = build_runtime(settings)
    except (SchemaNotReady, ClockOffsetError) as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    worker = WorkerProcess(config, log_settings=(log_level, log_format)) if processing else None
    web = create_app(build_web_context(runtime, processing=worker, access_log=access_log))
    address = (host or settings.server.host, port or settings.server.port)
    log.info(
        "serving",
        extra=logs.fields(
            address=f"http://{address[0]}:{address[1]}",
            database=database_label(runtime),
            stores=",".join(store.id for store in settings.stores) or "-",
            processing="embedded" if processing else "elsewhere",
            version=__version__,
        ),
    )
    uvicorn.run(
        web, host=address[0], port=address[1], log_config=None, log_level=log_level.value, access_log=False
    )


@app.command()
def worker(
    config: ConfigOption = None,
    log_level: LogLevelOption = LogLevel.INFO,
    log_format: LogFormatOption = LogFormat.KV,
) -> None:
    """Process the inbox (facts, projections), exception timers, outbox and sweeps without
    serving HTTP; Ctrl-C stops it. On SQLite it runs the in-process engine (one worker per
    database); on PostgreSQL a procrastinate worker (a job per store, deferred by intake
    with its deliveries): start as many as needed."""
    logs.configure(log_level, log_format)
    run_worker(config)


@app.command()
def demo(
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(help="Port for the demo server.")] = 8080,
    orders: Annotated[int, typer.Option(help="Orders of history per store, loaded first.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed for the simulated traffic.")] = 7,
    log_level: LogLevelOption = LogLevel.WARNING,
    log_format: LogFormatOption = LogFormat.KV,
) -> None:
    """Start Orderline on SQLite with a Shopify, a WooCommerce and a BigCommerce store fed by
    simulated traffic (history first, then live orders); Ctrl-C stops it."""
    logs.configure(log_level, log_format)
    run_demo(config, port=port, order_count=orders, seed=seed)


app.command()(init)
app.command()(simulate)
app.command("import")(import_orders)
app.command()(reconcile)
app.command()(tick)
app.command()(rollout)
app.command()(backtest)
app.command()(scorecard)


@app.command()
def replay(
    config: ConfigOption = None,
    store: Annotated[str | None, typer.Option(help="Only this store's deliveries and orders.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Change nothing; list the orders that would change, and how.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Run even while a processing worker runs on the same database.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Rebuild facts and projections from the raw inbox, keeping what Orderline decided
    itself (its holds, exceptions, timers, messages). Each order is swapped whole: readers
    see it before or after, never half rebuilt."""
    runtime = build_runtime(load_or_exit(config))
    busy = running_workers(runtime.engine, runtime.clock())
    if busy and not force and not dry_run:
        names = ", ".join(str(worker["worker_id"]) for worker in busy)
        err.print(
            f"a processing worker is running on this database ({names}); stop it "
            "(`orderline serve` runs one) or pass --force"
        )
        raise typer.Exit(2)
    with _progress() as progress:
        total = replay_size(runtime.engine, store)
        task = progress.add_task("replaying" if not dry_run else "mapping (dry run)", total=total)
        try:
            result = replay_inbox(
                runtime.engine,
                runtime.processor,
                lambda n: progress.advance(task, n),
                store_id=store,
                dry_run=dry_run,
                findings=exception_types_at(runtime, runtime.clock()),
            )
        except ReplayRunning as error:
            err.print(str(error))
            raise typer.Exit(2) from error
    if as_json:
        print_json(
            {
                "dry_run": dry_run,
                "deliveries": result.deliveries,
                "orders": result.orders,
                "outcomes": result.outcomes,
                "changed": [
                    {"store_id": c.store_id, "order_id": c.order_id, "differences": list(c.differences)}
                    for c in result.changed
                ],
            }
        )
        return
    for change in result.changed:
        out.print(f"{change.store_id}/{change.order_id}: " + "; ".join(change.differences), highlight=False)
    verb = "would change" if dry_run else "changed"
    out.print(
        f"replayed {result.deliveries} deliveries of {result.orders} orders; "
        f"{len(result.changed)} orders {verb}"
        + (
            f"; {result.outcomes.get('quarantined', 0)} quarantined"
            if result.outcomes.get("quarantined")
            else ""
        )
    )


@app.command("check-config")
def check_config_command(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Validate the configuration file and its message templates; print the ownership table."""
    refuse_missing_config(config)
    report = check_config(config)
    if report.ok and report.config is not None:
        report = replace(report, problems=template_problems(report.config, report.source))
        report = replace(report, config=None) if report.problems else report
    if as_json:
        print_json(_check_report_json(report))
        raise typer.Exit(0 if report.ok else 1)
    (out if report.ok else err).print(report.render(), highlight=False, markup=False)
    raise typer.Exit(0 if report.ok else 1)


def _check_report_json(report: CheckReport) -> dict[str, object]:
    if not report.ok or report.config is None:
        problems = [{"file": p.file, "key": p.key_path, "message": p.message} for p in report.problems]
        return {"source": report.source, "ok": False, "problems": problems}
    return {
        "source": report.source,
        "ok": True,
        "problems": [],
        "stores": [{"id": s.id, "platform": s.platform} for s in report.config.stores],
        "teams": report.config.teams,
        "ownership": [row._asdict() for row in ownership_rows(report.config)],
    }


@db_app.command("upgrade")
def db_upgrade(config: ConfigOption = None) -> None:
    """Migrate the database schema to the latest revision (needed for PostgreSQL), and on
    PostgreSQL install or migrate the job queue's (procrastinate's) schema."""
    try:
        upgrade_database(load_or_exit(config))
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
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


__all__ = ["app", "main"]
