"""The weekly scorecard over the runtime's database, configuration and clock."""

from __future__ import annotations

from orderline.bootstrap.runtime import Runtime
from orderline.services.scorecard import ScorecardReports


def scorecard_reports(runtime: Runtime) -> ScorecardReports:
    return ScorecardReports(runtime.engine, runtime.config, runtime.clock)
