"""How one render writes numbers, money and dates: the locale, the time zone, the currency.

`TemplateSet` decides a `Formatting` for each message and holds it for the length of the
render (`formatting_in_effect`); the filters (`filters.py`) read it, so a template writes
`{{ order.total_price | money }}` and `{{ order.placed_at | date }}` and never passes
separators, month names or a zone.

The formatting is held in a `ContextVar` rather than in the template context because
Jinja does not pass the context to imported templates: a macro from
`{% import "_lines.html.j2" as items %}` would otherwise format in the wrong language.
A `ContextVar` is per thread, so stores rendering in parallel lanes never see each
other's locale.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, tzinfo

from babel import Locale, UnknownLocaleError

from orderline.channels.templates.names import DEFAULT_LOCALE, locale_chain


@dataclass(frozen=True, slots=True)
class Formatting:
    locale: Locale
    """Babel's locale: separators, currency symbol placement, month names (CLDR data)."""
    zone: tzinfo = UTC
    """The buyer's time zone: an order placed at 23:30 UTC is the next day in Berlin."""
    currency: str | None = None
    """The order's currency: what `money` writes when the template names none."""

    @classmethod
    def of(cls, locale: str | None, zone: tzinfo = UTC, currency: str | None = None) -> Formatting:
        """`de-AT` as Babel's `de_AT`. A locale Babel does not know falls back down the
        locale chain (`xx-DE` -> `en`), so an odd buyer locale still renders."""
        for step in locale_chain(locale, DEFAULT_LOCALE):
            try:
                return cls(Locale.parse(step, sep="-"), zone, currency)
            except (UnknownLocaleError, ValueError):
                continue
        return cls(Locale.parse(DEFAULT_LOCALE), zone, currency)


def formatting_locale(requested: str | None, written_in: str) -> str:
    """The locale numbers and dates are written in: the buyer's own (`de-AT`, so an Austrian
    reads `Jänner`) when the message is in the buyer's language (`de` templates), else the
    message's language (a German buyer's message that fell back to English templates
    reads `1,234.50`, never an English sentence with German numbers)."""
    first = locale_chain(requested, written_in)[0]
    return first if _language(first) == _language(written_in) else written_in


def _language(locale: str) -> str:
    return locale.split("-", 1)[0]


_FALLBACK = Formatting.of(DEFAULT_LOCALE)
_CURRENT: ContextVar[Formatting | None] = ContextVar("orderline_template_formatting", default=None)


@contextmanager
def formatting_in_effect(formatting: Formatting) -> Iterator[Formatting]:
    """Make `formatting` the one the filters use until the block ends."""
    token = _CURRENT.set(formatting)
    try:
        yield formatting
    finally:
        _CURRENT.reset(token)


def current_formatting() -> Formatting:
    """The formatting of the render in progress; English and UTC outside any render."""
    return _CURRENT.get() or _FALLBACK
