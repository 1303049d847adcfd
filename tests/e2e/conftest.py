"""An Orderline service on a real database, reached over HTTP through the ASGI app."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.testclient import TestClient

from orderline.bootstrap import Runtime, build_runtime, build_web_context
from orderline.config import load_config
from orderline.persistence import tokens
from orderline.persistence.database import make_engine, migrate
from orderline.web.app import WebContext, create_app

SHOP = "test-shop.myshopify.com"
SECRET = "test-secret"
OLD_SECRET = "old-secret"


def shopify_signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def write_config(directory: Path, database_url: str, max_body_bytes: int = 65536) -> Path:
    path = directory / "orderline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        f"server:\n  max_body_bytes: {max_body_bytes}\n"
        "stores:\n"
        "  - id: shop1\n"
        "    platform: shopify\n"
        f"    shop_domain: {SHOP}\n"
        f"    webhook_secrets: [{SECRET}, {OLD_SECRET}]\n"
    )
    return path


@dataclass
class Service:
    client: TestClient
    runtime: Runtime

    @property
    def api(self) -> FastAPI:
        """The FastAPI app inside the ASGI wrappers (request observer, webhook fast path)."""
        app: object = self.client.app
        while not isinstance(app, FastAPI):
            app = getattr(app, "app")  # noqa: B009 - each wrapper names what it wraps `app`
        return app

    @property
    def context(self) -> WebContext:
        context: WebContext = self.api.state.context
        return context

    @property
    def engine(self) -> Engine:
        return self.runtime.engine

    def token(self, role: str = "admin") -> dict[str, str]:
        with self.engine.begin() as connection:
            value = tokens.create_token(connection, name=f"test-{role}", role=role, now=self.runtime.clock())
        return {"Authorization": f"Bearer {value}"}

    def process(self) -> int:
        return self.runtime.processor.run_until_idle()


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    """The app with processing left to the test (`service.process()`), for exact assertions."""
    migrate(make_engine(database_url))
    runtime = build_runtime(load_config(write_config(tmp_path, database_url)))
    app = create_app(build_web_context(runtime))
    with TestClient(app) as client:
        yield Service(client, runtime)
    runtime.engine.dispose()
