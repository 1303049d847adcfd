"""The `reconcile:` section: its defaults, durations as written, and its problems by key path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orderline.config import ConfigError, parse_config
from orderline.config.reconcile import ReconcileConfig


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, file="orderline.yaml", env={})
    return str(caught.value).splitlines()


def test_without_a_section_a_store_is_swept_hourly_with_a_quarter_hour_overlap() -> None:
    section = parse_config("", env={}).reconcile

    assert section == ReconcileConfig(
        enabled=True, every=timedelta(hours=1), overlap=timedelta(minutes=15), lookback=timedelta(days=1)
    )


def test_durations_are_read_as_written() -> None:
    section = parse_config(
        "reconcile:\n  every: 30m\n  overlap: 0\n  lookback: 2d12h\n  enabled: false\n", env={}
    )

    assert section.reconcile == ReconcileConfig(
        enabled=False, every=timedelta(minutes=30), overlap=timedelta(0), lookback=timedelta(days=2, hours=12)
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reconcile:\n  every: 0\n", "orderline.yaml: reconcile.every: must be longer than 0"),
        ("reconcile:\n  lookback: 0\n", "orderline.yaml: reconcile.lookback: must be longer than 0"),
        (
            "reconcile:\n  overlap: 15\n",
            "orderline.yaml: reconcile.overlap: 15 is not a duration: give its unit",
        ),
        ("reconcile:\n  evry: 1h\n", "orderline.yaml: reconcile.evry: unknown key; did you mean 'every'?"),
    ],
)
def test_a_bad_value_is_named_by_its_key_path(text: str, expected: str) -> None:
    found = problems(text)

    assert any(line.startswith(expected) for line in found), found
