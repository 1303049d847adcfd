"""Client-side pacing for a store's BigCommerce request quota.

The quota (150 requests per 30 s on Standard and Plus plans, reference §3.5) is shared
by every app on the store, so two signals are combined:

- our own sliding window: never more than `quota.requests` requests in `quota.window_s`;
- the server's view, from the headers of each response: when `X-Rate-Limit-Requests-Left`
  reaches 0 (other apps used the rest) or a 429 arrives, nothing is sent until
  `X-Rate-Limit-Time-Reset-Ms` has passed.

Time comes from an injected monotonic clock and waiting goes through an injected sleep,
so tests and backtests never wait for real.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from orderline.connectors.retry import non_negative_number

REQUESTS_LEFT = "x-rate-limit-requests-left"
TIME_RESET_MS = "x-rate-limit-time-reset-ms"


@dataclass(frozen=True, slots=True)
class RateQuota:
    requests: int = 150
    window_s: float = 30.0


class RequestLimiter:
    def __init__(self, quota: RateQuota, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self._quota = quota
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0

    def wait_turn(self) -> None:
        """Wait until one more request fits, then count it as sent."""
        now = self._clock()
        wait_s = max(self._blocked_until - now, self._window_wait_s(now))
        if wait_s > 0:
            self._sleep(wait_s)
            # A fake clock may not move while "sleeping"; the request still goes out later.
            now = max(self._clock(), now + wait_s)
        self._sent.append(now)

    def observe(self, headers: Mapping[str, str], is_throttled: bool) -> float | None:
        """Read a response's quota headers; returns the reset wait in seconds when blocked."""
        left = non_negative_number(headers.get(REQUESTS_LEFT))
        reset_s = non_negative_number(headers.get(TIME_RESET_MS))
        if reset_s is not None:
            reset_s /= 1000
        if reset_s is not None and (is_throttled or (left is not None and left <= 0)):
            self._blocked_until = max(self._blocked_until, self._clock() + reset_s)
            return reset_s
        return None

    def _window_wait_s(self, now: float) -> float:
        horizon = now - self._quota.window_s
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()
        if len(self._sent) < self._quota.requests:
            return 0.0
        return self._sent[0] - horizon
