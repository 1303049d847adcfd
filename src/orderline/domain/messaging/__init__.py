"""Customer communication: message kinds, triggers, the cadence policy and the plan (pure)."""

from orderline.domain.messaging.cadence import Cadence, CadencePolicy, QuietHours
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.messaging.planner import (
    Decision,
    MessagePlan,
    PastMessage,
    PlanStep,
    Situation,
    plan_step,
)
from orderline.domain.messaging.provenance import Arrival, FirstSight, Provenance
from orderline.domain.messaging.triggers import ExceptionView, Trigger, notice_key, order_triggers

__all__ = [
    "Arrival",
    "Cadence",
    "CadencePolicy",
    "Decision",
    "ExceptionView",
    "FirstSight",
    "MessageKind",
    "MessagePlan",
    "PastMessage",
    "PlanStep",
    "Provenance",
    "QuietHours",
    "Situation",
    "Trigger",
    "notice_key",
    "order_triggers",
    "plan_step",
]
