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
from orderline.domain.messaging.triggers import ExceptionView, Trigger, order_triggers

__all__ = [
    "Cadence",
    "CadencePolicy",
    "Decision",
    "ExceptionView",
    "MessageKind",
    "MessagePlan",
    "PastMessage",
    "PlanStep",
    "QuietHours",
    "Situation",
    "Trigger",
    "order_triggers",
    "plan_step",
]
