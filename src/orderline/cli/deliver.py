"""`orderline deliver`: deliver due customer messages and helpdesk hand-offs.

The processing worker delivers too (after each tick); this command runs delivery on its
own, for installations that keep it apart, and for operators who want to flush the
outbox now (`--once`). Stopping it at any moment loses nothing: a message claimed but not
recorded is taken again after the lease and resent with the same Message-ID.
"""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from orderline.bootstrap import SchemaNotReady, build_runtime
from orderline.cli.options import ConfigOption, err, load_or_exit, output_console, print_json

out = output_console()


def deliver(
    config: ConfigOption = None,
    once: Annotated[bool, typer.Option("--once", help="Deliver what is due now, then exit.")] = False,
    poll_s: Annotated[
        float, typer.Option("--poll-s", help="Pause between rounds when idle.", min=0.05)
    ] = 1.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --once: print the report as JSON, for scripts.")
    ] = False,
) -> None:
    """Deliver due customer messages and helpdesk hand-offs, retrying with backoff; Ctrl-C stops."""
    if as_json and not once:
        err.print("--json needs --once: a running delivery prints no report")
        raise typer.Exit(2)
    settings = load_or_exit(config)
    if settings.messaging is None and settings.helpdesk is None:
        err.print("nothing to deliver: the configuration has no messaging: or helpdesk: section")
        raise typer.Exit(2)
    try:
        runtime = build_runtime(settings)
    except SchemaNotReady as error:
        err.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from error
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    try:
        while not stopped.is_set():
            report = runtime.outreach.deliver(runtime.clock())
            if once and as_json:
                print_json(
                    {
                        "sent": report.sent,
                        "retrying": report.retrying,
                        "failed": report.failed,
                        "details": list(report.details),
                    }
                )
                return
            if once:
                out.print(f"sent={report.sent} retrying={report.retrying} failed={report.failed}")
                for detail in report.details:
                    out.print(f"failed: {detail}", highlight=False)
                return
            if report.attempts == 0:
                stopped.wait(poll_s)
    finally:
        runtime.close()
