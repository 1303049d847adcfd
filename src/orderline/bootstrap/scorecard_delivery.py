"""The weekly scorecard's delivery as the processing worker runs it: the schedule in the
scorecard's zone, the recipients the configuration can reach, and the report's source.

The sender of the queued rows is part of the outreach (`outreach.scorecard_sender`), so
`orderline deliver` drains them too.
"""

from __future__ import annotations

import logging

from orderline.bootstrap.runtime import Runtime
from orderline.bootstrap.scorecard import scorecard_reports
from orderline.config import OrderlineConfig
from orderline.config.messaging import has_mail_channel
from orderline.logs import fields
from orderline.services.scorecard_delivery import DeliveryTargets, WeeklyScorecard

log = logging.getLogger(__name__)

NO_MAIL_CHANNEL = (
    "scorecard.delivery names e-mail recipients, but no e-mail channel is configured "
    "(messaging.smtp or messaging.pickup): the weekly scorecard is not e-mailed"
)


def delivery_targets(config: OrderlineConfig) -> DeliveryTargets:
    """The configured recipients, without e-mail ones when nothing can send e-mail: the
    report of the latest due week is queued for them once a mail channel is configured."""
    delivery = config.scorecard.delivery
    emails = tuple(delivery.email) if has_mail_channel(config.messaging) else ()
    return DeliveryTargets(emails, delivery.webhook)


def weekly_scorecard(runtime: Runtime) -> WeeklyScorecard | None:
    """The worker's weekly delivery; None while `scorecard.delivery` names no recipient.
    Says once, in the worker's log, when e-mail recipients cannot be reached."""
    config = runtime.config
    delivery = config.scorecard.delivery
    if not delivery.is_enabled:
        return None
    if delivery.email and not has_mail_channel(config.messaging):
        log.warning(NO_MAIL_CHANNEL, extra=fields(recipients=len(delivery.email)))
    targets = delivery_targets(config)
    if not targets.pairs():
        return None
    schedule = delivery.schedule(config.scorecard.zone(config.stores))
    return WeeklyScorecard(runtime.engine, scorecard_reports(runtime), schedule, targets)
