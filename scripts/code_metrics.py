"""Code-shape figures for src/orderline: modules over 300 lines, function length (median,
90th percentile), functions with more than 6 parameters outside web/ and cli/, and how
often `dict[str, Any]` is written. Usage: python scripts/code_metrics.py [SRC]"""

from __future__ import annotations

import ast
import statistics
import sys
from pathlib import Path


def main(root: Path) -> None:
    long_modules, lengths, wide, dict_any = [], [], [], 0
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        relative = path.relative_to(root)
        if len(text.splitlines()) > 300:
            long_modules.append(f"{relative} ({len(text.splitlines())})")
        dict_any += text.count("dict[str, Any]")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lengths.append((node.end_lineno or node.lineno) - node.lineno + 1)
                args = node.args
                count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
                count -= 1 if args.args and args.args[0].arg in ("self", "cls") else 0
                if count > 6 and relative.parts[0] not in ("web", "cli"):
                    wide.append(f"{relative}:{node.lineno} {node.name} ({count})")
    lengths.sort()
    p90 = lengths[int(0.9 * (len(lengths) - 1))]
    print(f"modules over 300 lines: {len(long_modules)}")
    for name in long_modules:
        print(f"  {name}")
    print(f"functions: {len(lengths)}; median length {statistics.median(lengths):.0f} lines; p90 {p90} lines")
    print(f"functions with more than 6 parameters outside web/ and cli/: {len(wide)}")
    for name in wide:
        print(f"  {name}")
    print(f"dict[str, Any] written: {dict_any}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "src" / "orderline")
