"""Numbers, money and dates in customer messages: Babel in the message's locale and the
buyer's time zone, through the `money`, `number`, `date` and `datetime` filters.

One fixed order is rendered in every built-in kind, in English and in German: 1,200
socks shipped and 1,500 mugs still to come, 1,234.50 EUR, placed at 23:30 UTC on
1 December 2026 (already 2 December for a buyer in Berlin), refunded 99.50 on
5 January 2027.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from orderline.channels.templates import (
    Branding,
    MessageTopic,
    RenderedMessage,
    TemplateProblem,
    TemplateSet,
    message_context,
    sample_order,
    validate_templates,
)
from orderline.channels.templates.filters import money, number
from orderline.channels.templates.formatting import Formatting, formatting_in_effect
from orderline.domain.facts import LineQuantity
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order, OrderLine, Refund
from orderline.domain.vocabulary import ExceptionType

BERLIN = ZoneInfo("Europe/Berlin")
BRANDING = Branding("Acme Outfitters")
NBSP = "\u00a0"  # CLDR puts a no-break space between a German amount and its symbol
ENGLISH_MONTHS = ("January", "March", "May", "June", "October", "December")


def fixed_order() -> Order:
    sample = sample_order()
    lines = (
        OrderLine("L1", "Socks", "SOCK", 1200, Decimal("0.50"), 1200, 0),
        OrderLine("L2", "Mugs", "MUG", 1500, Decimal("0.42"), 0, 0),
    )
    parcel = replace(sample.shipments[1], shipment_id="S1", lines=(LineQuantity("L1", 1200),))
    refund = Refund("R1", datetime(2027, 1, 5, 10, 0, tzinfo=UTC), Decimal("99.5"), (), False)
    return replace(
        sample,
        order_number="#2001",
        total_price=Decimal("1234.50"),
        placed_at=datetime(2026, 12, 1, 23, 30, tzinfo=UTC),
        lines=lines,
        shipments=(parcel,),
        refunds=(refund,),
    )


def topic_of(kind: MessageKind) -> MessageTopic:
    if kind is MessageKind.SHIPMENT_SENT:
        return MessageTopic(kind, shipment_ids=("S1",))
    if kind is MessageKind.REFUND_ISSUED:
        return MessageTopic(kind, refund_ids=("R1",))
    if kind.value.startswith("exception_"):
        return MessageTopic(kind, exception_type=ExceptionType.BACKORDER.value)
    return MessageTopic(kind)


def render(
    kind: MessageKind,
    locale: str,
    zone: tzinfo = BERLIN,
    order: Order | None = None,
    templates: TemplateSet | None = None,
) -> RenderedMessage:
    topic = topic_of(kind)
    context = message_context(order or fixed_order(), topic, BRANDING)
    return (templates or TemplateSet()).render(topic, context, locale, zone)


EN_LINES = "  - 1,200 x Socks\n  - 1,500 x Mugs\n"
DE_LINES = "  - 1.200 x Socks\n  - 1.500 x Mugs\n"
EN_REFUND = "We have refunded €99.50 for your order #2001 on January 5, 2027."

# What each built-in message prints of the order's figures, by kind and asked locale. A
# kind without German templates falls back to English, figures included.
FIGURES: dict[tuple[MessageKind, str], tuple[str, ...]] = {
    (MessageKind.ORDER_CONFIRMED, "en"): (
        "Thank you for your order #2001, placed on December 2, 2026.\n",
        EN_LINES,
        "Total: €1,234.50\n",
    ),
    (MessageKind.ORDER_CONFIRMED, "de"): (
        "vielen Dank für Ihre Bestellung #2001 vom 2. Dezember 2026.\n",
        DE_LINES,
        f"Gesamtbetrag: 1.234,50{NBSP}€\n",
    ),
    (MessageKind.SHIPMENT_SENT, "en"): ("  - 1,200 x Socks\n", "Still to come:\n  - 1,500 x Mugs\n"),
    (MessageKind.SHIPMENT_SENT, "de"): ("  - 1.200 x Socks\n", "Noch ausstehend:\n  - 1.500 x Mugs\n"),
    (MessageKind.REFUND_ISSUED, "en"): (EN_REFUND,),
    (MessageKind.REFUND_ISSUED, "de"): (EN_REFUND,),
    (MessageKind.EXCEPTION_NOTICE, "en"): ("  - 1,500 x Mugs\n",),
    (MessageKind.EXCEPTION_NOTICE, "de"): ("  - 1,500 x Mugs\n",),
    (MessageKind.EXCEPTION_UPDATE, "en"): ("  - 1,500 x Mugs\n",),
    (MessageKind.EXCEPTION_UPDATE, "de"): ("  - 1,500 x Mugs\n",),
}


@pytest.mark.parametrize("locale", ["en", "de"])
@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_builtin_message_prints_its_figures_in_the_message_locale(
    kind: MessageKind, locale: str
) -> None:
    # when
    message = render(kind, locale)
    # then
    for expected in FIGURES.get((kind, locale), ()):
        assert expected in message.text
    if 'lang="de"' in (message.html or ""):
        assert not any(month in message.text + (message.html or "") for month in ENGLISH_MONTHS)


def test_the_german_confirmation_html_formats_inside_an_imported_macro() -> None:
    # given the line list comes from `{% import "_lines.html.j2" as items %}`, which Jinja
    # renders without the message's context
    html = render(MessageKind.ORDER_CONFIRMED, "de").html
    # then
    assert html is not None
    assert "<li>1.200 &times; Socks</li>\n<li>1.500 &times; Mugs</li>" in html
    assert f"Gesamtbetrag: <strong>1.234,50{NBSP}€</strong>" in html
    assert "vom 2. Dezember 2026." in html


def test_the_english_confirmation_html_formats_like_its_text() -> None:
    html = render(MessageKind.ORDER_CONFIRMED, "en").html

    assert html is not None
    assert "<li>1,200 &times; Socks</li>\n<li>1,500 &times; Mugs</li>" in html
    assert "Total: <strong>€1,234.50</strong>" in html


def test_the_date_is_the_buyers_day_in_their_time_zone() -> None:
    in_utc = render(MessageKind.ORDER_CONFIRMED, "en", zone=UTC).text
    in_berlin = render(MessageKind.ORDER_CONFIRMED, "en", zone=BERLIN).text

    assert "placed on December 1, 2026." in in_utc
    assert "placed on December 2, 2026." in in_berlin


def test_an_austrian_buyer_reads_austrian_formats_in_the_german_templates() -> None:
    # given an order placed in January, which Austrians call Jänner
    order = replace(fixed_order(), placed_at=datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    # when
    text = render(MessageKind.ORDER_CONFIRMED, "de-AT", order=order).text
    # then
    assert "vom 4. Jänner 2027." in text
    assert f"Gesamtbetrag: €{NBSP}1.234,50\n" in text


def test_a_custom_template_using_the_filters_renders(tmp_path: Path) -> None:
    # given a merchant's German confirmation that uses every filter and format
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "order_confirmed.subject.j2").write_text("Bestellung {{ order.number }}\n")
    (tmp_path / "de" / "order_confirmed.txt.j2").write_text(
        "{{ order.total_price | money }} | {{ order.total_price | money('USD') }}\n"
        "{{ order.placed_at | date }} | {{ order.placed_at | date('medium') }}"
        " | {{ order.placed_at | date('full') }} | {{ order.placed_at | date('d. MMMM y') }}\n"
        "{{ order.placed_at | datetime }} | {{ order.placed_at | datetime('short') }}\n"
        "{{ order.lines[0].quantity | number }} | {{ 1234.5678 | number }}\n",
        encoding="utf-8",
    )
    templates = TemplateSet(tmp_path)
    # when
    message = render(MessageKind.ORDER_CONFIRMED, "de", templates=templates)
    # then
    assert message.text == (
        f"1.234,50{NBSP}€ | 1.234,50{NBSP}$\n"
        "2. Dezember 2026 | 02.12.2026 | Mittwoch, 2. Dezember 2026 | 2. Dezember 2026\n"
        "02.12.2026, 00:30:00 | 02.12.26, 00:30\n"
        "1.200 | 1.234,568\n"
    )
    assert validate_templates(tmp_path) == []


def test_money_rounds_half_up_to_the_currencys_minor_unit() -> None:
    with formatting_in_effect(Formatting.of("en")):
        assert money("0.125", "USD") == "$0.13"
        assert money("1500.5", "JPY") == "¥1,501"
        assert money("1.2345", "KWD") == "KWD1.235"


def test_outside_a_render_the_filters_write_english() -> None:
    assert money(Decimal("1234.5"), "EUR") == "€1,234.50"
    assert number(1200) == "1,200"


def test_money_without_any_currency_is_refused() -> None:
    with formatting_in_effect(Formatting.of("de")), pytest.raises(ValueError, match="no currency named"):
        money("1")


def test_a_locale_babel_does_not_know_falls_back_down_the_chain() -> None:
    assert str(Formatting.of("de-XX").locale) == "de"
    assert str(Formatting.of("tlh").locale) == "en"


def test_a_strftime_format_is_reported_by_validation_with_its_line(tmp_path: Path) -> None:
    # given a merchant template written for the old hand-made filter
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "order_delivered.txt.j2").write_text(
        "Hallo\n{{ order.placed_at | date('%d.%m.%Y') }}\n"
    )
    # when
    problems = validate_templates(tmp_path)
    # then
    assert problems == [
        TemplateProblem(
            f"{tmp_path.as_posix()}/de/order_delivered.txt.j2",
            2,
            "ValueError: date: '%d.%m.%Y' is a strftime format; write short, medium, long, full "
            "or a CLDR pattern such as 'd. MMMM y'",
        )
    ]


def test_an_unknown_filter_is_still_reported_by_validation(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "order_delivered.txt.j2").write_text("Hello\n\n{{ order.total_price | moneyy }}\n")

    problems = validate_templates(tmp_path)

    assert [(p.line, p.message) for p in problems] == [(3, "No filter named 'moneyy'.")]
