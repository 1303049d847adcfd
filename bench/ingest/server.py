"""The server under test: Orderline's real ASGI app, durable or with a no-op store.

`--mode durable` is `orderline serve` as shipped (group commit, embedded processing).
`--mode noop` is the same stack (routing, store lookup, signature check, JSON check)
with a writer that acknowledges without storing: the HTTP ceiling.
"""

from __future__ import annotations

import argparse
from concurrent.futures import Future

import uvicorn

from orderline.bootstrap import build_runtime, build_web_context
from orderline.config import load_config
from orderline.store.inbox import GroupCommitWriter, Record
from orderline.web.app import create_app


class NoopWriter(GroupCommitWriter):
    def submit(self, record: Record) -> Future[None]:
        done: Future[None] = Future()
        done.set_result(None)
        return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["durable", "noop"], required=True)
    args = parser.parse_args()
    runtime = build_runtime(load_config(args.config))
    context = build_web_context(runtime, embedded_processing=args.mode == "durable")
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
