"""The demo's simulated helpdesk export: parseable, deterministic, never dated after now."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta

from orderline.simulation.tickets import tickets_csv

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ORDERS = [(f"#{1000 + n}", NOW - timedelta(hours=7 * n)) for n in range(200)]


def test_the_export_names_orders_and_some_tickets_name_none() -> None:
    rows = list(csv.DictReader(io.StringIO(tickets_csv(random.Random(1), ORDERS, NOW))))

    naming = [row for row in rows if "#" in row["subject"]]
    assert 5 <= len(naming) <= 40
    assert len(rows) - len(naming) == max(len(naming) // 5, 1)
    assert all(datetime.fromisoformat(row["created_at"]) <= NOW for row in rows)
    assert len({row["ticket_id"] for row in rows}) == len(rows)


def test_the_same_seed_gives_the_same_export() -> None:
    assert tickets_csv(random.Random(5), ORDERS, NOW) == tickets_csv(random.Random(5), ORDERS, NOW)
