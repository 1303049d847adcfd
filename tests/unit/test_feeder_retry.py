"""The traffic feeder (demo, simulate) posts a webhook again when its connection failed
without an answer, as a platform does; a refusal is counted, not retried."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from orderline.cli.feeder import SEND_ATTEMPTS, TrafficFeeder
from orderline.simulation.traffic import Post

POST = Post("shopify", "/webhooks/shopify/s1", {"X-Shopify-Topic": "orders/create"}, b"{}")


def _feed(answers: list[Any]) -> tuple[TrafficFeeder, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer)

    async def run() -> TrafficFeeder:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://o") as client:
            feeder = TrafficFeeder(client, traffic=None)  # type: ignore[arg-type]
            await feeder._post_all([POST])
            return feeder

    return asyncio.run(run()), seen


def test_a_post_whose_connection_failed_is_sent_again() -> None:
    feeder, seen = _feed([httpx.ReadError("closed"), 200])
    assert feeder.counts.posted == 1 and len(seen) == 2
    assert seen[0].content == seen[1].content == POST.body


def test_a_refused_post_is_counted_not_retried() -> None:
    feeder, seen = _feed([401])
    assert feeder.counts.refused == {401: 1} and len(seen) == 1


def test_a_connection_that_keeps_failing_fails_the_feed() -> None:
    with pytest.raises(httpx.ReadError):
        _feed([httpx.ReadError("closed")] * SEND_ATTEMPTS)
