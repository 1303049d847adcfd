"""Finding and loading `orderline.yaml`: every problem in the file is reported at once.

Where the file is: an explicit path, else the ORDERLINE_CONFIG variable, else
`./orderline.yaml`. Only that last, implicit file may be absent; then the built-in
defaults apply. A named file that is missing is an error.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from orderline.config.errors import ConfigError, ConfigProblem, Loc, format_key_path
from orderline.config.messaging import anchor_paths
from orderline.config.model import REFERENCES_CHECKED, OrderlineConfig
from orderline.config.references import reference_problems
from orderline.config.substitution import substitute_env
from orderline.config.translation import translate_validation_error
from orderline.config.yaml_file import parse_yaml

DEFAULT_CONFIG_FILE = "orderline.yaml"
CONFIG_PATH_VARIABLE = "ORDERLINE_CONFIG"


@dataclass(frozen=True, slots=True)
class ConfigLocation:
    """Which file to read, and whether someone named it (then it must exist)."""

    path: Path
    is_explicit: bool

    @property
    def display_name(self) -> str:
        return str(self.path)

    def uses_defaults(self) -> bool:
        """True when no file was named and `./orderline.yaml` does not exist."""
        return not self.is_explicit and not self.path.exists()


def locate_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ConfigLocation:
    env = os.environ if env is None else env
    if path is not None:
        return ConfigLocation(Path(path), is_explicit=True)
    if env.get(CONFIG_PATH_VARIABLE):
        return ConfigLocation(Path(env[CONFIG_PATH_VARIABLE]), is_explicit=True)
    return ConfigLocation(Path(DEFAULT_CONFIG_FILE), is_explicit=False)


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> OrderlineConfig:
    """The validated configuration; raises ConfigError listing every problem found.

    `env` (default: os.environ) supplies ${VAR} values and ORDERLINE_CONFIG.
    """
    env = os.environ if env is None else env
    location = locate_config(path, env)
    if location.uses_defaults():
        return OrderlineConfig()
    config = parse_config(_read_text(location), file=location.display_name, env=env)
    # Template and pickup directories are written relative to the file that names them.
    return anchor_paths(config, location.path.parent)


def parse_config(
    text: str, *, file: str = DEFAULT_CONFIG_FILE, env: Mapping[str, str] | None = None
) -> OrderlineConfig:
    """Validate configuration text; `file` is the name problems are reported under."""
    env = os.environ if env is None else env
    tree, duplicate_keys = parse_yaml(text, file)
    if tree is None:
        tree = {}  # an empty file means "all defaults"
    if not isinstance(tree, dict):
        raise ConfigError([ConfigProblem(file, "", "must be a mapping of settings (key: value lines)")])
    tree, substitution_problems = substitute_env(tree, env)
    config, located = _validate(tree, substitution_problems)
    problems = [*duplicate_keys, *(ConfigProblem(file, format_key_path(loc), msg) for loc, msg in located)]
    if problems or config is None:
        raise ConfigError(problems)
    return config


def _validate(
    tree: object, substitution_problems: list[tuple[Loc, str]]
) -> tuple[OrderlineConfig | None, list[tuple[Loc, str]]]:
    """Schema and cross-reference problems together, ordered as the file is written."""
    unset = {format_key_path(loc) for loc, _ in substitution_problems}
    located = list(substitution_problems)
    config = None
    try:
        config = OrderlineConfig.model_validate(tree, context={REFERENCES_CHECKED: True})
    except ValidationError as exc:
        # A value whose variable is unset has already been reported; its emptiness is no news.
        schema_problems = translate_validation_error(exc, OrderlineConfig)
        located += [(loc, msg) for loc, msg in schema_problems if format_key_path(loc) not in unset]
    located += reference_problems(tree)
    return config, _in_document_order(tree, located)


def _in_document_order(tree: object, located: list[tuple[Loc, str]]) -> list[tuple[Loc, str]]:
    """Problems sorted by where their key appears in the file.

    A key that is not written (a required one missing) sorts after everything written
    inside its nearest written parent.
    """
    spans: dict[Loc, tuple[int, int]] = {}
    _number_keys(tree, (), spans)

    def position(item: tuple[Loc, str]) -> tuple[int, int]:
        loc = item[0]
        if loc in spans:
            return spans[loc][0], 0
        while loc and loc not in spans:
            loc = loc[:-1]
        return spans.get(loc, (0, 0))[1], 1

    return sorted(located, key=position)


def _number_keys(node: object, loc: Loc, spans: dict[Loc, tuple[int, int]]) -> int:
    """Numbers every key path depth-first; `spans[loc]` is (its number, its subtree's last number)."""
    start = last = len(spans)
    spans[loc] = (start, start)
    if isinstance(node, dict):
        for key, value in node.items():
            last = _number_keys(value, (*loc, key if isinstance(key, str) else str(key)), spans)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            last = _number_keys(item, (*loc, index), spans)
    spans[loc] = (start, last)
    return last


def _read_text(location: ConfigLocation) -> str:
    file = location.display_name
    try:
        return location.path.read_text(encoding="utf-8")
    except FileNotFoundError:
        message = "file not found"
    except IsADirectoryError:
        message = "is a directory, not a file"
    except UnicodeDecodeError:
        message = "is not UTF-8 text"
    except OSError as exc:
        message = f"cannot be read: {exc.strerror or type(exc).__name__}"
    raise ConfigError([ConfigProblem(file, "", message)])
