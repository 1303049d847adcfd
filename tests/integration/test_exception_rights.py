"""Rights on an exception in the service (`ExceptionQueue.act`): only its owner team, or
whoever acts for every team (admin, the CLI). A hold Orderline placed for an exception
stays while another team's attempt is refused, and goes at the next tick once the owner
resolves it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from orderline.services.api_tokens import Role
from orderline.services.exception_queue import (
    EVERY_TEAM,
    Action,
    ExceptionQueue,
    ExceptionRef,
    NotOwnerTeam,
    team_of,
)
from tests.integration.test_exception_holds import (
    ADDRESS_GROUP,
    ADDRESS_KEY,
    BAD_ZIP,
    ORDER,
    STORE,
    T0,
    at,
    exception,
    headline,
    learn,
    run_tick,
    snapshot,
)

REF = ExceptionRef(STORE, ORDER, ADDRESS_KEY)
HELD = ("on_hold", "support", [(ADDRESS_GROUP, "address")])


def _held(engine: Engine) -> None:
    learn(engine, T0, snapshot(0, BAD_ZIP))
    run_tick(engine, T0)
    assert headline(engine) == HELD
    assert exception(engine).owner == "support"


def test_a_role_acts_for_the_team_of_its_name_and_admin_for_every_team() -> None:
    assert [team_of(role) for role in Role] == [
        EVERY_TEAM,
        "operations",
        "support",
        "viewer",
        "support_lookup",
    ]


@pytest.mark.parametrize("action", list(Action))
def test_another_team_is_refused_and_the_exception_and_its_hold_stay(engine: Engine, action: Action) -> None:
    _held(engine)
    queue = ExceptionQueue(engine)

    with pytest.raises(NotOwnerTeam, match="owned by support; operations may not"):
        queue.act(REF, action, "olly", at(1), "text", team="operations")
    result = run_tick(engine, at(1))

    assert result.holds_released == []
    assert headline(engine) == HELD
    found = exception(engine)
    assert (found.state, found.acknowledged_by, found.assignee, found.notes) == ("open", None, None, [])


@pytest.mark.parametrize("team", ["support", EVERY_TEAM], ids=["owner-team", "admin"])
def test_the_owner_team_or_admin_resolves_and_the_hold_goes_at_the_next_tick(
    engine: Engine, team: str | None
) -> None:
    _held(engine)

    resolved = ExceptionQueue(engine).act(REF, Action.RESOLVE, "ann", at(1), "carrier accepts it", team=team)
    result = run_tick(engine, at(1))

    assert (resolved.exception.state, resolved.exception.resolved_by) == ("resolved", "ann")
    assert result.holds_released == [(STORE, ORDER, ADDRESS_GROUP)]
    assert headline(engine) == ("ready_to_fulfill", "operations", [])
