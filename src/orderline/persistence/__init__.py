"""Persistence: SQLAlchemy Core tables, migrations, the durable inbox, facts, projections."""
