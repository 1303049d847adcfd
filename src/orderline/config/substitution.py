"""`${VAR}` and `${VAR:-default}` in string values, replaced from the environment.

Substitution runs on the parsed tree before validation, so a substituted value is
checked like a written one. Keys are never substituted, and substituted text is not
scanned again. `$${` writes a literal `${`. Like the shell, `:-default` applies when the
variable is unset or empty. Problems name the variable, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from orderline.config.errors import Loc

_REFERENCE = re.compile(r"\$(\$?)\{([^}]*)\}")
_NAME_AND_DEFAULT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


def substitute_env(tree: object, env: Mapping[str, str]) -> tuple[object, list[tuple[Loc, str]]]:
    """The tree with every reference replaced, and a problem per reference that cannot be."""
    problems: list[tuple[Loc, str]] = []
    return _substitute(tree, (), env, problems), problems


def _substitute(node: object, loc: Loc, env: Mapping[str, str], problems: list[tuple[Loc, str]]) -> object:
    if isinstance(node, str):
        return _expand(node, loc, env, problems)
    if isinstance(node, dict):
        return {
            key: _substitute(value, (*loc, key if isinstance(key, str) else str(key)), env, problems)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_substitute(item, (*loc, index), env, problems) for index, item in enumerate(node)]
    return node


def _expand(text: str, loc: Loc, env: Mapping[str, str], problems: list[tuple[Loc, str]]) -> str:
    def replace(reference: re.Match[str]) -> str:
        is_escaped, inner = reference.group(1), reference.group(2)
        if is_escaped:
            return "${" + inner + "}"
        parsed = _NAME_AND_DEFAULT.fullmatch(inner)
        if parsed is None:
            problems.append((loc, "malformed ${...} reference; write ${NAME} or ${NAME:-default}"))
            return ""
        name, default = parsed.group(1), parsed.group(2)
        value = env.get(name)
        if value or (value is not None and default is None):
            return value
        if default is not None:
            return default
        problems.append((loc, f"environment variable {name} is not set"))
        return ""

    return _REFERENCE.sub(replace, text)
