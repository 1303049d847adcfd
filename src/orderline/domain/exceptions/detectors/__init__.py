"""One detector per exception type: `(order, policy, now, calendar) -> list[Finding]`.

Every detector is a pure function. It returns nothing when its type is disabled, reads
its own part of the `ExceptionPolicy`, and opens each finding at a moment taken from the
order itself (placement, a hold, a carrier event, the last progress) plus a threshold,
never at `now`; `now` only decides whether that moment has come.
"""
