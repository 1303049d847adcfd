"""Options shared by every subcommand, and loading the configuration they name."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orderline.config import ConfigError, OrderlineConfig, load_config

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


def load_or_exit(path: Path | None) -> OrderlineConfig:
    try:
        return load_config(path)
    except ConfigError as error:
        err.print(f"[red]configuration error[/red]\n{error}", highlight=False, markup=True)
        raise typer.Exit(2) from error
