"""The one error body of every HTTP answer: RFC 9457 problem details.

Webhooks and the API alike answer an error with `application/problem+json`:

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "no order 1001 in store shop1"}

`title` is the status's reason phrase and `detail` always one human-readable string, so a
client that read FastAPI's `detail` keeps working. A request validation error (422) adds
`errors`, one entry per invalid input, its location joined with dots:

    "errors": [{"field": "query.placed_from", "message": "Input should be a valid datetime"}]

`problem_bytes` serves the plain-ASGI webhook path, `problem_response` the Starlette and
FastAPI routes, `install_problem_handlers` makes FastAPI's own errors (HTTPException,
validation, 404/405 from routing) take the same shape, and `problem_responses` documents
it in /openapi.json.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi import HTTPException as FastApiHTTPException
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException
from starlette.responses import Response

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Where: the input's location joined with dots.", examples=["query.limit"])
    message: str = Field(examples=["Input should be less than or equal to 500"])


class Problem(BaseModel):
    """An error answer (RFC 9457 problem details)."""

    type: str = Field(default="about:blank", description="Always `about:blank`: the status says it all.")
    title: str = Field(description="The HTTP reason phrase of `status`.", examples=["Not Found"])
    status: int = Field(examples=[404])
    detail: str = Field(
        description="What went wrong, for a person.", examples=["no order 1001 in store shop1"]
    )
    # Absent, never null, on other errors: SkipJsonSchema keeps null out of the schema.
    errors: list[FieldProblem] | SkipJsonSchema[None] = Field(
        default=None, description="Request validation errors (422 only): one per invalid input."
    )


def problem(status: int, detail: str, errors: list[FieldProblem] | None = None) -> dict[str, Any]:
    """The body as a JSON object; `errors` only when given."""
    body = Problem(title=_reason_phrase(status), status=status, detail=detail, errors=errors)
    return body.model_dump(exclude_none=True)


def problem_bytes(status: int, detail: str) -> bytes:
    """The encoded body, for the plain-ASGI webhook path (sent with `PROBLEM_JSON`)."""
    return orjson.dumps(problem(status, detail))


def problem_response(
    status: int,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    return Response(
        orjson.dumps(problem(status, detail, errors)), status, headers=headers, media_type=PROBLEM_JSON
    )


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a code Python does not name: still an error of its class
        return "Client Error" if 400 <= status < 500 else "Server Error"


# --- FastAPI's own errors --------------------------------------------------------------


async def _http_error(_: Request, error: Exception) -> Response:
    """HTTPException, FastAPI's (a subclass) and Starlette's, which routing raises for 404
    and 405 (with its `Allow` header)."""
    assert isinstance(error, HTTPException)
    detail = error.detail if isinstance(error.detail, str) else str(error.detail)
    return problem_response(error.status_code, detail, headers=error.headers)


async def _validation_error(_: Request, error: Exception) -> Response:
    assert isinstance(error, RequestValidationError)
    errors = [
        FieldProblem(field=".".join(str(part) for part in e["loc"]), message=e["msg"]) for e in error.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors) or "invalid request"
    return problem_response(422, detail, errors)


async def _server_error(_: Request, __: Exception) -> Response:
    # Starlette still re-raises the exception after this answer, so the server logs it;
    # the client learns nothing of the internals.
    return problem_response(500, "internal error; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of `app` with a problem, and name the `Problem` schema in its
    /openapi.json (the routes' `problem_responses` refer to it)."""
    # FastAPI's HTTPException subclasses Starlette's; both are named so neither falls
    # through to a default handler if FastAPI ever registers one of its own.
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(FastApiHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _server_error)
    app.openapi = _with_problem_schemas(app.openapi)  # type: ignore[method-assign]


# --- /openapi.json -----------------------------------------------------------------------

_SCHEMAS = "#/components/schemas/"


def problem_responses(*statuses: int, described: Mapping[int, str] | None = None) -> dict[int | str, Any]:
    """`responses=` entries saying each status answers a `Problem` as problem+json;
    `described` gives a status words of its own (default: its reason phrase)."""
    descriptions = {**{code: _reason_phrase(code) for code in statuses}, **(described or {})}
    content = {PROBLEM_JSON: {"schema": {"$ref": f"{_SCHEMAS}Problem"}}}
    return {code: {"description": text, "content": content} for code, text in descriptions.items()}


def _with_problem_schemas(openapi: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """FastAPI files a schema under components only for a model answered as
    application/json; the problem+json answers refer to `Problem`, so it is added here."""
    schemas = Problem.model_json_schema(ref_template=_SCHEMAS + "{model}", mode="serialization")
    named = {**schemas.pop("$defs", {}), "Problem": schemas}

    def described() -> dict[str, Any]:
        document = openapi()  # FastAPI builds it once and returns the same dict after
        document.setdefault("components", {}).setdefault("schemas", {}).update(named)
        return document

    return described


_Scope = MutableMapping[str, Any]
_Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
_Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
_ASGIApp = Callable[[_Scope, _Receive, _Send], Awaitable[None]]


class NulGuard:
    """Refuses a URL with a NUL character (`%00`) with 422 before any route sees it: no
    database stores one in a text column, and PostgreSQL raises on it (a 500)."""

    def __init__(self, app: _ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: _Scope, receive: _Receive, send: _Send) -> None:
        if scope["type"] == "http" and _has_nul(scope):
            body = problem_bytes(422, "a NUL character (%00) is not allowed in the URL")
            headers = [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 422, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def _has_nul(scope: Mapping[str, Any]) -> bool:
    if scope["path"].startswith("/webhooks/"):
        return False  # the intakes answer it themselves, and keep a dead letter
    query: bytes = scope.get("query_string", b"")
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query
