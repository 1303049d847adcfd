"""The configuration schema: what `orderline.yaml` may say, with its defaults.

Field names are the YAML keys. Per-value checks live in `fields`; the keys of a store,
common and per platform, in `platforms`; rules that relate one part of the file to
another (unique store ids, declared teams) live in `references`, so the loader can
report them even when other parts are broken.
"""

from __future__ import annotations

import re
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from orderline.config.errors import format_key_path
from orderline.config.exceptions import build_exception_policy
from orderline.config.fields import (
    DatabaseUrl,
    ExceptionOwner,
    ExceptionTypeName,
    HoldOwner,
    HoldReasonName,
    HttpUrlText,
    OwnedStatusName,
    StatusOwner,
    TeamName,
)
from orderline.config.messaging import EscalationWebhooksConfig, HelpdeskConfig, MessagingConfig
from orderline.config.ownership import Ownership
from orderline.config.platforms import StoreConfig, StoreEntry
from orderline.config.reconcile import ReconcileConfig
from orderline.config.references import reference_problems
from orderline.config.scorecard import ScorecardConfig
from orderline.config.status_page import StatusPageConfig
from orderline.domain.order_exceptions import ExceptionPolicy
from orderline.domain.vocabulary import Team

DEFAULT_DATABASE_URL = "sqlite:///orderline.db"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
STANDING_TEAMS: tuple[str, ...] = tuple(str(team) for team in Team)
"""Teams that exist whatever the file says."""

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]*")
REFERENCES_CHECKED = "orderline.config.references_checked"
"""Validation-context flag: the caller reports cross-references itself, with precise key paths."""


class _Section(BaseModel):
    # A misspelt key must be reported, never silently ignored.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    # /readyz says "degraded" once the oldest delivery waiting to be processed is older.
    max_backlog_age_s: float = Field(default=300.0, gt=0)
    # Dead letters older than this are purged; past the count the oldest go.
    dead_letter_max_age_days: float = Field(default=30.0, gt=0)
    dead_letter_max_count: int = Field(default=50_000, gt=0)


class OwnershipConfig(_Section):
    """Overrides of the default owners; anything not named keeps its default owner."""

    statuses: dict[OwnedStatusName, StatusOwner] = Field(default_factory=dict)
    holds: dict[HoldReasonName, HoldOwner] = Field(default_factory=dict)
    exceptions: dict[ExceptionTypeName, ExceptionOwner] = Field(default_factory=dict)

    def resolve(self) -> Ownership:
        """The complete owner table: defaults with these overrides applied."""
        return Ownership.with_overrides(self.statuses, self.holds, self.exceptions)


class OrderlineConfig(_Section):
    """A whole `orderline.yaml`. `OrderlineConfig()` is the built-in default configuration."""

    database_url: DatabaseUrl = DEFAULT_DATABASE_URL
    # Where the platforms reach this Orderline (https://orderline.example.com): each store's
    # webhooks must go to {public_url}/webhooks/{platform}/{store_id}. The webhook audit checks
    # the subscriptions' addresses against it and `webhooks repair` creates them there.
    public_url: HttpUrlText | None = None
    server: ServerConfig = Field(default_factory=ServerConfig)
    stores: list[StoreEntry] = Field(default_factory=list)
    teams: list[TeamName] = Field(default_factory=lambda: list(STANDING_TEAMS))
    ownership: OwnershipConfig = Field(default_factory=OwnershipConfig)
    # Overrides of DEFAULT_POLICY per exception type, as written; policy_lint checks them.
    exceptions: dict[ExceptionTypeName, dict[str, Any]] = Field(default_factory=dict)
    # Customer messages are off until this section says how to send them.
    messaging: MessagingConfig | None = None
    helpdesk: HelpdeskConfig | None = None
    # Signs escalation notices to URL targets; unsigned without a secret.
    escalation_webhooks: EscalationWebhooksConfig = Field(default_factory=EscalationWebhooksConfig)
    # The weekly KPI scorecard: its zone, order types, targets and delivery.
    scorecard: ScorecardConfig = Field(default_factory=ScorecardConfig)
    # Scheduled reconciliation sweeps of each store against its platform's API.
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    # The buyer status page: the secret its links derive from (links need public_url too).
    status_page: StatusPageConfig = Field(default_factory=StatusPageConfig)

    @model_validator(mode="before")
    @classmethod
    def _policy_owners_join_the_owner_table(cls, data: Any) -> Any:
        """`exceptions.<type>.owner` is an entry of the one owner table, like
        `ownership.exceptions.<type>`; a conflict between the two is reported by policy_lint."""
        if not isinstance(data, dict) or not isinstance(data.get("exceptions"), dict):
            return data
        ownership = data.get("ownership", {})
        if not isinstance(ownership, dict) or not isinstance(ownership.get("exceptions", {}), dict):
            return data
        listed = dict(ownership.get("exceptions", {}))
        for name, section in data["exceptions"].items():
            owner = section.get("owner") if isinstance(section, dict) else None
            if isinstance(owner, str) and _SLUG.fullmatch(owner):
                listed.setdefault(name, owner)
        return {**data, "ownership": {**ownership, "exceptions": listed}}

    @field_validator("teams")
    @classmethod
    def _with_standing_teams(cls, teams: list[str]) -> list[str]:
        extra = [team for team in dict.fromkeys(teams) if team not in STANDING_TEAMS]
        return [*STANDING_TEAMS, *extra]

    @model_validator(mode="after")
    def _references_resolve(self, info: ValidationInfo) -> Self:
        if info.context and info.context.get(REFERENCES_CHECKED):
            return self
        problems = reference_problems(self.model_dump(mode="json"))
        if problems:
            raise ValueError("; ".join(f"{format_key_path(loc)}: {message}" for loc, message in problems))
        return self

    def exception_policy(self) -> ExceptionPolicy:
        """DEFAULT_POLICY with this file's `exceptions:` overrides and the owner table's owners."""
        return build_exception_policy(self.exceptions, self.ownership.resolve())

    def store(self, store_id: str) -> StoreConfig:
        """The store with this id; KeyError if there is none."""
        for store in self.stores:
            if store.id == store_id:
                return store
        raise KeyError(store_id)
