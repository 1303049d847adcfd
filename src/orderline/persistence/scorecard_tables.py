"""The scorecard's read model (migration 0006).

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares it with the migrations too.

- `scorecard_orders`: one row per order, what the scorecard counts of it
  (`domain.scorecard.order_record.DerivedOrder`), derived from the order's projection in
  `orders`. `source_updated_at` and `source_fact_count` are the projection's `updated_at`
  and `fact_count` it was derived from: a row whose pair differs from the projection's is
  stale (a fact older than the newest one changes the state but not `updated_at`, and
  always adds to `fact_count`). Rows are refreshed lazily, when a scorecard is about to
  read them (`persistence.scorecard_records.refresh`), never on the processing path.
  `total_price` is the decimal's text (SQLite has no exact decimal type); `skus` and
  `titles` are joined with newlines, bounded (`order_record.MAX_TEXT_CHARS`). `types` are
  the order's types under the order-type rules whose digest is `types_digest` (names
  joined with newlines): a scorecard reads them instead of classifying every order, and
  a row classified under other rules (the configuration changed) is stale too.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Index, Integer, String, Table, Text

from orderline.persistence.tables import UtcDateTime, metadata

CARRIER_CHARS = 120
CURRENCY_CHARS = 16
COUNTRY_CHARS = 16
PRICE_CHARS = 40
PLATFORM_CHARS = 32
DIGEST_CHARS = 16

scorecard_orders = Table(
    "scorecard_orders",
    metadata,
    Column("store_id", String(64), primary_key=True),
    Column("order_id", String(64), primary_key=True),
    Column("platform", String(PLATFORM_CHARS), nullable=False),
    Column("placed_at", UtcDateTime(), nullable=False),
    Column("first_shipped_at", UtcDateTime()),
    Column("last_shipped_at", UtcDateTime()),
    Column("carrier", String(CARRIER_CHARS)),
    Column("is_cancelled", Boolean, nullable=False),
    Column("is_refunded", Boolean, nullable=False),
    Column("line_count", Integer, nullable=False),
    Column("unit_count", Integer, nullable=False),
    Column("total_price", String(PRICE_CHARS), nullable=False),
    Column("currency", String(CURRENCY_CHARS), nullable=False),
    Column("ship_country", String(COUNTRY_CHARS)),
    Column("skus", Text, nullable=False),
    Column("titles", Text, nullable=False),
    Column("types", Text, nullable=False),
    Column("types_digest", String(DIGEST_CHARS), nullable=False),
    Column("source_updated_at", UtcDateTime(), nullable=False),
    Column("source_fact_count", Integer, nullable=False),
)
Index("ix_scorecard_orders_placed", scorecard_orders.c.placed_at)
