"""A pickup directory: each message written as an RFC 5322 `.eml` file instead of sent.

For local development and the demo (open the files in any mail client), and for mail
systems that collect outgoing mail from a directory. A file is written under a temporary
name and renamed into place, so a reader never sees half a message; its name comes from
the idempotency key, so a resend after a crash replaces the file instead of adding one.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from orderline.channels.channel import DeliveryResult, Outcome, OutgoingMessage
from orderline.channels.email import compose, message_id_for

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class PickupSettings:
    directory: Path
    sender: str
    message_id_domain: str
    sender_name: str | None = None


class PickupChannel:
    name = "pickup"

    def __init__(self, settings: PickupSettings) -> None:
        self._settings = settings

    def path_for(self, message: OutgoingMessage) -> Path:
        return self._settings.directory / f"{_UNSAFE.sub('_', message.idempotency_key)}.eml"

    def send(self, message: OutgoingMessage) -> DeliveryResult:
        try:
            mime = compose(message, self._settings)
        except ValueError as error:
            return DeliveryResult(Outcome.PERMANENT, f"cannot be written as e-mail: {error}")
        target = self.path_for(message)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".eml.tmp")
            partial.write_bytes(mime.as_bytes())
            os.replace(partial, target)
        except OSError as error:
            return DeliveryResult(Outcome.TEMPORARY, f"cannot write {target}: {error}")
        remote_id = message_id_for(message.idempotency_key, self._settings.message_id_domain)
        return DeliveryResult(Outcome.SENT, f"written to {target}", remote_id)
