"""A small HTTP/1.1 load generator: keep-alive connections, pre-built requests.

Run as a separate process so the server under test has its own core. Reads a pickle
of raw request bytes, sends each once over `--connections` connections, and prints
one JSON line: count, seconds, status counts, latency percentiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import time
from collections import Counter


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
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
    finally:
        writer.close()


async def _run(host: str, port: int, requests: list[bytes], connections: int) -> dict[str, object]:
    cursor = [0]
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    started = time.perf_counter()
    await asyncio.gather(
        *(_worker(host, port, requests, cursor, latencies, statuses) for _ in range(connections))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "count": len(latencies),
        "seconds": elapsed,
        "per_s": len(latencies) / elapsed,
        "statuses": {str(k): v for k, v in statuses.items()},
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--requests", required=True, help="pickle file: list of raw request bytes")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    with open(args.requests, "rb") as handle:
        requests = pickle.load(handle)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(_run(args.host, args.port, requests, args.connections))))


if __name__ == "__main__":
    main()
