"""`orderline exceptions ...`: the exception queue and what people do with it, from a shell."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, err, load_or_exit
from orderline.clock import system_clock
from orderline.services.exception_queue import (
    Action,
    ExceptionClosed,
    ExceptionNotFound,
    ExceptionRef,
    QueueFilter,
)

app = typer.Typer(
    help="Order exceptions: list the queue, acknowledge, assign, note, resolve.", no_args_is_help=True
)
out = Console(soft_wrap=True)

Store = Annotated[str, typer.Argument(help="Store id.")]
OrderId = Annotated[str, typer.Argument(help="The platform's order id.")]
Key = Annotated[str, typer.Argument(help="The exception's key, e.g. address_invalid:postal_code.")]
By = Annotated[str, typer.Option("--by", help="Who does it (recorded in the exception's history).")]


@app.command("list")
def list_queue(
    owner: Annotated[str | None, typer.Option(help="Only this team's.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="Only this exception type.")] = None,
    store: Annotated[str | None, typer.Option(help="Only this store's.")] = None,
    sla: Annotated[str | None, typer.Option(help="ok, due_soon or breached.")] = None,
    config: ConfigOption = None,
) -> None:
    """Open exceptions, oldest first, with their SLA state."""
    where = QueueFilter(store_id=store, owner=owner, type=type_, sla=sla)
    with open_services(load_or_exit(config)) as services:
        entries = services.exceptions.entries(where, system_clock(), limit=500)
    table = Table("store", "order", "key", "owner", "opened", "level", "sla", "reason")
    for entry in entries:
        row = entry.exception
        table.add_row(
            row.store_id, row.order_id, row.key, row.owner, row.opened_at.isoformat(),
            str(row.level_reached), entry.sla, row.reason,
        )  # fmt: skip
    out.print(table)


def _run(ref: ExceptionRef, action: Action, by: str, text: str, config: ConfigOption) -> None:
    with open_services(load_or_exit(config)) as services:
        try:
            updated = services.exceptions.act(ref, action, by, system_clock(), text)
        except (ExceptionNotFound, ExceptionClosed) as error:
            err.print(str(error))
            raise typer.Exit(1) from error
    out.print(f"{ref.key} of order {ref.order_id}: {action.value} by {by} (state {updated.exception.state})")


@app.command("ack")
def acknowledge(store: Store, order: OrderId, key: Key, by: By, config: ConfigOption = None) -> None:
    """Acknowledge an open exception."""
    _run(ExceptionRef(store, order, key), Action.ACKNOWLEDGE, by, "", config)


@app.command("assign")
def assign(
    store: Store,
    order: OrderId,
    key: Key,
    to: Annotated[str, typer.Option(help="The assignee.")],
    by: By,
    config: ConfigOption = None,
) -> None:
    """Assign an open exception to someone."""
    _run(ExceptionRef(store, order, key), Action.ASSIGN, by, to, config)


@app.command("note")
def note(
    store: Store,
    order: OrderId,
    key: Key,
    text: Annotated[str, typer.Option(help="The note.")],
    by: By,
    config: ConfigOption = None,
) -> None:
    """Add a note to an exception (open or resolved)."""
    _run(ExceptionRef(store, order, key), Action.NOTE, by, text, config)


@app.command("resolve")
def resolve(
    store: Store,
    order: OrderId,
    key: Key,
    resolution: Annotated[str, typer.Option(help="How it was resolved.")],
    by: By,
    config: ConfigOption = None,
) -> None:
    """Resolve an exception by hand; a hold it placed is released at the next tick."""
    _run(ExceptionRef(store, order, key), Action.RESOLVE, by, resolution, config)
