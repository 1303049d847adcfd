"""One module per exception type: its settings, its detector and its spec.

A detector is `(order, policy, now, calendar) -> list[Finding]`, a pure function. It
returns nothing when its type is disabled, reads its own settings with
`policy.rule(SPEC)`, and opens each finding at a moment taken from the order itself
(placement, a hold, a carrier event, the last progress) plus a threshold, never at `now`;
`now` only decides whether that moment has come. The module's spec (an `ExceptionSpec`)
says everything else about the type; `registry.BUILT_IN` lists the specs.
"""
