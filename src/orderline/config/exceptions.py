"""The `exceptions:` section as the domain's `ExceptionPolicy`.

Each exception type's mapping overrides `DEFAULT_POLICY` setting by setting
(`orderline.domain.order_exceptions.merge`). Durations are written `30m`, `4h`, `2d`, `1d12h`
and become timedeltas here. Owners have one source of truth, the resolved owner table:
`exceptions.<type>.owner` and `ownership.exceptions.<type>` name the same thing, and
naming two different teams is a problem (see policy_lint). The types, their settings and
their holds come from the registry (`EXCEPTION_TYPES`).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import fields
from datetime import timedelta

from orderline.config.durations import parse_duration
from orderline.config.ownership import Ownership
from orderline.domain.order_exceptions import (
    DEFAULT_POLICY,
    EXCEPTION_TYPES,
    AnySpec,
    DetectorPolicy,
    ExceptionPolicy,
    merge,
)


def duration_settings(exception_type: str) -> frozenset[str]:
    """The settings of `exception_type` that are durations (`pending_after`, `grace`, ...)."""
    return _durations_of(EXCEPTION_TYPES[exception_type].settings)


_DURATIONS: dict[type[DetectorPolicy], frozenset[str]] = {}


def _durations_of(settings: type[DetectorPolicy]) -> frozenset[str]:
    if settings not in _DURATIONS:
        hints = typing.get_type_hints(settings)
        _DURATIONS[settings] = frozenset(f.name for f in fields(settings) if hints[f.name] is timedelta)
    return _DURATIONS[settings]


def converted_setting(exception_type: str, key: str, value: object) -> object:
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


def policy_overrides(sections: Mapping[str, Mapping[str, object]]) -> dict[str, dict[str, object]]:
    """The `exceptions:` section as `merge` overrides (the file must have been validated)."""
    return {
        str(kind): {key: converted_setting(kind, key, value) for key, value in section.items()}
        for kind, section in sections.items()
    }


def build_exception_policy(
    sections: Mapping[str, Mapping[str, object]], ownership: Ownership
) -> ExceptionPolicy:
    """`DEFAULT_POLICY` with the file's overrides, every owner taken from the owner table."""
    overrides = policy_overrides(sections)
    for spec in EXCEPTION_TYPES:
        overrides.setdefault(str(spec.type), {})["owner"] = ownership.exception_owner(spec.type)
    return merge(DEFAULT_POLICY, overrides)


def places_hold(policy: ExceptionPolicy, spec: AnySpec) -> bool:
    """Whether `spec`'s type, under `policy`, holds fulfilment when it finds something."""
    rule = policy.rule(spec)
    return rule.enabled and spec.hold_for(rule) is not None
