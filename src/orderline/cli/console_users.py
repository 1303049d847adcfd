"""`orderline user ...`: the people who log into the web console (/console/).

A password is read from a hidden prompt (typed twice) or, for scripts, from standard input
with `--password-stdin`; it is hashed with scrypt and never stored, printed or logged.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.services.console_auth import ConsoleRole, UserExists
from orderline.web.moments import utc_text

app = typer.Typer(help="Web console users (log in at /console/).", no_args_is_help=True)
out = output_console()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


@app.command("create")
def create(
    username: Annotated[str, typer.Option(help="The name to log in with; recorded with every action.")],
    role: Annotated[ConsoleRole, typer.Option(help="What the user may do: the API's roles.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Create a console user; the password is asked for (or read from stdin), never shown.

    Exit codes: 0 created, 1 the name is taken or the password too short, 2 bad usage."""
    username = username.strip()
    if not username:
        err.print("the username must not be empty")
        raise typer.Exit(2)
    password = _password(password_stdin)
    with open_services(load_or_exit(config)) as services:
        try:
            services.console.create_user(username, role, password, system_clock())
        except (UserExists, ValueError) as error:
            err.print(str(error), highlight=False)
            raise typer.Exit(1) from None
    out.print(f"created {role.value} user {username!r}", highlight=False)


@app.command("list")
def list_users(as_json: JsonOption = False, config: ConfigOption = None) -> None:
    """List console users with their roles (never their password hashes)."""
    with open_services(load_or_exit(config)) as services:
        users = services.console.users()
    rows = [
        {"id": u.id, "username": u.username, "role": u.role, "created_at": u.created_at,
         "disabled_at": u.disabled_at}
        for u in users
    ]  # fmt: skip
    if as_json:
        print_json(rows)
        return
    table = Table("id", "username", "role", "created", "disabled")
    for row in users:
        disabled = utc_text(row.disabled_at) if row.disabled_at else ""
        table.add_row(str(row.id), row.username, row.role, utc_text(row.created_at), disabled)
    out.print(table)


@app.command("disable")
def disable(
    username: Annotated[str, typer.Argument(help="The user's name, from `orderline user list`.")],
    config: ConfigOption = None,
) -> None:
    """Disable a user: their sessions end now and they cannot log in again.

    Exit codes: 0 disabled, 1 no such active user."""
    with open_services(load_or_exit(config)) as services:
        disabled = services.console.disable_user(username, system_clock())
    if not disabled:
        err.print(f"no active user {username!r}", highlight=False)
        raise typer.Exit(1)
    out.print(f"disabled user {username!r}; their sessions are ended", highlight=False)
