"""The `messaging:` and `helpdesk:` sections, and a store's own `messaging:` part.

```yaml
messaging:
  channel: email                 # email | webhook | pickup (.eml files in a directory)
  smtp: {host: smtp.example.com, port: 587, security: starttls, username: ..., password: ${SMTP_PASSWORD},
         sender: orders@example.com, message_id_domain: example.com}
  webhook: {url: https://esp.example.com/hooks/orderline, secret: ${ESP_SECRET}}
  pickup: {directory: ./mail, sender: orders@example.com, message_id_domain: example.com}
  cadence: {min_gap: 4h, max_silence: 48h, quiet_hours: {start: "21:00", end: "08:00"},
            max_per_day: 3, business_days_only: false, coalesce: 10m, stale_after: 72h}
  send: [order_confirmed, shipment_sent, order_delivered, ...]   # kinds Orderline announces
  exception_types: [address_invalid, payment_failed, backorder, fulfillment_delayed, delivery_exception]
  templates: ./templates          # merchant templates over the built-in ones
  retry: {max_attempts: 8, first_delay: 1m, max_delay: 1h}
helpdesk:
  kind: zendesk                  # zendesk | gorgias
  base_url: https://acme.zendesk.com
  username: agent@acme.example   # Zendesk: the agent e-mail; Gorgias: the API user
  api_token: ${ZENDESK_TOKEN}
  handoff_targets: [support]     # escalation targets that open a ticket
  webhook_secret: ${ZENDESK_WEBHOOK_SECRET}
stores:
  - id: acme
    messaging:
      suppress: [order_confirmed]
      locale: de-AT
      brand: {name: ACME, support_email: help@acme.example}
```

Without a `messaging:` section nothing is sent: an installation starts quiet and the
merchant opts in. Fraud review is never a buyer-facing exception type: a buyer is not
told their order is being checked for fraud.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orderline.config.calendar import ClockTime
from orderline.config.durations import parse_duration
from orderline.config.fields import ExceptionTypeName, HttpUrlText
from orderline.domain.messaging import CadencePolicy, MessageKind, QuietHours
from orderline.domain.order_exceptions import EXCEPTION_TYPES
from orderline.domain.vocabulary import ExceptionType

if TYPE_CHECKING:
    from orderline.config.model import OrderlineConfig


def _duration(value: object) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise PydanticCustomError("orderline_duration", str(error)) from None


def _kind(value: object) -> MessageKind:
    try:
        return MessageKind(str(value))
    except ValueError:
        names = ", ".join(MessageKind)
        raise PydanticCustomError(
            "orderline_message_kind", f"unknown message kind '{value}'; one of: {names}"
        ) from None


Duration = Annotated[timedelta, BeforeValidator(_duration)]
MessageKindName = Annotated[MessageKind, BeforeValidator(_kind)]


def default_exception_types() -> list[str]:
    """The exception types buyers hear of unless the file says otherwise: those whose
    spec is `buyer_facing`, in registry order."""
    return [spec.type for spec in EXCEPTION_TYPES if spec.buyer_facing]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuietHoursConfig(_Section):
    start: ClockTime
    end: ClockTime

    def quiet_hours(self) -> QuietHours:
        return QuietHours(self.start or time(0), self.end or time(0))


class CadenceConfig(_Section):
    min_gap: Duration = timedelta(hours=4)
    max_silence: Duration = timedelta(hours=48)
    quiet_hours: QuietHoursConfig | None = QuietHoursConfig(start="21:00", end="08:00")  # type: ignore[arg-type]
    max_per_day: int = Field(default=3, ge=1)
    business_days_only: bool = False
    coalesce: Duration = timedelta(minutes=10)
    stale_after: Duration = timedelta(hours=72)

    def policy(self) -> CadencePolicy:
        quiet = None if self.quiet_hours is None else self.quiet_hours.quiet_hours()
        values = self.model_dump(exclude={"quiet_hours"})
        return CadencePolicy(quiet_hours=quiet, **values)

    @model_validator(mode="after")
    def _consistent(self) -> CadenceConfig:
        problems = self.policy().check()
        if problems:
            raise PydanticCustomError("orderline_cadence", "; ".join(problems))
        return self


class SmtpConfig(_Section):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str
    sender_name: str | None = None
    message_id_domain: str
    timeout_s: float = Field(default=30.0, gt=0)


class PickupConfig(_Section):
    """Messages written as .eml files into `directory` (development, the demo, mail pickup)."""

    directory: Path
    sender: str
    sender_name: str | None = None
    message_id_domain: str


class WebhookChannelConfig(_Section):
    url: HttpUrlText
    secret: SecretStr | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout_s: float = Field(default=10.0, gt=0)


class EscalationWebhooksConfig(_Section):
    """How escalation notices POSTed to http(s) targets are signed (Standard Webhooks)."""

    secret: SecretStr | None = None


class RetryConfig(_Section):
    max_attempts: int = Field(default=8, ge=1)
    first_delay: Duration = timedelta(minutes=1)
    max_delay: Duration = timedelta(hours=1)

    def delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1-based): doubling, capped."""
        return min(self.first_delay * (1 << min(max(attempt - 1, 0), 30)), self.max_delay)


class MessagingConfig(_Section):
    channel: Literal["email", "webhook", "pickup"] = "email"
    smtp: SmtpConfig | None = None
    webhook: WebhookChannelConfig | None = None
    pickup: PickupConfig | None = None
    cadence: CadenceConfig = Field(default_factory=CadenceConfig)
    send: list[MessageKindName] = Field(default_factory=lambda: list(MessageKind))
    exception_types: list[ExceptionTypeName] = Field(default_factory=default_exception_types)
    templates: Path | None = None
    retry: RetryConfig = Field(default_factory=RetryConfig)
    lease: Duration = timedelta(minutes=5)
    """How long a claimed message may stay unanswered before another attempt takes it."""

    @model_validator(mode="after")
    def _channel_configured(self) -> MessagingConfig:
        section = {"email": "smtp"}.get(self.channel, self.channel)
        if getattr(self, section) is None:
            raise PydanticCustomError(
                "orderline_channel", f"channel is {self.channel}, so messaging.{section} must be set"
            )
        return self

    @field_validator("exception_types")
    @classmethod
    def _never_fraud(cls, value: list[ExceptionType]) -> list[ExceptionType]:
        if ExceptionType.FRAUD_REVIEW in value:
            raise PydanticCustomError(
                "orderline_fraud_notice",
                "fraud_review cannot be buyer-facing: a buyer is never told of a fraud check",
            )
        return value


class BrandConfig(_Section):
    name: str | None = None
    support_email: str | None = None
    logo_url: str | None = None
    primary_color: str = "#1f2937"
    sign_off: str | None = None


class StoreMessagingConfig(_Section):
    """A store's part: what its platform already sends, its own plan if it differs, its
    buyers' language, its brand."""

    suppress: list[MessageKindName] = Field(default_factory=list)
    # This store's own plan, when it differs from `messaging.send` / `messaging.exception_types`.
    send: list[MessageKindName] | None = None
    exception_types: list[ExceptionTypeName] | None = None
    locale: str = "en"
    brand: BrandConfig = Field(default_factory=BrandConfig)
    templates: Path | None = None
    enabled: bool = True

    @field_validator("exception_types")
    @classmethod
    def _never_fraud(cls, value: list[ExceptionType] | None) -> list[ExceptionType] | None:
        return None if value is None else MessagingConfig._never_fraud(value)


class HelpdeskConfig(_Section):
    kind: Literal["zendesk", "gorgias"]
    base_url: HttpUrlText
    username: str
    api_token: SecretStr
    handoff_targets: list[str] = Field(default_factory=lambda: ["support"])
    webhook_secret: SecretStr | None = None
    timeout_s: float = Field(default=10.0, gt=0)


def has_mail_channel(messaging: MessagingConfig | None) -> bool:
    """Whether e-mail can be sent at all (SMTP, or a pickup directory): escalation notices
    and the weekly scorecard go that way whatever `messaging.channel` says."""
    return messaging is not None and (messaging.smtp is not None or messaging.pickup is not None)


def _anchored(path: Path | None, base: Path) -> Path | None:
    return None if path is None or path.is_absolute() else base / path


def anchor_paths(config: OrderlineConfig, base: Path) -> OrderlineConfig:
    """`config` with its relative template and pickup directories made relative to `base`
    (the directory of the file that names them), not to wherever Orderline was started."""
    stores = [
        store.model_copy(update={"messaging": store.messaging.model_copy(update={"templates": templates})})
        if (templates := _anchored(store.messaging.templates, base)) is not None
        else store
        for store in config.stores
    ]
    messaging = config.messaging
    if messaging is not None:
        update: dict[str, object] = {}
        if (templates := _anchored(messaging.templates, base)) is not None:
            update["templates"] = templates
        if messaging.pickup is not None and (directory := _anchored(messaging.pickup.directory, base)):
            update["pickup"] = messaging.pickup.model_copy(update={"directory": directory})
        messaging = messaging.model_copy(update=update)
    return config.model_copy(update={"stores": stores, "messaging": messaging})
