"""Business hours between placement and shipment, for every store, at a million orders.

`BusinessCalendar.business_hours_between` walks the days between two instants; the
scorecard asks it about every shipped order of eight weeks. Here each calendar's working
windows over the scorecard's span are laid out once with a running total of working time
before each, so the working time up to an instant is one bisection, and the hours between
two instants a subtraction. The windows are the calendar's own (`working_window`), so the
result equals `business_hours_between` (to float rounding; exactly for whole seconds);
instants outside the span are handed to the calendar.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from orderline.domain.order_exceptions.business_calendar import BusinessCalendar

_DAY = timedelta(days=1)


class CalendarTable:
    """One calendar's working windows from `start` to `end` (UTC instants), in POSIX seconds:
    float arithmetic costs a fraction of datetime arithmetic, and whole seconds stay exact."""

    def __init__(self, calendar: BusinessCalendar, start: datetime, end: datetime) -> None:
        self.calendar = calendar
        self.start_s, self.end_s = start.timestamp(), end.timestamp()
        # A window of no length before the span, so every instant of the span has a
        # window starting at or before it.
        self._opens: list[float] = [self.start_s - 1.0]
        self._closes: list[float] = [self.start_s - 1.0]
        self._before: list[float] = [0.0]
        zone = calendar.zone
        day, last = start.astimezone(zone).date() - _DAY, end.astimezone(zone).date() + _DAY
        while day <= last:
            window = calendar.working_window(day)
            if window is not None:
                self._before.append(self._before[-1] + self._closes[-1] - self._opens[-1])
                self._opens.append(window[0].timestamp())
                self._closes.append(window[1].timestamp())
            day += _DAY

    def hours_between(self, start_s: float, end_s: float) -> float:
        """Business hours from `start_s` to `end_s` (POSIX seconds); 0 when the end is before
        the start (a shipment dated before its order is bad data, not negative work)."""
        if end_s <= start_s:
            return 0.0
        if start_s < self.start_s or end_s > self.end_s:
            a, b = datetime.fromtimestamp(start_s, UTC), datetime.fromtimestamp(end_s, UTC)
            return self.calendar.business_hours_between(a, b)
        # Worked time up to an instant: the windows before the last one opened by then,
        # plus that one up to the instant or its close. Written out once for both ends,
        # as this runs for every shipped order of the trend.
        opens, closes, before = self._opens, self._closes, self._before
        first, last = bisect_right(opens, start_s) - 1, bisect_right(opens, end_s) - 1
        first_close, last_close = closes[first], closes[last]
        until_end = before[last] + (end_s if end_s < last_close else last_close) - opens[last]
        until_start = before[first] + (start_s if start_s < first_close else first_close) - opens[first]
        return (until_end - until_start) / 3600.0


class StoreCalendars:
    """Each store's `CalendarTable`; a store with no calendar works whole weekdays in its
    own zone (`BusinessCalendar(timezone=<its zone>)`)."""

    def __init__(
        self,
        calendars: Mapping[str, BusinessCalendar],
        zones: Mapping[str, ZoneInfo],
        default_zone: ZoneInfo,
        span: tuple[datetime, datetime],
    ) -> None:
        self._calendars, self._zones, self._default_zone = calendars, zones, default_zone
        self._start, self._end = span[0].astimezone(UTC), span[1].astimezone(UTC)
        self._tables: dict[BusinessCalendar, CalendarTable] = {}
        self.by_store: dict[str, CalendarTable] = {}

    def table(self, store_id: str) -> CalendarTable:
        found = self.by_store.get(store_id)
        if found is None:
            found = self.by_store[store_id] = self._table_of(self.calendar_of(store_id))
        return found

    def calendar_of(self, store_id: str) -> BusinessCalendar:
        calendar = self._calendars.get(store_id)
        if calendar is None:
            zone = self._zones.get(store_id, self._default_zone)
            calendar = BusinessCalendar(timezone=zone.key or "UTC")
        return calendar

    def _table_of(self, calendar: BusinessCalendar) -> CalendarTable:
        # Stores sharing a calendar share its table.
        found = self._tables.get(calendar)
        if found is None:
            found = self._tables[calendar] = CalendarTable(calendar, self._start, self._end)
        return found
