"""Support-tool drift end to end: a live Zendesk ticket that shows its order in another
status than Orderline's is answered with the drift, filed as a drift incident, listed by
`orderline audit tickets` and counted by the scorecard's drift figure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from orderline.cli import app
from orderline.domain.scorecard.figures import Kpi
from orderline.persistence.reconcile_tables import drift_incidents
from tests.e2e.conftest import Service
from tests.e2e.test_helpdesk_webhooks import NOW, ORDER_ID, ZENDESK_SECRET, _place_order, _service, _signed

runner = CliRunner()


@pytest.fixture
def zendesk(tmp_path: Path, database_url: str) -> Iterator[Service]:
    yield from _service(tmp_path, database_url, "zendesk", ZENDESK_SECRET)


def _ticket(ticket_id: str, order_status: str) -> bytes:
    ticket = {
        "id": ticket_id,
        "created_at": "2026-11-23T08:55Z",
        "subject": "Where is order 9999?",
        "requester": {"email": "jon@example.com"},
        "order_status": order_status,
    }
    return json.dumps({"ticket": ticket}).encode()


def _post(service: Service, body: bytes) -> dict[str, object]:
    response = service.client.post("/webhooks/helpdesk/zendesk", content=body, headers=_signed(body))
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def test_a_ticket_showing_another_status_is_drift_and_is_reported(zendesk: Service, tmp_path: Path) -> None:
    _place_order(zendesk)  # paid, nothing shipped: ready_to_fulfill

    stale = _post(zendesk, _ticket("501", "Fulfilled"))
    agreeing = _post(zendesk, _ticket("502", "Unfulfilled"))
    unreadable = _post(zendesk, _ticket("503", "Awaiting pickup"))

    assert stale["status_drift"] == {"ticket_shows": "fulfilled", "orderline": "ready_to_fulfill"}
    assert agreeing["status_drift"] is None and unreadable["status_drift"] is None
    with zendesk.engine.connect() as connection:
        rows = connection.execute(
            select(drift_incidents.c.order_id, drift_incidents.c.source, drift_incidents.c.fields)
        ).all()
    assert [tuple(row) for row in rows] == [
        (
            ORDER_ID,
            "helpdesk",
            [
                {
                    "field": "status",
                    "orderline": "ready_to_fulfill",
                    "platform": "zendesk ticket 501: fulfilled",
                }
            ],
        )
    ]

    config = str(tmp_path / "orderline.yaml")
    now = (NOW + timedelta(hours=1)).isoformat()
    report = runner.invoke(app, ["audit", "tickets", "--json", "--now", now, "--config", config])
    table = runner.invoke(app, ["audit", "tickets", "--now", now, "--config", config])
    clean = runner.invoke(app, ["audit", "tickets", "--json", "--until", "2026-11-22", "--config", config])

    assert report.exit_code == 1, report.output
    data = json.loads(report.stdout)
    assert (data["tickets_showing_status"], data["unreadable_words"]) == (
        3,
        [{"word": "awaiting pickup", "tickets": 1}],
    )
    assert [(d["order_id"], d["orderline"], d["ticket_shows"]) for d in data["drift"]] == [
        (ORDER_ID, "ready_to_fulfill", "zendesk ticket 501: fulfilled")
    ]
    assert table.exit_code == 1 and "1 tickets disagree with Orderline" in table.stdout
    assert (clean.exit_code, json.loads(clean.stdout)["drift"]) == (0, [])

    # Counted in the week it was detected (W48); the order was placed in W47 and last
    # changed on the platform at 2026-11-20 17:05 UTC, 63 h 55 min before the ticket.
    scorecard = zendesk.client.get("/api/v1/scorecard", params={"week": "2026-W48"}, headers=zendesk.token())
    assert scorecard.status_code == 200, scorecard.text
    headline = {f["kpi"]: f["value"] for f in scorecard.json()["headline"]}
    assert headline[Kpi.DRIFT_PER_1000_ORDERS.value] is None  # no order placed in W48
    assert headline[Kpi.DRIFT_DETECT_P50_HOURS.value] == pytest.approx(63 + 55 / 60, abs=0.01)


def test_an_unknown_store_or_an_empty_period_exits_2(zendesk: Service, tmp_path: Path) -> None:
    config = str(tmp_path / "orderline.yaml")

    unknown = runner.invoke(app, ["audit", "tickets", "--store", "nope", "--config", config])
    empty = runner.invoke(
        app, ["audit", "tickets", "--since", "2026-11-23", "--until", "2026-11-23", "--config", config]
    )

    assert unknown.exit_code == 2 and "no store 'nope'" in unknown.output
    assert empty.exit_code == 2 and "must end after it starts" in empty.output
