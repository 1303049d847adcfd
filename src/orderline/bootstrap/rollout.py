"""The rollout checklist over the runtime's database, configuration and scorecard."""

from __future__ import annotations

from orderline.bootstrap.runtime import Runtime
from orderline.bootstrap.scorecard import scorecard_reports
from orderline.services.audit_runs import MessagingAudit
from orderline.services.messaging_audit import audit_settings
from orderline.services.rollout import RolloutChecklist


def rollout_checklist(runtime: Runtime) -> RolloutChecklist:
    audit = MessagingAudit(runtime.engine, audit_settings(runtime.config))
    return RolloutChecklist(runtime.engine, runtime.config, scorecard_reports(runtime), audit)
