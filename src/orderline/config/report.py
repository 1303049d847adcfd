"""What `orderline check-config` shows: every problem, or a summary of a good configuration.

The summary names the database (password masked), the stores by platform and the full
ownership table with escalation levels, so an operator can see what the file amounts to without reading it.
"""

from __future__ import annotations

from calendar import day_name
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from orderline.config.durations import format_duration
from orderline.config.errors import ConfigError, ConfigProblem
from orderline.config.loader import load_config, locate_config
from orderline.config.messaging import has_mail_channel
from orderline.config.model import OrderlineConfig
from orderline.config.ownership_table import ownership_rows, render_ownership_rows
from orderline.config.platforms import PLATFORM_NAMES

DEFAULTS_SOURCE = "built-in defaults (no orderline.yaml found)"


@dataclass(frozen=True)
class CheckReport:
    """The outcome of checking one configuration; `config` is None when there are problems."""

    source: str
    problems: list[ConfigProblem] = field(default_factory=list)
    config: OrderlineConfig | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def render(self) -> str:
        if self.problems:
            count = len(self.problems)
            noun = "problem" if count == 1 else "problems"
            return "\n".join([*(str(p) for p in self.problems), f"{count} {noun} found"])
        return render_summary(self.source, self.config or OrderlineConfig())


def check_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> CheckReport:
    """Load the configuration as `load_config` would, and report instead of raising."""
    location = locate_config(path, env)
    source = DEFAULTS_SOURCE if location.uses_defaults() else location.display_name
    try:
        config = load_config(path, env)
    except ConfigError as exc:
        return CheckReport(source=source, problems=exc.problems)
    return CheckReport(source=source, config=config)


def render_summary(source: str, config: OrderlineConfig) -> str:
    server = config.server
    lines = [
        f"{source}: configuration is valid",
        f"database: {redact_url(config.database_url)}",
        f"server: {server.host}:{server.port} (request bodies up to {server.max_body_bytes} bytes)",
        *_store_lines(config),
        *messaging_lines(config),
        *scorecard_delivery_lines(config),
        f"teams: {', '.join(config.teams)}",
        "owners:",
        *render_ownership_rows(ownership_rows(config)),
    ]
    return "\n".join(lines)


def messaging_lines(config: OrderlineConfig) -> list[str]:
    """What the buyer will hear and how, and where support tickets go."""
    m = config.messaging
    if m is None:
        lines = ["messaging: off (no messaging: section)"]
    else:
        cadence = m.cadence
        quiet = cadence.quiet_hours
        quiet_text = (
            "no quiet hours" if quiet is None else f"quiet {quiet.start:%H:%M}-{quiet.end:%H:%M} buyer-local"
        )
        lines = [
            f"messaging: {m.channel} via {_channel_target(config)}",
            f"  cadence: min gap {format_duration(cadence.min_gap)}, max silence "
            f"{format_duration(cadence.max_silence)} while an exception is open, {quiet_text}, "
            f"at most {cadence.max_per_day} a day",
            f"  sends: {', '.join(m.send)}",
            f"  exceptions the buyer hears of: {', '.join(m.exception_types)}",
        ]
        lines += [
            f"  {store.id}: the platform sends {', '.join(store.messaging.suppress)} itself"
            for store in config.stores
            if store.messaging.suppress
        ]
    if config.helpdesk is not None:
        desk = config.helpdesk
        targets = ", ".join(desk.handoff_targets)
        lines.append(f"helpdesk: {desk.kind} at {desk.base_url}; hand-off on escalation to {targets}")
    return lines


def scorecard_delivery_lines(config: OrderlineConfig) -> list[str]:
    """When the weekly scorecard goes out and to whom, and whether e-mail can reach them;
    nothing while `scorecard.delivery` names no recipient."""
    delivery = config.scorecard.delivery
    if not delivery.is_enabled:
        return []
    zone = config.scorecard.zone(config.stores)
    recipients = [*delivery.email]
    if delivery.webhook is not None:
        recipients.append(delivery.webhook + (" (signed)" if delivery.webhook_secret else " (unsigned)"))
    lines = [
        f"scorecard delivery: {day_name[delivery.weekday - 1]}s {delivery.hour:02d}:00 {zone.key}, "
        f"last week's report to {', '.join(recipients)}"
    ]
    if delivery.email and not has_mail_channel(config.messaging):
        lines.append(
            "  no e-mail channel is configured (messaging.smtp or messaging.pickup): "
            "the e-mail recipients get nothing"
        )
    return lines


def _channel_target(config: OrderlineConfig) -> str:
    m = config.messaging
    if m is not None and m.smtp is not None and m.channel == "email":
        return f"{m.smtp.host}:{m.smtp.port} ({m.smtp.security}), from {m.smtp.sender}"
    if m is not None and m.webhook is not None and m.channel == "webhook":
        return m.webhook.url
    if m is not None and m.pickup is not None:
        return f"files in {m.pickup.directory}"
    return "?"  # pragma: no cover - the schema requires the channel's section


def _store_lines(config: OrderlineConfig) -> list[str]:
    if not config.stores:
        return ["stores: none"]
    lines = [f"stores: {len(config.stores)}"]
    for platform in PLATFORM_NAMES:
        stores = [f"{store.id} ({store.identity})" for store in config.stores if store.platform == platform]
        if stores:
            lines.append(f"  {platform:<12} {', '.join(stores)}")
    return lines


def redact_url(url: str) -> str:
    """The URL with any password replaced by ***, for display."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparseable URL)"
    userinfo, at, host = parts.netloc.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()
