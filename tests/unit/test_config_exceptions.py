"""The `exceptions:` and `calendar:` sections, and check-config's risk-control lint."""

from __future__ import annotations

from datetime import date, time, timedelta
from pathlib import Path

import pytest

from orderline.config import ConfigError, OrderlineConfig, check_config, load_config, parse_config
from orderline.config.durations import format_duration, parse_duration
from orderline.domain.order_exceptions import (
    ADDRESS_INVALID,
    BACKORDER,
    DEFAULT_POLICY,
    FRAUD_REVIEW,
    FULFILLMENT_DELAYED,
    PAYMENT_FAILED,
    SPLIT_SHIPMENT,
    BusinessCalendar,
    EscalationLevel,
)

EXAMPLE_FILE = Path(__file__).parents[2] / "examples" / "orderline.example.yaml"
EXAMPLE_ENV = {
    name: "x"
    for name in (
        "ACME_US_WEBHOOK_SECRET",
        "ACME_US_API_TOKEN",
        "ACME_EU_WEBHOOK_SECRET",
        "ACME_EU_API_TOKEN",
        "ACME_B2B_WEBHOOK_SECRET",
        "ACME_B2B_API_TOKEN",
        "SMTP_PASSWORD",
        "ZENDESK_TOKEN",
        "ZENDESK_WEBHOOK_SECRET",
    )
}
STORE = (
    "stores:\n  - id: s1\n    platform: shopify\n    shop_domain: s1.myshopify.com\n"
    "    webhook_secrets: [x]\n"
)


def problem_lines(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    return str(caught.value).splitlines()


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90s", timedelta(seconds=90)),
        (0, timedelta(0)),
    ],
)
def test_durations_parse(written: object, expected: timedelta) -> None:
    assert parse_duration(written) == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("4 hours", "'4 hours' is not a duration; write a duration such as 30m, 4h, 2d or 1d12h"),
        ("12h1d", "'12h1d' is not a duration; write a duration such as 30m, 4h, 2d or 1d12h"),
        ("", "'' is not a duration; write a duration such as 30m, 4h, 2d or 1d12h"),
        (24, "24 is not a duration: give its unit; write a duration such as 30m, 4h, 2d or 1d12h"),
    ],
)
def test_bad_durations_are_refused_with_what_to_write(written: object, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(written)

    assert str(caught.value) == message


def test_durations_format_back_to_what_parses() -> None:
    assert [format_duration(parse_duration(d)) for d in ("1d12h", "4h", "30m", "0m")] == [
        "1d12h",
        "4h",
        "30m",
        "0m",
    ]


def test_exception_overrides_merge_over_the_default_policy() -> None:
    text = """\
exceptions:
  payment_failed:
    pending_after: 12h
    escalation:
      - {after: 4h, target: support}
      - {after: 1d, target: ops-lead@example.com}
      - {after: 2d, target: "https://hooks.example/escalate"}
  fulfillment_delayed: {sla_business_hours: 16}
  split_shipment: {enabled: false}
"""

    policy = parse_config(text, env={}).exception_policy()

    assert policy.rule(PAYMENT_FAILED).pending_after == timedelta(hours=12)
    assert policy.rule(PAYMENT_FAILED).escalation == (
        EscalationLevel(timedelta(hours=4), "support"),
        EscalationLevel(timedelta(days=1), "ops-lead@example.com"),
        EscalationLevel(timedelta(days=2), "https://hooks.example/escalate"),
    )
    assert policy.rule(FULFILLMENT_DELAYED).sla_business_hours == 16.0
    assert policy.rule(SPLIT_SHIPMENT).enabled is False
    assert policy.rule(ADDRESS_INVALID) == DEFAULT_POLICY.rule(ADDRESS_INVALID)


def test_no_exceptions_section_gives_the_default_policy() -> None:
    assert OrderlineConfig().exception_policy() == DEFAULT_POLICY


def test_the_owner_table_is_the_one_source_of_policy_owners() -> None:
    text = (
        "teams: [risk, warehouse]\n"
        "ownership:\n  exceptions: {backorder: warehouse}\n"
        "exceptions:\n  fraud_review: {owner: risk}\n"
    )

    config = parse_config(text, env={})
    policy, owners = config.exception_policy(), config.ownership.resolve()

    assert (policy.rule(FRAUD_REVIEW).owner, owners.exception_owner("fraud_review")) == ("risk", "risk")
    assert (policy.rule(BACKORDER).owner, owners.exception_owner("backorder")) == ("warehouse", "warehouse")


OWNERSHIP_GAPS = [
    pytest.param(
        "ownership:\n  statuses:\n    shipped: ''\n",
        [
            "orderline.yaml: ownership.statuses.shipped: leaves this status unowned; "
            "name the team that owns it"
        ],
        id="unowned-status",
    ),
    pytest.param(
        "ownership:\n  holds:\n    backorder:\n",
        [
            "orderline.yaml: ownership.holds.backorder: leaves this hold reason unowned; "
            "name the team that owns it"
        ],
        id="unowned-hold-reason",
    ),
    pytest.param(
        "exceptions:\n  stale_order: {owner: ''}\n",
        [
            "orderline.yaml: exceptions.stale_order.owner: leaves exception type stale_order unowned; "
            "name the team that owns it"
        ],
        id="unowned-exception-type",
    ),
    pytest.param(
        "teams: [risk]\nexceptions:\n  fraud_review: {owner: rsk}\n",
        [
            "orderline.yaml: exceptions.fraud_review.owner: team 'rsk' is not declared under teams; "
            "did you mean 'risk'?"
        ],
        id="owner-team-not-declared",
    ),
    pytest.param(
        "ownership:\n  exceptions: {fraud_review: support}\n"
        "exceptions:\n  fraud_review: {owner: operations}\n",
        [
            "orderline.yaml: exceptions.fraud_review.owner: owner 'operations' conflicts with "
            "ownership.exceptions.fraud_review ('support'); name the owner in one place"
        ],
        id="owner-named-twice-differently",
    ),
    pytest.param(
        "exceptions:\n  address_invalid: {escalation: []}\n",
        [
            "orderline.yaml: exceptions.address_invalid.escalation: address_invalid places a address hold "
            "but has no escalation path; list at least one level"
        ],
        id="hold-without-escalation-path",
    ),
    pytest.param(
        "exceptions:\n  stale_order: {escalation: []}\n",
        [
            "orderline.yaml: exceptions.stale_order.escalation: stale_order has no escalation path; "
            "list at least one level, or set enabled: false"
        ],
        id="exception-without-escalation-path",
    ),
    pytest.param(
        "exceptions:\n  backorder:\n    escalation: [{after: 1d}]\n",
        [
            "orderline.yaml: exceptions.backorder.escalation[0].target: escalation level 1 has no target; "
            "name a declared team, an e-mail address or an http(s) webhook URL"
        ],
        id="level-without-target",
    ),
    pytest.param(
        "exceptions:\n  backorder:\n    escalation: [{after: 1d, target: purchasing}]\n",
        [
            "orderline.yaml: exceptions.backorder.escalation[0].target: target 'purchasing' is neither a "
            "declared team, an e-mail address nor an http(s) URL; declared teams: operations, support"
        ],
        id="level-target-unknown",
    ),
    pytest.param(
        "exceptions:\n  backorder:\n    escalation: [{after: 1d, target: 'lead@example'}]\n",
        [
            "orderline.yaml: exceptions.backorder.escalation[0].target: "
            "'lead@example' is not an e-mail address"
        ],
        id="level-target-bad-email",
    ),
    pytest.param(
        "exceptions:\n  backorder:\n    escalation: [{after: 1d, target: 'https://'}]\n",
        [
            "orderline.yaml: exceptions.backorder.escalation[0].target: webhook target must be an http(s) "
            "URL with a host"
        ],
        id="level-target-bad-url",
    ),
    pytest.param(
        "exceptions:\n  backorder:\n    escalation: [{target: support}]\n",
        [
            "orderline.yaml: exceptions.backorder.escalation[0].after: escalation level 1 has no due time; "
            "write e.g. after: 4h"
        ],
        id="level-without-due-time",
    ),
    pytest.param(
        "exceptions:\n  payment_failed:\n"
        "    escalation: [{after: 1d, target: support}, {after: 4h, target: support}]\n",
        [
            "orderline.yaml: exceptions.payment_failed.escalation[1].after: level 2 is due after 4h, "
            "before level 1 (1d); list levels in order"
        ],
        id="levels-out-of-order",
    ),
]


@pytest.mark.parametrize(("text", "expected"), OWNERSHIP_GAPS)
def test_check_config_names_each_ownership_gap(text: str, expected: list[str]) -> None:
    assert problem_lines(text) == expected


BAD_SETTINGS = [
    pytest.param(
        "exceptions:\n  payment_failed: {pending_after: 24}\n",
        [
            "orderline.yaml: exceptions.payment_failed.pending_after: 24 is not a duration: give its unit; "
            "write a duration such as 30m, 4h, 2d or 1d12h"
        ],
        id="duration-without-unit",
    ),
    pytest.param(
        "exceptions:\n  stale_order: {no_progress_for: 0}\n",
        [
            "orderline.yaml: exceptions.stale_order.no_progress_for: no_progress_for must be positive, "
            "got 0:00:00"
        ],
        id="threshold-refused-by-the-domain",
    ),
    pytest.param(
        "exceptions:\n  payment_failed: {authorization_validity: 2d, authorization_warning: 3d}\n",
        [
            "orderline.yaml: exceptions.payment_failed: authorization_warning must be at least 0 and "
            "shorter than authorization_validity"
        ],
        id="settings-that-contradict-each-other",
    ),
    pytest.param(
        "exceptions:\n  split_shipment: {places_hold: true}\n",
        [
            "orderline.yaml: exceptions.split_shipment.places_hold: unknown setting; "
            "expected one of enabled, owner, escalation"
        ],
        id="setting-of-another-type",
    ),
    pytest.param(
        "exceptions:\n  delivery_exception: {statuses: [lost]}\n",
        [
            "orderline.yaml: exceptions.delivery_exception.statuses[0]: unknown value 'lost'; expected one "
            "of label_created, in_transit, out_for_delivery, delivered, failed_attempt, exception, "
            "returned_to_sender"
        ],
        id="unknown-list-value",
    ),
    pytest.param(
        "exceptions:\n  paymnet_failed: {enabled: false}\n",
        [
            "orderline.yaml: exceptions.paymnet_failed: unknown exception type 'paymnet_failed'; "
            "did you mean 'payment_failed'?"
        ],
        id="unknown-exception-type",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_SETTINGS)
def test_bad_policy_settings_are_named_by_key_path(text: str, expected: list[str]) -> None:
    assert problem_lines(text) == expected


def test_a_store_calendar_becomes_a_business_calendar_in_the_store_zone() -> None:
    text = STORE + (
        "    timezone: Europe/Berlin\n"
        "    calendar:\n"
        "      working_days: [mon, tue, wed, thu, Friday]\n"
        '      opens: "09:00"\n'
        '      closes: "17:00"\n'
        "      holidays: [2026-12-25, '2026-12-26']\n"
    )

    calendar = parse_config(text, env={}).store("s1").business_calendar()

    assert calendar == BusinessCalendar(
        timezone="Europe/Berlin",
        working_days=frozenset({0, 1, 2, 3, 4}),
        opens_at=time(9),
        closes_at=time(17),
        holidays=frozenset({date(2026, 12, 25), date(2026, 12, 26)}),
    )


def test_a_store_without_calendar_gets_the_default_calendar_in_its_zone() -> None:
    calendar = parse_config(STORE + "    timezone: America/Chicago\n", env={}).store("s1").business_calendar()

    assert calendar == BusinessCalendar(timezone="America/Chicago")


BAD_CALENDARS = [
    pytest.param(
        "{working_days: [mon, tues]}",
        "stores[0].calendar.working_days[1]: unknown weekday 'tues'; did you mean 'tue'?",
        id="bad-weekday",
    ),
    pytest.param(
        "{working_days: []}",
        "stores[0].calendar.working_days: must list at least one working day",
        id="no-days",
    ),
    pytest.param(
        "{opens: '9am'}",
        "stores[0].calendar.opens: '9am' is not a time; write HH:MM on a 24-hour clock, in quotes, "
        'e.g. "09:00"',
        id="bad-time",
    ),
    pytest.param(
        "{closes: 17:00}",
        "stores[0].calendar.closes: must be a quoted time; write HH:MM on a 24-hour clock, in quotes, "
        'e.g. "09:00"',
        id="unquoted-time-read-as-a-number",
    ),
    pytest.param(
        "{opens: '17:00', closes: '09:00'}",
        "stores[0].calendar.closes: closes at 09:00, not after opening at 17:00",
        id="closes-before-opening",
    ),
    pytest.param(
        "{holidays: [2026-12-25, 2026-13-01]}",
        "stores[0].calendar.holidays[1]: '2026-13-01' is not a date; write YYYY-MM-DD, e.g. 2026-12-25",
        id="bad-date",
    ),
    pytest.param(
        "{weekdays: [mon]}",
        "stores[0].calendar.weekdays: unknown key; did you mean 'working_days'?",
        id="unknown-key",
    ),
]


@pytest.mark.parametrize(("calendar", "expected"), BAD_CALENDARS)
def test_a_bad_calendar_is_a_precise_problem(calendar: str, expected: str) -> None:
    text = STORE + f"    calendar: {calendar}\n"

    assert problem_lines(text) == [f"orderline.yaml: {expected}"]


def test_the_example_file_loads_with_its_policy_and_calendars() -> None:
    config = load_config(EXAMPLE_FILE, env=EXAMPLE_ENV)

    assert config.exception_policy().rule(PAYMENT_FAILED).escalation[-1].target.startswith("https://")
    assert config.store("acme-eu").business_calendar().timezone == "Europe/Berlin"
    assert config.store("acme-eu").business_calendar().opens_at == time(8)


def test_the_ownership_table_of_the_defaults_shows_escalation_levels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    lines = check_config(env={}).render().splitlines()

    assert "  status     shipped              support" in lines
    assert (
        "  hold       payment              support     4h -> support, 1d -> support (as payment_failed)"
        in lines
    )
    assert (
        "  hold       other                operations  (no escalation: placed by hand or by the platform)"
        in lines
    )
    assert "  exception  backorder            operations  1d -> operations, 3d -> operations" in lines
    assert "  exception  split_shipment       operations  0m -> operations" in lines


def test_a_disabled_detector_shows_as_disabled_in_the_ownership_table(tmp_path: Path) -> None:
    path = tmp_path / "orderline.yaml"
    path.write_text("exceptions:\n  split_shipment: {enabled: false}\n", encoding="utf-8")

    lines = check_config(path, env={}).render().splitlines()

    assert "  exception  split_shipment       operations  (detector disabled)" in lines
