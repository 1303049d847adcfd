"""The buyer status page and the helpdesk lookup, built from the configuration: links exist
when both `public_url` and `status_page.secret` are set; each store's page speaks as its
messages do (templates, locale, brand, the exception types buyers hear of)."""

from __future__ import annotations

from sqlalchemy import Engine

from orderline.channels.templates.rendering import TemplateSet
from orderline.config import OrderlineConfig
from orderline.config.messaging import default_exception_types
from orderline.config.platforms import StoreConfig
from orderline.services.status_pages import StatusLinks, StatusPages, StorePage


def status_links(config: OrderlineConfig) -> StatusLinks | None:
    secret = config.status_page.secret
    if config.public_url is None or secret is None:
        return None
    return StatusLinks(secret.get_secret_value().encode(), str(config.public_url))


def store_page(config: OrderlineConfig, store: StoreConfig) -> StorePage:
    own, messaging = store.messaging, config.messaging
    templates = own.templates or (messaging.templates if messaging else None)
    types = own.exception_types or (messaging.exception_types if messaging else default_exception_types())
    return StorePage(
        name=own.brand.name or store.id,
        locale=own.locale,
        templates=TemplateSet(templates),
        exception_types=frozenset(str(t) for t in types),
        support_email=own.brand.support_email,
    )


def status_pages(config: OrderlineConfig, engine: Engine) -> StatusPages:
    pages = {store.id: store_page(config, store) for store in config.stores}
    return StatusPages(engine, status_links(config), pages)
