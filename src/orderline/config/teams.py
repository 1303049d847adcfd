"""Which teams a configuration declares, read from the plain YAML tree."""

from __future__ import annotations

from orderline.config.errors import closest_match
from orderline.domain.vocabulary import Team


def declared_teams(teams: object) -> list[str]:
    """The standing teams and those listed under `teams`, in order, from the plain tree."""
    listed = [t for t in teams if isinstance(t, str)] if isinstance(teams, list) else []
    return list(dict.fromkeys([*(str(team) for team in Team), *listed]))


def undeclared_team_message(team: str, declared: list[str]) -> str:
    match = closest_match(team, declared)
    hint = f"did you mean '{match}'?" if match else f"declared: {', '.join(declared)}"
    return f"team '{team}' is not declared under teams; {hint}"
