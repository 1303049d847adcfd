"""Checking a store's message templates before any buyer sees them (`orderline check-config`).

Every template file of the merchant directory and of the built-ins is checked for:
a file name that no lookup would ever use (a kind or part that does not exist, a file
outside a locale directory), syntax errors, variables that are not template variables,
attributes that a record does not have, and finally a real render of every message
template (through the same `TemplateSet` a send would use, so a merchant's partial is
exercised too) against the sample order for representative topics. A problem names the
file and, when known, the line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.environment import Environment

from orderline.channels.templates.context import (
    TOP_LEVEL_NAMES,
    Branding,
    MessageTopic,
    Record,
    message_context,
    record_label,
    sample_order,
)
from orderline.channels.templates.names import (
    EXCEPTION_KINDS,
    SUFFIX,
    TemplateName,
    is_partial,
    normalise_locale,
    parse_template_name,
)
from orderline.channels.templates.rendering import BUILTIN_DIR, TemplateRenderError, TemplateSet
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order
from orderline.domain.vocabulary import ExceptionType, OrderStatus

BUILTIN_LABEL = "<built-in>"


@dataclass(frozen=True, slots=True)
class TemplateProblem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class _Root:
    """A template root on disk, and how problems in it name their files."""

    path: Path
    shown_as: str

    def show(self, file: Path) -> str:
        return f"{self.shown_as}/{file.relative_to(self.path).as_posix()}"


def validate_templates(directory: Path | None) -> list[TemplateProblem]:
    """Every problem in the merchant `directory` (None: none) and the built-ins, in file order."""
    if directory is not None and not directory.is_dir():
        return [TemplateProblem(str(directory), None, "the template directory does not exist")]
    templates = TemplateSet(directory)
    roots = [_Root(BUILTIN_DIR, BUILTIN_LABEL)]
    if directory is not None:
        roots.insert(0, _Root(directory.resolve(), directory.as_posix()))
    problems: list[TemplateProblem] = []
    for root in roots:
        for file in _template_files(root.path):
            problems.extend(_check_file(templates.environment, root, file))
    problems.extend(_check_renders(templates, roots))
    return list(dict.fromkeys(problems))  # a static and a rendered check may agree


def _template_files(root: Path) -> Iterator[Path]:
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root)
        if not file.is_file() or any(part.startswith(".") for part in relative.parts):
            continue
        # A README next to the locale directories is not a template; a stray .j2 is.
        if len(relative.parts) == 1 and not file.name.endswith(SUFFIX):
            continue
        yield file


def _check_file(environment: Environment, root: _Root, file: Path) -> list[TemplateProblem]:
    shown = root.show(file)
    naming = _naming_problem(file.relative_to(root.path))
    if naming is not None:
        return [TemplateProblem(shown, None, naming)]
    try:
        source = file.read_text(encoding="utf-8")
        ast = environment.parse(source, file.name, str(file))
        # A partial may use what the template including it sets; rendering that one checks
        # it. Finding the variables compiles the template, which is where an unknown
        # filter (`| moneyy`) shows: a TemplateAssertionError, a kind of syntax error.
        unknown = (
            set()
            if is_partial(file.name)
            else meta.find_undeclared_variables(ast) - _known_names(environment)
        )
    except UnicodeDecodeError:
        return [TemplateProblem(shown, None, "not UTF-8 text")]
    except TemplateSyntaxError as error:
        return [TemplateProblem(shown, error.lineno, error.message or "syntax error")]
    problems = [
        TemplateProblem(shown, _first_line(ast, name), f"{name!r} is not a template variable")
        for name in sorted(unknown)
    ]
    problems.extend(TemplateProblem(shown, line, message) for line, message in _attribute_problems(ast))
    return problems


def _known_names(environment: Environment) -> set[str]:
    return set(TOP_LEVEL_NAMES) | set(environment.globals)


def _naming_problem(relative: Path) -> str | None:
    if len(relative.parts) != 2:
        return "a template must sit in a locale directory, e.g. en/shipment_sent.txt.j2"
    locale, file_name = relative.parts
    if normalise_locale(locale) != locale:
        return f"{locale!r} is not a locale directory name like en or de-AT"
    if is_partial(file_name):
        return None if file_name.endswith(SUFFIX) else f"a partial must end in {SUFFIX}"
    parsed = parse_template_name(file_name)
    return parsed if isinstance(parsed, str) else None


def _first_line(ast: nodes.Template, name: str) -> int | None:
    return next((node.lineno for node in ast.find_all(nodes.Name) if node.name == name), None)


def _attribute_problems(ast: nodes.Template) -> Iterator[tuple[int, str]]:
    """`{{ order.tracking }}` in a branch the sample render may never take."""
    sample = _static_sample()
    reassigned = {node.name for node in ast.find_all(nodes.Name) if node.ctx != "load"}
    for node in ast.find_all(nodes.Getattr):
        parent = _static_value(node.node, sample, reassigned)
        label = record_label(parent)
        # `address.get("city")` is a dict method, not a typo: leave it to the render check.
        if isinstance(parent, Record) and node.attr not in parent and not hasattr(dict, node.attr):
            yield node.lineno, f"{label!r} has no attribute {node.attr!r}"


def _static_value(node: nodes.Node, sample: Mapping[str, Any], reassigned: set[str]) -> object:
    """What `order.shipping_address` is in the sample, or None when it cannot be known."""
    if isinstance(node, nodes.Name) and node.name not in reassigned:
        return sample.get(node.name)
    if isinstance(node, nodes.Getattr):
        parent = _static_value(node.node, sample, reassigned)
        return parent.get(node.attr) if isinstance(parent, Record) else None
    return None


def _static_sample() -> dict[str, Any]:
    order = sample_order()
    topic = MessageTopic(
        MessageKind.EXCEPTION_NOTICE,
        shipment_ids=tuple(shipment.shipment_id for shipment in order.shipments),
        exception_type=ExceptionType.BACKORDER.value,
        exception_reason="sample",
        exception_opened_at=order.placed_at,
        refund_ids=tuple(refund.refund_id for refund in order.refunds),
    )
    return message_context(order, topic, _BRANDINGS[0])


# --- rendering every message template -----------------------------------------------------

SAMPLE_STATUS_URL = "https://orderline.example.com/status/sample-token"
"""The buyer status page link, as messages carry it when the configuration makes links."""
_BRANDINGS = (
    Branding(
        "Sample Store",
        support_email="help@store.example",
        logo_url="https://store.example/logo.png",
        primary_color="#0f766e",
        sign_off="The Sample Store team",
    ),
    Branding("Sample Store"),
)


def _check_renders(templates: TemplateSet, roots: list[_Root]) -> Iterator[TemplateProblem]:
    for name, parsed in _message_templates(roots):
        for context in _sample_contexts(parsed):
            try:
                templates.render_template(name, context)
            except TemplateRenderError as error:
                yield TemplateProblem(_shown(error, roots), error.line, error.reason)
                break  # one failing sample is enough: the others would repeat it


def _message_templates(roots: list[_Root]) -> Iterator[tuple[str, TemplateName]]:
    """Every `<locale>/<file>` message template name that some root answers, once."""
    names: dict[str, TemplateName] = {}
    for root in roots:
        for file in _template_files(root.path):
            relative = file.relative_to(root.path)
            if _naming_problem(relative) is None and not is_partial(file.name):
                parsed = parse_template_name(file.name)
                if isinstance(parsed, TemplateName):
                    names.setdefault(relative.as_posix(), parsed)
    yield from sorted(names.items())


def _shown(error: TemplateRenderError, roots: list[_Root]) -> str:
    for root in roots:
        if error.path is not None and error.path.resolve().is_relative_to(root.path):
            return root.show(error.path.resolve())
    return error.template_name


def _sample_contexts(parsed: TemplateName) -> Iterator[dict[str, Any]]:
    """The sample order as it is, with nothing left to ship, and with every optional field
    empty, each with the topics this template can be rendered for."""
    full = sample_order()
    for order, branding, status_url in (
        (full, _BRANDINGS[0], SAMPLE_STATUS_URL),
        (_complete(full), _BRANDINGS[1], None),
        (_sparse(full), _BRANDINGS[1], None),
    ):
        for topic in _sample_topics(parsed, order):
            yield message_context(order, topic, branding, status_url)


def _sample_topics(parsed: TemplateName, order: Order) -> list[MessageTopic]:
    kind = parsed.kind
    shipment_ids = tuple(shipment.shipment_id for shipment in order.shipments)
    if kind is MessageKind.SHIPMENT_SENT:
        return [
            MessageTopic(kind, shipment_ids=shipment_ids[-1:]),
            MessageTopic(kind, shipment_ids=shipment_ids),
        ]
    if kind is MessageKind.REFUND_ISSUED:
        return [MessageTopic(kind, refund_ids=tuple(r.refund_id for r in order.refunds)), MessageTopic(kind)]
    if kind in EXCEPTION_KINDS:
        types = [parsed.exception_type] if parsed.exception_type else [t.value for t in ExceptionType]
        opened_at = datetime(2024, 3, 6, 12, 0, tzinfo=UTC)
        return [MessageTopic(kind, (), t, "sample reason", opened_at) for t in types]
    return [MessageTopic(kind)]


def _complete(order: Order) -> Order:
    """Every unit shipped or refunded: no "rest on its way"."""
    lines = tuple(
        replace(line, refunded_quantity=line.quantity - line.shipped_quantity) for line in order.lines
    )
    return replace(order, lines=lines, status=OrderStatus.SHIPPED)


def _sparse(order: Order) -> Order:
    """Every optional field empty, so `{{ order.shipping_address.city }}` without an `if` fails."""
    shipments = tuple(
        replace(shipment, carrier=None, tracking_numbers=(), tracking_url=None, delivery_status=None)
        for shipment in order.shipments
    )
    return replace(order, email=None, shipping_address=None, shipments=shipments)
