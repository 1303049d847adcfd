"""The four weeks' rollout checklist of this installation (DESIGN §6), each item checked
from the configuration and the database: what `orderline rollout` shows.

Week 1: history imported, the baseline computable, owners and escalation targets set.
Week 2: controls on for the workflows the scorecard ranks riskiest. Week 3: automated
checks running (reconciliation sweeps by the worker, webhooks arriving from every store
for the webhook audit, the messaging audit run here). Week 4: the weekly scorecard
delivered, so a KPI review has its report.

An item says what was found (`evidence`) and, while open, what to do next. Nothing here
changes anything.
"""

from __future__ import annotations

from calendar import day_name
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from orderline.config import OrderlineConfig
from orderline.config.messaging import has_mail_channel
from orderline.connectors.history import IMPORT_KEY_PREFIX
from orderline.domain.order_exceptions import EXCEPTION_TYPES, ExceptionPolicy, TargetKind
from orderline.domain.scorecard.figures import Scorecard
from orderline.domain.scorecard.schedule import next_due
from orderline.domain.scorecard.weeks import IsoWeek
from orderline.persistence import rollout_queries, scorecard_records
from orderline.persistence.scorecard_delivery_records import DeliveryRecord, is_sent, recent_deliveries
from orderline.services.audit_runs import MessagingAudit
from orderline.services.scorecard import ScorecardReports

TOP_RISKS = 3
"""How many of the riskiest workflows must have their controls on in week 2."""
WEBHOOK_WINDOW = timedelta(days=7)
SWEEP_WINDOW = timedelta(days=1)
"""A store's drift sweeps count as running when one finished within this."""


@dataclass(frozen=True, slots=True)
class RolloutItem:
    week: int
    title: str
    is_done: bool
    evidence: str
    """What the check found."""
    next_step: str | None = None
    """What to do while it is open; None once done."""


def _item(week: int, title: str, is_done: bool, evidence: str, next_step: str) -> RolloutItem:
    return RolloutItem(week, title, is_done, evidence, None if is_done else next_step)


class RolloutChecklist:
    def __init__(
        self, engine: Engine, config: OrderlineConfig, reports: ScorecardReports, audit: MessagingAudit
    ) -> None:
        self._engine, self._config, self._reports, self._audit = engine, config, reports, audit

    def items(self, now: datetime) -> list[RolloutItem]:
        """Every item of the four weeks, in order, as the data shows them at `now`."""
        policy = self._config.exception_policy()
        baseline = self._reports.build(None, baseline=True)
        with self._engine.connect() as connection:
            imported = rollout_queries.imported_by_store(connection, IMPORT_KEY_PREFIX)
            webhooks = rollout_queries.webhooks_by_store(connection, IMPORT_KEY_PREFIX, now - WEBHOOK_WINDOW)
            went_live = scorecard_records.first_live_delivery(connection, IMPORT_KEY_PREFIX)
            deliveries = recent_deliveries(connection)
            sweeps = rollout_queries.last_sweeps_by_store(connection)
        stores = self._reports.store_ids()
        return [
            history_imported(stores, imported),
            baseline_computable(baseline, bool(imported), went_live),
            owners_assigned(policy, self._config.teams),
            escalation_targets_set(policy, self._config.teams),
            controls_on(baseline, policy),
            drift_sweeps(stores, sweeps, now),
            webhook_audits(stores, webhooks),
            self._messaging_audit(now),
            delivery_configured(self._config, now),
            kpi_review_held(deliveries, self._reports.last_complete_week()),
        ]

    def _messaging_audit(self, now: datetime) -> RolloutItem:
        report = self._audit.report(now)
        counts = ", ".join(f"{n} {kind}" for kind, n in report.counts().items() if n)
        return _item(
            3,
            "Messaging audit clean",
            report.is_clean,
            "the audit finds nothing" if report.is_clean else f"the audit finds {counts}",
            "work through `orderline audit messages`, and run it daily from cron (it exits 1 on a finding)",
        )


def _counts(counts: dict[str, int], stores: Sequence[str]) -> str:
    return ", ".join(f"{store} {counts.get(store, 0)}" for store in stores)


def history_imported(stores: Sequence[str], imported: dict[str, int]) -> RolloutItem:
    missing = [store for store in stores if not imported.get(store)]
    evidence = (
        f"imported orders (deliveries) by store: {_counts(imported, stores)}" if stores else "no stores"
    )
    first = missing[0] if missing else "<store>"
    return _item(
        1,
        "History imported",
        bool(stores) and not missing,
        evidence,
        f"import each store's history: `orderline import --store {first} --since <date>`"
        + (f" (not yet: {', '.join(missing)})" if missing else ""),
    )


def baseline_computable(card: Scorecard, has_imports: bool, went_live: datetime | None) -> RolloutItem:
    live = "nothing went live yet" if went_live is None else f"went live {went_live:%Y-%m-%d %H:%M} UTC"
    evidence = f"baseline week {card.week}: {card.orders} orders ({live})"
    if not has_imports:
        evidence = (
            f"no history imported: the baseline is the last complete week, {card.week}, {card.orders} orders"
        )
    return _item(
        1,
        "Baseline computable",
        has_imports and card.orders > 0,
        evidence,
        "import history from before go-live, then `orderline scorecard --baseline`",
    )


def _enabled_owners(policy: ExceptionPolicy) -> dict[str, str]:
    """Each enabled exception type's owner, in registry order."""
    return {spec.type: rule.owner for spec in EXCEPTION_TYPES if (rule := policy.rule(spec)).enabled}


def owners_assigned(policy: ExceptionPolicy, teams: Sequence[str]) -> RolloutItem:
    owners = _enabled_owners(policy)
    unknown = sorted(kind for kind, owner in owners.items() if owner not in teams)
    by_team = Counter(owners.values())
    evidence = f"{len(owners)} enabled exception types, owned by " + ", ".join(
        f"{team} {n}" for team, n in sorted(by_team.items())
    )
    return _item(
        1,
        "Owners assigned",
        bool(owners) and not unknown,
        evidence + (f"; no configured team owns {', '.join(unknown)}" if unknown else ""),
        f"name a configured team ({', '.join(teams)}) as owner in ownership.exceptions",
    )


def escalation_targets_set(policy: ExceptionPolicy, teams: Sequence[str]) -> RolloutItem:
    outside: list[str] = []
    unknown: list[str] = []
    for spec in EXCEPTION_TYPES:
        rule = policy.rule(spec)
        for level, step in enumerate(rule.escalation if rule.enabled else (), start=1):
            if step.target_kind is not TargetKind.TEAM:
                outside.append(f"{spec.type} level {level} -> {step.target}")
            elif step.target not in teams:
                unknown.append(f"{spec.type} level {level} -> {step.target}")
    evidence = (
        "escalations reach " + "; ".join(outside)
        if outside
        else "every escalation stays in a team's queue: nobody outside Orderline is told"
    )
    return _item(
        1,
        "Escalation targets set",
        bool(outside) and not unknown,
        evidence + (f"; unknown teams: {'; '.join(unknown)}" if unknown else ""),
        "give the last escalation level of the types that matter an e-mail address or a webhook URL "
        "(exceptions.<type>.escalation)",
    )


def controls_on(card: Scorecard, policy: ExceptionPolicy) -> RolloutItem:
    specs = {str(spec.type): spec for spec in EXCEPTION_TYPES}
    top = [risk for risk in card.risks if risk.exception_type in specs][:TOP_RISKS]
    off = [risk.exception_type for risk in top if not policy.rule(specs[risk.exception_type]).enabled]
    ranked = ", ".join(
        f"{n}. {risk.exception_type} (score {risk.score:.1f}) "
        + ("off" if risk.exception_type in off else "on")
        for n, risk in enumerate(top, start=1)
    )
    evidence = (
        f"riskiest workflows of {card.week}: {ranked}" if top else f"no exceptions in {card.week} to rank"
    )
    return _item(
        2,
        f"Controls on for the top {TOP_RISKS} workflows",
        bool(top) and not off,
        evidence,
        f"enable {', '.join(off)} (exceptions.<type>.enabled: true)"
        if off
        else "import history and let the worker evaluate it, so the scorecard can rank the workflows",
    )


def drift_sweeps(stores: Sequence[str], sweeps: dict[str, datetime], now: datetime) -> RolloutItem:
    """Done when every store's reconciliation sweep finished within the last day."""
    late = [store for store in stores if store not in sweeps or sweeps[store] < now - SWEEP_WINDOW]
    evidence = ", ".join(f"{store} {_utc(sweeps[store]) if store in sweeps else 'never'}" for store in stores)
    return _item(
        3,
        "Drift sweeps running",
        bool(stores) and not late,
        f"last successful sweep: {evidence or 'no store configured'}",
        f"run `orderline reconcile --store ID` for {', '.join(late) or 'a store'} and keep the worker "
        "running (it sweeps every store on the reconcile schedule)",
    )


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def webhook_audits(stores: Sequence[str], webhooks: dict[str, int]) -> RolloutItem:
    """Done when every store's webhooks arrived within the window, so the audit has
    something to judge; `orderline audit webhooks` says how they arrive."""
    silent = [store for store in stores if not webhooks.get(store)]
    days = WEBHOOK_WINDOW.days
    return _item(
        3,
        "Webhook audits running",
        bool(stores) and not silent,
        f"webhooks received in the last {days} days: {_counts(webhooks, stores)}",
        f"run `orderline audit webhooks --store ID` for {', '.join(silent)} and repair its "
        "subscriptions (`orderline webhooks repair --store ID`)",
    )


def delivery_configured(config: OrderlineConfig, now: datetime) -> RolloutItem:
    delivery = config.scorecard.delivery
    zone = config.scorecard.zone(config.stores)
    recipients = [*delivery.email, *([delivery.webhook] if delivery.webhook else [])]
    mail_missing = bool(delivery.email) and not has_mail_channel(config.messaging)
    upcoming = next_due(now, delivery.schedule(zone))
    evidence = (
        f"{day_name[delivery.weekday - 1]}s at {delivery.hour:02d}:00 {zone.key} to {', '.join(recipients)}; "
        f"next: {upcoming.week} at {upcoming.due_at:%Y-%m-%d %H:%M} UTC"
        if delivery.is_enabled
        else "scorecard.delivery names no recipient"
    )
    return _item(
        4,
        "Weekly scorecard delivery configured",
        delivery.is_enabled and not mail_missing,
        evidence + ("; no e-mail channel is configured (messaging.smtp)" if mail_missing else ""),
        "name recipients in scorecard.delivery (email: [...], webhook: URL) and an e-mail channel",
    )


def kpi_review_held(deliveries: Sequence[DeliveryRecord], last_week: IsoWeek) -> RolloutItem:
    latest = next((record for record in deliveries if is_sent(record)), None)
    evidence = "no weekly scorecard delivered yet"
    if latest is not None:
        sent_at = f" at {latest.sent_at:%Y-%m-%d %H:%M} UTC" if latest.sent_at is not None else ""
        evidence = f"the scorecard of {latest.week} went to {latest.target}{sent_at}"
    return _item(
        4,
        "KPI review held",
        latest is not None,
        evidence,
        f"review {last_week} with its failure analysis: "
        f"`orderline scorecard --week {last_week} --format html --output scorecard.html`",
    )
