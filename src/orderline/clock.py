"""The one place that reads the wall clock; everything else is handed `now` or a clock.

`system_clock()` is the real UTC time plus the offset in the environment variable
`ORDERLINE_CLOCK_OFFSET`, so every Orderline process (and every subprocess it starts,
which inherits the environment) can be moved to another date at once: the test run
uses it to check that nothing depends on today's date.

Offset format: an optional sign, then one or more `<integer><unit>` parts with no
spaces, the units being `d` (days), `h` (hours), `m` (minutes) and `s` (seconds):
`30d`, `400d`, `-2h`, `90m`, `3600s`, `1d12h`. The sign applies to the whole offset.
Unset or empty means no offset. Anything else raises `ClockOffsetError`, naming the
variable and the value, on the first read of the clock.

The variable is read on every call (a dictionary lookup; the parse is cached per
value), so no state is taken at import time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache

OFFSET_VARIABLE = "ORDERLINE_CLOCK_OFFSET"

_UNITS = {
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}
_OFFSET = re.compile(r"(?P<sign>[+-]?)(?P<parts>(?:\d+[dhms])+)")
_PART = re.compile(r"(\d+)([dhms])")


class ClockOffsetError(ValueError):
    """`ORDERLINE_CLOCK_OFFSET` holds something that is not an offset."""


@lru_cache(maxsize=8)
def parse_offset(text: str) -> timedelta:
    """The offset `text` stands for (see the module docstring); "" is no offset."""
    stripped = text.strip()
    if not stripped:
        return timedelta(0)
    match = _OFFSET.fullmatch(stripped)
    if match is None:
        raise ClockOffsetError(
            f"{OFFSET_VARIABLE}={text!r} is not a clock offset; "
            "write a signed sum of days, hours, minutes, seconds, e.g. 30d, -2h, 1d12h, 3600s"
        )
    try:
        total = sum((int(n) * _UNITS[unit] for n, unit in _PART.findall(match["parts"])), timedelta(0))
    except OverflowError:
        raise ClockOffsetError(f"{OFFSET_VARIABLE}={text!r} is too large an offset") from None
    return -total if match["sign"] == "-" else total


def clock_offset(environ: Mapping[str, str] | None = None) -> timedelta:
    """The offset the clock runs at, from `environ` (default: this process's environment)."""
    return parse_offset((os.environ if environ is None else environ).get(OFFSET_VARIABLE, ""))


def system_clock() -> datetime:
    """Now, in UTC, shifted by `ORDERLINE_CLOCK_OFFSET`."""
    return datetime.now(UTC) + clock_offset()
