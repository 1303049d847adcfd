"""The weekly scorecard as an e-mail's subject and its plain-text part: the headline
figures with the week before, the change and the rating, for a reader whose mail client
shows no HTML (the HTML report travels beside it and as an attachment)."""

from __future__ import annotations

from orderline.domain.scorecard.figures import Scorecard
from orderline.reports.scorecard_labels import kpi_title, kpi_value, signed_change, store_label


def report_filename(week: str) -> str:
    """The attached report's file name: `scorecard-2026-W48.html`."""
    return f"scorecard-{week}.html"


def email_subject(card: Scorecard) -> str:
    """`[Orderline] Weekly scorecard 2026-W48 (all stores)`."""
    return f"[Orderline] Weekly scorecard {card.week} ({store_label(card.store_id)})"


def email_text(card: Scorecard) -> str:
    """The headline figures, one per line with the week before, the change and the rating
    against its target (none without a target), then where the rest is."""
    lines = [
        f"Orderline weekly scorecard, {card.week}, {store_label(card.store_id)}",
        f"{card.orders} orders placed ({card.cancelled} cancelled), "
        f"{card.unshipped.count} not shipped yet, {card.tickets.total.tickets} support tickets.",
        "",
    ]
    width = max((len(kpi_title(figure.kpi)) for figure in card.headline), default=0)
    for figure in card.headline:
        rating = f"  {figure.rating.value}" if figure.rating is not None else ""
        lines.append(
            f"{kpi_title(figure.kpi):<{width}}  {kpi_value(figure.kpi, figure.value)}"
            f"  (week before {kpi_value(figure.kpi, figure.previous)}, change {signed_change(figure)})"
            + rating
        )
    lines += [
        "",
        "The full report, with its charts and the failure analysis, is the HTML part of this mail",
        f"and is attached as {report_filename(str(card.week))}: it opens in any browser, with no network.",
    ]
    return "\n".join(lines) + "\n"
