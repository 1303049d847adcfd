"""How the API writes a moment: `datetime` fields say `Z` for UTC (pydantic's way), and a
`StoredMoment` is written as the store wrote it, with its offset (`+00:00`).

The parts of an order (its shipments, holds, refunds, anomalies and timeline, its
exceptions, messages and hand-offs) and the notes on an exception are read as JSON with
`datetime.isoformat()` moments; the API answers them as they were kept, as it did before
its models were typed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema

StoredMoment = Annotated[
    datetime,
    PlainSerializer(datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A moment, validated as one and written back as ISO 8601 with its UTC offset."""
