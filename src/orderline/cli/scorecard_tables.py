"""The scorecard in a terminal: the headline with arrows and coloured ratings, then a
table per breakdown. Every cell is `Text`, never markup: store ids, carriers and reasons
are merchant text (`[red]` in a store id prints as written)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from orderline.domain.scorecard.figures import (
    BreachedEscalation,
    Dimension,
    DriftIncident,
    Figure,
    RateRow,
    Scorecard,
)
from orderline.reports.scorecard_data import utc_text
from orderline.reports.scorecard_labels import (
    DIMENSION_LABELS,
    MISSING,
    Direction,
    arrow,
    direction,
    kpi_title,
    kpi_value,
    number,
    signed_change,
    store_label,
    target_text,
)

RATING_STYLES = {"green": "bold green", "amber": "bold yellow", "red": "bold red"}
DIRECTION_STYLES = {Direction.BETTER: "green", Direction.WORSE: "red", Direction.SAME: "dim"}


def print_scorecard(console: Console, card: Scorecard) -> None:
    """Every part of the scorecard, headline first."""
    console.print(_title(card))
    if card.is_baseline:
        console.print("Baseline: computed over imported history, before any policy acted.", style="yellow")
    if card.orders == 0:
        console.print(
            "No orders were placed this week: figures with nothing to measure show —.", style="yellow"
        )
    console.print(_headline(card.headline))
    _cycle_time(console, card)
    _unshipped(console, card)
    _exception_rates(console, card)
    _tickets(console, card)
    _analysis(console, card)
    _follow_ups(console, card)
    _risks(console, card)


def _title(card: Scorecard) -> Text:
    return Text.assemble(
        (f"Scorecard {card.week}", "bold"),
        f" · {store_label(card.store_id)} · {card.orders} orders ({card.cancelled} cancelled)"
        f" · generated {utc_text(card.generated_at)}",
    )


def _table(title: str, *columns: str) -> Table:
    """A table with `columns`; a header written `>orders` is right-aligned (a number)."""
    table = Table(title=title, title_justify="left", title_style="bold")
    for column in columns:
        table.add_column(column.lstrip(">"), justify="right" if column.startswith(">") else "left")
    return table


def _row(table: Table, values: Iterable[object]) -> None:
    table.add_row(*(value if isinstance(value, Text) else Text(str(value)) for value in values))


def _listing(console: Console, table: Table, rows: Sequence[Sequence[object]], none: str) -> None:
    """The table of `rows`, or its title and `none` when there are none."""
    if not rows:
        console.print(Text.assemble((f"{table.title}: ", "bold"), none))
        return
    for values in rows:
        _row(table, values)
    console.print(table)


def _headline(figures: Sequence[Figure]) -> Table:
    table = _table("Headline", "KPI", ">this week", ">week before", ">change", "target", "rating")
    for figure in figures:
        moved = direction(figure)
        change = Text(f"{arrow(figure)} {signed_change(figure)}".strip())
        if moved is not None:
            change.stylize(DIRECTION_STYLES[moved])
        rating = figure.rating
        rated = Text(MISSING) if rating is None else Text(rating.value, RATING_STYLES[rating.value])
        values = [kpi_value(figure.kpi, figure.value), kpi_value(figure.kpi, figure.previous)]
        _row(table, [kpi_title(figure.kpi), *values, change, target_text(figure), rated])
    return table


def _cycle_time(console: Console, card: Scorecard) -> None:
    table = _table(
        "Order-to-ship cycle time (hours; cancelled orders left out)",
        "group", "key", ">orders", ">first p50", ">first p90", ">last p50", ">last p90",
        ">first p50 business", ">first p90 business", ">not shipped",
    )  # fmt: skip
    rows = [
        [
            DIMENSION_LABELS[row.dimension], row.key, row.orders,
            number(row.first_hours.p50), number(row.first_hours.p90),
            number(row.last_hours.p50), number(row.last_hours.p90),
            number(row.first_business_hours.p50), number(row.first_business_hours.p90), row.unshipped,
        ]
        for row in card.cycle_time
    ]  # fmt: skip
    _listing(console, table, rows, "No orders to measure.")


def _unshipped(console: Console, card: Scorecard) -> None:
    unshipped = card.unshipped
    noun = "order" if unshipped.count == 1 else "orders"
    bands = "".join(f"; {band} {orders}" for band, orders in unshipped.by_age) if unshipped.count else ""
    console.print(
        f"Not shipped yet: {unshipped.count} {noun}; median age {number(unshipped.median_age_hours, 'h')}, "
        f"oldest {number(unshipped.oldest_age_hours, 'h')}{bands}",
        highlight=False,
        markup=False,
    )


def _exception_rates(console: Console, card: Scorecard) -> None:
    table = _table("Exception rate", "group", "key", ">orders", ">with exception", ">rate", "kind")
    _listing(console, table, [_rate_cells(row) for row in card.exception_rates], "No orders this week.")


def _rate_cells(row: RateRow) -> list[object]:
    kind = ""
    if row.dimension is Dimension.EXCEPTION_TYPE:
        kind = "informational" if row.informational else "problem"
    rate = number(row.rate_pct, "%")
    return [DIMENSION_LABELS[row.dimension], row.key, row.orders, row.with_exception, rate, kind]


def _tickets(console: Console, card: Scorecard) -> None:
    tickets = card.tickets
    table = _table(
        "Support tickets", "store", ">tickets", ">orders", ">per 100 orders", ">linked to an order"
    )
    rows = [
        [row.store_id, row.tickets, row.orders, number(row.per_100_orders), number(row.linked_share_pct, "%")]
        for row in (*tickets.by_store, tickets.total)
    ]
    _listing(console, table, rows, "No tickets this week.")
    reasons = _table("Top ticket reasons", "reason", ">tickets")
    _listing(console, reasons, [list(reason) for reason in tickets.top_reasons], "No tickets this week.")


def _analysis(console: Console, card: Scorecard) -> None:
    analysis = card.analysis
    _listing(
        console,
        _table("Exception causes (Pareto)", "cause", ">exceptions", ">cumulative"),
        [[row.cause, row.count, number(row.cumulative_pct, "%")] for row in analysis.pareto],
        "No exceptions this week.",
    )
    _listing(
        console,
        _table("Slowest lanes", "store", "carrier", "order type", ">orders", ">p90 hours"),
        [
            [r.store_id, r.carrier, r.order_type, r.orders, number(r.p90_hours)]
            for r in analysis.slowest_lanes
        ],
        "No shipped orders this week.",
    )
    breached = [
        [r.store_id, r.order_id, r.exception_type, r.owner, utc_text(r.opened_at), r.level_reached, _state(r)]
        for r in analysis.breached_escalations
    ]
    _listing(
        console,
        _table(
            "Escalations that breached", "store", "order", "exception", "owner", "opened", ">level", "state"
        ),
        breached,
        "No escalation breached this week.",
    )


def _follow_ups(console: Console, card: Scorecard) -> None:
    """What the messaging audit and the drift checks found."""
    analysis = card.analysis
    _listing(
        console,
        _table("Silent exceptions", "store", "order", "exception", ">silent hours"),
        [
            [r.store_id, r.order_id, r.exception_type, number(r.silent_hours)]
            for r in analysis.silent_exceptions
        ],
        "No silent exceptions.",
    )
    _listing(
        console,
        _table("Drift incidents", "store", "order", "opened", "reason", "state"),
        [
            [r.store_id, r.order_id, utc_text(r.opened_at), r.reason, _state(r)]
            for r in analysis.drift_incidents
        ],
        "No drift incidents this week.",
    )


def _state(item: BreachedEscalation | DriftIncident) -> str:
    return "resolved" if item.is_resolved else "open"


def _risks(console: Console, card: Scorecard) -> None:
    table = _table(
        "Workflows by risk", ">rank", "exception type", ">exceptions", ">cycle impact h", ">tickets", ">score"
    )
    rows = [
        [
            rank,
            risk.exception_type,
            risk.exceptions,
            number(risk.cycle_impact_hours),
            risk.tickets,
            number(risk.score),
        ]
        for rank, risk in enumerate(card.risks, start=1)
    ]
    _listing(console, table, rows, "No exceptions to rank this week.")
