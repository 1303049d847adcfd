"""The default exception policy, and merging overrides into it piece by piece."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest

from orderline.domain.order_exceptions import (
    ADDRESS_INVALID,
    DEFAULT_POLICY,
    DELIVERY_EXCEPTION,
    EXCEPTION_TYPES,
    FRAUD_REVIEW,
    FULFILLMENT_DELAYED,
    PAYMENT_FAILED,
    STALE_ORDER,
    EscalationLevel,
    PolicyError,
    TargetKind,
    merge,
)
from orderline.domain.vocabulary import DeliveryStatus, ExceptionType

HOUR = timedelta(hours=1)


@pytest.mark.parametrize(
    ("exception_type", "owner"),
    [
        (ExceptionType.ADDRESS_INVALID, "support"),
        (ExceptionType.PAYMENT_FAILED, "support"),
        (ExceptionType.FRAUD_REVIEW, "operations"),
        (ExceptionType.BACKORDER, "operations"),
        (ExceptionType.SPLIT_SHIPMENT, "operations"),
        (ExceptionType.FULFILLMENT_DELAYED, "operations"),
        (ExceptionType.DELIVERY_EXCEPTION, "support"),
        (ExceptionType.STALE_ORDER, "operations"),
        (ExceptionType.STATE_DRIFT, "operations"),
    ],
)
def test_default_owners_are_those_of_the_design(exception_type: ExceptionType, owner: str) -> None:
    spec = EXCEPTION_TYPES[exception_type]
    rule = DEFAULT_POLICY.rule(spec)

    assert spec.type is exception_type
    assert rule.owner == owner
    assert rule.enabled is True
    assert rule.escalation, "every exception type has an escalation path"


def test_default_thresholds() -> None:
    policy = DEFAULT_POLICY

    assert policy.rule(PAYMENT_FAILED).pending_after == 24 * HOUR
    assert policy.rule(PAYMENT_FAILED).authorization_validity == 7 * 24 * HOUR
    assert policy.rule(PAYMENT_FAILED).authorization_warning == 24 * HOUR
    assert policy.rule(FULFILLMENT_DELAYED).sla_business_hours == 48
    assert policy.rule(STALE_ORDER).no_progress_for == 72 * HOUR
    assert policy.rule(DELIVERY_EXCEPTION).grace == timedelta(0)
    assert policy.rule(ADDRESS_INVALID).label_line_max_chars == 35
    assert policy.rule(FRAUD_REVIEW).escalation == (
        EscalationLevel(4 * HOUR, "operations"),
        EscalationLevel(24 * HOUR, "operations"),
    )


def test_merge_overrides_only_what_it_names() -> None:
    merged = merge(DEFAULT_POLICY, {"payment_failed": {"pending_after": 12 * HOUR}})

    assert merged.rule(PAYMENT_FAILED).pending_after == 12 * HOUR
    for spec in EXCEPTION_TYPES:
        if spec is not PAYMENT_FAILED:
            assert merged.rule(spec) == DEFAULT_POLICY.rule(spec)
    rule, default = merged.rule(PAYMENT_FAILED), DEFAULT_POLICY.rule(PAYMENT_FAILED)
    unchanged = [f.name for f in fields(rule) if f.name != "pending_after"]
    for name in unchanged:
        assert getattr(rule, name) == getattr(default, name)


def test_merge_leaves_the_base_policy_as_it_was() -> None:
    merge(DEFAULT_POLICY, {"stale_order": {"enabled": False}})

    assert DEFAULT_POLICY.rule(STALE_ORDER).enabled is True


def test_an_empty_override_is_the_base() -> None:
    assert merge(DEFAULT_POLICY, {}) == DEFAULT_POLICY


def test_merging_twice_layers_the_overrides() -> None:
    once = merge(DEFAULT_POLICY, {"stale_order": {"no_progress_for": 48 * HOUR}})
    twice = merge(once, {"stale_order": {"owner": "warehouse"}})

    rule = twice.rule(STALE_ORDER)
    assert (rule.no_progress_for, rule.owner) == (48 * HOUR, "warehouse")


def test_an_escalation_override_replaces_the_whole_ladder() -> None:
    ladder = [
        {"after": 2 * HOUR, "target": "support"},
        {"after": 8 * HOUR, "target": "lead@example.com"},
        {"after": 24 * HOUR, "target": "https://hooks.example.com/escalate"},
    ]

    merged = merge(DEFAULT_POLICY, {"delivery_exception": {"escalation": ladder}})

    levels = merged.rule(DELIVERY_EXCEPTION).escalation
    assert [(level.after, level.target) for level in levels] == [
        (2 * HOUR, "support"),
        (8 * HOUR, "lead@example.com"),
        (24 * HOUR, "https://hooks.example.com/escalate"),
    ]
    assert [level.target_kind for level in levels] == [TargetKind.TEAM, TargetKind.EMAIL, TargetKind.WEBHOOK]


def test_lists_and_numbers_are_converted() -> None:
    merged = merge(
        DEFAULT_POLICY,
        {
            "delivery_exception": {"statuses": ["exception"]},
            "fulfillment_delayed": {"sla_business_hours": 16},
            "address_invalid": {"required_fields": ["address1", "country_code"]},
        },
    )

    assert merged.rule(DELIVERY_EXCEPTION).statuses == frozenset({DeliveryStatus.EXCEPTION})
    assert merged.rule(FULFILLMENT_DELAYED).sla_business_hours == 16.0
    assert merged.rule(ADDRESS_INVALID).required_fields == frozenset({"address1", "country_code"})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"payment_falied": {}}, "payment_falied: unknown exception type; expected one of address_invalid, "),
        (
            {"payment_failed": {"pending_aftr": HOUR}},
            "payment_failed.pending_aftr: unknown setting; expected one of enabled, owner, escalation",
        ),
        (
            {"payment_failed": {"pending_after": "12h"}},
            "payment_failed.pending_after: expected a duration, got '12h'",
        ),
        (
            {"payment_failed": {"pending_after": timedelta(0)}},
            "payment_failed: pending_after must be positive, got 0:00:00",
        ),
        ({"payment_failed": True}, "payment_failed: expected a mapping of settings, got True"),
        ({"stale_order": {"enabled": "yes"}}, "stale_order.enabled: expected true or false, got 'yes'"),
        ({"stale_order": {"owner": ""}}, "stale_order: owner must name a team"),
        (
            {"address_invalid": {"label_line_max_chars": 35.5}},
            "address_invalid.label_line_max_chars: expected a whole number, got 35.5",
        ),
        (
            {"address_invalid": {"label_line_max_chars": True}},
            "address_invalid.label_line_max_chars: expected a whole number, got True",
        ),
        (
            {"address_invalid": {"required_fields": ["zip"]}},
            "address_invalid: required_fields: unknown field(s) zip",
        ),
        (
            {"address_invalid": {"required_fields": "address1"}},
            "address_invalid.required_fields: expected a list, got 'address1'",
        ),
        (
            {"delivery_exception": {"statuses": ["lost"]}},
            "delivery_exception.statuses[0]: unknown value 'lost'; expected one of label_created, ",
        ),
        (
            {"backorder": {"escalation": [{"after": HOUR}]}},
            "backorder.escalation[0]: expected a level with exactly 'after' and 'target', got dict",
        ),
        (
            {"backorder": {"escalation": [{"after": HOUR, "target": " "}]}},
            "backorder.escalation[0]: escalation level has no target",
        ),
        (
            {
                "backorder": {
                    "escalation": [{"after": 2 * HOUR, "target": "a"}, {"after": HOUR, "target": "b"}]
                }
            },
            "backorder: escalation level 2 is due after 1:00:00, before level 1 (2:00:00)",
        ),
        (
            {"payment_failed": {"authorization_warning": 8 * 24 * HOUR}},
            "payment_failed: authorization_warning must be at least 0 and shorter than",
        ),
    ],
)
def test_refused_overrides_name_the_key_path(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as refused:
        merge(DEFAULT_POLICY, overrides)

    assert str(refused.value).startswith(message)
