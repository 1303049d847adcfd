"""`orderline reconcile`: sweep a store's orders against its platform's API by hand, or list
the recent sweeps (scheduled ones included)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from orderline.bootstrap import Runtime, SchemaNotReady, build_runtime
from orderline.bootstrap.reconcile import reconciler
from orderline.cli.options import ConfigOption, err, load_or_exit, output_console, print_json
from orderline.clock import ClockOffsetError
from orderline.services.count_check import CountCheck, DailyCounts
from orderline.services.reconciliation import SweepReport, UnknownStore
from orderline.web.moments import utc_text

out = output_console()

_FORMATS = ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]
StoreOption = Annotated[
    str | None,
    typer.Option("--store", help="Id of the configured store to sweep (with --list: only its sweeps)."),
]
SinceOption = Annotated[
    datetime | None,
    typer.Option(
        "--since",
        help=(
            "Compare orders modified after this moment (ISO 8601, UTC when no offset). Default: the "
            "last successful sweep's end less reconcile.overlap, or reconcile.lookback on a first sweep."
        ),
        formats=_FORMATS,
        show_default=False,
    ),
]
CountDayOption = Annotated[
    datetime | None,
    typer.Option(
        "--count-day",
        help=(
            "Instead of a sweep, count the orders placed on this day (the store's zone) on the "
            "platform and in Orderline; a gap sweeps that day."
        ),
        formats=["%Y-%m-%d"],
        show_default=False,
    ),
]
NowOption = Annotated[
    datetime | None,
    typer.Option(
        "--now",
        help=(
            "The sweep's moment (ISO 8601, UTC when no offset): its window ends reconcile.settle "
            "before it, and drift found is detected at it. Default: the wall clock."
        ),
        formats=_FORMATS,
        show_default=False,
    ),
]
ListOption = Annotated[bool, typer.Option("--list", help="List recent sweeps instead of sweeping.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, help="With --list: at most this many sweeps.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the report as JSON instead of tables.")]


def reconcile(
    store: StoreOption = None,
    since: SinceOption = None,
    now: NowOption = None,
    count_day: CountDayOption = None,
    list_sweeps: ListOption = False,
    limit: LimitOption = 20,
    as_json: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Compare a store's orders modified since a moment with the platform's API, field by field.

    A missing order (a missed webhook) is stored and processed; a difference opens a
    state_drift exception with the readable diff and heals by folding the platform's answer.
    With --count-day, counts the orders placed that day on both sides instead (the daily
    count check the worker runs for yesterday), sweeping that day on a gap.
    Exit code 0 when the store agrees, 1 when drift, missing orders or a count gap were
    found (or the platform's API failed), 2 when the configuration, store or options are
    not usable.
    """
    runtime = _runtime(config)
    try:
        sweeps = reconciler(runtime)
        if list_sweeps:
            _list(runtime, store, limit, as_json)
            return
        if store is None:
            err.print("[red]--store is required[/red] (or --list to show recent sweeps)")
            raise typer.Exit(2)
        settings = sweeps.store(store)
        missing = settings.missing_credentials()
        if missing:
            err.print(
                f"[red]store {store} has no {missing[0].key}[/red] ({missing[0].meaning})", highlight=False
            )
            raise typer.Exit(2)
        moment = None if now is None else _utc(now)
        if count_day is not None:
            check = DailyCounts(runtime.engine, sweeps).check(
                store, count_day.date(), moment or runtime.clock()
            )
            runtime.processor.run_until_idle()
            _print_count(check, as_json)
            raise typer.Exit(0 if check.gap == 0 and check.error is None and _clean(check.sweep) else 1)
        with _SweepBar() as bar:
            report = sweeps.sweep(
                store, since=None if since is None else _utc(since), now=moment, progress=bar
            )
            runtime.processor.run_until_idle()  # fold what the sweep stored: the heal
    except UnknownStore as error:
        err.print(f"[red]{escape(str(error))}[/red]", highlight=False)
        raise typer.Exit(2) from error
    finally:
        runtime.close()
    _print_report(report, as_json)
    raise typer.Exit(0 if report.is_clean else 1)


def _runtime(config: ConfigOption) -> Runtime:
    settings = load_or_exit(config)
    try:
        return build_runtime(settings)
    except (SchemaNotReady, ClockOffsetError) as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _list(runtime: Runtime, store: str | None, limit: int, as_json: bool) -> None:
    rows = reconciler(runtime).sweeps(store, limit)
    if as_json:
        print_json(rows)
        return
    table = Table(
        "sweep",
        "store",
        "trigger",
        "started",
        "window",
        "outcome",
        "seen",
        "missing",
        "drift",
        "counted",
        "error",
    )
    for row in rows:
        window = f"{utc_text(row.since)} .. {utc_text(row.until)}"
        table.add_row(
            str(row.id),
            row.store_id,
            row.trigger,
            utc_text(row.started_at),
            window,
            row.outcome,
            str(row.orders_seen),
            str(row.orders_missing),
            str(row.orders_drifted),
            _counted(row.platform_count, row.orderline_count),
            escape(row.error or ""),
        )
    out.print(table if rows else "no sweeps yet")


def _counted(platform: int | None, orderline: int | None) -> str:
    """A count check's counts: "platform 12, Orderline 11"; empty for a sweep."""
    if platform is None and orderline is None:
        return ""
    return f"platform {'?' if platform is None else platform}, Orderline {orderline}"


def _clean(report: SweepReport | None) -> bool:
    return report is None or report.is_clean


def _print_count(check: CountCheck, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "store_id": check.store_id,
                "day": check.day.isoformat(),
                "since": check.start,
                "until": check.end,
                "platform": check.platform,
                "orderline": check.orderline,
                "gap": check.gap,
                "error": check.error,
                "sweep": None if check.sweep is None else check.sweep.as_dict(),
            }
        )
        return
    if check.error is not None:
        err.print(
            f"[red]count check of {check.store_id} failed:[/red] {escape(check.error)}", highlight=False
        )
    platform = "?" if check.platform is None else str(check.platform)
    out.print(
        f"orders placed on {check.day.isoformat()} in {check.store_id}: platform {platform}, "
        f"Orderline {check.orderline}",
        highlight=False,
    )
    if check.sweep is not None:
        out.print("a gap: that day was swept", highlight=False)
        _print_report(check.sweep, as_json=False)


def _print_report(report: SweepReport, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
        return
    if report.error is not None:
        err.print(f"[red]sweep of {report.store_id} failed:[/red] {escape(report.error)}", highlight=False)
    if report.drift:
        table = Table("order", "field", "Orderline", "platform", "since", title="drift")
        for found in report.drift:
            for item in found.fields:
                table.add_row(
                    found.order_id,
                    item.field,
                    escape(item.orderline),
                    escape(item.platform),
                    utc_text(found.changed_at),
                )
        out.print(table)
    if report.missing:
        out.print(
            "missing from Orderline (stored for processing): " + ", ".join(report.missing), highlight=False
        )
    for line in report.unmapped:
        err.print(f"not compared: {escape(line)}", highlight=False)
    out.print(
        f"swept {report.store_id} from {utc_text(report.since)} to {utc_text(report.until)}: "
        f"{report.seen} orders compared, {len(report.drift)} drifted, {len(report.missing)} missing, "
        f"{len(report.healed)} healed"
        + (f", {report.deferred} changed too recently (left to the next sweep)" if report.deferred else ""),
        highlight=False,
    )


class _SweepBar:
    """Rich progress on standard error: orders read from the platform (the total is unknown
    until the last page; those changed after the window's end are read, then left)."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description:>10}"),
            BarColumn(),
            TextColumn("{task.completed} orders"),
            TimeElapsedColumn(),
            console=err,
        )
        self._task: TaskID = self._progress.add_task("read", total=None)

    def __enter__(self) -> _SweepBar:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def compared(self, orders: int) -> None:
        self._progress.advance(self._task, orders)
