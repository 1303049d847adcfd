"""Log output: one line per event, as `key=value` pairs or as a JSON object.

Code logs an event name and its fields, never a sentence with values woven in:

    log.warning("delivery quarantined", extra=fields(inbox_id=7, platform="shopify"))

Fields are ids, counts, codes and durations. Buyer data (names, e-mail addresses, phone
numbers, street addresses), tokens and secrets never go into a field; as a last guard the
formatter masks anything shaped like an e-mail address. The timestamp is the record's own
creation time (set by the logging module), written in UTC with `Z` like every timestamp
Orderline prints.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TextIO

FIELDS_ATTRIBUTE = "orderline_fields"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_BARE_VALUE = re.compile(r"^[\w.,:/@+-]+$")


class LogFormat(StrEnum):
    KV = "kv"
    JSON = "json"


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


def fields(**values: object) -> dict[str, Mapping[str, object]]:
    """The `extra=` argument that attaches `values` to a log record as fields."""
    return {FIELDS_ATTRIBUTE: values}


class EventFormatter(logging.Formatter):
    """Formats a record as one line: time, level, logger, event, then its fields."""

    def __init__(self, output: LogFormat) -> None:
        super().__init__()
        self.output = output

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update(getattr(record, FIELDS_ATTRIBUTE, {}))
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["error"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = "".join(traceback.format_exception(error)).rstrip()
        line = _json_line(entry) if self.output is LogFormat.JSON else _kv_line(entry)
        return _EMAIL.sub("<email>", line)


def configure(
    level: LogLevel = LogLevel.INFO, output: LogFormat = LogFormat.KV, stream: TextIO | None = None
) -> None:
    """Send every logger's records (uvicorn's too) through one handler on stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(EventFormatter(output))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    # SQLAlchemy and httpx log statements and URLs at INFO: noise, and URLs carry queries.
    for name in ("sqlalchemy", "httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))


def _utc(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _json_line(entry: Mapping[str, object]) -> str:
    return json.dumps(entry, default=str, ensure_ascii=False)


def _kv_line(entry: Mapping[str, object]) -> str:
    return " ".join(f"{key}={_kv_value(value)}" for key, value in entry.items())


def _kv_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text and _BARE_VALUE.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)
