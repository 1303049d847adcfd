"""`--log-level` and `--log-format`, for the commands that run for long (serve, worker, demo)."""

from __future__ import annotations

from typing import Annotated

import typer

from orderline.logs import LogFormat, LogLevel

LogLevelOption = Annotated[
    LogLevel,
    typer.Option(
        "--log-level",
        envvar="ORDERLINE_LOG_LEVEL",
        case_sensitive=False,
        help="Lowest level logged (to standard error).",
    ),
]
LogFormatOption = Annotated[
    LogFormat,
    typer.Option(
        "--log-format",
        envvar="ORDERLINE_LOG_FORMAT",
        case_sensitive=False,
        help="kv: one line of key=value pairs per event; json: one JSON object per line.",
    ),
]
