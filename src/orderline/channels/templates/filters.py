"""The filters message templates may use: `money`, `number`, `date` and `datetime`.

They format with Babel in the render's locale and the buyer's time zone
(`formatting.current_formatting`), so a template names neither:

    {{ order.total_price | money }}     en: €1,234.50          de: 1.234,50 €   (a no-break space before €)
    {{ line.quantity | number }}        en: 1,200              de: 1.200
    {{ order.placed_at | date }}        en: December 2, 2026   de: 2. Dezember 2026
    {{ order.placed_at | datetime }}    en: Dec 2, 2026, 9:05:00 AM   de: 02.12.2026, 09:05:00

`date` defaults to CLDR's `long` format (the month spelled out in the buyer's language);
`date("medium")` gives `02.12.2026` / `Dec 2, 2026`, `date("short")` and `date("full")`
work too, as does a CLDR pattern such as `date("d. MMMM y")`. `datetime` defaults to
`medium`. `money` takes the order's currency unless one is named (`money("USD")`), and
rounds half up to the currency's minor unit (JPY none, KWD three).

Deterministic: the locale is always explicit, never the process's, and the CLDR data is
that of the pinned Babel release, so one order renders the same message everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.dates import format_date as babel_date
from babel.dates import format_datetime as babel_datetime
from babel.numbers import format_currency, format_decimal, get_currency_precision

from orderline.channels.templates.formatting import current_formatting

Amount = Decimal | str | int | float


def money(amount: Amount, currency: str | None = None) -> str:
    """`1234.5` as `€1,234.50` (en) or `1.234,50 €` (de), in the order's currency by default."""
    formatting = current_formatting()
    code = (currency or formatting.currency or "").upper()
    if not code:
        raise ValueError("money: no currency named and the order has none")
    # Commercial rounding (half up), not Babel's half-even: 0.125 USD is 0.13 on an invoice.
    places = get_currency_precision(code)
    rounded = _decimal("money", amount).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format_currency(rounded, code, locale=formatting.locale)


def number(value: Amount) -> str:
    """`1200` as `1,200` (en) or `1.200` (de); up to three decimals."""
    return format_decimal(_decimal("number", value), locale=current_formatting().locale)


def format_date(value: datetime | date | None, format: str = "long") -> str:
    """The day in the buyer's zone (a naive datetime is taken as UTC, Orderline's own times
    all are; a bare date as it is); "" for None, so an optional date needs no `if`."""
    if value is None:
        return ""
    _refuse_strftime("date", format)
    formatting = current_formatting()
    if isinstance(value, datetime):
        value = _aware(value).astimezone(formatting.zone).date()
    return babel_date(value, format, locale=formatting.locale)


def format_datetime(value: datetime | date | None, format: str = "medium") -> str:
    """The moment in the buyer's zone; a naive value is taken as UTC (Orderline's own times
    are all UTC), a bare date as its midnight there. "" for None."""
    if value is None:
        return ""
    _refuse_strftime("datetime", format)
    formatting = current_formatting()
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(), tzinfo=formatting.zone)
    return babel_datetime(_aware(value), format, tzinfo=formatting.zone, locale=formatting.locale)


def _decimal(name: str, value: Amount) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise ValueError(f"{name}: {value!r} is not a number")
    return number


def _aware(moment: datetime) -> datetime:
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)


def _refuse_strftime(name: str, format: str) -> None:
    # Earlier releases took strftime formats; in a CLDR pattern `%d.%m.%Y` would print
    # garbage rather than fail, so it is refused and check-config names the line.
    if "%" in format:
        raise ValueError(
            f"{name}: {format!r} is a strftime format; write short, medium, long, full "
            "or a CLDR pattern such as 'd. MMMM y'"
        )


FILTERS: dict[str, Callable[..., str]] = {
    "money": money,
    "number": number,
    "date": format_date,
    "datetime": format_datetime,
}
