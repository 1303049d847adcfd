"""`orderline audit ...`: risk controls run from a shell or a cron job, whose exit code
says whether they found something."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Protocol, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from orderline.bootstrap import EntryServices, SchemaNotReady, open_services
from orderline.cli.options import ConfigOption, err, load_or_exit, output_console, print_json
from orderline.cli.tick import NowOption
from orderline.clock import system_clock
from orderline.services.audit_runs import AuditReport
from orderline.services.status_audit import StatusAuditReport
from orderline.services.support_drift import SupportDriftReport
from orderline.services.webhook_audit import BadAuditPeriod, UnknownAuditStore, WebhookAuditReport
from orderline.web.moments import utc_text

app = typer.Typer(
    help="Risk controls: audit customer messaging, webhook deliveries, platform statuses and tickets.",
    no_args_is_help=True,
)
out = output_console()

JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of a table.")]
StoreOption = Annotated[
    str | None, typer.Option("--store", help="Audit this store only. Default: every store.")
]
_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]
SinceOption = Annotated[
    datetime | None,
    typer.Option(
        "--since", help="Start of the period (ISO 8601, UTC when no offset). Default: 7 days before --until.",
        formats=_FORMATS, show_default=False,
    ),
]  # fmt: skip
SubscriptionsOption = Annotated[
    bool,
    typer.Option(
        "--subscriptions/--no-subscriptions",
        help="Read each store's webhook subscriptions from its platform's API (stores with API "
        "credentials, when public_url is set). --no-subscriptions makes no API call.",
    ),
]
UntilOption = Annotated[
    datetime | None,
    typer.Option(
        "--until", help="End of the period (ISO 8601, UTC when no offset). Default: --now.",
        formats=_FORMATS, show_default=False,
    ),
]  # fmt: skip


class _Report(Protocol):
    @property
    def is_clean(self) -> bool: ...

    def as_dict(self) -> dict[str, Any]: ...


Report = TypeVar("Report", bound=_Report)


def _run(
    config: Path | None,
    json: bool,
    read: Callable[[EntryServices], Report],
    show: Callable[[Report], None],
) -> None:
    """Every audit's frame: open the services (exit 2 when the configuration or database
    is not usable), `read` the report (a bad period or an unknown store exits 2), print it
    as JSON or with `show`, and exit 0 when it is clean, 1 when it found something."""
    settings = load_or_exit(config)
    try:
        services = open_services(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    with services:
        try:
            report = read(services)
        except (BadAuditPeriod, UnknownAuditStore) as error:
            err.print(f"[red]{escape(str(error))}[/red]")
            raise typer.Exit(2) from error
    if json:
        print_json(report.as_dict())
    else:
        show(report)
    raise typer.Exit(0 if report.is_clean else 1)


@app.callback()
def audits() -> None:
    """Risk controls: audit customer messaging, webhook deliveries, platform statuses and tickets."""


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
    moment = _moment(now)
    _run(config, json, lambda services: services.audit.report(moment), _print_table)


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


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _optional_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else _utc(moment)


def _moment(now: datetime | None) -> datetime:
    """`--now` (UTC when it has no offset), else the clock."""
    return system_clock() if now is None else _utc(now)


@app.command(
    "webhooks",
    short_help="Deliveries, duplicates, stale, signature failures, lag, silence, subscription health.",
    help=(
        "Audit webhook deliveries per store and topic over a period, from Orderline's own records: "
        "deliveries, redeliveries, out-of-order and stale deliveries, signature refusals, delivery "
        "lag, and stores silent for too long; and each store's webhook subscriptions read live from "
        "its platform's API (missing, disabled, paused, inactive, delivering elsewhere; a store whose "
        "API cannot be read is a finding too), each finding with what to do on that platform. Exit "
        "code 0 when clean, 1 when it found something, 2 when the configuration, the database or an "
        "option is not usable."
    ),
)
def audit_webhooks_command(
    store: StoreOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    now: NowOption = None,
    config: ConfigOption = None,
    json: JsonOption = False,
    subscriptions: SubscriptionsOption = True,
) -> None:
    moment = _moment(now)

    def read(services: EntryServices) -> WebhookAuditReport:
        return services.webhook_audit.report(
            moment, since=_optional_utc(since), until=_optional_utc(until), store_id=store,
            subscriptions=subscriptions,
        )  # fmt: skip

    _run(config, json, read, _print_webhooks)


def _print_webhooks(report: WebhookAuditReport) -> None:
    table = Table(
        "store", "topic", "deliveries", "duplicates", "out of order", "stale", "lag p50 s", "lag p90 s",
        "lag max s", title=f"Webhook deliveries {utc_text(report.since)} .. {utc_text(report.until)}",
    )  # fmt: skip
    for store in report.stores:
        for t in store.topics:
            lag = t.lag
            table.add_row(
                store.store_id, escape(t.topic), str(t.deliveries), str(t.duplicates), str(t.out_of_order),
                str(t.stale), _seconds(lag.p50_s), _seconds(lag.p90_s), _seconds(lag.max_s),
            )  # fmt: skip
    out.print(table)
    _print_subscription_checks(report)
    if report.is_clean:
        out.print(f"webhook audit at {utc_text(report.now)}: clean", highlight=False)
        return
    findings = Table("finding", "store", "topic", "detail", "recommendation", title="Findings")
    for f in report.findings:
        findings.add_row(
            f.kind.value, f.store_id, escape(f.topic or "-"), escape(f.detail), escape(f.recommendation)
        )
    out.print(findings)
    counts = ", ".join(f"{n} {kind}" for kind, n in report.counts().items() if n)
    out.print(f"webhook audit at {utc_text(report.now)}: {counts}", highlight=False)


def _print_subscription_checks(report: WebhookAuditReport) -> None:
    if not report.subscriptions:
        return
    table = Table("store", "platform", "subscriptions", "listed", "findings", title="Webhook subscriptions")
    for check in report.subscriptions:
        status = check.status.value if check.reason is None else f"{check.status.value}: {check.reason}"
        table.add_row(
            check.store_id, check.platform, escape(status), str(len(check.listed)), str(len(check.findings))
        )
    out.print(table)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


@app.command(
    "statuses",
    short_help="WooCommerce statuses seen, unmapped plugin statuses and impossible transitions.",
    help=(
        "Audit the platform statuses of each WooCommerce store's orders: every status seen and how "
        "often, those neither WooCommerce's own nor in the store's status_map (the mapping gives "
        "them no status), and moves between statuses the lifecycle table refuses, with example "
        "orders. Exit code 0 when clean, 1 when it found something, 2 when the configuration, the "
        "database or an option is not usable."
    ),
)
def audit_statuses_command(
    store: StoreOption = None, config: ConfigOption = None, json: JsonOption = False
) -> None:
    _run(config, json, lambda services: services.status_audit.report(store), _print_statuses)


def _print_statuses(report: StatusAuditReport) -> None:
    statuses = Table("store", "status", "states", "core", "maps to", title="Platform statuses seen")
    moves = Table("store", "from", "to", "orders", "examples", title="Transitions the lifecycle refuses")
    for store in report.stores:
        for s in store.statuses:
            maps_to = (
                s.maps_to.value if s.maps_to is not None else ("-" if s.is_known else "nothing: unmapped")
            )
            statuses.add_row(
                store.store_id, escape(s.status), str(s.states), "yes" if s.is_core else "no", maps_to
            )
        for t in store.impossible:
            moves.add_row(
                store.store_id, escape(t.from_status), escape(t.to_status), str(t.count),
                escape(", ".join(t.example_order_ids)),
            )  # fmt: skip
    out.print(statuses)
    if any(store.impossible for store in report.stores):
        out.print(moves)
    unknown = sum(len(store.unknown) for store in report.stores)
    impossible = sum(t.count for store in report.stores for t in store.impossible)
    verdict = (
        "clean" if report.is_clean else f"{unknown} unmapped statuses, {impossible} impossible transitions"
    )
    out.print(f"status audit: {verdict}", highlight=False)


@app.command(
    "tickets",
    short_help="Tickets showing their order in another status than Orderline (support-tool drift).",
    help=(
        "List the live helpdesk tickets of a period that showed their order in another status "
        "than the canonical one (support-tool drift: the agent answered from a stale view), how "
        "many tickets showed an order status at all, and the status words Orderline could not "
        "judge. A ticket shows an order status through an `order_status` field in its webhook "
        "body or CSV export (docs/configuration.md). Exit code 0 when clean, 1 when it found "
        "drift, 2 when the configuration, the database or an option is not usable."
    ),
)
def audit_tickets_command(
    store: StoreOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    now: NowOption = None,
    config: ConfigOption = None,
    json: JsonOption = False,
) -> None:
    moment = _moment(now)

    def read(services: EntryServices) -> SupportDriftReport:
        return services.support_drift.report(
            moment, since=_optional_utc(since), until=_optional_utc(until), store_id=store
        )

    _run(config, json, read, _print_support_drift)


def _print_support_drift(report: SupportDriftReport) -> None:
    title = f"Support-tool drift {utc_text(report.since)} .. {utc_text(report.until)}"
    table = Table("store", "order", "Orderline", "ticket shows", "since", "detected", title=title)
    for row in report.drift:
        table.add_row(
            row.store_id, escape(row.order_id), row.orderline, escape(row.helpdesk_shows),
            utc_text(row.changed_at), utc_text(row.detected_at),
        )  # fmt: skip
    out.print(table)
    if report.unreadable:
        words = ", ".join(f"{escape(word)!r} ({n})" for word, n in report.unreadable)
        out.print(f"order status words not judged: {words}", highlight=False)
    verdict = "clean" if report.is_clean else f"{len(report.drift)} tickets disagree with Orderline"
    out.print(
        f"ticket audit at {utc_text(report.now)}: {report.tickets_showing_status} tickets showed an "
        f"order status; {verdict}",
        highlight=False,
    )
