"""Pydantic's validation errors, reworded as key paths and messages for the YAML's author.

Pydantic locations use the field names, which are the YAML keys, and list indexes; a
bad mapping key arrives as `(..., key, "[key]")` and is reported at the key itself.
Inside a discriminated union (a store entry, validated as its platform's model) pydantic
adds the member's tag to the location; it is not a key of the file and is dropped.
Messages are built without the rejected input, which may be a secret.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Annotated, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
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
        (_walk(error["loc"], root).loc, _message(error, root))
        for error in exc.errors(include_url=False, include_input=False)
    ]


@dataclass(frozen=True, slots=True)
class _Place:
    """Where a pydantic location leads in the schema."""

    loc: Loc
    """The key path as written in the file."""
    node: object
    """The schema (a model or an annotation) at its end; None past what the models say."""
    siblings: dict[str, type[BaseModel]] = field(default_factory=dict)
    """When the path went through a discriminated union: its members by tag."""


def _walk(loc: tuple[int | str, ...], root: type[BaseModel]) -> _Place:
    node: object = root
    written: list[int | str] = []
    siblings: dict[str, type[BaseModel]] = {}
    for part in loc:
        if part == "[key]":
            continue
        members = _tagged_members(node)
        if isinstance(part, str) and part in members:
            node = members[part]
            siblings = {tag: model for tag, m in members.items() if (model := _model_class(m)) is not None}
            continue
        written.append(part)
        node = _child(node, part)
    return _Place(tuple(written), node, siblings)


def _child(node: object, part: int | str) -> object:
    if isinstance(part, int):
        return get_args(node)[0] if get_origin(node) is list else None
    model = _model_class(node)
    if model is None or part not in model.model_fields:
        return None
    return model.model_fields[part].annotation


def _tagged_members(node: object) -> dict[str, object]:
    """The members of a discriminated union written as `Annotated[member, Tag(...)]`, by tag:
    models (a store entry by platform) or other types (`calendar.holidays`, list or mapping)."""
    if get_origin(node) is Annotated:
        node = get_args(node)[0]
    members: dict[str, object] = {}
    for arg in get_args(node):
        if get_origin(arg) is not Annotated:
            continue
        member, *metadata = get_args(arg)
        for item in metadata:
            if isinstance(item, Tag):
                members[item.tag] = member
    return members


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


def _unknown_key_message(loc: tuple[int | str, ...], root: type[BaseModel]) -> str:
    place = _walk(loc[:-1], root)
    model = _model_class(place.node)
    key = str(loc[-1])
    owners = [
        tag for tag, member in place.siblings.items() if member is not model and key in member.model_fields
    ]
    explain = getattr(model, "foreign_key_message", None)
    if owners and explain is not None:
        # A key of another member of the union (a shop_domain in a WooCommerce store).
        return str(explain(key, owners))
    known = list(model.model_fields) if model else []
    hint = did_you_mean(key, known)
    if hint:
        return f"unknown key{hint}"
    return f"unknown key; expected one of: {', '.join(known)}" if known else "unknown key"


def _model_class(node: object) -> type[BaseModel] | None:
    if inspect.isclass(node) and issubclass(node, BaseModel):
        return node
    # An optional section (`calendar: CalendarConfig | None`) lists the keys of its model.
    models = [arg for arg in get_args(node) if inspect.isclass(arg) and issubclass(arg, BaseModel)]
    return models[0] if len(models) == 1 and get_origin(node) is not list else None
