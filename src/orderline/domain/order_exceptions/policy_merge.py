"""Overriding a policy piece by piece: `merge(DEFAULT_POLICY, overrides)`.

`overrides` is the shape the config layer parses YAML into:
``{"payment_failed": {"pending_after": timedelta(hours=12)}, "split_shipment": {"enabled": False}}``.
A setting that is named replaces the default; everything else keeps it. A list
(`escalation`, `required_fields`, `statuses`) is one setting: naming it replaces the
whole list. Durations are `timedelta`s (turning "12h" into one is the config layer's
job); escalation levels are `EscalationLevel`s or mappings with `after` and `target`.

Every refusal is a `PolicyError` whose message starts with the key path
(`payment_failed.pending_after: expected a duration, got '12h'`).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import timedelta
from enum import Enum
from typing import Any, TypeVar

from orderline.domain.order_exceptions.escalation import EscalationLevel
from orderline.domain.order_exceptions.policy import DetectorPolicy, ExceptionPolicy, is_setting
from orderline.domain.order_exceptions.registry import EXCEPTION_TYPES, AnySpec, ExceptionTypes

P = TypeVar("P", bound=DetectorPolicy)


class PolicyError(ValueError):
    """An override that does not fit the policy; the message names the key path."""


def merge(
    base: ExceptionPolicy, overrides: Mapping[str, object], types: ExceptionTypes = EXCEPTION_TYPES
) -> ExceptionPolicy:
    """`base` with the settings named in `overrides` replaced, and nothing else."""
    changes: dict[str, DetectorPolicy] = {}
    for name, section in overrides.items():
        spec = _spec(name, types)
        changes[spec.type] = merge_rule(base.rule(spec), section, name)
    return base.with_rules(changes)


def merge_rule(rule: P, section: object, path: str) -> P:
    """One exception type's policy with the settings of `section` replaced."""
    if not isinstance(section, Mapping):
        raise PolicyError(f"{path}: expected a mapping of settings, got {_shown(section)}")
    types = _setting_types(type(rule))
    values: dict[str, Any] = {}
    for key, value in section.items():
        if key not in types:
            raise PolicyError(f"{path}.{key}: unknown setting; expected one of {', '.join(types)}")
        values[key] = _coerce(types[key], value, f"{path}.{key}")
    try:
        return replace(rule, **values)
    except ValueError as error:
        raise PolicyError(f"{path}: {error}") from None


def _spec(name: str, types: ExceptionTypes) -> AnySpec:
    spec = types.get(name)
    if spec is None:
        known = ", ".join(types.names())
        raise PolicyError(f"{name}: unknown exception type; expected one of {known}")
    return spec


_SETTING_TYPES: dict[type[DetectorPolicy], dict[str, Any]] = {}


def _setting_types(cls: type[DetectorPolicy]) -> dict[str, Any]:
    """Setting name -> its annotation, in declaration order."""
    if cls not in _SETTING_TYPES:
        hints = typing.get_type_hints(cls)
        _SETTING_TYPES[cls] = {f.name: hints[f.name] for f in fields(cls) if is_setting(f)}
    return _SETTING_TYPES[cls]


def _shown(value: object) -> str:
    return repr(value) if isinstance(value, str | int | float) else type(value).__name__


def _coerce(annotation: Any, value: object, path: str) -> object:
    origin = typing.get_origin(annotation)
    if origin is frozenset:
        (item,) = typing.get_args(annotation)
        return frozenset(_coerce(item, v, f"{path}[{i}]") for i, v in enumerate(_items(value, path)))
    if origin is tuple:  # the only tuple setting is the escalation ladder
        return tuple(_level(v, f"{path}[{i}]") for i, v in enumerate(_items(value, path)))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _member(annotation, value, path)
    return _scalar(annotation, value, path)


def _scalar(annotation: Any, value: object, path: str) -> object:
    if annotation in (bool, timedelta, str) and isinstance(value, annotation):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if annotation is float:
            return float(value)
        if annotation is int and float(value).is_integer():
            return int(value)
    expected = {bool: "true or false", timedelta: "a duration", str: "a string", int: "a whole number"}
    raise PolicyError(f"{path}: expected {expected.get(annotation, 'a number')}, got {_shown(value)}")


def _member(enum: type[Enum], value: object, path: str) -> Enum:
    try:
        return enum(value)
    except ValueError:
        known = ", ".join(str(m.value) for m in enum)
        raise PolicyError(f"{path}: unknown value {_shown(value)}; expected one of {known}") from None


def _items(value: object, path: str) -> list[object]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, typing.Iterable):
        raise PolicyError(f"{path}: expected a list, got {_shown(value)}")
    return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)


def _level(value: object, path: str) -> EscalationLevel:
    if isinstance(value, EscalationLevel):
        return value
    if not isinstance(value, Mapping) or set(value) != {"after", "target"}:
        raise PolicyError(f"{path}: expected a level with exactly 'after' and 'target', got {_shown(value)}")
    after, target = value["after"], value["target"]
    if not isinstance(after, timedelta) or not isinstance(target, str):
        raise PolicyError(f"{path}: 'after' must be a duration and 'target' a string")
    try:
        return EscalationLevel(after, target)
    except ValueError as error:
        raise PolicyError(f"{path}: {error}") from None
