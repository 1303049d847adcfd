"""`orderline check-config` checks the messaging section and every template it names."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from orderline.cli.main import app

runner = CliRunner()
STORE = "stores:\n  - {id: s1, platform: shopify, shop_domain: s1.myshopify.com, webhook_secrets: [x]}\n"
MESSAGING = """messaging:
  channel: pickup
  pickup: {directory: mail, sender: orders@s1.example, message_id_domain: s1.example}
  templates: templates
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "orderline.yaml"
    path.write_text(text)
    return path


def test_a_template_with_an_unknown_variable_and_a_syntax_error_is_reported_with_file_and_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "templates" / "en").mkdir(parents=True)
    (tmp_path / "templates" / "en" / "shipment_sent.txt.j2").write_text("Hi\n{{ order.tracking }}\n")
    (tmp_path / "templates" / "en" / "order_delivered.subject.j2").write_text("{% if %}")
    config = write(tmp_path, STORE + MESSAGING)

    result = runner.invoke(app, ["check-config", "--config", str(config)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith(f"{config}: messaging.templates: ")
        and "shipment_sent.txt.j2:2" in line
        and "tracking" in line
        for line in lines
    ), result.output
    assert any("order_delivered.subject.j2:1" in line for line in lines), result.output
    assert lines[-1] == "2 problems found"


def test_good_messaging_is_summarised(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    config = write(tmp_path, STORE + MESSAGING)

    result = runner.invoke(app, ["check-config", "--config", str(config)])

    assert result.exit_code == 0, result.output
    assert f"messaging: pickup via files in {tmp_path / 'mail'}" in result.output
    assert (
        "max silence 2d while an exception is open, quiet 21:00-08:00 buyer-local, at most 3 a day"
        in result.output
    )


def test_contradicting_cadence_is_a_configuration_error(tmp_path: Path) -> None:
    config = write(tmp_path, STORE + MESSAGING + "  cadence: {min_gap: 12h, max_silence: 36h}\n")

    result = runner.invoke(app, ["check-config", "--config", str(config)])

    assert result.exit_code == 1
    assert f"{config}: messaging.cadence: max_silence (36h) must be at least 25h + quiet hours + min_gap" in (
        result.output.replace("\n", " ")
    )


def test_fraud_review_cannot_be_buyer_facing(tmp_path: Path) -> None:
    config = write(tmp_path, STORE + MESSAGING + "  exception_types: [backorder, fraud_review]\n")

    result = runner.invoke(app, ["check-config", "--config", str(config)])

    assert result.exit_code == 1
    assert "messaging.exception_types: fraud_review cannot be buyer-facing" in result.output.replace(
        "\n", " "
    )
