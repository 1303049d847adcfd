"""`orderline audit ...`: risk controls run from a shell or a cron job, whose exit code
says whether they found something."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orderline.bootstrap import SchemaNotReady, open_services
from orderline.cli.options import ConfigOption, err, load_or_exit, output_console, print_json
from orderline.cli.tick import NowOption
from orderline.clock import system_clock
from orderline.services.audit_runs import AuditReport
from orderline.web.moments import utc_text

app = typer.Typer(help="Risk controls: audit customer messaging.", no_args_is_help=True)
out = output_console()

JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of a table.")]


@app.callback()
def audits() -> None:
    """Risk controls: audit customer messaging."""


@app.command(
    "messages",
    short_help="Silent orders, contradicting messages and failed deliveries.",
    help=(
        "Audit customer messaging at a moment: orders with an open buyer-facing exception whose "
        "buyer heard nothing for longer than the maximum silence; sent messages the order's "
        "history contradicts (a parcel, delivery, cancellation or refund that is not so); and "
        "deliveries that failed (owned by support). Exit code 0 when the audit is clean, 1 when "
        "it found something, 2 when the configuration or database is not usable."
    ),
)
def audit_messages_command(
    now: NowOption = None, config: ConfigOption = None, json: JsonOption = False
) -> None:
    settings = load_or_exit(config)
    try:
        services = open_services(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    moment = system_clock() if now is None else (now if now.tzinfo else now.replace(tzinfo=UTC))
    with services:
        report = services.audit.report(moment)
    if json:
        print_json(report.as_dict())
    else:
        _print_table(report)
    raise typer.Exit(0 if report.is_clean else 1)


def _print_table(report: AuditReport) -> None:
    if report.is_clean:
        out.print(f"messaging audit at {utc_text(report.now)}: clean", highlight=False)
        return
    table = Table("finding", "store", "order", "owner", "since", "detail", title="Messaging audit")
    for finding in report.findings:
        table.add_row(
            finding.kind.value, finding.store_id, finding.order_number or finding.order_id, finding.owner,
            utc_text(finding.since), escape(finding.detail),
        )  # fmt: skip
    out.print(table)
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts().items())
    out.print(f"messaging audit at {utc_text(report.now)}: {counts}", highlight=False)
