"""Every platform Orderline connects, listed once.

Everything else derives from this list: bootstrap builds one connector per plugin, and
the importer reads a store's history through its plugin (stopping on its API errors).
A new platform is a package under `connectors/` (see
`orderline.connectors`) and one entry here.
"""

from __future__ import annotations

from orderline.connectors import bigcommerce, shopify, woocommerce
from orderline.connectors.plugin import PlatformPlugin

PLATFORMS: tuple[PlatformPlugin, ...] = (shopify.PLATFORM, woocommerce.PLATFORM, bigcommerce.PLATFORM)


def platform_named(name: str) -> PlatformPlugin:
    """The plugin of platform `name`; KeyError when no plugin has that name."""
    for plugin in PLATFORMS:
        if plugin.name == name:
            return plugin
    raise KeyError(name)
