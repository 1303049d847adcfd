"""`orderline exceptions ...`: the exception queue and what people do with it, from a shell.

The CLI runs as an operator on the machine, with the configuration and the database in
reach: it acts as admin, on any team's exception (the API limits a token to its team's).
"""

from __future__ import annotations

from dataclasses import asdict
from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from orderline.bootstrap import open_services
from orderline.cli.options import (
    ConfigOption,
    JsonOption,
    LimitOption,
    err,
    load_or_exit,
    output_console,
    print_json,
)
from orderline.clock import system_clock
from orderline.domain.order_exceptions import EXCEPTION_TYPES
from orderline.services.exception_queue import (
    Action,
    ExceptionClosed,
    ExceptionNotFound,
    ExceptionRef,
    NotOwnerTeam,
    QueueFilter,
)
from orderline.web.moments import utc_text

app = typer.Typer(
    help="Order exceptions: list the queue, acknowledge, assign, note, resolve.", no_args_is_help=True
)
out = output_console()

Store = Annotated[str, typer.Argument(help="Store id.")]
OrderId = Annotated[str, typer.Argument(help="The platform's order id.")]
Key = Annotated[str, typer.Argument(help="The exception's key, e.g. address_invalid:postal_code.")]
By = Annotated[str, typer.Option("--by", help="Who does it (recorded in the exception's history).")]


class Sla(StrEnum):
    """An exception's SLA state, as the API's `sla` filter takes it."""

    OK = "ok"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    NONE = "none"
    """An informational type's: it has no SLA."""


class Kind(StrEnum):
    """Problems, or informational exceptions (nothing to fix), as the API's `kind` filter."""

    PROBLEM = "problem"
    INFORMATIONAL = "informational"


@app.command("list")
def list_queue(
    owner: Annotated[str | None, typer.Option(help="Only this team's (a configured team).")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this exception type (a registered one).")
    ] = None,
    store: Annotated[str | None, typer.Option(help="Only this store's.")] = None,
    sla: Annotated[Sla | None, typer.Option(help="Only exceptions in this SLA state.")] = None,
    kind: Annotated[
        Kind | None, typer.Option(help="Only problems, or only informational exceptions (nothing to fix).")
    ] = None,
    limit: LimitOption = 500,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Open exceptions with their SLA state: problems first, oldest first, then informational
    ones (SLA `none`: they never breach)."""
    settings = load_or_exit(config)
    _refuse_unknown("--owner", owner, settings.teams)
    _refuse_unknown("--type", type_, EXCEPTION_TYPES.names())
    where = QueueFilter(
        store_id=store,
        owner=owner,
        type=type_,
        sla=sla.value if sla else None,
        kind=kind.value if kind else None,
    )
    now = system_clock()
    with open_services(settings) as services:
        entries = services.exceptions.entries(where, now, limit=limit)
        counts = services.exceptions.counts_by_owner(where, now)
    total = counts.get(owner, 0) if owner is not None else sum(counts.values())
    total = max(total, len(entries))
    if as_json:
        items = [{**asdict(entry.exception), "sla": entry.sla, "kind": entry.kind} for entry in entries]
        print_json({"items": items, "shown": len(entries), "total": total, "counts_by_owner": counts})
        return
    table = Table("store", "order", "key", "owner", "opened", "level", "sla", "reason")
    for entry in entries:
        row = entry.exception
        table.add_row(
            row.store_id, row.order_id, row.key, row.owner, utc_text(row.opened_at),
            str(row.level_reached), entry.sla, row.reason,
        )  # fmt: skip
    out.print(table)
    if len(entries) < total:
        out.print(f"showing {len(entries)} of {total}; use --limit to see more", highlight=False)


def _refuse_unknown(option: str, value: str | None, allowed: list[str]) -> None:
    """A filter value nothing can match is a mistake, refused as the API refuses it (exit 2)."""
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}.", param_hint=f"'{option}'")


def _run(ref: ExceptionRef, action: Action, by: str, text: str, config: ConfigOption) -> None:
    """Act as admin (EVERY_TEAM, the service's default): any team's exception."""
    with open_services(load_or_exit(config)) as services:
        try:
            updated = services.exceptions.act(ref, action, by, system_clock(), text)
        except NotOwnerTeam as error:
            err.print(f"refused: {error}")
            raise typer.Exit(1) from error
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
