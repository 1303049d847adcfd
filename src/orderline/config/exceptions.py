"""The `exceptions:` section as the domain's `ExceptionPolicy`.

Each exception type's mapping overrides `DEFAULT_POLICY` setting by setting
(`orderline.domain.exceptions.merge`). Durations are written `30m`, `4h`, `2d`, `1d12h`
and become timedeltas here. Owners have one source of truth, the resolved owner table:
`exceptions.<type>.owner` and `ownership.exceptions.<type>` name the same thing, and
naming two different teams is a problem (see policy_lint).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import fields
from datetime import timedelta
from functools import cache

from orderline.config.durations import parse_duration
from orderline.config.ownership import Ownership
from orderline.domain.exceptions import DEFAULT_POLICY, ExceptionPolicy, merge
from orderline.domain.vocabulary import ExceptionType, HoldReason

HOLD_PLACED_BY: Mapping[HoldReason, ExceptionType] = {
    HoldReason.PAYMENT: ExceptionType.PAYMENT_FAILED,
    HoldReason.FRAUD_REVIEW: ExceptionType.FRAUD_REVIEW,
    HoldReason.ADDRESS: ExceptionType.ADDRESS_INVALID,
    HoldReason.BACKORDER: ExceptionType.BACKORDER,
}
"""The exception type whose detector places each hold reason; the others are placed by hand
or by the platform and have no escalation path of their own."""


@cache
def duration_settings(exception_type: ExceptionType) -> frozenset[str]:
    """The settings of `exception_type` that are durations (`pending_after`, `grace`, ...)."""
    cls = type(DEFAULT_POLICY.rule(exception_type))
    hints = typing.get_type_hints(cls)
    return frozenset(f.name for f in fields(cls) if hints[f.name] is timedelta)


def converted_setting(exception_type: ExceptionType, key: str, value: object) -> object:
    """`value` as `merge` takes it: durations parsed, escalation `after`s parsed.

    Raises ValueError for a duration that does not parse; anything else passes through
    for `merge` to judge.
    """
    if key in duration_settings(exception_type):
        return parse_duration(value)
    if key == "escalation" and isinstance(value, list):
        return [_converted_level(level) for level in value]
    return value


def _converted_level(level: object) -> object:
    if isinstance(level, Mapping) and "after" in level:
        return {**level, "after": parse_duration(level["after"])}
    return level


def policy_overrides(sections: Mapping[ExceptionType, Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """The `exceptions:` section as `merge` overrides (the file must have been validated)."""
    return {
        str(kind): {key: converted_setting(kind, key, value) for key, value in section.items()}
        for kind, section in sections.items()
    }


def build_exception_policy(
    sections: Mapping[ExceptionType, Mapping[str, object]], ownership: Ownership
) -> ExceptionPolicy:
    """`DEFAULT_POLICY` with the file's overrides, every owner taken from the owner table."""
    overrides = policy_overrides(sections)
    for kind in ExceptionType:
        overrides.setdefault(str(kind), {})["owner"] = ownership.owner_of_exception(kind)
    return merge(DEFAULT_POLICY, overrides)


def places_hold(policy: ExceptionPolicy, exception_type: ExceptionType) -> bool:
    rule = policy.rule(exception_type)
    return rule.enabled and bool(getattr(rule, "places_hold", False))
