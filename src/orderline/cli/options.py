"""Options shared by every subcommand, loading the configuration they name, and the
consoles and JSON output they print with."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

from orderline.config import (
    CONFIG_PATH_VARIABLE,
    DEFAULT_CONFIG_FILE,
    ConfigError,
    OrderlineConfig,
    load_config,
    locate_config,
)
from orderline.web.moments import utc_json

PIPED_WIDTH = 100_000
"""The width of standard output when it is not a terminal: wide enough that no table is cut."""


class OutputConsole(Console):
    """Standard output: the terminal's width, or no limit when piped to a file or a program,
    so a script reads every value whole (`demo-shop`, never `demo-s…`)."""

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        isatty = getattr(self.file, "isatty", None)
        if isatty is not None and isatty():
            return size
        return ConsoleDimensions(PIPED_WIDTH, size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


def output_console() -> Console:
    """The console every command prints its human output with (tables, summaries)."""
    return OutputConsole(soft_wrap=True)


err = Console(stderr=True, soft_wrap=True)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Configuration file. Default: $ORDERLINE_CONFIG, else ./orderline.yaml.",
        show_default=False,
    ),
]

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of text, for scripts.")]

LimitOption = Annotated[
    int, typer.Option("--limit", min=1, help="At most this many rows; a cut listing says so.")
]


def print_json(value: Any) -> None:
    """One JSON document on standard output: moments in UTC with `Z`, as the API writes
    them (`utc_json`), dataclasses as objects, anything else unknown as its text."""
    options = orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS  # keys as text, like `json.dumps`
    typer.echo(orjson.dumps(utc_json(value), option=options, default=str).decode())


def looked_at(path: Path | None, env: Mapping[str, str] | None = None) -> list[str]:
    """Where a configuration file was looked for, in order, with what was found there."""
    named = (os.environ if env is None else env).get(CONFIG_PATH_VARIABLE)
    if path is not None:
        return [
            f"--config: {path} (not found)",
            f"${CONFIG_PATH_VARIABLE}: " + ("not used (--config given)" if named else "not set"),
            f"./{DEFAULT_CONFIG_FILE}: not used (--config given)",
        ]
    if named:
        return [
            "--config: not given",
            f"${CONFIG_PATH_VARIABLE}: {named} (not found)",
            f"./{DEFAULT_CONFIG_FILE}: not used (${CONFIG_PATH_VARIABLE} set)",
        ]
    return ["--config: not given", f"${CONFIG_PATH_VARIABLE}: not set", f"./{DEFAULT_CONFIG_FILE}: not found"]


def refuse_missing_config(path: Path | None) -> None:
    """Exit 2, naming the places looked at, when no configuration file exists there.

    Commands that work on a deployment never run on built-in defaults: that would quietly
    create ./orderline.db and answer an empty queue.
    """
    location = locate_config(path)
    if location.path.is_file() or (location.is_explicit and location.path.exists()):
        return
    lines: Sequence[str] = looked_at(path)
    err.print(
        "[red]no configuration file[/red]; looked at:\n"
        + "\n".join(f"  {escape(line)}" for line in lines)
        + f"\nwrite a starter file with `orderline init` (it writes ./{DEFAULT_CONFIG_FILE}), "
        "or name one with --config",
        highlight=False,
    )
    raise typer.Exit(2)


def load_or_exit(path: Path | None) -> OrderlineConfig:
    refuse_missing_config(path)
    try:
        return load_config(path)
    except ConfigError as error:
        err.print(f"[red]configuration error[/red]\n{error}", highlight=False, markup=True)
        raise typer.Exit(2) from error
