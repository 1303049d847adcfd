"""`orderline jobs`: the job queue at a glance (waiting, oldest due, running, stalled,
failed), and `orderline jobs retry` for failed jobs. On SQLite the in-process engine keeps
no jobs: the inbox backlog is shown instead."""

from __future__ import annotations

from typing import Annotated

import typer

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, JsonOption, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.services.jobs import IN_PROCESS, JobBoardState

app = typer.Typer(
    help="The job queue (PostgreSQL): what waits, runs, stalled or failed; retry failed jobs.",
    invoke_without_command=True,
)
out = output_console()


@app.callback()
def show(ctx: typer.Context, config: ConfigOption = None, as_json: JsonOption = False) -> None:
    """Queue depth, the oldest due job's wait, running, stalled and failed jobs."""
    if ctx.invoked_subcommand is not None:
        return
    with open_services(load_or_exit(config)) as services:
        state = services.jobs.state(system_clock())
    if as_json:
        print_json(_json(state))
        return
    backlog = sum(state.inbox_backlog.values())
    if state.engine == IN_PROCESS:
        out.print(
            "the in-process engine works the inbox directly (SQLite: no job queue); "
            f"inbox backlog {backlog} " + _by_status(state.inbox_backlog),
            highlight=False,
        )
        return
    out.print(
        f"engine {state.engine}: {state.todo} waiting (oldest due {state.oldest_due_age_s:.1f} s), "
        f"{state.doing} running, {state.stalled} stalled, {state.failed} failed; "
        f"inbox backlog {backlog} " + _by_status(state.inbox_backlog),
        highlight=False,
    )


@app.command("retry")
def retry(
    job_ids: Annotated[
        list[int] | None, typer.Option("--id", help="Only this failed job (repeatable). Default: all.")
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Put failed jobs back in line (they run again as soon as a worker is free)."""
    with open_services(load_or_exit(config)) as services:
        engine = services.jobs.engine_name
        retried = services.jobs.retry_failed(job_ids or None)
    if as_json:
        print_json({"engine": engine, "retried": retried})
        return
    if engine == IN_PROCESS:
        out.print("the in-process engine keeps no jobs (SQLite): nothing to retry")
        return
    out.print(f"{len(retried)} failed jobs back in line" + (f": {retried}" if retried else ""))


def _json(state: JobBoardState) -> dict[str, object]:
    return {
        "engine": state.engine,
        "todo": state.todo,
        "doing": state.doing,
        "stalled": state.stalled,
        "failed": state.failed,
        "oldest_due_age_s": round(state.oldest_due_age_s, 3),
        "by_status": state.by_status,
        "inbox_backlog": state.inbox_backlog,
    }


def _by_status(counts: dict[str, int]) -> str:
    shown = [f"{status} {count}" for status, count in sorted(counts.items()) if count]
    return f"({', '.join(shown)})" if shown else ""
