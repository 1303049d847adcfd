"""Fuzzing every connector's mapping: a valid sample body with one node (a leaf or a whole
object or list) replaced by an odd value — a wrong JSON type, null, a date in year 1 or
9999, a huge or negative number, unicode digits, a very long string. Mapping either
succeeds with facts the store and the fold can take, or raises PayloadError (BigCommerce
may also say RetryLater: the fake API then answers something its client refuses).
Nothing else may escape: not TypeError, KeyError, OverflowError nor ValueError."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderline.connectors.base import MappedDelivery, PayloadError, RetryLater
from orderline.connectors.bigcommerce.mapping import FetchedOrder, map_fetched_order
from orderline.connectors.limits import EARLIEST, LATEST, MAX_QUANTITY
from orderline.domain.facts import fact_from_dict, fact_to_dict
from orderline.domain.fold import fold
from orderline.domain.order import order_to_dict

from .platform_bodies import (
    SHOPIFY_BODIES,
    STORE,
    WOO_BODIES,
    Json,
    bc_hook,
    bc_resources,
    map_bigcommerce,
    map_shopify,
    map_woo,
)

Path = tuple[str | int, ...]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- odd values ------------------------------------------------------------------------------

_OFFSETS = ["Z", "+00:00", "-01:00", "+01:00", "+14:00", "-23:59", "+05:30", ""]
_RFC2822_OFFSETS = ["+0000", "-0100", "+0100", "+2359", "-9999", "GMT", ""]
_ANY_DAY = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59))
_EDGE_DAY = st.sampled_from(
    [
        datetime(1, 1, 1),
        datetime(1969, 12, 31, 23, 59, 59),
        datetime(1970, 1, 1),
        datetime(2099, 12, 31, 23, 59, 59),
        datetime(2100, 1, 1),
        datetime(9999, 12, 31, 23, 59, 59),
    ]
)
_DAY = _EDGE_DAY | _ANY_DAY

iso_dates = st.builds(lambda day, offset: day.isoformat() + offset, _DAY, st.sampled_from(_OFFSETS))
rfc2822_dates = st.builds(
    lambda day, offset: f"{day:%a, %d %b} {day.year:04d} {day:%H:%M:%S} {offset}".strip(),
    _DAY,
    st.sampled_from(_RFC2822_OFFSETS),
)
plain_days = st.builds(lambda day: day.date().isoformat(), _DAY)
timestamps = st.sampled_from(
    [0, -1, -62_135_596_800, 4_102_444_800, 253_402_300_799, 10**11, 10**20, 2**63, -(2**63)]
)
numbers = (
    st.integers(min_value=-(10**30), max_value=10**30)
    | st.sampled_from([-1, 0, MAX_QUANTITY, MAX_QUANTITY + 1, 10**20 - 1, 10**20, 2**64, 10**400])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([0.5, -0.0, 1e308, 1e-320])
)
odd_strings = st.sampled_from(
    [
        "",
        " ",
        "-1",
        "0",
        "1.5",
        "1e999",
        "-1e999",
        "NaN",
        "Infinity",
        "²",
        "٣",
        "\uff11\uff12\uff13",  # fullwidth 123
        "①",
        "12²",
        "0x10",
        "1_000",
        " 42 ",
        "gid://shopify/Order/²",
        "gid://shopify/Order/-1",
        "gid://shopify/Order/" + "9" * 30,
        "9" * 21,
        "9" * 5000,
        "\x00",
        "null",
    ]
)
long_strings = st.builds(
    lambda char, count: char * count, st.sampled_from(["9", "²", "a", "é", " "]), st.integers(200, 6000)
)


def _nested(depth: int) -> Json:
    value: Json = []
    for _ in range(depth):
        value = [value]
    return value


containers = st.sampled_from([[], {}, [None], [[]], {"id": None}, _nested(60)]) | st.lists(
    st.none() | st.integers() | st.text(max_size=3), max_size=3
)

odd_values = (
    st.none()
    | st.booleans()
    | numbers
    | iso_dates
    | rfc2822_dates
    | plain_days
    | timestamps
    | odd_strings
    | long_strings
    | st.text(max_size=20)
    | containers
)


# --- the edit --------------------------------------------------------------------------------


def node_paths(body: Json, path: Path = ()) -> list[Path]:
    """The path of every node under the root (objects and lists as well as leaves)."""
    if isinstance(body, dict):
        children: list[tuple[str | int, Json]] = list(body.items())
    elif isinstance(body, list):
        children = list(enumerate(body))
    else:
        return []
    found: list[Path] = []
    for key, child in children:
        found.append((*path, key))
        found.extend(node_paths(child, (*path, key)))
    return found


def replaced(body: Json, path: Path, value: Json) -> Json:
    """`body` with the node at `path` replaced; `body` itself is a fresh copy to edit."""
    target = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return body


def draw_edit(data: st.DataObject, body: Json) -> Json:
    path = data.draw(st.sampled_from(node_paths(body)), label="path")
    # A copy: sampled containers are shared between examples and must stay as drawn.
    value = copy.deepcopy(data.draw(odd_values, label="value"))
    return replaced(body, path, value)


# --- what must hold --------------------------------------------------------------------------


def maps_or_refuses(map_body: Callable[[], MappedDelivery], *, may_retry: bool = False) -> None:
    try:
        mapped = map_body()
    except PayloadError as error:
        assert len(str(error)) < 400, "a refusal message stays short"
        return
    except RetryLater:
        assert may_retry, "only BigCommerce fetches"
        return
    assert isinstance(mapped, MappedDelivery)
    assert_storable(mapped)


def assert_storable(mapped: MappedDelivery) -> None:
    """What processing does with the facts: store them (as JSON, dates in UTC) and fold."""
    for fact in mapped.facts:
        assert fact.order_id == mapped.order_id
        for moment in _datetimes(fact):
            assert EARLIEST <= moment.astimezone(UTC) < LATEST
        stored = json.loads(json.dumps(fact_to_dict(fact)))
        assert fact_from_dict(stored) == fact
    if mapped.facts:
        assert mapped.order_id is not None
        order = fold(STORE, mapped.order_id, mapped.facts)  # None for facts without a snapshot
        if order is not None:
            json.dumps(order_to_dict(order))


def _datetimes(value: Any) -> list[datetime]:
    if isinstance(value, datetime):
        return [value]
    if isinstance(value, tuple | frozenset):
        return [moment for item in value for moment in _datetimes(item)]
    if is_dataclass(value) and not isinstance(value, type):
        return [moment for f in fields(value) for moment in _datetimes(getattr(value, f.name))]
    return []


# --- one property per platform -----------------------------------------------------------------


@FUZZ
@given(data=st.data(), topic=st.sampled_from(sorted(SHOPIFY_BODIES)))
def test_shopify_maps_or_refuses_any_one_odd_value(data: st.DataObject, topic: str) -> None:
    body = draw_edit(data, SHOPIFY_BODIES[topic]())

    maps_or_refuses(lambda: map_shopify(topic, body))


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(WOO_BODIES)))
def test_woocommerce_maps_or_refuses_any_one_odd_value(data: st.DataObject, name: str) -> None:
    body = draw_edit(data, WOO_BODIES[name]())

    maps_or_refuses(lambda: map_woo(body))


@FUZZ
@given(data=st.data(), document=st.sampled_from(["hook", "order", "products", "shipments", "refunds"]))
def test_bigcommerce_maps_or_refuses_any_one_odd_value_in_the_hook_or_the_fetched_order(
    data: st.DataObject, document: str
) -> None:
    hook, resources = bc_hook(), bc_resources()
    if document == "hook":
        hook = draw_edit(data, hook)
    else:
        resources[document] = draw_edit(data, resources[document])

    maps_or_refuses(lambda: map_bigcommerce(hook, resources), may_retry=True)


@FUZZ
@given(data=st.data(), document=st.sampled_from(["order", "products", "shipments", "refunds"]))
def test_bigcommerce_maps_or_refuses_odd_fetched_values_the_http_client_would_not_let_through(
    data: st.DataObject, document: str
) -> None:
    """orjson refuses NaN and integers past 64 bits, so through the fake API they become
    RetryLater; the mapper itself must refuse them too."""
    resources = bc_resources()
    resources[document] = draw_edit(data, resources[document])
    fetched = FetchedOrder(
        resources["order"], resources["products"], resources["shipments"], resources["refunds"]["data"]
    )

    def map_fetched() -> MappedDelivery:
        facts = map_fetched_order(fetched)
        return MappedDelivery(order_id=facts[0].order_id, facts=tuple(facts))

    maps_or_refuses(map_fetched)
