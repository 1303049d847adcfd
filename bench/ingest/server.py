"""The server under test: Orderline's real ASGI app, durable or with a no-op store.

`--mode durable` is `orderline serve` as shipped (group commit, processing worker).
`--mode noop` is the same stack (routing, store lookup, signature check, JSON check)
with a writer that acknowledges without storing: the HTTP ceiling.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn

from orderline.bootstrap import build_runtime, build_web_context
from orderline.cli.worker import WorkerProcess
from orderline.config import load_config
from orderline.persistence.inbox import GroupCommitWriter, Record
from orderline.web.app import create_app


class NoopWriter(GroupCommitWriter):
    async def write(self, record: Record) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["durable", "durable-unprocessed", "noop"], required=True)
    args = parser.parse_args()
    runtime = build_runtime(load_config(args.config))
    worker = WorkerProcess(Path(args.config)) if args.mode == "durable" else None
    context = build_web_context(runtime, processing=worker)
    if args.mode == "noop":
        context.writer = NoopWriter(runtime.engine)
    uvicorn.run(
        create_app(context),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    main()
