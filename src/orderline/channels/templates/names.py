"""How template files are named and which locales a lookup walks through.

A message template lives in a locale directory and is named
`<kind>[.<exception_type>].<part>.j2`, e.g. `en/shipment_sent.txt.j2` or
`de/exception_notice.backorder.subject.j2`. A file whose name starts with `_`
(`en/_layout.html.j2`) is a partial: never a message by itself, only extended or included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.vocabulary import ExceptionType

DEFAULT_LOCALE = "en"
SUFFIX = ".j2"

# BCP 47-ish: a 2-3 letter language, then script/region/variant subtags. Anything else
# (a path, an empty string) never becomes a directory name.
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

EXCEPTION_KINDS = frozenset(
    {MessageKind.EXCEPTION_NOTICE, MessageKind.EXCEPTION_UPDATE, MessageKind.EXCEPTION_RESOLVED}
)


class Part(StrEnum):
    SUBJECT = "subject"
    TEXT = "txt"
    HTML = "html"


_KINDS = frozenset(kind.value for kind in MessageKind)
_PARTS = frozenset(part.value for part in Part)
_EXCEPTION_TYPES = frozenset(t.value for t in ExceptionType)


@dataclass(frozen=True, slots=True)
class TemplateName:
    """A parsed message template file name (without its locale directory)."""

    kind: MessageKind
    part: Part
    exception_type: str | None = None

    @property
    def file_name(self) -> str:
        typed = f".{self.exception_type}" if self.exception_type else ""
        return f"{self.kind.value}{typed}.{self.part.value}{SUFFIX}"


def is_partial(file_name: str) -> bool:
    return file_name.startswith("_")


def parse_template_name(file_name: str) -> TemplateName | str:
    """The parsed name, or what is wrong with it (a message for the merchant)."""
    expected = "expected <kind>.<part>.j2 or <kind>.<exception_type>.<part>.j2"
    if not file_name.endswith(SUFFIX):
        return f"not a template file name ({expected})"
    pieces = file_name.removesuffix(SUFFIX).split(".")
    if len(pieces) not in (2, 3):
        return f"not a template file name ({expected})"
    kind_text, part_text = pieces[0], pieces[-1]
    if kind_text not in _KINDS:
        known = ", ".join(kind.value for kind in MessageKind)
        return f"unknown message kind {kind_text!r} (known: {known})"
    if part_text not in _PARTS:
        return f"unknown part {part_text!r} (expected subject, txt or html)"
    kind, part = MessageKind(kind_text), Part(part_text)
    if len(pieces) == 2:
        return TemplateName(kind, part)
    if kind not in EXCEPTION_KINDS:
        return f"a per-exception-type template only applies to exception messages, not {kind.value}"
    if pieces[1] not in _EXCEPTION_TYPES:
        known = ", ".join(t.value for t in ExceptionType)
        return f"unknown exception type {pieces[1]!r} (known: {known})"
    return TemplateName(kind, part, pieces[1])


def normalise_locale(locale: str) -> str | None:
    """`de_at` -> `de-AT`, `zh_hant_tw` -> `zh-Hant-TW`; None for something not a locale."""
    if not _LOCALE.match(locale):
        return None
    language, *subtags = re.split(r"[-_]", locale)
    shaped = [language.lower()]
    for subtag in subtags:
        if len(subtag) == 2:
            shaped.append(subtag.upper())
        elif len(subtag) == 4:
            shaped.append(subtag.title())
        else:
            shaped.append(subtag.lower())
    return "-".join(shaped)


def locale_chain(locale: str | None, default: str = DEFAULT_LOCALE) -> tuple[str, ...]:
    """The locale directories to try, most specific first: `de-AT` -> (de-AT, de, en).

    A missing or malformed locale falls back to the default alone: a buyer with an odd
    platform locale still gets a message, and a locale never reaches the file system
    unchecked.
    """
    shaped = normalise_locale(locale) if locale else None
    chain: list[str] = []
    if shaped:
        subtags = shaped.split("-")
        chain = ["-".join(subtags[:size]) for size in range(len(subtags), 0, -1)]
    if default not in chain:
        chain.append(default)
    return tuple(chain)
