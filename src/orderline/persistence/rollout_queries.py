"""What `orderline rollout` reads of the inbox and the reconciliation sweeps: history
imported, webhooks arriving and drift sweeps running, by store.

An imported delivery is told from a webhook by its dedupe key's prefix
(`connectors.history.IMPORT_KEY_PREFIX`, handed in by the service), as the messaging
go-live guard tells them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, not_, select

from orderline.persistence.reconcile_records import COUNT_CHECK, OK
from orderline.persistence.reconcile_tables import reconcile_sweeps
from orderline.persistence.tables import inbox


def _is_import(prefix: str) -> ColumnElement[bool]:
    return inbox.c.dedupe_key.startswith(prefix, autoescape=True)


def imported_by_store(connection: Connection, prefix: str) -> dict[str, int]:
    """Deliveries stored by an import (dedupe key starting with `prefix`), by store."""
    rows = connection.execute(
        select(inbox.c.store_id, func.count()).where(_is_import(prefix)).group_by(inbox.c.store_id)
    )
    return {str(store_id): int(count) for store_id, count in rows}


def webhooks_by_store(connection: Connection, prefix: str, since: datetime) -> dict[str, int]:
    """Deliveries a platform sent (not an import) received at or after `since`, by store."""
    rows = connection.execute(
        select(inbox.c.store_id, func.count())
        .where(not_(_is_import(prefix)), inbox.c.received_at >= since)
        .group_by(inbox.c.store_id)
    )
    return {str(store_id): int(count) for store_id, count in rows}


def last_sweeps_by_store(connection: Connection) -> dict[str, datetime]:
    """When each store's last successful reconciliation sweep finished (a daily count
    check compares totals only: it is not a sweep)."""
    sweeps = reconcile_sweeps.c
    rows = connection.execute(
        select(sweeps.store_id, func.max(sweeps.finished_at))
        .where(sweeps.outcome == OK, sweeps.trigger != COUNT_CHECK, sweeps.finished_at.is_not(None))
        .group_by(sweeps.store_id)
    )
    return {str(store_id): finished for store_id, finished in rows}
