"""`GET /api/v1/scorecard`: the weekly KPI scorecard as JSON (default), CSV or the
self-contained HTML report, for any authenticated role (viewer and up), as the orders are.

A week that is not an ISO week, has not started yet or lies before 1970 is refused with
422 (a problem naming `query.week`, like any validation error); a store the configuration
does not list with 404. Also home of `week_problem`, which `orderline scorecard` shares.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from orderline.domain.scorecard.weeks import IsoWeek
from orderline.reports.scorecard_csv import render_csv
from orderline.reports.scorecard_data import scorecard_to_dict, store_key
from orderline.reports.scorecard_html import render_html
from orderline.services.scorecard import UnknownStore
from orderline.web.auth import Authenticated
from orderline.web.problems import FieldProblem, problem_response, problem_responses

if TYPE_CHECKING:
    from orderline.domain.scorecard.figures import Scorecard
    from orderline.web.app import WebContext

EARLIEST_WEEK = IsoWeek(1970, 1)
"""No platform holds an order older; refusing earlier weeks also keeps the trend's eight
weeks inside the calendar."""

REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'"
"""The HTML report loads nothing; its page may not either, whatever merchant text it shows."""

router = APIRouter(prefix="/api/v1", tags=["scorecard"], responses=problem_responses(401, 422))


class ScorecardFormat(StrEnum):
    JSON = "json"
    CSV = "csv"
    HTML = "html"


def week_problem(week: IsoWeek, current: IsoWeek) -> str | None:
    """Why `week` cannot be reported while `current` is the current week; None if it can."""
    if week > current:
        return f"{week} has not started yet (the current week is {current})"
    if week < EARLIEST_WEEK:
        return f"{week} is before {EARLIEST_WEEK}, the first week reported"
    return None


_CONTENT = {
    "application/json": {"schema": {"type": "object", "additionalProperties": True}},
    "text/csv": {"schema": {"type": "string"}},
    "text/html": {"schema": {"type": "string"}},
}


@router.get(
    "/scorecard",
    response_class=Response,
    responses={
        200: {
            "description": 'The scorecard (docs/scorecard.md, "Reading the scorecard")',
            "content": _CONTENT,
        },
        **problem_responses(404),
    },
)
def get_scorecard(
    request: Request,
    _: Authenticated,
    week: Annotated[
        str | None,
        Query(
            description="An ISO week, e.g. 2026-W48, in each store's time zone. "
            "Default: the last complete week.",
            examples=["2026-W48"],
        ),
    ] = None,
    store: Annotated[str | None, Query(description="A configured store id. Default: all stores.")] = None,
    report_format: Annotated[ScorecardFormat, Query(alias="format")] = ScorecardFormat.JSON,
) -> Response:
    """The weekly KPI scorecard: headline figures against the week before and their targets,
    the breakdowns, the eight-week trend, the failure analysis and the risk ranking."""
    context: WebContext = request.app.state.context
    reports = context.scorecard
    chosen: IsoWeek | None = None
    if week is not None:
        try:
            chosen = IsoWeek.parse(week)
        except ValueError as error:
            return _bad_week(str(error))
        problem = week_problem(chosen, reports.last_complete_week(store).shifted(1))
        if problem is not None:
            return _bad_week(problem)
    try:
        card = reports.build(chosen, store)
    except UnknownStore as error:
        raise HTTPException(404, str(error)) from error
    return _answer(card, report_format)


def _bad_week(message: str) -> Response:
    return problem_response(
        422, f"query.week: {message}", [FieldProblem(field="query.week", message=message)]
    )


def _answer(card: Scorecard, report_format: ScorecardFormat) -> Response:
    if report_format is ScorecardFormat.CSV:
        headers = {"Content-Disposition": f'inline; filename="{_file_name(card)}.csv"'}
        return Response(render_csv(card), media_type="text/csv; charset=utf-8", headers=headers)
    if report_format is ScorecardFormat.HTML:
        return HTMLResponse(render_html(card), headers={"Content-Security-Policy": REPORT_CSP})
    body: dict[str, Any] = scorecard_to_dict(card)
    return JSONResponse(body)


def _file_name(card: Scorecard) -> str:
    """`scorecard-2026-W48-shop1`: a header carries ASCII only, so other characters of a store
    id become `_`."""
    return f"scorecard-{card.week}-" + re.sub(r"[^A-Za-z0-9_.-]", "_", store_key(card))
