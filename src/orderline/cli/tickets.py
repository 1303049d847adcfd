"""`orderline tickets ...`: support tickets from a helpdesk's CSV export, linked to their
orders for the scorecard (support tickets per 100 orders)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from orderline.bootstrap import EntryServices, SchemaNotReady, open_services
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.config import OrderlineConfig
from orderline.services.support_tickets import (
    CSV_OPTIONAL_COLUMNS,
    CSV_REQUIRED_COLUMNS,
    CsvImportReport,
    TicketSource,
)

app = typer.Typer(help="Support tickets: import a helpdesk's CSV export.", no_args_is_help=True)
out = output_console()

COLUMNS_HELP = (
    f"Columns (header row required, any order, others ignored): {', '.join(CSV_REQUIRED_COLUMNS)} "
    f"(required); {', '.join(CSV_OPTIONAL_COLUMNS)} (optional). created_at is ISO 8601, "
    "e.g. 2026-11-02T09:30:00Z (UTC when no offset is given)."
)


@app.callback()
def tickets() -> None:
    """Support tickets: import a helpdesk's CSV export."""


@app.command(
    "import",
    short_help="Import tickets from a CSV export and link them to their orders.",
    help=(
        "Import support tickets from a CSV file and link each to its order (by order number, "
        "else the requester's latest order). Rows with problems are skipped and listed; the "
        "rest are imported in one transaction. Importing the same file again adds nothing. "
        f"Exit code 1 when any row had a problem. {COLUMNS_HELP}"
    ),
)
def import_tickets(
    file: Annotated[Path, typer.Argument(help="The CSV file (UTF-8).", show_default=False)],
    helpdesk: Annotated[
        TicketSource | None,
        typer.Option(
            help="File the tickets under this helpdesk, so they and its webhooks count each ticket "
            "once. Default: the configured helpdesk's kind, else csv.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    text = _read(file)
    settings = load_or_exit(config)
    if helpdesk is None and settings.helpdesk is not None:
        helpdesk = TicketSource(settings.helpdesk.kind)
    with (
        _open_or_exit(settings) as services,
        Progress(
            TextColumn("tickets"), BarColumn(), MofNCompleteColumn(), console=err, transient=True
        ) as progress,
    ):
        task = progress.add_task("tickets", total=None)
        try:
            report = services.tickets.import_csv(
                text,
                helpdesk=helpdesk,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        except ValueError as error:
            err.print(
                f"[red]{escape(str(file))}: nothing imported:[/red] {escape(str(error))}", highlight=False
            )
            raise typer.Exit(1) from error
    if as_json:
        print_json(asdict(report))
    else:
        _print(report)
    raise typer.Exit(1 if report.problems else 0)


def _open_or_exit(settings: OrderlineConfig) -> EntryServices:
    try:
        return open_services(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        err.print(f"[red]no such file:[/red] {escape(str(file))}", highlight=False)
        raise typer.Exit(2) from error
    except UnicodeDecodeError as error:
        err.print(
            f"[red]{escape(str(file))} is not UTF-8 text:[/red] {error}; export it as UTF-8", highlight=False
        )
        raise typer.Exit(2) from error
    except OSError as error:
        err.print(f"[red]cannot read {escape(str(file))}:[/red] {error.strerror or error}", highlight=False)
        raise typer.Exit(2) from error


def _print(report: CsvImportReport) -> None:
    count = len(report.problems)
    out.print(
        f"imported {report.imported}, updated {report.updated}, linked {report.linked}; "
        f"{count} problem{'' if count == 1 else 's'}",
        highlight=False,
    )
    for problem in report.problems:
        out.print(problem, highlight=False, markup=False)
