"""How Orderline writes a moment, in the API and the CLI alike: UTC, ISO 8601, ending in `Z`.

One rule: seconds are always written, microseconds only when the moment has them
(`2026-12-02T10:15:00Z`, `2026-12-02T10:15:00.250000Z`), as `datetime.isoformat()` does.
A moment without an offset is read as UTC, the convention of every input that takes one.

Reading stays lenient (any offset is accepted); only writing is strict, so a client never
meets the platforms' offsets (`-05:00`) or the store's `+00:00`.

`UtcDatetime` is the type of every moment in an API model. The parts of an order and the
notes on an exception come from stored JSON, where moments are text: `utc_json` rewrites
those too, in free-form values (a timeline entry's `data`) and in the CLI's `--json`.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import PlainSerializer, WithJsonSchema

# A whole string that is a date-time with an offset; text that merely mentions one
# (a summary, a reason) is prose and is left as written.
_MOMENT_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")


def utc_text(moment: datetime) -> str:
    """`moment` in UTC as ISO 8601 with `Z` (naive: taken as UTC already)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.replace(tzinfo=None).isoformat() + "Z"


def utc_json(value: Any) -> Any:
    """`value` with every moment in it written by `utc_text`: datetimes, and strings that
    are a whole ISO 8601 date-time with an offset. Dataclasses become objects."""
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, str):
        return _utc_moment_text(value)
    if isinstance(value, dict):
        return {key: utc_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [utc_json(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return utc_json(dataclasses.asdict(value))
    return value


def _utc_moment_text(text: str) -> str:
    if not _MOMENT_TEXT.fullmatch(text):
        return text
    try:
        return utc_text(datetime.fromisoformat(text))
    except (ValueError, OverflowError):
        # Shaped like a moment but none (month 13), or out of range once in UTC (year 1
        # at +01:00): kept as written rather than failing the whole answer.
        return text


UtcDatetime = Annotated[
    datetime,
    PlainSerializer(utc_text, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-12-02T10:15:00Z"]}),
]
"""A moment in an API answer: read leniently, written in UTC with `Z`."""

JsonObject = Annotated[
    dict[str, Any],
    PlainSerializer(utc_json, return_type=dict[str, Any], when_used="json"),
    WithJsonSchema({"type": "object", "additionalProperties": True}),
]
"""A free-form object in an API answer, its moments written in UTC with `Z`."""
