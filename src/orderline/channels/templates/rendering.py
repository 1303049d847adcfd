"""Rendering customer messages: which template file answers, and the sandbox it runs in.

A `TemplateSet` layers one store's merchant templates over the built-ins shipped in
`builtin/`. A message of kind K (about an exception of type T), asked in locale `de-AT`,
is looked up like this:

    for each locale directory of de-AT, de, en (the default):   # the buyer's language first
        for each root of the merchant directory, then the built-ins:  # the merchant's word wins
            <locale>/K.T.<part>.j2   (only when the topic has an exception type)
            <locale>/K.<part>.j2

The first locale where both the subject and the txt part are found is the message's
locale, and every part comes from that locale only (the html part too, and it may be
missing there: the message then goes out as text only). A message is never half German
and half English. Within a locale a merchant's generic template beats a built-in
per-type one. A partial named by `{% extends "_layout.html.j2" %}` (or include/import) is
found in the parent's locale directory first, then down the same fallback chain.

Merchant templates are not trusted code: they run in Jinja's immutable sandbox with
`StrictUndefined`, HTML parts are autoescaped, text parts and subjects are not.

Numbers, money and dates are written in the buyer's locale when the message is in the
buyer's language (`de-AT` for an Austrian reading the `de` templates), else in the
message's locale, and in the buyer's time zone (`formatting.py`, `filters.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    TemplateSyntaxError,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from orderline.channels.templates.context import MessageTopic, record_label
from orderline.channels.templates.filters import FILTERS
from orderline.channels.templates.formatting import Formatting, formatting_in_effect, formatting_locale
from orderline.channels.templates.names import (
    DEFAULT_LOCALE,
    SUFFIX,
    Part,
    TemplateName,
    locale_chain,
)
from orderline.domain.messaging.kinds import MessageKind

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str | None = None


class TemplateRenderError(Exception):
    """A template could not be rendered. `template_name` is the file where it failed
    (`de/shipment_sent.txt.j2`, or the partial it extends), `path` that file on disk."""

    def __init__(
        self, template_name: str, reason: str, line: int | None = None, path: Path | None = None
    ) -> None:
        where = template_name if line is None else f"{template_name}:{line}"
        super().__init__(f"{where}: {reason}")
        self.template_name = template_name
        self.reason = reason
        self.line = line
        self.path = path


class NamingUndefined(StrictUndefined):
    """StrictUndefined that names the record a missing attribute was looked up on."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        label = record_label(self._undefined_obj)
        if self._undefined_hint is None and label is not None:
            return f"{label!r} has no attribute {self._undefined_name!r}"
        return super()._undefined_message


def _is_html(template_name: str | None) -> bool:
    return template_name is not None and template_name.endswith(".html" + SUFFIX)


class _Environment(ImmutableSandboxedEnvironment):
    def __init__(self, roots: Sequence[Path], find: Callable[[Sequence[str], str], str | None]) -> None:
        super().__init__(
            loader=ChoiceLoader([FileSystemLoader(str(root)) for root in roots]),
            undefined=NamingUndefined,
            autoescape=_is_html,
            keep_trailing_newline=True,
            # A block tag on its own line leaves no blank line or indentation behind: text
            # templates stay readable without `-%}` everywhere.
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.filters.update(FILTERS)
        self._find = find

    def join_path(self, template: str, parent: str) -> str:
        # A bare partial name means "this locale's, with the usual fallback", so a German
        # template extending "_layout.html.j2" gets the German layout when there is one.
        if "/" in template:
            return template
        locale = parent.split("/", 1)[0]
        return self._find((template,), locale) or f"{locale}/{template}"


class TemplateSet:
    """The templates of one store: `directory` (merchant's, may be None) over the built-ins."""

    def __init__(self, directory: Path | None = None, default_locale: str = DEFAULT_LOCALE) -> None:
        self.directory = directory
        self.default_locale = default_locale
        self.roots = tuple(root.resolve() for root in (directory, BUILTIN_DIR) if root is not None)
        self.environment = _Environment(self.roots, self.find)

    def path_of(self, name: str) -> Path | None:
        """The file a template name (`de/shipment_sent.txt.j2`) loads from, merchant first."""
        for root in self.roots:
            path = root / name
            if path.is_file():
                return path
        return None

    def find(self, file_names: Sequence[str], locale: str | None) -> str | None:
        """The first `<locale>/<file name>` that exists, down the locale chain."""
        for step in locale_chain(locale, self.default_locale):
            found = self._find_in(step, file_names)
            if found is not None:
                return found
        return None

    def _find_in(self, step: str, file_names: Sequence[str]) -> str | None:
        for root in self.roots:
            for file_name in file_names:
                if (root / step / file_name).is_file():
                    return f"{step}/{file_name}"
        return None

    def message_locale(self, kind: MessageKind, exception_type: str | None, locale: str | None) -> str | None:
        """The locale a message is written in: the first with both a subject and a txt part."""
        for step in locale_chain(locale, self.default_locale):
            parts = (Part.SUBJECT, Part.TEXT)
            if all(self._find_in(step, _file_names(kind, part, exception_type)) for part in parts):
                return step
        return None

    def lookup(
        self, kind: MessageKind, part: Part, exception_type: str | None, locale: str | None
    ) -> str | None:
        """The template name that answers for this part of a message, or None."""
        step = self.message_locale(kind, exception_type, locale)
        return None if step is None else self._find_in(step, _file_names(kind, part, exception_type))

    def render(
        self,
        topic: MessageTopic,
        context: Mapping[str, Any],
        locale: str | None = None,
        zone: tzinfo = UTC,
    ) -> RenderedMessage:
        """Every part rendered, or TemplateRenderError: never a half-built message.
        `context` is `message_context(order, topic, branding)`; `zone` is the buyer's."""
        step = self.message_locale(topic.kind, topic.exception_type, locale)
        if step is None:
            tried = ", ".join(locale_chain(locale, self.default_locale))
            file_name = TemplateName(topic.kind, Part.TEXT).file_name
            raise TemplateRenderError(
                file_name, f"no subject and txt templates in any of the locales {tried}"
            )
        formatting = Formatting.of(formatting_locale(locale, step), zone, _currency(context))
        rendered: dict[Part, str] = {}
        for part in Part:
            name = self._find_in(step, _file_names(topic.kind, part, topic.exception_type))
            if name is not None:  # only html may be missing: the message then is text only
                rendered[part] = self.render_template(name, context, formatting)
        return RenderedMessage(
            # A subject is one header line: template newlines and indentation would break it.
            subject=" ".join(rendered[Part.SUBJECT].split()),
            text=rendered[Part.TEXT],
            html=rendered.get(Part.HTML),
        )

    def render_template(
        self, name: str, context: Mapping[str, Any], formatting: Formatting | None = None
    ) -> str:
        """One template by name (`en/order_confirmed.txt.j2`); TemplateRenderError on any
        failure. Without `formatting`, the template's locale directory and UTC."""
        if formatting is None:
            formatting = Formatting.of(name.split("/", 1)[0], UTC, _currency(context))
        try:
            with formatting_in_effect(formatting):
                return self.environment.get_template(name).render(context)
        except Exception as error:
            # Merchant templates are untrusted: whatever they raise (a sandbox refusal, a
            # division by zero, a filter's ValueError) is their failure, reported as one.
            raise self._render_error(name, error) from error

    def _render_error(self, name: str, error: Exception) -> TemplateRenderError:
        reason = _reason(error)
        lineno = getattr(error, "lineno", None)
        filename = getattr(error, "filename", None)  # a TemplateSyntaxError knows where it is
        frame = _innermost_template_frame(error.__traceback__)
        if frame is not None:
            filename, lineno = frame
        path = Path(filename) if filename else self.path_of(name)
        return TemplateRenderError(self._name_of(path) or name, reason, lineno, path)

    def _name_of(self, path: Path | None) -> str | None:
        for root in self.roots:
            if path is not None and path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return None


def _currency(context: Mapping[str, Any]) -> str | None:
    order = context.get("order")
    currency = order.get("currency") if isinstance(order, Mapping) else None
    return currency if isinstance(currency, str) else None


def _reason(error: Exception) -> str:
    if isinstance(error, TemplateSyntaxError):
        return error.message or "syntax error"  # str() would add a location we report apart
    if isinstance(error, TemplateNotFound):
        return f"template not found: {error.name}"
    if isinstance(error, TemplateError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _innermost_template_frame(trace: TracebackType | None) -> tuple[str, int] | None:
    """Where in a template an error was raised: Jinja rewrites the traceback so that
    template frames carry the template's file name and line."""
    found = None
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(SUFFIX):
            found = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _file_names(kind: MessageKind, part: Part, exception_type: str | None) -> tuple[str, ...]:
    """The file names that can answer for one part, the per-type one first."""
    generic = TemplateName(kind, part).file_name
    if exception_type is None:
        return (generic,)
    return (TemplateName(kind, part, exception_type).file_name, generic)
