"""`orderline tick`: run the exception scheduler once, against any `now`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from orderline.bootstrap import SchemaNotReady, build_runtime, run_tick
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.web.moments import utc_text

out = output_console()

NowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        help="The moment to evaluate at (ISO 8601; UTC when no offset is given). Default: the wall clock.",
        formats=[
            "%Y-%m-%dT%H:%M:%S%z",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M%z",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d",
        ],
        show_default=False,
    ),
]


def tick(now: NowOption = None, as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """Evaluate every order whose timer is due: open, escalate and resolve exceptions."""
    settings = load_or_exit(config)
    try:
        runtime = build_runtime(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    moment = system_clock() if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    try:
        result = run_tick(runtime, moment)
    finally:
        runtime.close()
    counts = result.counts()
    if as_json:
        print_json({"now": moment, **counts})
        return
    out.print(
        f"tick at {utc_text(moment)}: orders={counts['orders']} opened={counts['opened']} "
        f"escalated={counts['escalated']} resolved={counts['resolved']}",
        highlight=False,
    )
