"""The messaging audit run against the database at a moment, with the configured
settings: what `GET /api/v1/audit/messages` and `orderline audit messages` report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from orderline.services.messaging_audit import AuditReport, AuditSettings, audit

__all__ = ["AuditReport", "AuditSettings", "MessagingAudit"]


@dataclass(frozen=True, slots=True)
class MessagingAudit:
    engine: Engine
    settings: AuditSettings = field(default_factory=AuditSettings)
    """What the audit checks; the default audits nothing but deliveries and contradictions."""

    def report(self, now: datetime) -> AuditReport:
        """Silent orders, contradicting messages and failed deliveries at `now`."""
        with self.engine.connect() as connection:
            return audit(connection, now, self.settings)
