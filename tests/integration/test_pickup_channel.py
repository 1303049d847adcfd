"""The pickup directory channel writes whole .eml files, one per message key."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path

from orderline.channels.channel import Outcome, OutgoingMessage
from orderline.channels.pickup import PickupChannel, PickupSettings

MESSAGE = OutgoingMessage(
    idempotency_key="shop1-7001-shipment_sent-abc",
    store_id="shop1",
    order_id="7001",
    kind="shipment_sent",
    recipient="ann@example.com",
    subject="Your parcel is on its way",
    text="Parcel 1 of 2 shipped.",
    html="<p>Parcel 1 of 2 shipped.</p>",
)


def channel(directory: Path) -> PickupChannel:
    return PickupChannel(PickupSettings(directory, "orders@shop1.example", "shop1.example", "Shop One"))


def test_a_message_becomes_one_eml_file_with_its_message_id(tmp_path: Path) -> None:
    result = channel(tmp_path / "mail").send(MESSAGE)

    files = sorted((tmp_path / "mail").iterdir())
    assert [f.name for f in files] == ["shop1-7001-shipment_sent-abc.eml"]
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["To"] == "ann@example.com"
    assert parsed["Subject"] == "Your parcel is on its way"
    assert parsed["Message-ID"] == "<shop1-7001-shipment_sent-abc@shop1.example>"
    assert (result.outcome, result.remote_id) == (Outcome.SENT, parsed["Message-ID"])


def test_a_resend_replaces_the_file_instead_of_adding_one(tmp_path: Path) -> None:
    pickup = channel(tmp_path)
    pickup.send(MESSAGE)
    pickup.send(MESSAGE)

    assert [f.name for f in tmp_path.iterdir()] == ["shop1-7001-shipment_sent-abc.eml"]


def test_an_unwritable_directory_is_a_temporary_failure(tmp_path: Path) -> None:
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the directory should be")

    result = channel(blocker).send(MESSAGE)

    assert result.outcome is Outcome.TEMPORARY
    assert result.detail.startswith(f"cannot write {blocker}/shop1-7001-shipment_sent-abc.eml")
