"""Hypothesis strategies for requests to the webhook endpoints, each a `RawRequest`.

Six families, drawn with about equal weight:

- signed: a valid sample body of each platform (and of the helpdesk) with one to three
  edits — a node replaced by an odd value (wrong type, null, huge number, a date in year
  1, odd unicode: "²", RTL marks, lone surrogates), a key deleted, a node nested ~1,000
  deep, a raw JSON fragment no encoder writes (`1e999`, a 400-digit number, duplicate
  keys) — signed correctly, its headers sometimes missing, duplicated or odd;
- garbage: unsigned bytes and random headers;
- oversized: bodies over the size limit, signed or not, in chunks of any size;
- unknown targets: platforms and stores that do not exist, or belong to another platform;
- path tricks: dot segments, encoded slashes, NULs, very long segments, other methods;
- headers: over the header-size limit, names and values of any byte a server passes on.

The stores and secrets they sign for are the `FuzzStores` the world configures.
"""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from tests.fuzz.raw_asgi import RawRequest
from tests.unit.platform_bodies import SHOPIFY_BODIES, WOO_BODIES, bc_hook
from tests.unit.test_connector_fuzz import node_paths, odd_values

Json = Any
Headers = list[tuple[bytes, bytes]]

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""The world's clock: BigCommerce and Zendesk signatures are checked against it."""
MAX_BODY_BYTES = 65536


@dataclass(frozen=True, slots=True)
class FuzzStores:
    shop_domain: str = "fuzz-shop.myshopify.com"
    shopify_secret: str = "shopify-fuzz-secret"
    woo_site: str = "https://woo.fuzz.example"
    woo_secret: str = "woo-fuzz-secret"
    bc_hash: str = "fz123"
    bc_secret: str = "bc-fuzz-secret"
    gorgias_secret: str = "gorgias-fuzz-secret"


STORES = FuzzStores()
KNOWN_PATHS = [
    "/webhooks/shopify",
    "/webhooks/shopify/shop1",
    "/webhooks/woocommerce",
    "/webhooks/woocommerce/woo1",
    "/webhooks/bigcommerce",
    "/webhooks/bigcommerce/bc1",
    "/webhooks/helpdesk/gorgias",
    "/webhooks/helpdesk/zendesk",
]


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


# --- odd values ---------------------------------------------------------------------------

UNICODE = [
    "²",
    "12²",
    "\u200f1001",  # RTL mark
    "\u202e1001",  # RTL override
    "\u200b",
    "\ufeff1",
    "e\u0301",
    "\U0001f4e6",
    "\ud800",  # lone surrogates: escaped by json.dumps, invalid UTF-8 when written raw
    "\udfff\ud800",
    "a\x00b",
    "\uffff",
]
RAW_FRAGMENTS = [
    "[" * 1000 + "]" * 1000,
    "[" * 999 + "]" * 999,
    '{"a":' * 1000 + "1" + "}" * 1000,
    "[" * 5000 + "]" * 5000,
    "1e999",
    "-1e999",
    "1" + "0" * 400,
    "-" + "9" * 30,
    "1.0e-400",
    "-0",
    "NaN",
    "Infinity",
    '{"id":1,"id":"x"}',
    '"\\ud800"',
    '"\\u0000"',
]
"""JSON (or nearly JSON) no encoder writes for a Python value."""

values = odd_values | st.sampled_from(UNICODE) | st.text(min_size=1, max_size=8)


@dataclass
class _Document:
    """A body being edited: raw fragments stand in as placeholder strings until written."""

    root: Json
    fragments: dict[str, str]
    paths: list[tuple[str | int, ...]] | None = None
    """The node paths of `root`, when known (a sample's are computed once)."""

    def write(self, ensure_ascii: bool) -> bytes:
        text = json.dumps(self.root, ensure_ascii=ensure_ascii)
        for placeholder, fragment in self.fragments.items():
            text = text.replace(json.dumps(placeholder), fragment)
        return text.encode("utf-8", "surrogatepass")


def _edit(draw: st.DrawFn, document: _Document) -> None:
    paths = document.paths if document.paths is not None else node_paths(document.root)
    document.paths = None
    kind = draw(st.sampled_from(["replace", "delete", "fragment", "root"] if paths else ["root"]))
    if kind == "root":
        wrap = draw(st.sampled_from(["list", "string", "null", "number", "wrapped", "fragment"]))
        document.root = {
            "list": [document.root],
            "string": "order",
            "null": None,
            "number": 10**30,
            "wrapped": {"order": document.root},
            "fragment": _placeholder(draw, document),
        }[wrap]
        return
    path = draw(st.sampled_from(paths))
    parent = document.root
    for key in path[:-1]:
        parent = parent[key]
    if kind == "delete":
        del parent[path[-1]]
    elif kind == "fragment":
        parent[path[-1]] = _placeholder(draw, document)
    else:
        parent[path[-1]] = copy.deepcopy(draw(values))


def _placeholder(draw: st.DrawFn, document: _Document) -> str:
    placeholder = f"@@fragment-{len(document.fragments)}@@"
    document.fragments[placeholder] = draw(st.sampled_from(RAW_FRAGMENTS))
    return placeholder


def edited_body(draw: st.DrawFn, base: Json, paths: list[tuple[str | int, ...]] | None = None) -> bytes:
    """`base` with up to three edits, written as JSON (ASCII-escaped or not)."""
    document = _Document(copy.deepcopy(base), {}, paths)
    for _ in range(draw(st.integers(0, 3))):
        _edit(draw, document)
    return document.write(ensure_ascii=draw(st.booleans()))


@functools.cache
def _sample(name: str) -> Json:
    """A sample body, read once (`edited_body` edits a copy)."""
    factories: dict[str, Callable[[], Json]] = {
        **{f"shopify:{topic}": body for topic, body in SHOPIFY_BODIES.items()},
        **{f"woocommerce:{kind}": body for kind, body in WOO_BODIES.items()},
        "bigcommerce": bc_hook,
    }
    return factories[name]()


@functools.cache
def _sample_paths(name: str) -> list[tuple[str | int, ...]]:
    return node_paths(_sample(name))


# --- signed deliveries of each platform ------------------------------------------------------

HEADER_VALUES = st.sampled_from(
    [
        b"",
        b" ",
        b"x" * 5000,
        b"t" * 129,
        b"w" * 201,
        "²".encode(),
        b"\xff\xfe",
        b"0001-01-01T00:00:00+01:00",
        b"9999-12-31T23:59:59-01:00",
        b"orders/create, orders/updated",
        b"-1",
        b"99999999999999999999999",
    ]
) | st.binary(max_size=40).map(lambda raw: bytes(b for b in raw if b >= 0x20 and b != 0x7F))


def shopify_request(draw: st.DrawFn) -> RawRequest:
    topic = draw(st.sampled_from([*sorted(SHOPIFY_BODIES), "orders/create", "app/uninstalled"]))
    name = f"shopify:{topic if topic in SHOPIFY_BODIES else 'orders/updated'}"
    body = edited_body(draw, _sample(name), _sample_paths(name))
    headers = [
        (b"content-type", b"application/json"),
        (b"x-shopify-topic", topic.encode()),
        (b"x-shopify-shop-domain", STORES.shop_domain.encode()),
        (b"x-shopify-webhook-id", draw(_ids).encode()),
        (b"x-shopify-triggered-at", b"2026-11-23T08:59:00Z"),
        (b"x-shopify-event-id", draw(_ids).encode()),
        (b"x-shopify-hmac-sha256", sign(STORES.shopify_secret, body).encode()),
    ]
    path = draw(st.sampled_from(["/webhooks/shopify", "/webhooks/shopify/shop1"]))
    return _request(draw, path, _odd_headers(draw, headers), body)


def woo_request(draw: st.DrawFn) -> RawRequest:
    name = f"woocommerce:{draw(st.sampled_from(sorted(WOO_BODIES)))}"
    body = edited_body(draw, _sample(name), _sample_paths(name))
    topic = draw(st.sampled_from(["order.updated", "order.created", "order.deleted", "product.updated"]))
    resource, _, event = topic.partition(".")
    headers = [
        (b"content-type", b"application/json"),
        (b"x-wc-webhook-source", STORES.woo_site.encode() + b"/"),
        (b"x-wc-webhook-topic", topic.encode()),
        (b"x-wc-webhook-resource", resource.encode()),
        (b"x-wc-webhook-event", event.encode()),
        (b"x-wc-webhook-signature", sign(STORES.woo_secret, body).encode()),
        (b"x-wc-webhook-id", b"17"),
        (b"x-wc-webhook-delivery-id", draw(_ids).encode()),
    ]
    path = draw(st.sampled_from(["/webhooks/woocommerce", "/webhooks/woocommerce/woo1"]))
    return _request(draw, path, _odd_headers(draw, headers), body)


def bigcommerce_request(draw: st.DrawFn) -> RawRequest:
    hook = copy.deepcopy(_sample("bigcommerce"))
    hook["data"]["id"] = draw(st.integers(1, 10**6) | st.just(225))
    hook["producer"] = f"stores/{STORES.bc_hash}"
    hook["created_at"] = int(NOW.timestamp()) - 30
    body = edited_body(draw, hook, _sample_paths("bigcommerce"))
    headers = [(b"content-type", b"application/json")]
    if draw(st.booleans()):
        headers.append((b"x-orderline-webhook-secret", STORES.bc_secret.encode()))
    else:
        webhook_id, timestamp = draw(_ids), str(int(NOW.timestamp()) - 30)
        signed = f"{webhook_id}.{timestamp}.".encode() + body
        headers += [
            (b"webhook-id", webhook_id.encode()),
            (b"webhook-timestamp", timestamp.encode()),
            (b"webhook-signature", b"v1," + sign(STORES.bc_secret, signed).encode()),
        ]
    path = draw(st.sampled_from(["/webhooks/bigcommerce", "/webhooks/bigcommerce/bc1"]))
    return _request(draw, path, _odd_headers(draw, headers), body)


def gorgias_ticket(ticket_id: int = 9001, order_number: str = "1001") -> dict[str, Any]:
    return {
        "ticket": {
            "id": ticket_id,
            "created_datetime": "2026-11-23T08:00:00",
            "subject": f"Where is order #{order_number}?",
            "status": "open",
            "customer": {"email": "buyer@example.com"},
            "order_number": order_number,
        }
    }


def gorgias_request(draw: st.DrawFn) -> RawRequest:
    body = edited_body(draw, gorgias_ticket(draw(st.integers(1, 10**9))))
    headers = [
        (b"content-type", b"application/json"),
        (b"x-orderline-webhook-secret", STORES.gorgias_secret.encode()),
    ]
    return _request(draw, "/webhooks/helpdesk/gorgias", _odd_headers(draw, headers), body)


_ids = st.integers(0, 2**48).map(lambda n: f"fz-{n:x}")
SIGNED: list[Callable[[st.DrawFn], RawRequest]] = [
    shopify_request,
    woo_request,
    bigcommerce_request,
    gorgias_request,
]


def _odd_headers(draw: st.DrawFn, headers: Headers) -> Headers:
    """Usually as sent; else one header dropped, duplicated (before or after) or odd."""
    change = draw(st.sampled_from(["none", "none", "drop", "duplicate", "odd", "upper"]))
    index = draw(st.integers(0, len(headers) - 1))
    name, _ = headers[index]
    if change == "drop":
        del headers[index]
    elif change == "duplicate":
        at = index + draw(st.sampled_from([0, 1]))
        headers.insert(at, (name, draw(HEADER_VALUES)))
    elif change == "odd":
        headers[index] = (name, draw(HEADER_VALUES))
    elif change == "upper":
        headers[index] = (name.upper(), headers[index][1])
    return headers


def _request(draw: st.DrawFn, path: str, headers: Headers, body: bytes) -> RawRequest:
    client = draw(_clients)
    chunk = draw(st.sampled_from([65536, 65536, 1, 7, 1024]))
    if chunk == 1 and len(body) > 4096:
        chunk = 512  # one ASGI message per byte is no more interesting than per 512
    return RawRequest("POST", path.encode(), tuple(headers), body, chunk, client)


# One address files enough refusals to go over its dead-letter rate; the others do not.
_clients = st.sampled_from([("198.51.100.7", 5000), None]) | st.integers(0, 2**24 - 1).map(
    lambda n: (f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}", 40000)
)


# --- unsigned garbage, oversize, unknown targets, path tricks, headers ---------------------------

ALL_HEADER_NAMES = [
    b"x-shopify-topic",
    b"x-shopify-shop-domain",
    b"x-shopify-hmac-sha256",
    b"x-shopify-webhook-id",
    b"x-wc-webhook-source",
    b"x-wc-webhook-topic",
    b"x-wc-webhook-signature",
    b"webhook-id",
    b"webhook-timestamp",
    b"webhook-signature",
    b"x-orderline-webhook-secret",
    b"x-zendesk-webhook-signature",
    b"x-zendesk-webhook-signature-timestamp",
    b"content-type",
    b"content-length",
    b"x-forwarded-for",
]


@st.composite
def garbage_request(draw: st.DrawFn) -> RawRequest:
    names = draw(st.lists(st.sampled_from(ALL_HEADER_NAMES), max_size=6))
    headers = [(name, draw(HEADER_VALUES)) for name in names]
    if draw(st.booleans()):
        headers.append((b"x-shopify-shop-domain", STORES.shop_domain.encode()))
    body = draw(
        st.binary(max_size=2048)
        | st.sampled_from([b"", b"{}", b"null", b"webhook_id=17", b"webhook_id=1&x=2", b"\xef\xbb\xbf{}"])
        | st.sampled_from(RAW_FRAGMENTS).map(str.encode)
    )
    path = draw(st.sampled_from(KNOWN_PATHS))
    return RawRequest("POST", path.encode(), tuple(headers), body, 65536, draw(_clients))


@st.composite
def oversized_request(draw: st.DrawFn) -> RawRequest:
    size = MAX_BODY_BYTES + draw(st.sampled_from([1, 4096, 1_000_000]))
    body = bytes([draw(st.integers(0x20, 0x7E))]) * size
    path = draw(st.sampled_from(KNOWN_PATHS))
    headers = [
        (b"x-shopify-shop-domain", STORES.shop_domain.encode()),
        (b"x-shopify-hmac-sha256", sign(STORES.shopify_secret, body).encode()),
        (b"x-orderline-webhook-secret", STORES.bc_secret.encode()),
    ]
    chunk = draw(st.sampled_from([65536, 1024, 100_000]))
    return RawRequest("POST", path.encode(), tuple(headers), body, chunk, draw(_clients))


_segment = st.text(min_size=1, max_size=30).map(lambda text: quote(text, safe=""))


@st.composite
def unknown_target_request(draw: st.DrawFn) -> RawRequest:
    platform = draw(
        st.sampled_from(["shopify", "woocommerce", "bigcommerce", "magento", "Shopify", "helpdesk"])
        | _segment
    )
    store = draw(st.none() | st.sampled_from(["shop1", "woo1", "bc1", "nope", "shop1 "]) | _segment)
    path = f"/webhooks/{platform}" + ("" if store is None else f"/{store}")
    template = draw(st.sampled_from(SIGNED))(draw)
    return RawRequest("POST", path.encode(), template.headers, template.body, 65536, draw(_clients))


PATH_TRICKS = [
    "/webhooks/shopify/../x",
    "/webhooks/shopify/..%2Fx",
    "/webhooks/shopify%2F..%2Fx",
    "/webhooks/%2e%2e/shopify",
    "/webhooks/..",
    "/webhooks/.",
    "/webhooks/shopify/",
    "/webhooks//shopify",
    "/webhooks/shopify//shop1",
    "/webhooks/./shopify",
    "/webhooks/shopify/shop1/",
    "/webhooks/shopify/shop1/extra",
    "/webhooks/shopify/shop1%2F..%2Fwoo1",
    "/webhooks/woocommerce/woo1%2F..%2F..%2Fshopify",
    "/webhooks/SHOPIFY",
    "/Webhooks/shopify",
    "/webhooks/shopify?x=1&x=2",
    "/webhooks/shopify;x=1",
    "/webhooks/shopify%00",
    "/webhooks/%00",
    "/webhooks/shopify/%00",
    "/webhooks/shopify/a%00b",
    "/webhooks/shopify%20",
    "/webhooks/%20",
    "/webhooks/%E2%80%AEyfipohs",
    "/webhooks/shopify/%E2%80%8F",
    "/webhooks/%C2%B2",
    "/webhooks/%FF",
    "/webhooks/",
    "/webhooks",
    "/webhooks/helpdesk",
    "/webhooks/helpdesk/",
    "/webhooks/helpdesk/gorgias/",
    "/webhooks/helpdesk/gorgias/x",
    "/webhooks/helpdesk/%2e%2e",
    "/webhooks/helpdesk/%00",
    "/webhooks/helpdesk/gorgias%2F..%2F..%2Fapi%2Fv1%2Forders",
    "/webhooks/" + "a" * 5000,
    "/webhooks/shopify/" + "b" * 5000,
    "/webhooks/helpdesk/" + "c" * 5000,
    "/webhooks/" + "%E2%80%AE" * 500,
    "%2Fwebhooks%2Fshopify",
    "//webhooks/shopify",
]


@st.composite
def path_trick_request(draw: st.DrawFn) -> RawRequest:
    path = draw(
        st.sampled_from(PATH_TRICKS)
        | st.lists(
            _segment | st.sampled_from(["..", ".", "", "shopify", "shop1", "helpdesk"]), max_size=4
        ).map(lambda parts: "/webhooks/" + "/".join(parts))
    )
    method = draw(
        st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH"])
    )
    template = draw(st.sampled_from(SIGNED))(draw)
    return RawRequest(method, path.encode(), template.headers, template.body, 65536, draw(_clients))


@st.composite
def header_request(draw: st.DrawFn) -> RawRequest:
    template = draw(st.sampled_from(SIGNED))(draw)
    headers = list(template.headers)
    shape = draw(st.sampled_from(["many", "huge", "odd-names", "latin-1"]))
    if shape == "many":
        headers += [(f"x-pad-{i}".encode(), b"z" * 500) for i in range(draw(st.integers(20, 200)))]
    elif shape == "huge":
        headers.append((b"x-huge", b"y" * draw(st.sampled_from([16384, 100_000]))))
    elif shape == "odd-names":
        headers += [(name, b"1") for name in draw(st.lists(_header_names, min_size=1, max_size=5))]
    else:
        headers = [(name, value + bytes(range(0x80, 0x100))) for name, value in headers]
    return RawRequest("POST", template.target, tuple(headers), template.body, 65536, draw(_clients))


_header_names = st.binary(min_size=1, max_size=40).map(
    lambda raw: bytes(b for b in raw if 0x21 <= b <= 0x7E and b != ord(":")) or b"x"
)


@st.composite
def signed_request(draw: st.DrawFn) -> RawRequest:
    return draw(st.sampled_from(SIGNED))(draw)


webhook_requests = st.one_of(
    signed_request(),
    signed_request(),
    garbage_request(),
    oversized_request(),
    unknown_target_request(),
    path_trick_request(),
    header_request(),
)
"""Any request to the webhook endpoints; signed, well-aimed ones about a third of the time."""
