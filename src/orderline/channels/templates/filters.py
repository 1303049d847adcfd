"""The filters message templates may use: `money` and `date`.

Both are deterministic: they never read the process locale or a locale database, so the
same order renders the same message on every machine. Separators and month names are
the template's choice (a German template passes `decimal=","`, or writes `%d.%m.%Y`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies that do not use two decimals.
_MINOR_UNITS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF"), 0),
    **dict.fromkeys(("UGX", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DIRECTIVES: dict[str, Callable[[datetime], str]] = {
    "a": lambda moment: _DAYS[moment.weekday()][:3],
    "A": lambda moment: _DAYS[moment.weekday()],
    "b": lambda moment: _MONTHS[moment.month - 1][:3],
    "B": lambda moment: _MONTHS[moment.month - 1],
    "d": lambda moment: f"{moment.day:02d}",
    "e": lambda moment: str(moment.day),
    "m": lambda moment: f"{moment.month:02d}",
    "y": lambda moment: f"{moment.year % 100:02d}",
    "Y": lambda moment: str(moment.year),
    "H": lambda moment: f"{moment.hour:02d}",
    "M": lambda moment: f"{moment.minute:02d}",
    "S": lambda moment: f"{moment.second:02d}",
    "%": lambda moment: "%",
}
_DIRECTIVE = re.compile(r"%(.?)")


def money(
    amount: Decimal | str | int,
    currency: str,
    decimal: str = ".",
    group: str = ",",
) -> str:
    """`money("1234.5", "EUR")` -> "1,234.50 EUR", rounded half up to the currency's minor unit."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"money: {amount!r} is not an amount") from None
    places = _MINOR_UNITS.get(currency.upper(), 2)
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    # Format with placeholder separators first so "." and "," can swap without clashing.
    shaped = f"{rounded:,.{places}f}".replace(",", "\0").replace(".", decimal).replace("\0", group)
    return f"{shaped} {currency}"


def format_date(value: datetime | date | None, fmt: str = "%e %B %Y") -> str:
    """`strftime`-like with English names: %a %A %b %B %d %e (day, unpadded) %m %y %Y %H %M %S %%.
    None gives "" so an optional date can be written without an `if`."""
    if value is None:
        return ""
    moment = value if isinstance(value, datetime) else datetime.combine(value, time())

    def directive(match: re.Match[str]) -> str:
        write = _DIRECTIVES.get(match.group(1))
        if write is None:
            raise ValueError(f"date: unsupported directive %{match.group(1)} in {fmt!r}")
        return write(moment)

    return _DIRECTIVE.sub(directive, fmt)


FILTERS: dict[str, Callable[..., str]] = {"money": money, "date": format_date}
