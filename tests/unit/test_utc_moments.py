"""How the API and the CLI write a moment: UTC, ISO 8601, `Z`; seconds always,
microseconds only when the moment has them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from orderline.web.moments import utc_json, utc_text

EASTERN = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("moment", "written"),
    [
        (datetime(2026, 12, 2, 5, 15, tzinfo=EASTERN), "2026-12-02T10:15:00Z"),
        (datetime(2026, 12, 2, 10, 15, tzinfo=UTC), "2026-12-02T10:15:00Z"),
        (datetime(2026, 12, 2, 10, 15, 0, 250000, tzinfo=UTC), "2026-12-02T10:15:00.250000Z"),
        (datetime(2026, 12, 2, 10, 15), "2026-12-02T10:15:00Z"),  # no offset: UTC already
    ],
    ids=["offset", "utc", "microseconds", "naive"],
)
def test_a_moment_is_written_in_utc_with_z(moment: datetime, written: str) -> None:
    assert utc_text(moment) == written


@dataclass
class Stamp:
    at: datetime


def test_moments_inside_a_value_are_rewritten_and_prose_is_left_alone() -> None:
    value = {
        "at": "2026-12-02T05:15:00-05:00",
        "already": "2026-12-02T10:15:00Z",
        "levels": [(1, datetime(2026, 12, 2, 5, 15, tzinfo=EASTERN))],
        "stamp": Stamp(datetime(2026, 12, 2, 10, 15, tzinfo=UTC)),
        "reason": "due 2026-12-02T10:15:00+00:00",
        "not_a_moment": "2026-13-45T10:15:00+00:00",
        "count": 3,
    }

    assert utc_json(value) == {
        "at": "2026-12-02T10:15:00Z",
        "already": "2026-12-02T10:15:00Z",
        "levels": [[1, "2026-12-02T10:15:00Z"]],
        "stamp": {"at": "2026-12-02T10:15:00Z"},
        "reason": "due 2026-12-02T10:15:00+00:00",
        "not_a_moment": "2026-13-45T10:15:00+00:00",
        "count": 3,
    }
