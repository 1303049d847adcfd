"""`orderline rollout`: the four weeks' rollout checklist of this installation (DESIGN §6),
each item checked from the configuration and the database, with what is still open."""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from orderline.bootstrap import SchemaNotReady, build_runtime
from orderline.bootstrap.rollout import rollout_checklist
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.services.rollout import RolloutItem

out = output_console()


def rollout(config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """The four weeks' rollout checklist: history and baseline, owners, controls on the
    riskiest workflows, automated checks, the weekly KPI review; each item checked from
    the data, with what to do next while it is open."""
    settings = load_or_exit(config)
    try:
        runtime = build_runtime(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    try:
        items = rollout_checklist(runtime).items(runtime.clock())
    finally:
        runtime.close()
    if as_json:
        print_json({"items": [_as_dict(item) for item in items], "open": sum(not i.is_done for i in items)})
        return
    _print_table(items)


def _as_dict(item: RolloutItem) -> dict[str, object]:
    return {
        "week": item.week,
        "title": item.title,
        "done": item.is_done,
        "evidence": item.evidence,
        "next": item.next_step,
    }


def _print_table(items: list[RolloutItem]) -> None:
    table = Table("week", "item", "status", "evidence", "next", title="Rollout", show_lines=True)
    for item in items:
        status = "[green]done[/green]" if item.is_done else "[yellow]open[/yellow]"
        table.add_row(
            str(item.week), item.title, status, escape(item.evidence), escape(item.next_step or ""),
        )  # fmt: skip
    out.print(table)
    still_open = sum(not item.is_done for item in items)
    out.print(f"{len(items) - still_open} of {len(items)} items done, {still_open} open", highlight=False)
