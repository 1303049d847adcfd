"""Risk-control lint of the `exceptions:` section: no exception left unowned, no hold
without an escalation path, no escalation level without a reachable target.

Like `references`, it reads the plain YAML tree and skips what the schema reports
(an unknown exception type, a section that is not a mapping). Every problem is a key
path under `exceptions.<type>` and a message that names the gap.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta
from itertools import pairwise
from urllib.parse import urlsplit

from orderline.config.durations import format_duration, parse_duration
from orderline.config.errors import Loc, closest_match
from orderline.config.exceptions import converted_setting, places_hold
from orderline.config.teams import declared_teams, undeclared_team_message
from orderline.domain.order_exceptions import (
    DEFAULT_POLICY,
    EXCEPTION_TYPES,
    AnySpec,
    PolicyError,
    TargetKind,
    merge,
    target_kind,
)

Problems = list[tuple[Loc, str]]
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_LEVEL_KEYS = ("after", "target")


def exception_problems(tree: Mapping[str, object]) -> Problems:
    """Every problem of the `exceptions:` section of a plain configuration tree."""
    sections = tree.get("exceptions")
    if not isinstance(sections, Mapping):
        return []
    teams = declared_teams(tree.get("teams"))
    listed = _listed_owners(tree.get("ownership"))
    problems: Problems = []
    for name, section in sections.items():
        spec = EXCEPTION_TYPES.get(name) if isinstance(name, str) else None
        if spec is not None and isinstance(section, Mapping):
            problems += _section_problems(spec, section, teams, listed.get(str(spec.type)))
    return problems


def _listed_owners(ownership: object) -> Mapping[str, object]:
    owners = ownership.get("exceptions") if isinstance(ownership, Mapping) else None
    return owners if isinstance(owners, Mapping) else {}


def _section_problems(
    spec: AnySpec, section: Mapping[str, object], teams: list[str], listed_owner: object
) -> Problems:
    kind = str(spec.type)
    loc: Loc = ("exceptions", kind)
    problems: Problems = []
    overrides: dict[str, object] = {}
    for key, value in section.items():
        setting_problems = _setting_problems(kind, str(key), value, teams)
        if str(key) == "owner" and not setting_problems:
            setting_problems = _owner_conflict(kind, value, listed_owner)
        if not setting_problems:
            converted = converted_setting(kind, str(key), value)
            setting_problems = _merge_problems({kind: {str(key): converted}}, at_key=str(key))
            overrides[str(key)] = converted
        problems += setting_problems
    if problems:
        return problems
    return _merge_problems({kind: overrides}) or _gap_problems(spec, overrides, loc)


def _setting_problems(kind: str, key: str, value: object, teams: list[str]) -> Problems:
    loc: Loc = ("exceptions", str(kind), key)
    if key == "owner":
        return _owner_problems(kind, value, teams, loc)
    if key == "escalation":
        return _ladder_problems(value, teams, loc)
    try:
        converted_setting(kind, key, value)
    except ValueError as error:
        return [(loc, str(error))]
    return []


def _owner_problems(kind: str, value: object, teams: list[str], loc: Loc) -> Problems:
    if value is None or (isinstance(value, str) and not value.strip()):
        return [(loc, f"leaves exception type {kind} unowned; name the team that owns it")]
    if isinstance(value, str) and value not in teams:
        return [(loc, undeclared_team_message(value, teams))]
    return []


def _owner_conflict(kind: str, owner: object, listed_owner: object) -> Problems:
    if isinstance(listed_owner, str) and listed_owner != owner:
        message = (
            f"owner '{owner}' conflicts with ownership.exceptions.{kind} ('{listed_owner}'); "
            "name the owner in one place"
        )
        return [(("exceptions", str(kind), "owner"), message)]
    return []


def _ladder_problems(value: object, teams: list[str], loc: Loc) -> Problems:
    if not isinstance(value, list):
        return [(loc, "must be a list of levels, each with after and target")]
    problems: Problems = []
    dues: list[tuple[int, timedelta]] = []
    for index, level in enumerate(value):
        level_problems, due = _level_problems(index, level, teams, (*loc, index))
        problems += level_problems
        if due is not None:
            dues.append((index, due))
    for (earlier, earlier_due), (later, later_due) in pairwise(dues):
        if later_due < earlier_due:
            message = (
                f"level {later + 1} is due after {format_duration(later_due)}, before level {earlier + 1} "
                f"({format_duration(earlier_due)}); list levels in order"
            )
            problems.append(((*loc, later, "after"), message))
    return problems


def _level_problems(
    index: int, level: object, teams: list[str], loc: Loc
) -> tuple[Problems, timedelta | None]:
    if not isinstance(level, Mapping):
        return [(loc, "must be a level with after and target, e.g. {after: 4h, target: support}")], None
    problems: Problems = [
        ((*loc, str(key)), f"unknown key; expected one of: {', '.join(_LEVEL_KEYS)}")
        for key in level
        if key not in _LEVEL_KEYS
    ]
    due = None
    if level.get("after") is None:
        problems.append(
            ((*loc, "after"), f"escalation level {index + 1} has no due time; write e.g. after: 4h")
        )
    else:
        try:
            due = parse_duration(level["after"])
        except ValueError as error:
            problems.append(((*loc, "after"), str(error)))
    problems += _target_problems(index, level.get("target"), teams, (*loc, "target"))
    return problems, due


def _target_problems(index: int, target: object, teams: list[str], loc: Loc) -> Problems:
    if target is None or (isinstance(target, str) and not target.strip()):
        return [(loc, f"escalation level {index + 1} has no target; {_TARGET_HINT}")]
    if not isinstance(target, str):
        return [(loc, f"must be a string: {_TARGET_HINT}")]
    kind = target_kind(target)
    if kind is TargetKind.WEBHOOK and not _has_host(target):
        # Not echoed: a webhook URL may carry a token.
        return [(loc, "webhook target must be an http(s) URL with a host")]
    if kind is TargetKind.EMAIL and not _EMAIL.fullmatch(target):
        return [(loc, f"'{target}' is not an e-mail address")]
    if kind is TargetKind.TEAM and target not in teams:
        match = closest_match(target, teams)
        hint = f"did you mean '{match}'?" if match else f"declared teams: {', '.join(teams)}"
        return [
            (
                loc,
                f"target '{target}' is neither a declared team, an e-mail address nor an http(s) URL; {hint}",
            )
        ]
    return []


_TARGET_HINT = "name a declared team, an e-mail address or an http(s) webhook URL"


def _has_host(url: str) -> bool:
    try:
        return bool(urlsplit(url).hostname)
    except ValueError:
        return False


def _merge_problems(overrides: Mapping[str, object], at_key: str | None = None) -> Problems:
    """The domain's verdict; a threshold refused while merging one setting is put at its key."""
    try:
        merge(DEFAULT_POLICY, overrides)
    except PolicyError as error:
        loc, message = _located(str(error))
        if at_key is not None and len(loc) == 2:
            loc = (*loc, at_key)
        return [(loc, message)]
    return []


def _located(message: str) -> tuple[Loc, str]:
    """A PolicyError's `payment_failed.statuses[0]: ...` as a key path under `exceptions`."""
    path, _, text = message.partition(": ")
    loc: Loc = tuple(int(index) if index else name for name, index in _PATH_PART.findall(path))
    return ("exceptions", *loc), text


def _gap_problems(spec: AnySpec, overrides: Mapping[str, object], loc: Loc) -> Problems:
    kind = spec.type
    policy = merge(DEFAULT_POLICY, {kind: overrides})
    rule = policy.rule(spec)
    if not rule.enabled or rule.escalation:
        return []
    where: Loc = (*loc, "escalation") if "escalation" in overrides else loc
    if places_hold(policy, spec):
        return [
            (where, f"{kind} places a {spec.hold} hold but has no escalation path; list at least one level")
        ]
    return [(where, f"{kind} has no escalation path; list at least one level, or set enabled: false")]
