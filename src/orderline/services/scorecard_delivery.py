"""The weekly scorecard's delivery through the outbox: queue the report when its week falls
due, then send it like any outbox row (e-mail with the HTML report, a JSON webhook).

`WeeklyScorecard.queue_due` runs at each worker tick. Whether a report is due is a pure
function of `now`, the schedule and the merchant's zone (`domain.scorecard.schedule`);
whether it was already queued is the outbox's own record: one row per week, channel and
target, under a unique key (`scorecard:2026-W48:email:ops@acme.example`). Nothing is kept
in memory, so a restarted worker, or two workers at once, queue each report once; a
worker that was down at the due hour queues it at its next tick, and only for the latest
due week. The report is built and rendered once, when it is queued: every retry sends
the same bytes under the same key (the e-mail's Message-ID, the webhook's
Idempotency-Key and `webhook-id`).

`ScorecardSender` delivers the queued rows with the outbox's lease and retry policy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from orderline.channels.channel import Attachment, Channel, DeliveryResult, Outcome, OutgoingMessage
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.schedule import DeliverySchedule, latest_due
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.logs import fields
from orderline.persistence.outbox import Claim, Ending, Sent
from orderline.persistence.scorecard_delivery_records import (
    ALL_STORES,
    SCORECARD_DELIVERIES,
    ReportDelivery,
    claimed_delivery,
    known_keys,
    queue_deliveries,
)
from orderline.reports.scorecard_data import scorecard_to_dict
from orderline.reports.scorecard_email import email_subject, email_text, report_filename
from orderline.reports.scorecard_html import render_html
from orderline.services.outbox_sending import DEFAULT_TERMS, OutboxTerms, OutboxWorker

log = logging.getLogger(__name__)

SCORECARD = "scorecard"
"""The `kind` of a scorecard message (webhook receivers read it in the body)."""
EMAIL = "email"
WEBHOOK = "webhook"


class ScorecardSource(Protocol):
    """What builds a week's scorecard (`services.scorecard.ScorecardReports`)."""

    def build(self, week: IsoWeek, store_id: str | None = None, *, baseline: bool = False) -> Scorecard: ...


@dataclass(frozen=True, slots=True)
class DeliveryTargets:
    """Who gets the weekly report: e-mail addresses, and a webhook URL."""

    emails: tuple[str, ...] = ()
    webhook: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        """(channel, target) of every delivery a week's report makes."""
        return [(EMAIL, address) for address in self.emails] + (
            [(WEBHOOK, self.webhook)] if self.webhook is not None else []
        )


def delivery_key(week: IsoWeek, channel: str, target: str) -> str:
    """The outbox key of `week`'s report to `target`: unique, so it is queued once."""
    return f"{SCORECARD}:{week}:{channel}:{target}"


class WeeklyScorecard:
    """Queues the all-stores report of the latest due week for every target not yet queued."""

    def __init__(
        self, engine: Engine, source: ScorecardSource, schedule: DeliverySchedule, targets: DeliveryTargets
    ) -> None:
        self._engine, self._source = engine, source
        self.schedule, self.targets = schedule, targets
        self._last_error: str | None = None

    def run(self, now: datetime) -> list[str]:
        """`queue_due` for the worker's tick: a failure (the database away, a report that
        would not build) is logged once, not at every tick, and the next tick tries again."""
        try:
            queued = self.queue_due(now)
        except Exception as error:
            message = f"{type(error).__name__}: {error}"
            if message != self._last_error:
                log.exception("weekly scorecard could not be queued; trying again at the next tick")
                self._last_error = message
            return []
        self._last_error = None
        return queued

    def queue_due(self, now: datetime) -> list[str]:
        """Queue what is due at `now` and not queued yet; the keys queued."""
        week = latest_due(now, self.schedule).week
        wanted = {
            delivery_key(week, channel, target): (channel, target) for channel, target in self.targets.pairs()
        }
        with self._engine.connect() as connection:
            queued = known_keys(connection, wanted)
        missing = [pair for key, pair in wanted.items() if key not in queued]
        if not missing:
            return []
        deliveries = report_deliveries(self._source.build(week), missing)
        try:
            with self._engine.begin() as connection:
                queue_deliveries(connection, deliveries, now)
        except IntegrityError:
            # Another worker queued this week's report since we looked: it goes out once, theirs.
            log.info("scorecard already queued by another worker", extra=fields(week=str(week)))
            return []
        log.info("scorecard queued", extra=fields(week=str(week), deliveries=len(deliveries)))
        return [delivery.key for delivery in deliveries]


def report_deliveries(card: Scorecard, pairs: Sequence[tuple[str, str]]) -> list[ReportDelivery]:
    """The outbox rows of `card` for each (channel, target): the e-mails carry the text
    summary and the HTML report, the webhook the scorecard as data."""
    subject, text = email_subject(card), email_text(card)
    html = render_html(card) if any(channel == EMAIL for channel, _ in pairs) else None
    payload = scorecard_to_dict(card) if any(channel == WEBHOOK for channel, _ in pairs) else None
    return [
        ReportDelivery(
            key=delivery_key(card.week, channel, target),
            week=str(card.week),
            channel=channel,
            target=target,
            subject=subject,
            body_text=text,
            body_html=html if channel == EMAIL else None,
            payload=payload if channel == WEBHOOK else None,
        )
        for channel, target in pairs
    ]


WebhookFor = Callable[[str], Channel]
"""A channel posting to one URL, signed with the delivery's secret."""


class ScorecardSender(OutboxWorker[ReportDelivery, DeliveryResult]):
    """Sends due scorecard deliveries: by e-mail, or as a JSON POST to the webhook."""

    def __init__(
        self,
        engine: Engine,
        email: Channel | None,
        webhook_for: WebhookFor,
        terms: OutboxTerms = DEFAULT_TERMS,
    ) -> None:
        super().__init__(engine, SCORECARD_DELIVERIES, terms)
        self._email, self._webhook_for = email, webhook_for

    def deliver_due(self, now: datetime, limit: int = 10) -> int:
        """Send up to `limit` due deliveries; how many were attempted."""
        return len(self.drain(now, limit))

    def take(self, connection: Connection, claim: Claim) -> ReportDelivery:
        return claimed_delivery(connection, claim)

    def attempt(self, item: ReportDelivery) -> DeliveryResult:
        if item.channel == WEBHOOK:
            return self._webhook_for(item.target).send(outgoing(item))
        if self._email is None:
            return DeliveryResult(Outcome.TEMPORARY, "no e-mail channel is configured (messaging.smtp)")
        return self._email.send(outgoing(item))

    def record(
        self,
        connection: Connection,
        item: ReportDelivery,
        result: DeliveryResult,
        ending: Ending,
        now: datetime,
    ) -> Mapping[str, Any]:
        return {"sent_at": now, "last_error": None} if isinstance(ending, Sent) else {}


def outgoing(item: ReportDelivery) -> OutgoingMessage:
    """The message a channel sends. An e-mail shows the HTML report as its HTML part and
    attaches it too, since many mail clients drop the inline SVG charts of a body but open
    an attached page in the browser. A webhook body's `data` is the scorecard as the API
    returns it. `store_id` is `*` (all stores) and `order_id` the week."""
    html = item.body_html
    attached = () if html is None else (Attachment(report_filename(item.week), "text/html", html.encode()),)
    return OutgoingMessage(
        idempotency_key=item.key,
        store_id=ALL_STORES,
        order_id=item.week,
        kind=SCORECARD,
        recipient=item.target,
        subject=item.subject,
        text=item.body_text,
        html=item.body_html,
        data=item.payload or {},
        attachments=attached,
    )
