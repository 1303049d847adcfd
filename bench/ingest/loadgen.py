"""A small HTTP/1.1 load generator: keep-alive connections, pre-built requests.

Run as a separate process so the server under test has its own core. Reads a pickle
of raw request bytes, sends each once over `--connections` connections, and prints
one JSON line: count, seconds, status counts, latency percentiles.

Two ways to drive: as fast as the server answers (each connection sends its next request
when the last is answered: the throughput ceiling, latency is then mostly queueing), or
at a fixed `--rate` (open loop: request i is due at i/rate seconds, and its latency is
counted from when it was due, so a stalled server is charged for the requests it held
back, not only for the ones in flight).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import time
from collections import Counter, deque
from typing import cast

HEAD_END = b"\r\n\r\n"


async def _worker(
    host: str,
    port: int,
    requests: list[bytes],
    cursor: list[int],
    latencies: list[float],
    statuses: Counter[int],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while cursor[0] < len(requests):
            request = requests[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(HEAD_END)
            status = int(head[9:12])
            await reader.readexactly(_content_length(head))
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
    finally:
        writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            return int(line[15:])
    return 0


class _Paced(asyncio.Protocol):
    """One keep-alive connection of the open-loop run: one request in flight at a time."""

    def __init__(self, run: _OpenLoop) -> None:
        self._run = run
        self._buffer = b""
        self._due = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of it

    def send(self, request: bytes, due: float) -> None:
        assert self.transport is not None
        self._due = due
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        end = self._buffer.find(HEAD_END)
        if end < 0:
            return
        head = self._buffer[: end + 4]
        size = end + 4 + _content_length(head)
        if len(self._buffer) < size:
            return
        self._buffer = self._buffer[size:]
        self._run.answered(self, int(head[9:12]), time.perf_counter() - self._due)


class _OpenLoop:
    def __init__(self, requests: list[bytes], rate: float) -> None:
        self._requests = requests
        self._rate = rate
        self._idle: deque[_Paced] = deque()
        self._held: deque[tuple[bytes, float]] = deque()
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.finished = asyncio.get_running_loop().create_future()

    def answered(self, connection: _Paced, status: int, latency: float) -> None:
        self.latencies.append(latency)
        self.statuses[status] += 1
        if self._held:
            connection.send(*self._held.popleft())
        else:
            self._idle.append(connection)
        if len(self.latencies) == len(self._requests) and not self.finished.done():
            self.finished.set_result(None)

    async def run(self, connections: list[_Paced]) -> float:
        self._idle.extend(connections)
        started = time.perf_counter()
        for index, request in enumerate(self._requests):
            due = started + index / self._rate
            wait_s = due - time.perf_counter()
            if wait_s > 0.001:
                await asyncio.sleep(wait_s)
            elif index % 32 == 0:
                await asyncio.sleep(0)  # behind schedule: still read the answers
            if self._idle:
                self._idle.popleft().send(request, due)
            else:
                self._held.append((request, due))  # every connection busy: it waits, and it counts
        await self.finished
        return time.perf_counter() - started


async def _run_open_loop(
    host: str, port: int, requests: list[bytes], connections: int, rate: float
) -> tuple[float, list[float], Counter[int]]:
    run = _OpenLoop(requests, rate)
    loop = asyncio.get_running_loop()
    opened = [await loop.create_connection(lambda: _Paced(run), host, port) for _ in range(connections)]
    elapsed = await run.run([protocol for _, protocol in opened])
    for transport, _ in opened:
        transport.close()
    return elapsed, run.latencies, run.statuses


async def _run_closed_loop(
    host: str, port: int, requests: list[bytes], connections: int
) -> tuple[float, list[float], Counter[int]]:
    cursor = [0]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    started = time.perf_counter()
    await asyncio.gather(
        *(_worker(host, port, requests, cursor, latencies, statuses) for _ in range(connections))
    )
    return time.perf_counter() - started, latencies, statuses


async def _run(
    host: str, port: int, requests: list[bytes], connections: int, rate: float
) -> dict[str, object]:
    if rate > 0:
        elapsed, latencies, statuses = await _run_open_loop(host, port, requests, connections, rate)
    else:
        elapsed, latencies, statuses = await _run_closed_loop(host, port, requests, connections)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "count": len(latencies),
        "seconds": elapsed,
        "per_s": len(latencies) / elapsed,
        "offered_per_s": rate or None,
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "max_ms": latencies[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True, help="pickle file: list of raw request bytes")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--rate", type=float, default=0.0, help="requests per second (0: as fast as answered)"
    )
    args = parser.parse_args()
    with open(args.requests, "rb") as handle:
        requests = pickle.load(handle)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(_run(args.host, args.port, requests, args.connections, args.rate))))


if __name__ == "__main__":
    main()
