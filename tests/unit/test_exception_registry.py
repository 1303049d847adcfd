"""The exception-type registry: one spec per type, and everything that lists types
derived from it (the enum, the hold table, buyer-facing defaults, owners, the docs page)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path

import pytest

from orderline.config.messaging import MessagingConfig
from orderline.domain.lifecycle import DEFAULT_OWNERSHIP
from orderline.domain.order import Order
from orderline.domain.order_exceptions import (
    BUILT_IN,
    DEFAULT_CALENDAR,
    DEFAULT_POLICY,
    EXCEPTION_TYPES,
    STALE_ORDER,
    DetectorPolicy,
    ExceptionPolicy,
    ExceptionSpec,
    ExceptionTypes,
    Finding,
    HoldingPolicy,
    merge,
)
from orderline.domain.order_exceptions.policy_doc import main, update_page
from orderline.domain.vocabulary import ExceptionType, HoldReason
from tests.dummy_exception_type import HIGH_VALUE_ORDER, HighValuePolicy

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "exception-policy.md"


class Extra(StrEnum):
    ANOTHER = "another"
    BAD = "Not A Name"


def nothing(
    order: Order, policy: ExceptionPolicy, now: object, calendar: object = DEFAULT_CALENDAR
) -> list[Finding]:
    return []


def test_the_enum_names_exactly_the_built_in_specs_in_order() -> None:
    assert [spec.type for spec in BUILT_IN] == list(ExceptionType)
    assert all(spec.type is member for spec, member in zip(BUILT_IN, ExceptionType, strict=True))
    assert [spec.type for spec in EXCEPTION_TYPES] == list(ExceptionType)


def test_each_hold_reason_is_placed_by_at_most_one_type() -> None:
    placers = {reason: EXCEPTION_TYPES.placing(reason) for reason in HoldReason}

    assert {reason: spec.type for reason, spec in placers.items() if spec is not None} == {
        HoldReason.PAYMENT: ExceptionType.PAYMENT_FAILED,
        HoldReason.FRAUD_REVIEW: ExceptionType.FRAUD_REVIEW,
        HoldReason.ADDRESS: ExceptionType.ADDRESS_INVALID,
        HoldReason.BACKORDER: ExceptionType.BACKORDER,
    }
    assert placers[HoldReason.CUSTOMER_REQUEST] is None
    assert placers[HoldReason.OTHER] is None


def test_fraud_review_and_backorder_findings_come_from_the_platforms_hold() -> None:
    assert {spec.type for spec in EXCEPTION_TYPES if spec.hold_from_platform} == {
        ExceptionType.FRAUD_REVIEW,
        ExceptionType.BACKORDER,
    }


def test_buyers_hear_of_the_buyer_facing_types_by_default() -> None:
    pickup = {"directory": "mail", "sender": "shop@example.com", "message_id_domain": "example.com"}
    messaging = MessagingConfig.model_validate({"channel": "pickup", "pickup": pickup})

    assert messaging.exception_types == [
        ExceptionType.ADDRESS_INVALID,
        ExceptionType.PAYMENT_FAILED,
        ExceptionType.BACKORDER,
        ExceptionType.FULFILLMENT_DELAYED,
        ExceptionType.DELIVERY_EXCEPTION,
    ]


def test_only_split_shipment_is_informational() -> None:
    assert [spec.type for spec in EXCEPTION_TYPES if spec.informational] == [ExceptionType.SPLIT_SHIPMENT]


def test_a_types_default_owner_is_its_settings_default() -> None:
    assert [DEFAULT_OWNERSHIP.exception_owner(spec.type) for spec in EXCEPTION_TYPES] == [
        spec.settings().owner for spec in EXCEPTION_TYPES
    ]


def test_registering_a_type_adds_it_to_owners_and_policy_and_unregistering_removes_it() -> None:
    with EXCEPTION_TYPES.registered(HIGH_VALUE_ORDER):
        assert EXCEPTION_TYPES.names()[-1] == "high_value_order"
        assert DEFAULT_OWNERSHIP.as_mapping()["exceptions"]["high_value_order"] == "sales"
        assert DEFAULT_POLICY.rule(HIGH_VALUE_ORDER) == HighValuePolicy()
        merged = merge(DEFAULT_POLICY, {"high_value_order": {"min_total": 5}})
        assert merged.rule(HIGH_VALUE_ORDER).min_total == 5.0

    assert "high_value_order" not in EXCEPTION_TYPES
    assert "high_value_order" not in DEFAULT_OWNERSHIP.as_mapping()["exceptions"]


def test_a_registration_that_fails_leaves_the_registry_as_it_was() -> None:
    before = EXCEPTION_TYPES.names()

    with pytest.raises(RuntimeError), EXCEPTION_TYPES.registered(HIGH_VALUE_ORDER):
        raise RuntimeError("the test body failed")

    assert EXCEPTION_TYPES.names() == before


def test_a_name_is_registered_once() -> None:
    types = ExceptionTypes(BUILT_IN)

    with pytest.raises(ValueError, match="exception type stale_order is registered already"):
        types.register(STALE_ORDER)
    assert len(types) == len(BUILT_IN)


def test_a_hold_reason_has_one_placing_type() -> None:
    rival = ExceptionSpec(type=Extra.ANOTHER, settings=HoldingPolicy, detect=nothing, hold=HoldReason.PAYMENT)

    with pytest.raises(ValueError, match="another: payment_failed places payment holds already"):
        ExceptionTypes(BUILT_IN).register(rival)


@pytest.mark.parametrize(
    ("spec_fields", "message"),
    [
        ({"type": Extra.BAD}, "exception type 'Not A Name': use lowercase letters, digits and '_'"),
        (
            {"hold": HoldReason.OTHER},
            "another: a type names a hold exactly when its settings are a HoldingPolicy",
        ),
        ({"hold_from_platform": True}, "another: hold_from_platform needs the hold it comes from"),
    ],
)
def test_a_spec_that_contradicts_itself_is_refused(spec_fields: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"type": Extra.ANOTHER, "settings": DetectorPolicy, "detect": nothing}

    with pytest.raises(ValueError) as refused:
        ExceptionSpec(**{**fields, **spec_fields})  # type: ignore[arg-type]

    assert str(refused.value) == message


def test_a_policy_built_by_merging_back_to_the_defaults_is_the_default_policy() -> None:
    changed = merge(DEFAULT_POLICY, {"stale_order": {"no_progress_for": timedelta(hours=1)}})

    back = merge(changed, {"stale_order": {"no_progress_for": timedelta(hours=72)}})

    assert changed != DEFAULT_POLICY
    assert back == DEFAULT_POLICY
    assert hash(back) == hash(DEFAULT_POLICY)


def test_the_exception_policy_page_shows_the_registry() -> None:
    # Regenerate with: python -m orderline.domain.order_exceptions.policy_doc docs/exception-policy.md
    text = DOC_PATH.read_text(encoding="utf-8")

    assert update_page(text) == text
    assert all(f"| `{spec.type}` | {spec.default_owner} |" in text for spec in EXCEPTION_TYPES)


def test_the_page_generator_rewrites_only_the_generated_blocks(tmp_path: Path) -> None:
    page = tmp_path / "exception-policy.md"
    current = DOC_PATH.read_text(encoding="utf-8")
    stale = current.replace("| `stale_order` | operations |", "| `stale_order` | x |")
    assert stale != current
    page.write_text(stale, encoding="utf-8")

    main([str(page)])

    assert page.read_text(encoding="utf-8") == current


def test_a_page_without_the_generated_blocks_is_refused() -> None:
    with pytest.raises(KeyError, match="default-policy"):
        update_page("# Exception policy\n")


def test_the_configuration_page_lists_the_registrys_default_owners() -> None:
    # docs/configuration.md repeats the default owners beside the other owner tables.
    text = (DOC_PATH.parent / "configuration.md").read_text(encoding="utf-8")
    table = text.split("| exception type | default owner |\n|---|---|\n", 1)[1].split("\n\n", 1)[0]

    rows = [line.strip("| ").split(" | ") for line in table.splitlines()]
    assert [(name.strip("`"), owner) for name, owner in rows] == [
        (spec.type, spec.default_owner) for spec in BUILT_IN
    ]
