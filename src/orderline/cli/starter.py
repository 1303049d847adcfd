"""`orderline init`: write a starter configuration file, so no command runs on guesses."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from orderline.cli.options import err, output_console
from orderline.config import DEFAULT_CONFIG_FILE

out = output_console()

STARTER_CONFIG = """\
# orderline.yaml — a starter configuration written by `orderline init`.
#
# Every key is described in docs/configuration.md; examples/orderline.example.yaml shows
# them all. Check this file with:
#     orderline check-config --config {path}
#
# Secrets are never written here: ${{NAME}} is replaced from the environment when the file
# is loaded, and ${{NAME:-default}} falls back to the default when NAME is unset.

# Where Orderline keeps its data: one SQLite file by default. Set ORDERLINE_DATABASE_URL
# to a postgresql:// URL to scale out.
database_url: ${{ORDERLINE_DATABASE_URL:-sqlite:///orderline.db}}

# The HTTP server for webhooks and the API.
server:
  host: 127.0.0.1
  port: 8080

stores:
  # One example store; replace it with yours (shopify, woocommerce or bigcommerce).
  - id: my-shop
    platform: shopify
    shop_domain: my-shop.myshopify.com
    webhook_secrets:
      # Set MY_SHOP_WEBHOOK_SECRET to the secret Shopify signs webhooks with.
      - ${{MY_SHOP_WEBHOOK_SECRET:-change-me}}
    timezone: UTC
"""


def init(
    path: Annotated[Path, typer.Option("--path", help="Where to write the file.", show_default=True)] = Path(
        DEFAULT_CONFIG_FILE
    ),
) -> None:
    """Write a starter configuration: SQLite and one example store, commented. An existing
    file is never overwritten."""
    if path.exists():
        err.print(f"[red]{escape(str(path))} exists[/red]; not overwritten (choose another --path)")
        raise typer.Exit(2)
    try:
        with path.open("x", encoding="utf-8") as file:
            file.write(STARTER_CONFIG.format(path=path))
    except OSError as error:
        err.print(f"[red]cannot write {escape(str(path))}:[/red] {escape(error.strerror or str(error))}")
        raise typer.Exit(2) from error
    out.print(f"wrote {path}; check it with: orderline check-config --config {path}", highlight=False)
