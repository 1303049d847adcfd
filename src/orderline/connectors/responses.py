"""Reading a platform API's response body."""

from __future__ import annotations

from typing import Any

import httpx
import orjson


def json_of(response: httpx.Response) -> Any:
    """The body parsed as JSON; ValueError when it is not JSON.

    orjson rather than `response.json()` (the stdlib decoder): an import page of full
    order nodes is ~1 MB, and parsing it was the import's fetch thread's largest cost.
    """
    return orjson.loads(response.content)
