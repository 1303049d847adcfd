"""The weekly scorecard e-mail's subject and plain-text part, exactly."""

from __future__ import annotations

from orderline.reports.scorecard_email import email_subject, email_text, report_filename
from tests.scorecard_samples import QUOTED_STORE, empty_card, full_card


def test_the_subject_names_the_week_and_the_stores() -> None:
    assert email_subject(full_card()) == "[Orderline] Weekly scorecard 2026-W48 (all stores)"
    expected = f"[Orderline] Weekly scorecard 2026-W48 (store {QUOTED_STORE})"
    assert email_subject(full_card(QUOTED_STORE)) == expected


def test_the_text_part_lists_each_headline_figure_with_the_week_before_and_its_rating() -> None:
    assert email_text(full_card()) == (
        "Orderline weekly scorecard, 2026-W48, all stores\n"
        "125 orders placed (5 cancelled), 5 not shipped yet, 4 support tickets.\n"
        "\n"
        "Order to first shipment, p50                    18.3 h  (week before 20.5 h, change -2.2 h)  green\n"
        "Order to first shipment, p90                    40.1 h  (week before 38.0 h, change +2.1 h)  amber\n"
        "Order to last shipment, p50                     30.0 h  (week before —, change —)\n"
        "Order to last shipment, p90                     80.5 h  (week before 70.0 h, change +10.5 h)  red\n"
        "Order to first shipment, p50 (business h)       9.5 business h  "
        "(week before 10.0 business h, change -0.5 business h)\n"
        "Order to first shipment, p90 (business h)       —  (week before 22.0 business h, change —)\n"
        "Orders with an exception                        12.5 %  (week before 10.0 %, change +2.5 %)  amber\n"
        "Orders with a problem (informational left out)  8.3 %  (week before 9.0 %, change -0.7 %)  amber\n"
        "Support tickets per 100 orders                  3.2  (week before 3.2, change 0.0)  green\n"
        "Drift incidents per 1,000 orders                16.0  (week before 24.0, change -8.0)\n"
        "Time to detect drift, p50                       1.5 h  (week before —, change —)\n"
        "\n"
        "The full report, with its charts and the failure analysis, is the HTML part of this mail\n"
        "and is attached as scorecard-2026-W48.html: it opens in any browser, with no network.\n"
    )


def test_a_week_without_orders_reads_as_dashes_never_zeros() -> None:
    lines = email_text(empty_card()).splitlines()

    assert lines[1] == "0 orders placed (0 cancelled), 0 not shipped yet, 0 support tickets."
    assert lines[3] == "Order to first shipment, p50                    —  (week before —, change —)"
    assert all(line.endswith("(week before —, change —)") for line in lines[3:12])


def test_the_attached_report_is_named_for_its_week() -> None:
    assert report_filename("2026-W53") == "scorecard-2026-W53.html"
