"""What a broken configuration reports: one `ConfigProblem` per thing wrong, all at once.

A problem names the file, the key path in the YAML's own names (`stores[1].platform`)
and what is wrong. Messages never repeat secret values.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Loc = tuple[str | int, ...]
"""A key path as YAML keys and list indexes: `("stores", 1, "id")`."""


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with a configuration file; `key_path` is empty for file-level problems."""

    file: str
    key_path: str
    message: str

    def __str__(self) -> str:
        if self.key_path:
            return f"{self.file}: {self.key_path}: {self.message}"
        return f"{self.file}: {self.message}"


class ConfigError(Exception):
    """A configuration that cannot be used; carries every problem found, one per line."""

    def __init__(self, problems: Sequence[ConfigProblem]) -> None:
        if not problems:
            raise ValueError("a ConfigError needs at least one problem")
        self.problems: list[ConfigProblem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


def format_key_path(loc: Iterable[str | int]) -> str:
    """`("stores", 1, "platform")` -> `stores[1].platform`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def closest_match(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a typo most likely meant, if any is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`"; did you mean 'x'?"` for a close candidate, else an empty string."""
    match = closest_match(word, candidates)
    return f"; did you mean '{match}'?" if match else ""
