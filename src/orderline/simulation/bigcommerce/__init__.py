"""A fake BigCommerce store: its REST API over in-memory state (as an httpx.MockTransport
handler or a real loopback HTTP server), and a simulator that drives orders through
realistic histories and produces the thin, Standard-Webhooks-signed deliveries.
"""

from orderline.simulation.bigcommerce.api import FakeBigCommerce, FakeResponse
from orderline.simulation.bigcommerce.server import FakeBigCommerceServer
from orderline.simulation.bigcommerce.simulator import BigCommerceSimulator
from orderline.simulation.bigcommerce.webhook import BigCommerceWebhook

__all__ = [
    "BigCommerceSimulator",
    "BigCommerceWebhook",
    "FakeBigCommerce",
    "FakeBigCommerceServer",
    "FakeResponse",
]
