"""`orderline inbox ...`: deliveries that processing set aside, retried or skipped by hand,
and the dead-letter list."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, LimitOption, err, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.services.inbox_operations import RETRY, SKIP
from orderline.web.moments import utc_json, utc_text

app = typer.Typer(
    help="The inbox's quarantine: deliveries that could not be processed, retried or skipped.",
    no_args_is_help=True,
)
out = output_console()

By = Annotated[str | None, typer.Option("--by", help="Who does it (recorded with the action).")]


@app.command("list")
def list_set_aside(
    store: Annotated[str | None, typer.Option(help="Only this store's.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    limit: LimitOption = 1_000,
    config: ConfigOption = None,
) -> None:
    """Quarantined deliveries with their reasons, and those waiting for a platform API."""
    with open_services(load_or_exit(config)) as services:
        rows = services.inbox.set_aside(store, limit=limit + 1)
    cut = len(rows) > limit
    rows = rows[:limit]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "store", "topic", "received", "status", "attempts", "reason")
    for row in rows:
        table.add_row(
            str(row["id"]), row["store_id"], row["topic"], utc_text(row["received_at"]),
            row["status"], str(row["attempts"]), row["error"] or "",
        )  # fmt: skip
    out.print(table)
    if cut:
        out.print(f"first {len(rows)} set aside; there are more, use --limit")
    else:
        out.print(f"{len(rows)} set aside")


@app.command("dead-letters")
def list_dead_letters(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    limit: LimitOption = 100,
    config: ConfigOption = None,
) -> None:
    """Refused deliveries (bad signature, unknown store, unreadable body, a reused webhook id
    with another body) and quarantined ones, newest first, with their reasons."""
    with open_services(load_or_exit(config)) as services:
        rows = services.orders.dead_letters(limit + 1)
    cut = len(rows) > limit
    rows = rows[:limit]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "received", "platform", "store", "status", "bytes", "reason")
    for row in rows:
        table.add_row(
            str(row["id"]), str(utc_json(row["received_at"])), row["platform"], row["store_id"] or "",
            str(row["status_code"]), str(row["body_bytes"]), row["reason"],
        )  # fmt: skip
    out.print(table)
    out.print(
        f"first {len(rows)} dead letters; there are more, use --limit" if cut else f"{len(rows)} dead letters"
    )


@app.command("retry")
def retry(
    inbox_ids: Annotated[
        list[int] | None, typer.Argument(help="Inbox ids (see `orderline inbox list`).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every quarantined delivery.")] = False,
    by: By = None,
    config: ConfigOption = None,
) -> None:
    """Put quarantined deliveries back in line, after a fix; the worker processes them next."""
    if not inbox_ids and not all_:
        err.print("name inbox ids, or --all")
        raise typer.Exit(2)
    with open_services(load_or_exit(config)) as services:
        changed = services.inbox.release(
            RETRY, system_clock(), inbox_ids=None if all_ else inbox_ids, actor=by
        )
    out.print(f"{changed} deliveries back in line")
    raise typer.Exit(0 if changed or all_ else 1)


@app.command("skip")
def skip(
    inbox_ids: Annotated[list[int], typer.Argument(help="Inbox ids (see `orderline inbox list`).")],
    reason: Annotated[str, typer.Option(help="Why it is given up (recorded with the action).")],
    by: By = None,
    config: ConfigOption = None,
) -> None:
    """Give up on quarantined deliveries for good; their bodies stay in the inbox."""
    with open_services(load_or_exit(config)) as services:
        changed = services.inbox.release(SKIP, system_clock(), inbox_ids=inbox_ids, actor=by, reason=reason)
    out.print(f"{changed} deliveries skipped")
    raise typer.Exit(0 if changed else 1)
