"""What `orderline check-config` checks of customer messaging beyond the schema: every
template the configuration names (syntax, file names, variables unknown to the canonical
order model), reported as configuration problems naming the file and key path."""

from __future__ import annotations

from pathlib import Path

from orderline.channels.templates.validation import validate_templates
from orderline.config import OrderlineConfig
from orderline.config.errors import ConfigProblem


def template_directories(config: OrderlineConfig) -> dict[str, Path | None]:
    """Key path -> template directory, for every place the configuration names one."""
    if config.messaging is None:
        return {}
    found: dict[str, Path | None] = {"messaging.templates": config.messaging.templates}
    for index, store in enumerate(config.stores):
        if store.messaging.templates is not None:
            found[f"stores[{index}].messaging.templates"] = store.messaging.templates
    return found


def template_problems(config: OrderlineConfig, source: str) -> list[ConfigProblem]:
    """Every template problem, each under the key path that names its directory (the
    built-in templates are checked under `messaging.templates` when none is named)."""
    problems = []
    for key_path, directory in template_directories(config).items():
        problems += [
            ConfigProblem(source, key_path, str(problem)) for problem in validate_templates(directory)
        ]
    return problems
