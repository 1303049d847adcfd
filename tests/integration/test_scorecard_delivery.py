"""The weekly scorecard through the outbox: queued once per week and target when it falls
due (however often a worker, or a restarted one, looks), sent as an e-mail with the HTML
report to a real SMTP server and as a signed JSON POST to a real local HTTP server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from orderline.bootstrap import build_runtime
from orderline.bootstrap.outreach import build_outreach
from orderline.bootstrap.scorecard_delivery import NO_MAIL_CHANNEL, delivery_targets, weekly_scorecard
from orderline.channels.email import message_id_for
from orderline.channels.webhook_signing import verify_webhook, webhook_id
from orderline.config import OrderlineConfig
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.schedule import DeliverySchedule
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.persistence.messaging_tables import scorecard_deliveries
from orderline.reports.scorecard_data import scorecard_to_dict
from orderline.reports.scorecard_email import email_text
from orderline.reports.scorecard_html import render_html
from orderline.services.scorecard_delivery import DeliveryTargets, WeeklyScorecard
from tests.integration.messaging_world import Mailbox, messaging_config, smtp_channel, smtp_server
from tests.integration.test_escalation_notifications import hook_server
from tests.scorecard_samples import full_card

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_8 = DeliverySchedule(weekday=1, hour=8, zone=BERLIN)
DUE = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
"""Monday 30 November 2026 08:00 in Berlin: 2026-W48's report is due."""
SECRET = "whsec_c2NvcmVjYXJkLXNlY3JldA=="
OPS, LEAD = "ops@shop1.example", "lead@shop1.example"


class FakeReports:
    """Builds the sample scorecard for any week and remembers which weeks it built;
    `before_build` runs first (a rival worker queuing the same week meanwhile)."""

    def __init__(self, before_build: Callable[[], object] = lambda: None) -> None:
        self.built: list[IsoWeek] = []
        self._before_build = before_build

    def build(
        self, week: IsoWeek | None, store_id: str | None = None, *, baseline: bool = False
    ) -> Scorecard:
        assert week is not None
        self._before_build()
        self.built.append(week)
        return replace(full_card(), week=week)


def _rows(engine: Engine) -> list[tuple[str, str, str, str, int]]:
    c = scorecard_deliveries.c
    with engine.connect() as connection:
        rows = connection.execute(select(c.week, c.channel, c.target, c.state, c.attempts).order_by(c.id))
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _config(url: str) -> OrderlineConfig:
    delivery = {
        "weekday": "monday",
        "hour": 8,
        "email": [OPS, LEAD],
        "webhook": url,
        "webhook_secret": SECRET,
    }
    return messaging_config({"scorecard": {"timezone": "Europe/Berlin", "delivery": delivery}})


def test_each_weeks_report_is_queued_once_per_target_however_often_it_is_due(engine: Engine) -> None:
    # given a delivery to two addresses and a webhook, due Mondays 08:00 in Berlin
    targets = DeliveryTargets((OPS, LEAD), "https://hooks.example/scorecard")
    reports = FakeReports()
    worker = WeeklyScorecard(engine, reports, MONDAY_8, targets)

    # when a worker ticks before and after the due hour, and a restarted one ticks again
    before = worker.queue_due(DUE - timedelta(minutes=1))
    again_before = worker.queue_due(DUE - timedelta(seconds=1))
    at_due = worker.queue_due(DUE)
    restarted = WeeklyScorecard(engine, reports, MONDAY_8, targets).queue_due(DUE + timedelta(hours=3))

    # then the week before is queued at once, 2026-W48 at the due hour, and nothing twice
    assert before == [
        f"scorecard:2026-W47:email:{OPS}",
        f"scorecard:2026-W47:email:{LEAD}",
        "scorecard:2026-W47:webhook:https://hooks.example/scorecard",
    ]
    assert again_before == [] and restarted == []
    assert at_due == [key.replace("W47", "W48") for key in before]
    assert reports.built == [IsoWeek(2026, 47), IsoWeek(2026, 48)]
    assert [(week, channel, state) for week, channel, _, state, _ in _rows(engine)] == [
        ("2026-W47", "email", "queued"),
        ("2026-W47", "email", "queued"),
        ("2026-W47", "webhook", "queued"),
        ("2026-W48", "email", "queued"),
        ("2026-W48", "email", "queued"),
        ("2026-W48", "webhook", "queued"),
    ]


def test_a_worker_that_loses_the_race_to_queue_a_week_queues_nothing(engine: Engine) -> None:
    # given two workers that both find 2026-W48 due and not queued
    targets = DeliveryTargets((OPS,), None)
    rival = WeeklyScorecard(engine, FakeReports(), MONDAY_8, targets)
    slow = WeeklyScorecard(engine, FakeReports(lambda: rival.queue_due(DUE)), MONDAY_8, targets)

    # when the rival queues it while the slow one builds the report
    queued = slow.queue_due(DUE)

    # then the slow one's insert is refused by the key's uniqueness: one row
    assert queued == []
    assert _rows(engine) == [("2026-W48", "email", OPS, "queued", 0)]


def test_the_report_reaches_each_address_and_the_webhook_once(engine: Engine) -> None:
    mailbox = Mailbox()
    with hook_server() as (url, posts), smtp_server(mailbox) as controller:
        # given the configured outreach and the report of 2026-W48 queued
        config = _config(url)
        outreach = build_outreach(config, engine, channels={"email": smtp_channel(controller)})
        WeeklyScorecard(engine, FakeReports(), MONDAY_8, delivery_targets(config)).queue_due(DUE)

        # when the outbox is delivered twice
        outreach.deliver(DUE)
        outreach.deliver(DUE + timedelta(minutes=1))

    # then each address has one e-mail: the headline as text, the report as HTML and attached
    card = replace(full_card(), week=IsoWeek(2026, 48))
    assert sorted(str(m["To"]) for m in mailbox.messages) == [LEAD, OPS]
    mail = next(m for m in mailbox.messages if m["To"] == OPS)
    assert mail["Subject"] == "[Orderline] Weekly scorecard 2026-W48 (all stores)"
    assert str(mail["Message-ID"]).strip() == message_id_for(
        f"scorecard:2026-W48:email:{OPS}", "shop1.example"
    )
    # (SMTP carries the text parts with CRLF line ends)
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.replace("\r\n", "\n") == email_text(card)
    html = mail.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html.replace("\r\n", "\n") == render_html(card)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "scorecard-2026-W48.html"
    assert attachment.get_content_type() == "text/html"
    assert attachment.get_content() == render_html(card)  # type: ignore[attr-defined]
    # and the webhook one signed POST whose data is the scorecard as the API gives it
    [(headers, body, raw)] = posts
    key = f"scorecard:2026-W48:webhook:{url}"
    assert headers["Idempotency-Key"] == key
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    assert verify_webhook(SECRET, headers, raw, sent_at) == webhook_id(key)
    assert (body["kind"], body["order_id"]) == ("scorecard", "2026-W48")
    assert body["data"] == scorecard_to_dict(card)
    assert [(channel, state, attempts) for _, channel, _, state, attempts in _rows(engine)] == [
        ("email", "sent", 1),
        ("email", "sent", 1),
        ("webhook", "sent", 1),
    ]


def test_a_deferring_smtp_server_gets_the_report_again_later_not_at_once(engine: Engine) -> None:
    mailbox = Mailbox(defer={OPS})
    with hook_server() as (url, _), smtp_server(mailbox) as controller:
        config = _config(url)
        outreach = build_outreach(config, engine, channels={"email": smtp_channel(controller)})
        targets = DeliveryTargets((OPS,), None)
        WeeklyScorecard(engine, FakeReports(), MONDAY_8, targets).queue_due(DUE)

        outreach.deliver(DUE)
        outreach.deliver(DUE + timedelta(seconds=30))  # before the first retry is due

    assert mailbox.messages == []
    assert _rows(engine) == [("2026-W48", "email", OPS, "queued", 1)]
    with engine.connect() as connection:
        c = scorecard_deliveries.c
        due_at, error = connection.execute(select(c.due_at, c.last_error)).one()
    assert due_at == DUE + timedelta(minutes=1)
    assert error.startswith("RCPT TO refused: 451")


def test_without_a_mail_channel_only_the_webhook_is_a_target() -> None:
    delivery = {"email": [OPS], "webhook": "https://hooks.example/scorecard"}
    config = OrderlineConfig.model_validate({"scorecard": {"delivery": delivery}})

    assert delivery_targets(config) == DeliveryTargets((), "https://hooks.example/scorecard")
    assert delivery_targets(_config("https://hooks.example/s")).emails == (OPS, LEAD)


def test_a_worker_says_once_that_email_recipients_cannot_be_reached(
    engine: Engine, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given e-mail recipients and a webhook, and no messaging section to send e-mail with
    delivery = {"email": [OPS], "webhook": "https://hooks.example/scorecard"}
    config = OrderlineConfig.model_validate(
        {"database_url": database_url, "scorecard": {"delivery": delivery}}
    )
    runtime = build_runtime(config)
    try:
        # when the worker's weekly delivery is made, and ticks twice
        with caplog.at_level(logging.INFO, logger="orderline"):
            weekly = weekly_scorecard(runtime)
            assert weekly is not None
            weekly.run(DUE + timedelta(hours=1))  # 08:00 UTC, the zone with no store and no timezone
            weekly.run(DUE + timedelta(hours=1, seconds=5))
    finally:
        runtime.close()

    # then the log says so once, and only the webhook gets the report
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [NO_MAIL_CHANNEL]
    assert weekly.targets == DeliveryTargets((), "https://hooks.example/scorecard")
    assert [(week, channel) for week, channel, *_ in _rows(engine)] == [("2026-W48", "webhook")]


def test_a_report_that_will_not_build_is_logged_once_and_tried_again_at_each_tick(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    # given a report source that fails twice, then works
    failures = [RuntimeError("read model locked"), RuntimeError("read model locked")]

    def fail_first() -> None:
        if failures:
            raise failures.pop()

    weekly = WeeklyScorecard(engine, FakeReports(fail_first), MONDAY_8, DeliveryTargets((OPS,), None))

    # when the worker ticks three times
    with caplog.at_level(logging.ERROR, logger="orderline"):
        outcomes = [weekly.run(DUE + timedelta(seconds=5 * n)) for n in range(3)]

    # then the failure is logged once, and the third tick queues the report
    assert [r.getMessage() for r in caplog.records] == [
        "weekly scorecard could not be queued; trying again at the next tick"
    ]
    assert outcomes == [[], [], [f"scorecard:2026-W48:email:{OPS}"]]
