"""Only the clock module reads the wall clock: everything else is handed `now` or a clock,
so ORDERLINE_CLOCK_OFFSET moves all of Orderline and no test depends on today's date.

The source of src/orderline is walked with `ast`; `time.monotonic` and `time.perf_counter`
measure durations, not dates, and are fine anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import orderline

PACKAGE = Path(orderline.__file__).parent
CLOCK_MODULE = PACKAGE / "clock.py"

WALL_CLOCK_READS = {
    ("datetime", "datetime", "now"),
    ("datetime", "datetime", "utcnow"),
    ("datetime", "datetime", "today"),
    ("datetime", "date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
"""What reads the date and time of day, by module, class and name."""


def _bindings(tree: ast.Module) -> dict[str, tuple[str, ...]]:
    """What each imported name stands for: ("datetime",) for the module, ("datetime",
    "date") for its class, ("time", "time") for the function."""
    bound: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in {"datetime", "time"}:
                    bound[alias.asname or alias.name] = (alias.name,)
        elif isinstance(node, ast.ImportFrom) and node.module in {"datetime", "time"}:
            for alias in node.names:
                bound[alias.asname or alias.name] = (node.module, alias.name)
    return bound


def _dotted(node: ast.expr, bound: dict[str, tuple[str, ...]]) -> tuple[str, ...] | None:
    """`datetime.date.today` as ("datetime", "date", "today"), through the file's imports."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, bound)
        return None if base is None else (*base, node.attr)
    return None


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, name) of every wall-clock read in `source`, called or passed along."""
    tree = ast.parse(source)
    bound = _bindings(tree)
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute | ast.Name):
            continue
        path = _dotted(node, bound)
        if path is not None and path in WALL_CLOCK_READS:
            found.add((node.lineno, ".".join(path)))
    return sorted(found)


def test_only_the_clock_module_reads_the_wall_clock() -> None:
    offenders = {
        str(path.relative_to(PACKAGE.parent)): reads
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != CLOCK_MODULE and (reads := wall_clock_reads(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_the_clock_module_is_where_the_wall_clock_is_read() -> None:
    reads = wall_clock_reads(CLOCK_MODULE.read_text(encoding="utf-8"))

    assert {name for _, name in reads} == {"datetime.datetime.now"}


def test_every_way_of_reading_the_wall_clock_is_found() -> None:
    source = "\n".join(
        [
            "import datetime",
            "import datetime as dt",
            "import time",
            "from datetime import date, datetime as DateTime",
            "from time import time as seconds",
            "a = datetime.datetime.now()",
            "b = dt.datetime.utcnow()",
            "c = date.today()",
            "d = DateTime.now(tz)",
            "e = time.time()",
            "f = seconds()",
            "g = field(default_factory=DateTime.now)",
            "h = time.time_ns()",
        ]
    )

    assert wall_clock_reads(source) == [
        (6, "datetime.datetime.now"),
        (7, "datetime.datetime.utcnow"),
        (8, "datetime.date.today"),
        (9, "datetime.datetime.now"),
        (10, "time.time"),
        (11, "time.time"),
        (12, "datetime.datetime.now"),
        (13, "time.time_ns"),
    ]


def test_durations_and_dates_given_are_not_wall_clock_reads() -> None:
    source = "\n".join(
        [
            "import time",
            "from datetime import UTC, datetime, timedelta",
            "started = time.monotonic()",
            "spent = time.perf_counter()",
            "moment = datetime.fromisoformat('2027-03-01T15:00:00+00:00')",
            "later = datetime(2027, 3, 1, tzinfo=UTC) + timedelta(hours=1)",
            "def now(clock): return clock()",
            "x = now(clock)",
        ]
    )

    assert wall_clock_reads(source) == []
