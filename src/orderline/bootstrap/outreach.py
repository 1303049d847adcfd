"""Wiring of customer communication and support hand-off: the concrete channels, the
helpdesk client, each store's messaging settings, and the listeners that act after an
order's exceptions are evaluated, chosen from the configuration.

Nothing here runs unless the configuration has a `messaging:` or `helpdesk:` section
(escalation notices to e-mail and webhook targets always do, the weekly scorecard's
sender once `scorecard.delivery` names a recipient, and holds written back to the
platforms for each store that writes back, `bootstrap/write_back.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from orderline.bootstrap.status_pages import status_links
from orderline.bootstrap.write_back import build_write_back
from orderline.channels.channel import Channel
from orderline.channels.email import SmtpChannel, SmtpSettings
from orderline.channels.helpdesk import (
    GorgiasHelpdesk,
    GorgiasSettings,
    Helpdesk,
    ZendeskHelpdesk,
    ZendeskSettings,
)
from orderline.channels.pickup import PickupChannel, PickupSettings
from orderline.channels.templates.context import Branding
from orderline.channels.templates.rendering import TemplateSet
from orderline.channels.webhook import WebhookChannel, WebhookSettings
from orderline.channels.webhook_signing import signing_key
from orderline.config import OrderlineConfig, StoreConfig
from orderline.config.messaging import HelpdeskConfig, MessagingConfig
from orderline.domain.messaging import MessagePlan
from orderline.domain.retry import RetryPolicy
from orderline.services.exception_evaluation import EvaluationListener
from orderline.services.handoffs import HandoffRequests, HandoffWorker
from orderline.services.messaging import MessagePlanner, StoreMessaging
from orderline.services.notifications import EscalationNotices, NotificationWorker
from orderline.services.outbox_sending import DEFAULT_TERMS, MessageSender, OutboxTerms, SendReport
from orderline.services.platform_writeback import PlatformWriteWorker, WriterFor
from orderline.services.scorecard_delivery import ScorecardSender


def store_messaging(messaging: MessagingConfig, store: StoreConfig) -> StoreMessaging | None:
    own = store.messaging
    if not own.enabled:
        return None
    brand = own.brand
    return StoreMessaging(
        plan=MessagePlan(frozenset(own.send or messaging.send), frozenset(own.suppress)),
        policy=messaging.cadence.policy(),
        zone=store.zone,
        is_working_day=store.business_calendar().is_working_day,
        exception_types=frozenset(str(t) for t in own.exception_types or messaging.exception_types),
        channel=messaging.channel,
        templates=TemplateSet(own.templates or messaging.templates),
        branding=Branding(
            store_name=brand.name or store.id,
            support_email=brand.support_email,
            logo_url=brand.logo_url,
            primary_color=brand.primary_color,
            sign_off=brand.sign_off,
        ),
        locale=own.locale,
    )


def message_channels(messaging: MessagingConfig) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    if (smtp := messaging.smtp) is not None:
        password = smtp.password.get_secret_value() if smtp.password else None
        channels["email"] = SmtpChannel(
            SmtpSettings(
                host=smtp.host,
                port=smtp.port,
                sender=smtp.sender,
                message_id_domain=smtp.message_id_domain,
                sender_name=smtp.sender_name,
                security=smtp.security,
                username=smtp.username,
                password=password,
                timeout_s=smtp.timeout_s,
            )
        )
    if (pickup := messaging.pickup) is not None:
        settings = PickupSettings(
            pickup.directory, pickup.sender, pickup.message_id_domain, pickup.sender_name
        )
        channels["pickup"] = PickupChannel(settings)
    if (hook := messaging.webhook) is not None:
        secret = hook.secret.get_secret_value() if hook.secret else None
        channels["webhook"] = WebhookChannel(
            WebhookSettings(hook.url, secret, dict(hook.headers), hook.timeout_s)
        )
    return channels


def helpdesk_client(config: HelpdeskConfig) -> Helpdesk:
    token = config.api_token.get_secret_value()
    if config.kind == "zendesk":
        settings = ZendeskSettings(
            email=config.username, api_token=token, base_url=config.base_url, timeout_s=config.timeout_s
        )
        return ZendeskHelpdesk(settings)
    return GorgiasHelpdesk(
        GorgiasSettings(
            base_url=config.base_url, username=config.username, api_key=token, timeout_s=config.timeout_s
        )
    )


def outbox_terms(config: OrderlineConfig) -> OutboxTerms:
    """How the outbox workers retry (`messaging.retry`) and how long a claim holds
    (`messaging.lease`); their defaults without a `messaging:` section."""
    if config.messaging is None:
        return DEFAULT_TERMS
    retry = config.messaging.retry
    policy = RetryPolicy.of(retry.max_attempts, retry.first_delay, retry.max_delay)
    return OutboxTerms(policy, config.messaging.lease)


@dataclass
class Outreach:
    """What acts after each evaluation (in this order), and the workers that deliver its outbox."""

    listeners: tuple[EvaluationListener, ...]
    delivery: MessageSender | None
    handoffs: HandoffWorker | None
    notifications: NotificationWorker | None = None
    scorecards: ScorecardSender | None = None
    platform_writes: PlatformWriteWorker | None = None

    def deliver(self, now: datetime, limit: int = 50) -> SendReport:
        report = SendReport()
        if self.delivery is not None:
            report = self.delivery.deliver_due(now, limit)
        if self.handoffs is not None:
            self.handoffs.deliver_due(now, max(1, limit // 5))
        if self.notifications is not None:
            self.notifications.deliver_due(now, max(1, limit // 5))
        if self.scorecards is not None:
            self.scorecards.deliver_due(now, max(1, limit // 5))
        if self.platform_writes is not None:
            self.platform_writes.deliver_due(now, max(1, limit // 5))
        return report


class WebhookTargets:
    """One webhook channel per escalation URL, made on first use and kept; signed with
    `escalation_webhooks.secret` when there is one."""

    def __init__(self, secret: str | None = None) -> None:
        self._channels: dict[str, Channel] = {}
        if secret is not None:
            signing_key(secret)  # a malformed whsec_ secret fails at start-up, not mid-delivery
        self._secret = secret

    def __call__(self, url: str) -> Channel:
        if url not in self._channels:
            self._channels[url] = WebhookChannel(WebhookSettings(url, self._secret))
        return self._channels[url]


def build_outreach(
    config: OrderlineConfig,
    engine: Engine,
    helpdesk: Helpdesk | None = None,
    channels: dict[str, Channel] | None = None,
    writer_for: WriterFor | None = None,
) -> Outreach:
    """The configured outreach; `helpdesk`, `channels` and the platforms' hold writers
    (`writer_for`) replace the configured ones (tests)."""
    messaging = config.messaging
    settings = {}
    if messaging is not None:
        settings = {s.id: m for s in config.stores if (m := store_messaging(messaging, s)) is not None}
        channels = message_channels(messaging) if channels is None else channels
    planner = MessagePlanner(settings.get, status_links(config)) if settings else None
    if helpdesk is None and config.helpdesk is not None:
        helpdesk = helpdesk_client(config.helpdesk)
    targets = frozenset(config.helpdesk.handoff_targets) if config.helpdesk else frozenset({"support"})
    helpdesk_name = config.helpdesk.kind if config.helpdesk else (helpdesk.name if helpdesk else "")

    listeners: list[EvaluationListener] = [EscalationNotices()]
    if helpdesk is not None:
        listeners.append(HandoffRequests(targets, helpdesk_name))
    if planner is not None:
        listeners.append(planner)

    terms = outbox_terms(config)
    write_back = build_write_back(config, engine, terms, writer_for)
    if write_back is not None:
        listeners.append(write_back.listener)
    known = channels or {}
    delivery = MessageSender(engine, known.get, terms) if planner is not None else None
    workers = HandoffWorker(engine, helpdesk, terms) if helpdesk is not None else None
    mail = known.get("email") or known.get("pickup")
    secret = config.escalation_webhooks.secret
    targets_for = WebhookTargets(secret.get_secret_value() if secret else None)
    notices = NotificationWorker(engine, mail, targets_for, terms)
    scorecards = scorecard_sender(config, engine, mail, terms)
    writes = write_back.worker if write_back is not None else None
    return Outreach(tuple(listeners), delivery, workers, notices, scorecards, writes)


def scorecard_sender(
    config: OrderlineConfig, engine: Engine, mail: Channel | None, terms: OutboxTerms
) -> ScorecardSender | None:
    """The weekly scorecard's sender, when `scorecard.delivery` names a recipient: e-mail
    through the messaging channel, the webhook signed with `delivery.webhook_secret`."""
    delivery = config.scorecard.delivery
    if not delivery.is_enabled:
        return None
    secret = delivery.webhook_secret
    return ScorecardSender(engine, mail, WebhookTargets(secret.get_secret_value() if secret else None), terms)
