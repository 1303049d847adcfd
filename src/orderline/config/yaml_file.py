"""Reading the configuration file's text into a plain tree (safe YAML only).

A syntax error ends the reading with its line and column. A key written twice in one
mapping is reported too: plain YAML loaders keep the last one silently.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

from orderline.config.errors import ConfigError, ConfigProblem

_MERGE_TAG = "tag:yaml.org,2002:merge"


class _DuplicateKeyLoader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            # `<<` merges may legitimately be overridden by the keys written beside them.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE_TAG:
                continue
            if key_node.value in seen:
                mark = key_node.start_mark
                self.duplicate_keys.append(
                    f"duplicate key '{key_node.value}' at line {mark.line + 1}, column {mark.column + 1}"
                )
            seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    # YAML reads 2026-13-01 as a timestamp and then fails outside its error types; keep the
    # text, so the setting's own check reports it at its key path.
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


_DuplicateKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def parse_yaml(text: str, file: str) -> tuple[object, list[ConfigProblem]]:
    """The document as plain data, with any duplicate-key problems.

    Raises ConfigError for text that is not YAML; the problem gives the position and the
    parser's complaint but not the offending line, which may hold a secret.
    """
    loader = _DuplicateKeyLoader(text)
    try:
        tree = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        raise ConfigError([ConfigProblem(file, "", _syntax_message(exc))]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(file, "", f"invalid YAML: {type(exc).__name__}")]) from None
    finally:
        loader.dispose()
    return tree, [ConfigProblem(file, "", message) for message in loader.duplicate_keys]


def _syntax_message(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    complaint = exc.problem or exc.context or "unreadable"
    if mark is None:
        return f"invalid YAML: {complaint}"
    return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {complaint}"
