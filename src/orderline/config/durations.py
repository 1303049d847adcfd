"""Durations as the YAML's author writes them: `30m`, `4h`, `2d`, `1d12h`.

Units are days, hours, minutes and seconds, largest first, each at most once. A bare
`0` means no delay; any other bare number is refused, because "24" could mean hours or
days and a wrong guess would silently move an SLA.
"""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
DURATION_HINT = "write a duration such as 30m, 4h, 2d or 1d12h"


def parse_duration(value: object) -> timedelta:
    """The timedelta `value` names; ValueError with a message for the YAML's author otherwise."""
    if value == 0 and not isinstance(value, bool):
        return timedelta(0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value} is not a duration: give its unit; {DURATION_HINT}")
    if not isinstance(value, str):
        raise ValueError(f"expected a duration; {DURATION_HINT}")
    text = value.strip().lower()
    parts = _DURATION.fullmatch(text)
    if not text or parts is None:
        raise ValueError(f"'{value}' is not a duration; {DURATION_HINT}")
    days, hours, minutes, seconds = (int(part or 0) for part in parts.groups())
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """`timedelta(days=1, hours=12)` -> `1d12h`; the form `parse_duration` reads back."""
    total = int(duration.total_seconds())
    if total == 0:
        return "0m"
    text = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            text += f"{count}{unit}"
    return text
