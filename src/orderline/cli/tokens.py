"""`orderline token ...`: API tokens. A token is printed once; only its hash is kept."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.services.api_tokens import Role
from orderline.web.moments import utc_text

app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
out = output_console()


@app.command("create")
def create(
    role: Annotated[Role, typer.Option(help="What the token may do.")],
    name: Annotated[str, typer.Option(help="Who or what uses it, e.g. 'support-dashboard'.")],
    config: ConfigOption = None,
) -> None:
    """Create a token and print it (this is the only time it is shown)."""
    with open_services(load_or_exit(config)) as services:
        token = services.tokens.create(name=name, role=role, now=system_clock())
    out.print(token, highlight=False)
    err.print(f"created {role.value} token {name!r}; store it now, it is not shown again")


@app.command("list")
def list_tokens(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """List tokens (never their values)."""
    with open_services(load_or_exit(config)) as services:
        rows = services.tokens.listed()
    if as_json:
        print_json([asdict(row) for row in rows])
        return
    table = Table("id", "name", "role", "created", "revoked")
    for row in rows:
        revoked = utc_text(row.revoked_at) if row.revoked_at else ""
        table.add_row(str(row.id), row.name, row.role, utc_text(row.created_at), revoked)
    out.print(table)


@app.command("revoke")
def revoke(
    token_id: Annotated[int, typer.Argument(help="Id from `orderline token list`.")],
    config: ConfigOption = None,
) -> None:
    """Revoke a token; requests carrying it are refused from then on."""
    with open_services(load_or_exit(config)) as services:
        revoked = services.tokens.revoke(token_id, system_clock())
    if not revoked:
        err.print(f"no active token with id {token_id}")
        raise typer.Exit(1)
    out.print(f"revoked token {token_id}")
