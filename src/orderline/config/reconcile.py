"""The `reconcile:` section: when the worker sweeps each store's orders against its platform.

```yaml
reconcile:
  enabled: true     # false: no scheduled sweeps (`orderline reconcile` still runs by hand)
  every: 1h         # a store is swept again this long after its last sweep started
  overlap: 15m      # each sweep starts this long before the last successful one ended
  lookback: 1d      # a store's first sweep looks this far back
  settle: 5m        # orders changed this recently wait for the next sweep (webhooks in flight)
  daily_count: true # count yesterday's orders on both sides; a gap sweeps that day
```

A store without API credentials is never swept; each sweep it would have had is listed
as skipped, naming the credential it lacks.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from orderline.config.durations import parse_duration


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):  # given from Python (tests, `ReconcileConfig(every=...)`)
        return value
    try:
        return parse_duration(value)
    except ValueError as error:
        raise PydanticCustomError("orderline_duration", str(error)) from None


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise PydanticCustomError("orderline_duration", "must be longer than 0")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]
PositiveDuration = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_positive)]


class ReconcileConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    every: PositiveDuration = timedelta(hours=1)
    overlap: Duration = timedelta(minutes=15)
    lookback: PositiveDuration = timedelta(days=1)
    settle: Duration = timedelta(minutes=5)
    daily_count: bool = True
