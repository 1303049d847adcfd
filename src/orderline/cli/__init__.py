"""The `orderline` command."""

from orderline.cli.main import app, main

__all__ = ["app", "main"]
