"""One line per event, as key=value pairs or JSON, in UTC with `Z`, e-mail addresses masked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from orderline import logs
from orderline.logs import LogFormat, LogLevel, fields


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    output = io.StringIO()
    yield output
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_json_lines_carry_the_event_and_its_fields(stream: io.StringIO) -> None:
    logs.configure(LogLevel.INFO, LogFormat.JSON, stream)

    logging.getLogger("orderline.test").warning("webhook rejected", extra=fields(store="s1", status=401))

    line = json.loads(stream.getvalue())
    assert {k: line[k] for k in ("level", "logger", "event", "store", "status")} == {
        "level": "warning",
        "logger": "orderline.test",
        "event": "webhook rejected",
        "store": "s1",
        "status": 401,
    }
    assert line["ts"].endswith("Z") and len(line["ts"]) == len("2026-12-02T10:15:00.000Z")


def test_kv_lines_quote_only_values_that_need_it(stream: io.StringIO) -> None:
    logs.configure(LogLevel.INFO, LogFormat.KV, stream)

    logging.getLogger("orderline.test").info("serving", extra=fields(stores="a,b", note="two words"))

    assert stream.getvalue().split(" ", 1)[1].strip() == (
        'level=info logger=orderline.test event=serving stores=a,b note="two words"'
    )


def test_an_email_address_never_reaches_the_output(stream: io.StringIO) -> None:
    logs.configure(LogLevel.INFO, LogFormat.JSON, stream)

    try:
        raise ValueError("no such mailbox ann.lee+shop@example.co.uk")
    except ValueError:
        logging.getLogger("orderline.test").exception("send failed", extra=fields(detail="to bo@example.com"))

    assert "@example" not in stream.getvalue()
    line = json.loads(stream.getvalue())
    assert line["detail"] == "to <email>"
    assert line["error"] == "ValueError: no such mailbox <email>"


def test_records_below_the_level_are_dropped_and_library_chatter_is_capped(stream: io.StringIO) -> None:
    logs.configure(LogLevel.DEBUG, LogFormat.KV, stream)

    logging.getLogger("sqlalchemy.engine").info("SELECT secret FROM buyers")
    logs.configure(LogLevel.WARNING, LogFormat.KV, stream)
    logging.getLogger("orderline.test").info("not shown")

    assert stream.getvalue() == ""
