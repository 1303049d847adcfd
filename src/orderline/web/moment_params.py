"""`QueryMoment`: a date-time query parameter (`placed_from`, a ticket's `from`, an audit's
`now`), read as UTC when it has no offset and refused 422 when it lies outside
`EARLIEST`..`LATEST`: year 1 at +01:00 or year 9999 at -01:00 cannot even be converted to
UTC, and the services subtract windows from such moments.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator

EARLIEST = datetime(1000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""The end of the accepted range (exclusive)."""


def _in_range(value: datetime) -> datetime:
    moment = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"a date-time between {EARLIEST.year} and {LATEST.year}") from None
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"a date-time between {EARLIEST.year} and {LATEST.year}")
    return moment


QueryMoment = Annotated[datetime, AfterValidator(_in_range)]
"""An aware UTC moment within the accepted range (no offset: UTC)."""
