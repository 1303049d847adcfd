"""`orderline status-link ...`: a buyer's status-page link, shown or revoked.

Exit codes: 0 done; 1 no such order (show) or no live link to revoke (revoke); 2 links are
not configured (`public_url` and `status_page.secret`) or the configuration is unusable.
"""

from __future__ import annotations

from typing import Annotated

import typer

from orderline.bootstrap import open_services
from orderline.cli.options import ConfigOption, JsonOption, err, load_or_exit, output_console, print_json
from orderline.clock import system_clock
from orderline.services.status_pages import StatusLinksOff

app = typer.Typer(
    help="Buyers' status-page links (/status/{token}): print one, or revoke it.", no_args_is_help=True
)
out = output_console()

StoreOption = Annotated[str, typer.Option("--store", help="The store id, as in the configuration.")]
OrderOption = Annotated[str, typer.Option("--order", help="The platform's order id.")]


@app.command("show")
def show(
    store: StoreOption, order: OrderOption, as_json: JsonOption = False, config: ConfigOption = None
) -> None:
    """Print the order's status-page URL (the live link; made now if it has none yet).
    Exit 1 when there is no such order, 2 when links are not configured."""
    with open_services(load_or_exit(config)) as services:
        try:
            url = services.status_pages.url_for(store, order, system_clock())
        except StatusLinksOff as error:
            err.print(str(error))
            raise typer.Exit(2) from None
    if as_json:
        print_json({"store_id": store, "order_id": order, "url": url})
    if url is None:
        err.print(f"no order {order} in store {store}")
        raise typer.Exit(1)
    if not as_json:
        out.print(url, highlight=False, soft_wrap=True)


@app.command("revoke")
def revoke(
    store: StoreOption, order: OrderOption, as_json: JsonOption = False, config: ConfigOption = None
) -> None:
    """Revoke the order's link: it answers 404 from now on, and the next message (or `show`)
    carries a new one. Exit 1 when the order had no live link."""
    loaded = load_or_exit(config)
    with open_services(loaded) as services:
        revoked = services.status_pages.revoke(store, order, system_clock())
    if as_json:
        print_json({"store_id": store, "order_id": order, "revoked": revoked})
    else:
        out.print(f"revoked {revoked} link(s) of order {order} in store {store}")
    if revoked == 0:
        raise typer.Exit(1)
