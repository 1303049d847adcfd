"""Rules that relate one part of the file to another: unique store ids, declared teams,
and the exception policy's risk-control lint (policy_lint).

They read the plain YAML tree and tolerate anything malformed (the schema reports
that), so the loader can list these problems alongside every other one.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderline.config.errors import Loc
from orderline.config.policy_lint import exception_problems
from orderline.config.teams import declared_teams, undeclared_team_message

OWNERSHIP_SECTIONS = ("statuses", "holds", "exceptions")


def reference_problems(tree: object) -> list[tuple[Loc, str]]:
    """Every cross-reference problem in a plain configuration tree."""
    if not isinstance(tree, Mapping):
        return []
    return [
        *_duplicate_store_ids(tree.get("stores")),
        *_undeclared_teams(tree.get("teams", []), tree.get("ownership")),
        *exception_problems(tree),
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
    declared = declared_teams(teams)
    problems: list[tuple[Loc, str]] = []
    for section in OWNERSHIP_SECTIONS:
        owners = ownership.get(section)
        if not isinstance(owners, Mapping):
            continue
        for key, team in owners.items():
            # An empty owner is reported by the schema as an unowned entry.
            if isinstance(team, str) and team.strip() and team not in declared:
                problems.append((("ownership", section, str(key)), undeclared_team_message(team, declared)))
    return problems
