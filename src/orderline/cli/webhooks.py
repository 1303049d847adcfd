"""`orderline webhooks ...`: a store's webhook subscriptions on its platform, listed and repaired
through the platform's API (services/webhook_subscriptions.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orderline.bootstrap import webhook_subscriptions
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.services.webhook_subscriptions import (
    CheckStatus,
    RepairReport,
    SubscriptionCheck,
    SubscriptionsNotCheckable,
    UnknownSubscriptionStore,
    WebhookSubscriptions,
)

app = typer.Typer(
    help="A store's webhook subscriptions on its platform: list them, repair what is missing.",
    no_args_is_help=True,
)
out = output_console()

StoreOption = Annotated[str, typer.Option("--store", help="The configured store id.", show_default=False)]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print what would be done and change nothing on the platform.")
]


@app.callback()
def webhooks() -> None:
    """A store's webhook subscriptions on its platform: list them, repair what is missing."""


@app.command(
    "list",
    short_help="The store's subscriptions as its platform's API lists them, judged.",
    help=(
        "List the store's webhook subscriptions through its platform's API (Shopify webhook "
        "subscriptions, WooCommerce webhooks, BigCommerce hooks) with the topics Orderline needs "
        "and what is wrong with them. The store needs its API credentials and the configuration "
        "public_url. Exit code 0 when healthy, 1 when something is wrong or the API cannot be read, "
        "2 when the configuration or the store is not usable."
    ),
)
def list_command(store: StoreOption, config: ConfigOption = None, json: JsonOption = False) -> None:
    subscriptions = _subscriptions(config)
    try:
        check = subscriptions.check(store)
    except (UnknownSubscriptionStore, SubscriptionsNotCheckable) as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    if json:
        print_json(check.as_dict())
    else:
        _print_check(check)
    raise typer.Exit(0 if check.status is CheckStatus.CHECKED and not check.findings else 1)


@app.command(
    "repair",
    short_help="Re-create or re-activate what is missing, or point it at Orderline.",
    help=(
        "Read the store's webhook subscriptions through its platform's API and repair each needed "
        "topic: create a missing subscription (Shopify deletes one after 8 failed tries over 4 "
        "hours), re-activate a disabled or paused WooCommerce webhook or an inactive BigCommerce "
        "hook, and point one that delivers elsewhere at Orderline's address under public_url. "
        "Each action is printed, then done unless --dry-run. Exit code 0 when nothing was to do or "
        "everything was repaired, 1 when something could not be repaired (or, with --dry-run, "
        "something would be), 2 when the configuration or the store is not usable."
    ),
)
def repair_command(
    store: StoreOption, dry_run: DryRunOption = False, config: ConfigOption = None, json: JsonOption = False
) -> None:
    subscriptions = _subscriptions(config)
    try:
        report = subscriptions.repair(store, dry_run=dry_run)
    except (UnknownSubscriptionStore, SubscriptionsNotCheckable) as error:
        err.print(f"[red]{escape(str(error))}[/red]")
        raise typer.Exit(2) from error
    if json:
        print_json(report.as_dict())
    else:
        _print_repair(report)
    raise typer.Exit(0 if report.is_complete else 1)


def _subscriptions(config: ConfigOption) -> WebhookSubscriptions:
    return webhook_subscriptions(load_or_exit(config))


def _print_check(check: SubscriptionCheck) -> None:
    if check.status is not CheckStatus.CHECKED:
        out.print(f"{check.store_id}: could not read subscriptions: {escape(check.reason or '')}")
        return
    table = Table("id", "topic", "address", "state", title=f"{check.store_id} ({check.platform})")
    for s in check.listed:
        table.add_row(escape(s.subscription_id), escape(s.topic), escape(s.address), s.state.value)
    out.print(table)
    out.print(f"needed: {', '.join(check.needed_topics)} at {check.address}", highlight=False)
    for finding in check.findings:
        out.print(f"{finding.kind.value}: {escape(finding.detail)}", highlight=False)
    out.print(f"{check.store_id}: {'healthy' if not check.findings else f'{len(check.findings)} findings'}")


def _print_repair(report: RepairReport) -> None:
    check = report.check
    if check.status is not CheckStatus.CHECKED:
        out.print(f"{check.store_id}: could not read subscriptions: {escape(check.reason or '')}")
        return
    if not report.steps:
        out.print(f"{check.store_id}: nothing to repair", highlight=False)
        return
    for step in report.steps:
        if report.dry_run:
            outcome = "would do"
        else:
            outcome = "done" if step.done else f"FAILED: {escape(step.error or '')}"
        out.print(f"{escape(step.description)}: {outcome}", highlight=False)
    done = sum(step.done for step in report.steps)
    verdict = "dry run, nothing changed" if report.dry_run else f"{done} of {len(report.steps)} repaired"
    out.print(f"{check.store_id}: {verdict}", highlight=False)
