"""Who owns each status, hold reason and exception type (docs/lifecycle.md), as the configuration
sees it.

The owner table and its defaults belong to the domain (`orderline.domain.lifecycle.Ownership`:
statuses from `LIFECYCLE`, hold reasons from `DEFAULT_HOLD_OWNERS`, exception types from
their specs). The `ownership:` section, and each `exceptions.<type>.owner`, only override
entries of it (`OwnershipConfig.resolve`). `on_hold` has no owner of its own: an order on
hold belongs to the owner of its hold reason, so it is never in the status table.
"""

from __future__ import annotations

from orderline.domain.lifecycle import OWNED_STATUSES, Ownership

__all__ = ["OWNED_STATUSES", "Ownership"]
