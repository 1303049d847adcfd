"""The consecutive weeks a scorecard reads, and which of them each order and ticket is in.

An order is in week W when `week_of(placed_at, <its store's zone>) == W`: in terms of
instants, when `placed_at` lies in W's bounds in that zone. The bounds of every week of the
window are worked out once per zone, so placing a record is one bisection, not a time-zone
conversion; records outside the window are dropped.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from operator import attrgetter
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from orderline.domain.scorecard.records import DriftRecord, OrderRecord, TicketRecord
from orderline.domain.scorecard.weeks import IsoWeek


class _Stored(Protocol):
    @property
    def store_id(self) -> str | None: ...


Placed = TypeVar("Placed", bound=_Stored)


class WeekWindow:
    """`weeks` consecutive weeks ending with `last`, oldest first."""

    def __init__(
        self, last: IsoWeek, weeks: int, zones: Mapping[str, ZoneInfo], default_zone: ZoneInfo
    ) -> None:
        if weeks < 1:
            raise ValueError(f"a window holds at least one week, got {weeks}")
        self.weeks = tuple(last.shifted(offset) for offset in range(1 - weeks, 1))
        self._zones, self._default_zone = zones, default_zone
        self._bounds_by_zone: dict[ZoneInfo, list[datetime]] = {}
        self._bounds_by_store: dict[str | None, list[datetime]] = {}

    def span(self) -> tuple[datetime, datetime]:
        """The earliest start and the latest end of the window over every zone it has met
        or may meet (UTC instants)."""
        zones = {self._default_zone, *self._zones.values()}
        starts_and_ends = [self._bounds(zone) for zone in zones]
        return min(bounds[0] for bounds in starts_and_ends), max(bounds[-1] for bounds in starts_and_ends)

    def orders_by_week(self, orders: Iterable[OrderRecord], store_id: str | None) -> list[list[OrderRecord]]:
        """The orders of each week of the window (of one store when `store_id` is set)."""
        return self._split(orders, store_id, attrgetter("placed_at"))

    def tickets_by_week(
        self, tickets: Iterable[TicketRecord], store_id: str | None
    ) -> list[list[TicketRecord]]:
        """The tickets of each week, by `created_at` in their store's zone (the default zone
        for a ticket of no store or an unknown one)."""
        return self._split(tickets, store_id, attrgetter("created_at"))

    def drifts_by_week(self, drifts: Iterable[DriftRecord], store_id: str | None) -> list[list[DriftRecord]]:
        """The drift incidents of each week, by `detected_at` in their store's zone."""
        return self._split(drifts, store_id, attrgetter("detected_at"))

    def _split(
        self, records: Iterable[Placed], store_id: str | None, moment: Callable[[Placed], datetime]
    ) -> list[list[Placed]]:
        weeks: list[list[Placed]] = [[] for _ in self.weeks]
        edge = len(self.weeks)
        bounds_of = self._bounds_by_store
        for record in records:
            store = record.store_id
            if store_id is not None and store != store_id:
                continue
            bounds = bounds_of.get(store)
            if bounds is None:
                zone = self._default_zone if store is None else self._zones.get(store, self._default_zone)
                bounds = bounds_of[store] = self._bounds(zone)
            index = bisect_right(bounds, moment(record))
            if 0 < index <= edge:
                weeks[index - 1].append(record)
        return weeks

    def _bounds(self, zone: ZoneInfo) -> list[datetime]:
        """Every week's start in `zone`, then the last week's end."""
        found = self._bounds_by_zone.get(zone)
        if found is None:
            found = [week.bounds(zone)[0] for week in self.weeks] + [self.weeks[-1].bounds(zone)[1]]
            self._bounds_by_zone[zone] = found
        return found
