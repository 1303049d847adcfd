"""`orderline check-config` says when the weekly scorecard goes out and to whom, and says
so when its e-mail recipients cannot be reached."""

from __future__ import annotations

from pathlib import Path

from orderline.config import check_config

STORE = """stores:
  - {id: s1, platform: shopify, shop_domain: s1.myshopify.com, webhook_secrets: [x], timezone: Europe/Berlin}
"""
PICKUP = """messaging:
  channel: pickup
  pickup: {directory: mail, sender: orders@s1.example, message_id_domain: s1.example}
"""


def _summary(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "orderline.yaml"
    path.write_text(text)
    report = check_config(path, env={})
    assert report.ok, report.render()
    return [line for line in report.render().splitlines() if line.startswith(("scorecard", "  no e-mail"))]


def test_a_delivery_with_a_mail_channel_is_summarised(tmp_path: Path) -> None:
    text = (
        STORE
        + PICKUP
        + (
            "scorecard:\n  delivery: {weekday: friday, hour: 17, email: [ops@s1.example],\n"
            "             webhook: 'https://hooks.s1.example/kpi', webhook_secret: s3cret}\n"
        )
    )

    assert _summary(tmp_path, text) == [
        "scorecard delivery: Fridays 17:00 Europe/Berlin, last week's report to ops@s1.example, "
        "https://hooks.s1.example/kpi (signed)"
    ]


def test_email_recipients_without_a_mail_channel_are_pointed_out(tmp_path: Path) -> None:
    text = STORE + "scorecard:\n  timezone: America/New_York\n  delivery: {email: [ops@s1.example]}\n"

    assert _summary(tmp_path, text) == [
        "scorecard delivery: Mondays 08:00 America/New_York, last week's report to ops@s1.example",
        "  no e-mail channel is configured (messaging.smtp or messaging.pickup): "
        "the e-mail recipients get nothing",
    ]


def test_no_recipient_no_line(tmp_path: Path) -> None:
    assert _summary(tmp_path, STORE + "scorecard:\n  delivery: {weekday: monday}\n") == []
