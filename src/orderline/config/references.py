"""Rules that relate one part of the file to another: unique store ids, declared teams.

They read the plain YAML tree and tolerate anything malformed (the schema reports
that), so the loader can list these problems alongside every other one.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderline.config.errors import Loc, closest_match
from orderline.domain.vocabulary import Team

OWNERSHIP_SECTIONS = ("statuses", "holds", "exceptions")


def reference_problems(tree: object) -> list[tuple[Loc, str]]:
    """Every cross-reference problem in a plain configuration tree."""
    if not isinstance(tree, Mapping):
        return []
    return [
        *_duplicate_store_ids(tree.get("stores")),
        *_undeclared_teams(tree.get("teams", []), tree.get("ownership")),
    ]


def _duplicate_store_ids(stores: object) -> list[tuple[Loc, str]]:
    if not isinstance(stores, list):
        return []
    first_use: dict[str, int] = {}
    problems: list[tuple[Loc, str]] = []
    for index, store in enumerate(stores):
        store_id = store.get("id") if isinstance(store, Mapping) else None
        if not isinstance(store_id, str):
            continue
        if store_id in first_use:
            message = f"duplicate store id '{store_id}' (already used by stores[{first_use[store_id]}])"
            problems.append((("stores", index, "id"), message))
        else:
            first_use[store_id] = index
    return problems


def _undeclared_teams(teams: object, ownership: object) -> list[tuple[Loc, str]]:
    if not isinstance(teams, list) or not isinstance(ownership, Mapping):
        return []
    declared = list(dict.fromkeys([*(str(team) for team in Team), *(t for t in teams if isinstance(t, str))]))
    problems: list[tuple[Loc, str]] = []
    for section in OWNERSHIP_SECTIONS:
        owners = ownership.get(section)
        if not isinstance(owners, Mapping):
            continue
        for key, team in owners.items():
            if isinstance(team, str) and team not in declared:
                problems.append((("ownership", section, str(key)), _undeclared_message(team, declared)))
    return problems


def _undeclared_message(team: str, declared: list[str]) -> str:
    match = closest_match(team, declared)
    hint = f"did you mean '{match}'?" if match else f"declared: {', '.join(declared)}"
    return f"team '{team}' is not declared under teams; {hint}"
