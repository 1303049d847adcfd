"""The webhook subscriptions a fake platform keeps, with the faults a test injects.

Each fake platform (Shopify's GraphQL, WooCommerce's and BigCommerce's REST) renders these
records in its own API shape; the book holds what they share: an id, a topic, an address and
a state in the platform's own word (`active`, `paused`, `disabled`; BigCommerce's `is_active`
reads `active` or `inactive`). The faults are what the platforms do on a bad day:

- `delete`: Shopify removes a subscription after 8 failed tries over 4 hours;
- `set_state(id, "disabled")`: WooCommerce after consecutive failures; `"paused"` an admin;
  `"inactive"`: BigCommerce after 48 h of failures or 90 days idle;
- `set_address`: someone pointed it elsewhere.

`faults` counts what was injected, by kind, so a test can compare the audit's counts with it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class BookedSubscription:
    subscription_id: int
    topic: str
    address: str
    state: str = "active"
    secret: str | None = None
    """What the platform signs with (or sends as a header); never listed back."""


@dataclass
class SubscriptionBook:
    next_id: int = 1
    entries: dict[int, BookedSubscription] = field(default_factory=dict)
    faults: Counter[str] = field(default_factory=Counter)
    """Injected faults by kind: deleted, disabled, paused, inactive, wrong_address."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, topic: str, address: str, state: str = "active", secret: str | None = None) -> int:
        with self.lock:
            subscription_id = self.next_id
            self.next_id += 1
            self.entries[subscription_id] = BookedSubscription(subscription_id, topic, address, state, secret)
            return subscription_id

    def listed(self) -> list[BookedSubscription]:
        with self.lock:
            return [self.entries[key] for key in sorted(self.entries)]

    def by_topic(self, topic: str) -> BookedSubscription:
        """The first subscription of `topic`; KeyError when there is none."""
        for entry in self.listed():
            if entry.topic == topic:
                return entry
        raise KeyError(topic)

    def update(self, subscription_id: int, *, state: str | None = None, address: str | None = None) -> bool:
        """A change asked through the API; False for an unknown id."""
        with self.lock:
            entry = self.entries.get(subscription_id)
            if entry is None:
                return False
            if state is not None:
                entry.state = state
            if address is not None:
                entry.address = address
            return True

    # --- faults ---------------------------------------------------------------------------

    def delete(self, topic: str) -> None:
        entry = self.by_topic(topic)
        with self.lock:
            del self.entries[entry.subscription_id]
            self.faults["deleted"] += 1

    def set_state(self, topic: str, state: str) -> None:
        entry = self.by_topic(topic)
        with self.lock:
            entry.state = state
            self.faults[state] += 1

    def set_address(self, topic: str, address: str) -> None:
        entry = self.by_topic(topic)
        with self.lock:
            entry.address = address
            self.faults["wrong_address"] += 1
