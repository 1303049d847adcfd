"""Alembic environment: always run with a connection handed in by `database.migrate`."""

from __future__ import annotations

from alembic import context

from orderline.persistence.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through orderline.persistence.database.migrate (orderline db upgrade)")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
