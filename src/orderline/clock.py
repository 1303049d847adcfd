"""The one place outside tests that reads the wall clock; everything else is handed `now`."""

from __future__ import annotations

from datetime import UTC, datetime


def system_clock() -> datetime:
    return datetime.now(UTC)
