"""The status-transition audit's judgement (the plugin problem): which platform statuses a
store's orders went through, how often, which ones nobody mapped, and which moves between
them the lifecycle table does not allow.

A platform whose status is a free word that plugins extend (WooCommerce) declares a
`StatusVocabulary` through its plugin: its core words, the canonical status each stands
for, and the store's `status_map`. A word in neither is *unknown*: the mapping gives it no
status (the order keeps what its other fields say and shows an `unmapped_status` anomaly).

Transitions are read per order in the states' own time order (the platform's modification
time), between consecutive statuses that have a canonical status; an unknown word in
between is skipped, not judged. A move is impossible when `lifecycle.can_transition`
refuses it. That table is the one place moves are judged: it allows `completed` ->
`processing` (shipped -> ready_to_fulfill: a shipment cancelled, an edit adding units),
so the audit does not report that one; it reports what the table refuses, such as an
un-cancelled order (`cancelled` -> `processing`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from orderline.domain.lifecycle import can_transition
from orderline.domain.vocabulary import OrderStatus

EXAMPLES_PER_TRANSITION = 5


@dataclass(frozen=True, slots=True)
class StatusVocabulary:
    core: Mapping[str, OrderStatus | None]
    """The platform's own statuses and the canonical status each stands for; None where no
    single one does (WooCommerce `failed`: pending or cancelled, by policy)."""
    status_map: Mapping[str, OrderStatus] = field(default_factory=dict)
    """The store's own words (plugin statuses, re-read core ones); they win over `core`."""

    def canonical(self, word: str) -> OrderStatus | None:
        mapped = self.status_map.get(word)
        return mapped if mapped is not None else self.core.get(word)

    def is_known(self, word: str) -> bool:
        return word in self.status_map or word in self.core


@dataclass(frozen=True, slots=True)
class StatusSeen:
    """One state of an order as the platform reported it."""

    order_id: str
    at: datetime
    status: str


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    states: int
    """How many distinct states of the store's orders carried it."""
    is_core: bool
    is_known: bool
    maps_to: OrderStatus | None


@dataclass(frozen=True, slots=True)
class ImpossibleTransition:
    from_status: str
    to_status: str
    count: int
    example_order_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class StoreStatusAudit:
    store_id: str
    statuses: tuple[StatusCount, ...]
    impossible: tuple[ImpossibleTransition, ...]

    @property
    def unknown(self) -> tuple[str, ...]:
        return tuple(s.status for s in self.statuses if not s.is_known)

    @property
    def is_clean(self) -> bool:
        return not self.unknown and not self.impossible


def audit_statuses(
    store_id: str, vocabulary: StatusVocabulary, seen: Iterable[StatusSeen]
) -> StoreStatusAudit:
    """`seen` ordered by order, then by time."""
    counts: Counter[str] = Counter()
    moves: dict[tuple[str, str], list[str]] = defaultdict(list)
    for order_id, states in groupby(seen, key=lambda s: s.order_id):
        words = [state.status for state in states]
        counts.update(words)
        for move in _impossible_moves(words, vocabulary):
            moves[move].append(order_id)
    statuses = tuple(
        StatusCount(word, n, word in vocabulary.core, vocabulary.is_known(word), vocabulary.canonical(word))
        for word, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )
    impossible = tuple(
        ImpossibleTransition(before, after, len(orders), tuple(sorted(set(orders)))[:EXAMPLES_PER_TRANSITION])
        for (before, after), orders in sorted(moves.items(), key=lambda item: (-len(item[1]), item[0]))
    )
    return StoreStatusAudit(store_id, statuses, impossible)


def _impossible_moves(words: list[str], vocabulary: StatusVocabulary) -> list[tuple[str, str]]:
    """The moves between consecutive judged statuses of one order that the lifecycle refuses."""
    found = []
    previous: tuple[str, OrderStatus] | None = None
    for word in words:
        status = vocabulary.canonical(word)
        if status is None:
            continue
        if previous is not None and previous[0] != word and not can_transition(previous[1], status):
            found.append((previous[0], word))
        previous = (word, status)
    return found
