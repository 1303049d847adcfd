"""The soak's load generator, a process of its own so the server keeps its core.

Reads a pickle of webhook templates (headers without the signature, body, order id) and
posts them over keep-alive HTTP/1.1 connections, each request timed from its write to
the end of its answer:

- `--burst N`: the first N templates as fast as the server answers; prints one JSON line
  with the rate (how bench/ingest measures the ingest rate).
- `--rate R --minutes M`: R requests/s for M minutes; prints one JSON line per minute
  (count, p50/p99 of that minute, statuses) and a last one for the whole run. Pass p of
  the templates (1, 2, ...) gets order ids and webhook ids of its own, re-signed, so
  every request is a new delivery of a new order, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import pickle
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

Template = tuple[dict[str, str], bytes, int]
"""(headers without signature and length, body, the order id written in the body)."""
ORDER_ID_STRIDE = 100_000
"""Pass p adds p * this to each order id (ids are 15 digits: no other id contains one)."""


def build_request(templates: list[Template], index: int, secret: str) -> bytes:
    headers, body, order_id = templates[index % len(templates)]
    lap = index // len(templates)
    if lap:
        body = body.replace(str(order_id).encode(), str(order_id + lap * ORDER_ID_STRIDE).encode())
        headers = {**headers, "X-Shopify-Webhook-Id": f"{headers['X-Shopify-Webhook-Id']}-{lap}"}
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    lines = [b"POST /webhooks/shopify HTTP/1.1", b"Host: 127.0.0.1"]
    lines += [f"{name}: {value}".encode() for name, value in headers.items()]
    lines += [f"X-Shopify-Hmac-Sha256: {signature}".encode(), f"Content-Length: {len(body)}".encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


@dataclass
class Window:
    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def summary(self, seconds: float) -> dict[str, object]:
        ordered = sorted(self.latencies_s)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000 if ordered else 0.0

        return {
            "count": len(ordered),
            "seconds": seconds,
            "per_s": len(ordered) / seconds if seconds else 0.0,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "statuses": {str(k): v for k, v in self.statuses.items()},
        }


class Load:
    """Connections that each take the next request index and, paced, send it."""

    def __init__(self, make: Callable[[int], bytes], port: int, first: int, last: int | None) -> None:
        self._make = make
        self._port = port
        self._next = first
        self._last = last
        self.window = Window()
        self.total = Window()

    def take(self) -> int | None:
        if self._last is not None and self._next >= self._last:
            return None
        self._next += 1
        return self._next - 1

    async def connection(self, due: Callable[[int], float], until: float) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self._port)
        try:
            while time.perf_counter() < until and (index := self.take()) is not None:
                delay = due(index) - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                request = self._make(index)
                started = time.perf_counter()
                writer.write(request)
                status = await _read_answer(reader)
                self._record(time.perf_counter() - started, status)
        finally:
            writer.close()

    def _record(self, latency_s: float, status: int) -> None:
        for window in (self.window, self.total):
            window.latencies_s.append(latency_s)
            window.statuses[status] += 1


async def _read_answer(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return int(head[9:12])


async def burst(load: Load, connections: int) -> None:
    started = time.perf_counter()
    await asyncio.gather(*(load.connection(lambda _: 0.0, float("inf")) for _ in range(connections)))
    print(json.dumps(load.total.summary(time.perf_counter() - started)), flush=True)


async def paced(load: Load, connections: int, rate_per_s: float, minutes: int, first: int) -> None:
    started = time.perf_counter()
    until = started + minutes * 60

    def due(index: int) -> float:
        return started + (index - first) / rate_per_s

    senders = asyncio.gather(*(load.connection(due, until) for _ in range(connections)))
    for minute in range(1, minutes + 1):
        await asyncio.sleep(max(0.0, started + minute * 60 - time.perf_counter()))
        window, load.window = load.window, Window()
        print(json.dumps({"minute": minute, **window.summary(60.0)}), flush=True)
    await senders
    print(json.dumps({"minute": "all", **load.total.summary(time.perf_counter() - started)}), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--templates", required=True, help="pickle file: (secret, list of templates)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--burst", type=int, help="send this many requests as fast as answered")
    parser.add_argument("--rate", type=float, help="requests per second, for --minutes")
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    with open(args.templates, "rb") as handle:
        secret, templates = pickle.load(handle)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    if args.burst:
        load = Load(lambda i: build_request(templates, i, secret), args.port, 0, args.burst)
        asyncio.run(burst(load, args.connections))
    else:
        # The burst used lap 0; the soak starts on lap 1, so nothing it sends is a redelivery.
        first = len(templates)
        load = Load(lambda i: build_request(templates, i, secret), args.port, first, None)
        asyncio.run(paced(load, args.connections, args.rate, args.minutes, first))


if __name__ == "__main__":
    main()
