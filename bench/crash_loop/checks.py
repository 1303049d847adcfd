"""What the crash loop verifies, read from the database and through the `orderline` command:
every acknowledged delivery is in the inbox, and the projections equal a replay."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from processes import orderline_command
from sqlalchemy import Engine, text

SETTLED = frozenset({"processed", "ignored", "quarantined", "skipped"})
"""Inbox statuses processing is done with; anything else is still to be (re)tried."""


def inbox_keys(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {str(key) for (key,) in connection.execute(text("SELECT dedupe_key FROM inbox"))}


def inbox_statuses(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM inbox GROUP BY status"))
        return {str(status): int(count) for status, count in rows}


def reused_id_letters(engine: Engine) -> int:
    """Dead letters filed for a reused webhook id: a retry with the same body must file none."""
    query = text("SELECT count(*) FROM dead_letters WHERE reason LIKE 'reused_webhook_id:%'")
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def wait_settled(engine: Engine, timeout_s: float) -> tuple[dict[str, int], float]:
    """Poll until processing has caught up (no delivery pending, waiting or unresolved);
    returns the statuses and the seconds waited, or the statuses at the deadline."""
    started = time.monotonic()
    while True:
        statuses = inbox_statuses(engine)
        waited = time.monotonic() - started
        if set(statuses) <= SETTLED or waited > timeout_s:
            return statuses, waited
        time.sleep(0.5)


def replay_changes(config: Path, timeout_s: float = 1800.0) -> tuple[int, list[str]]:
    """Orders whose projection a replay would change (`orderline replay --dry-run --json`),
    with the first few differences as `store/order: ...` lines."""
    done = subprocess.run(
        [*orderline_command(), "replay", "--dry-run", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"orderline replay --dry-run failed ({done.returncode}):\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    changed = report["changed"]
    examples = [f"{c['store_id']}/{c['order_id']}: {'; '.join(c['differences'])}" for c in changed[:5]]
    return len(changed), examples
