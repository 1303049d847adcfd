"""`orderline scorecard`: the weekly KPI scorecard of one ISO week, for all stores or one,
as a table in a terminal, JSON or CSV for scripts, or the self-contained HTML report.

The figures come from the scorecard service (`ScorecardReports`, through bootstrap); this
module parses the options and draws the terminal tables. Piped, the tables are printed
at full width so no value is cut (`options.OutputConsole`).
"""

from __future__ import annotations

import io
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape

from orderline.bootstrap import SchemaNotReady, build_runtime, scorecard_reports
from orderline.cli.options import ConfigOption, OutputConsole, err, load_or_exit, output_console
from orderline.cli.scorecard_tables import print_scorecard
from orderline.clock import ClockOffsetError
from orderline.config import OrderlineConfig
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.reports.scorecard_csv import render_csv
from orderline.reports.scorecard_data import scorecard_to_dict, store_key
from orderline.reports.scorecard_html import render_html
from orderline.web.scorecard_api import week_problem

out = output_console()


class ReportFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def _parse_week(text: str | None) -> IsoWeek | None:
    if text is None:
        return None
    try:
        return IsoWeek.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


WeekOption = Annotated[
    IsoWeek | None,
    typer.Option(
        "--week",
        parser=_parse_week,
        metavar="YYYY-Www",
        help="The ISO week, e.g. 2026-W48, in the store's time zone (each store's own for all "
        "stores). Default: the last complete week (with --baseline: the last complete week "
        "before go-live).",
        show_default=False,
    ),
]
StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store", help="Only this store (a configured id). Default: all stores.", show_default=False
    ),
]
FormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        "-f",
        case_sensitive=False,
        help="table: Rich tables (full width when piped); json and csv for machines; html: the "
        "self-contained report with charts (no network needed to open it).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="Write the report to this file and print where; default: standard output.",
        show_default=False,
        dir_okay=False,
    ),
]
BaselineOption = Annotated[
    bool,
    typer.Option(
        "--baseline",
        help="The baseline: figures over imported history before any policy acted (rollout week 1).",
    ),
]
JsonShortcut = Annotated[bool, typer.Option("--json", help="Same as --format json, for scripts.")]


def scorecard(
    week: WeekOption = None,
    store: StoreOption = None,
    report_format: FormatOption = ReportFormat.TABLE,
    output: OutputOption = None,
    baseline: BaselineOption = False,
    as_json: JsonShortcut = False,
    config: ConfigOption = None,
) -> None:
    """The weekly KPI scorecard: order-to-ship cycle time, exception rate, support tickets per
    100 orders, each against the week before and its target (red/amber/green), with the
    breakdowns, the eight-week trend, the failure analysis and the workflows ranked by risk.
    A bad --week or an unknown --store is refused (exit 2)."""
    chosen = _format(report_format, as_json)
    settings = load_or_exit(config)
    _refuse_unknown_store(store, settings)
    card = _build(settings, week, store, baseline)
    if output is None:
        _print(card, chosen)
        return
    _write(output, _document(card, chosen))
    out.print(f"wrote the {chosen} scorecard of {card.week} ({store_key(card)}) to {escape(str(output))}")


def _format(report_format: ReportFormat, as_json: bool) -> ReportFormat:
    if as_json and report_format not in (ReportFormat.TABLE, ReportFormat.JSON):
        raise typer.BadParameter(f"--json contradicts --format {report_format}", param_hint="'--json'")
    return ReportFormat.JSON if as_json else report_format


def _refuse_unknown_store(store: str | None, settings: OrderlineConfig) -> None:
    """A store no configuration lists is a mistake, refused as other filters are (exit 2)."""
    known = [configured.id for configured in settings.stores]
    if store is not None and store not in known:
        listed = ", ".join(known) if known else "none are configured"
        raise typer.BadParameter(f"{store!r} is not a configured store ({listed}).", param_hint="'--store'")


def _build(settings: OrderlineConfig, week: IsoWeek | None, store: str | None, baseline: bool) -> Scorecard:
    try:
        runtime = build_runtime(settings)
    except (SchemaNotReady, ClockOffsetError) as error:
        err.print(f"[red]{escape(str(error))}[/red]", highlight=False)
        raise typer.Exit(2) from error
    try:
        reports = scorecard_reports(runtime)
        if week is not None:
            problem = week_problem(week, reports.last_complete_week(store).shifted(1))
            if problem is not None:
                raise typer.BadParameter(problem, param_hint="'--week'")
        return reports.build(week, store, baseline=baseline)
    finally:
        runtime.close()


def _document(card: Scorecard, chosen: ReportFormat) -> str:
    if chosen is ReportFormat.JSON:
        return orjson.dumps(scorecard_to_dict(card), option=orjson.OPT_INDENT_2).decode() + "\n"
    if chosen is ReportFormat.CSV:
        return render_csv(card)
    if chosen is ReportFormat.HTML:
        return render_html(card)
    buffer = io.StringIO()
    print_scorecard(OutputConsole(file=buffer, soft_wrap=True), card)  # a file: full width, no colour
    return buffer.getvalue()


def _print(card: Scorecard, chosen: ReportFormat) -> None:
    if chosen is ReportFormat.TABLE:
        print_scorecard(out, card)
    else:
        typer.echo(_document(card, chosen), nl=False)


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as error:
        err.print(f"[red]cannot write {escape(str(path))}:[/red] {error.strerror or error}", highlight=False)
        raise typer.Exit(2) from error


__all__ = ["ReportFormat", "scorecard"]
