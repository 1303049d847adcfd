"""The console's users and sessions, and buyers' status-page tokens (migrations 0011, 0012).

Declared on the same `metadata` as tables.py (which imports this module at its end), so
the schema test compares it with the migrations too.

- `console_users`: a person who logs into the web console, with a role of the API's
  (admin, operations, support, viewer). `password_hash` is a slow, salted hash (scrypt,
  its parameters in the stored text); the password itself is never stored.
- `console_sessions`: a login. The cookie carries a 256-bit random value; only its
  SHA-256 is stored (`session_hash`), with the session's CSRF secret, its expiry and when
  it was revoked (logout, or the user disabled).
- `status_tokens`: the unguessable per-order token of the buyer status page
  `/status/{token}` (at least 128 bits; only its SHA-256 is stored), revocable.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from orderline.persistence.tables import Id, UtcDateTime, metadata

console_users = Table(
    "console_users",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(120), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("disabled_at", UtcDateTime()),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("user_id", Id, ForeignKey("console_users.id"), nullable=False),
    Column("csrf_secret", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)
Index("ix_console_sessions_user", console_sessions.c.user_id)

status_tokens = Table(
    "status_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("store_id", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)
Index("ix_status_tokens_order", status_tokens.c.store_id, status_tokens.c.order_id)
