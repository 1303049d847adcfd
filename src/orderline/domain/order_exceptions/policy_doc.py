"""The parts of docs/exception-policy.md that are facts of the exception-type registry:
the default-policy table and the list of each type's own settings. Each sits between
`<!-- begin generated: NAME -->` and `<!-- end generated: NAME -->` and is rendered from
the specs, so the page cannot drift from the code; the prose around them is written by hand.

Regenerate with: python -m orderline.domain.order_exceptions.policy_doc docs/exception-policy.md
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path

from orderline.domain.order_exceptions.findings import hours_text
from orderline.domain.order_exceptions.policy import DetectorPolicy, is_setting
from orderline.domain.order_exceptions.registry import EXCEPTION_TYPES, AnySpec, ExceptionTypes

_COMMON_SETTINGS = tuple(f.name for f in fields(DetectorPolicy))


def _holds_cell(spec: AnySpec) -> str:
    held = spec.hold_for(spec.defaults)
    cell = f"yes, `{held}`" if held is not None else "no"
    if held is not None and spec.hold_from_platform:
        cell += " (the platform's hold)"
    if spec.informational:
        cell += " (informational)"
    return f"{cell}: {spec.hold_note}" if spec.hold_note else cell


def _escalation_cell(spec: AnySpec) -> str:
    levels = ", ".join(f"{hours_text(level.after)} → {level.target}" for level in spec.defaults.escalation)
    return f"{levels} (notified once; no SLA, never breached)" if spec.informational else levels


def default_policy_table(types: ExceptionTypes = EXCEPTION_TYPES) -> list[str]:
    """One row per registered type: its default owner, hold, thresholds and ladder."""
    rows = [
        "| exception type | owner | holds fulfilment | thresholds | escalation levels |",
        "|---|---|---|---|---|",
    ]
    rows += [
        f"| `{spec.type}` | {spec.default_owner} | {_holds_cell(spec)} | {spec.thresholds or '—'} "
        f"| {_escalation_cell(spec)} |"
        for spec in types
    ]
    return rows


def _own_settings(spec: AnySpec) -> tuple[str, ...]:
    return tuple(f.name for f in fields(spec.settings) if f.name not in _COMMON_SETTINGS and is_setting(f))


def _names(specs: Sequence[AnySpec]) -> str:
    shown = [f"**`{spec.type}`**" for spec in specs]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def settings_list(types: ExceptionTypes = EXCEPTION_TYPES) -> list[str]:
    """The settings every type has, then each type's own (types with the same ones together)."""
    groups: dict[tuple[str, ...], list[AnySpec]] = {}
    for spec in types:
        if own := _own_settings(spec):
            groups.setdefault(own, []).append(spec)
    common = ", ".join(f"`{name}`" for name in _COMMON_SETTINGS)
    lines = [f"- **Every type**: {common}."]
    lines += [
        f"- {_names(specs)}: {', '.join(f'`{name}`' for name in own)}." for own, specs in groups.items()
    ]
    return lines


GENERATED: dict[str, Callable[[], list[str]]] = {
    "default-policy": default_policy_table,
    "settings": settings_list,
}
"""The generated blocks of the page, by name."""


def _block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- begin generated: {name} [^\n]*-->\n).*?(<!-- end generated: {name} -->)", re.DOTALL
    )


def update_page(text: str) -> str:
    """`text` with every generated block rendered afresh; KeyError names a block it lacks."""
    for name, render in GENERATED.items():
        text = _with_block(text, name, "\n".join(render()))
    return text


def _with_block(text: str, name: str, body: str) -> str:
    match = _block(name).search(text)
    if match is None:
        raise KeyError(f"docs/exception-policy.md has no generated block {name!r}")
    begin, end = match.group(1), match.group(2)
    return f"{text[: match.start()]}{begin}{body}\n{end}{text[match.end() :]}"


def main(argv: Sequence[str] | None = None) -> None:
    """Rewrite the generated blocks of the page named on the command line."""
    (page,) = sys.argv[1:] if argv is None else argv
    path = Path(page)
    path.write_text(update_page(path.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
