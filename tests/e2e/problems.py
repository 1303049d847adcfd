"""The error body every HTTP answer carries (RFC 9457 problem details), written out here
so tests compare an answer with the documented shape rather than with the server's code."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"


def problem(status: int, detail: str, **extra: Any) -> dict[str, Any]:
    """The body of an error answer: `extra` is `errors` for a validation error (422)."""
    return {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
