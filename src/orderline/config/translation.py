"""Pydantic's validation errors, reworded as key paths and messages for the YAML's author.

Pydantic locations use the field names, which are the YAML keys, and list indexes; a
bad mapping key arrives as `(..., key, "[key]")` and is reported at the key itself.
Messages are built without the rejected input, which may be a secret.
"""

from __future__ import annotations

import inspect
from typing import get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from orderline.config.errors import Loc, did_you_mean

_PLAIN_MESSAGES = {
    "missing": "is required",
    "string_type": "must be a string (quote it if YAML reads it as a number or true/false)",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
}


def translate_validation_error(exc: ValidationError, root: type[BaseModel]) -> list[tuple[Loc, str]]:
    """One (key path, message) per error, in pydantic's order."""
    return [
        (_key_loc(error), _message(error, root))
        for error in exc.errors(include_url=False, include_input=False)
    ]


def _key_loc(error: ErrorDetails) -> Loc:
    return tuple(part for part in error["loc"] if part != "[key]")


def _message(error: ErrorDetails, root: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key_message(error["loc"], root)
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind]
    message = error["msg"]
    if message.startswith("Input should"):
        return "must" + message.removeprefix("Input should")
    return message.removeprefix("Value error, ")


def _unknown_key_message(loc: Loc, root: type[BaseModel]) -> str:
    known = _keys_at(loc[:-1], root)
    key = str(loc[-1])
    hint = did_you_mean(key, known)
    if hint:
        return f"unknown key{hint}"
    return f"unknown key; expected one of: {', '.join(known)}" if known else "unknown key"


def _keys_at(loc: Loc, root: type[BaseModel]) -> list[str]:
    """The keys the schema allows at `loc`, found by walking the models' annotations."""
    node: object = root
    for part in loc:
        if isinstance(part, int):
            node = get_args(node)[0] if get_origin(node) is list else None
            continue
        model = _model_class(node)
        if model is None or part not in model.model_fields:
            return []
        node = model.model_fields[part].annotation
    model = _model_class(node)
    return list(model.model_fields) if model else []


def _model_class(node: object) -> type[BaseModel] | None:
    if inspect.isclass(node) and issubclass(node, BaseModel):
        return node
    # An optional section (`calendar: CalendarConfig | None`) lists the keys of its model.
    models = [arg for arg in get_args(node) if inspect.isclass(arg) and issubclass(arg, BaseModel)]
    return models[0] if len(models) == 1 and get_origin(node) is not list else None
