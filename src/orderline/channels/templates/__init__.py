"""Customer message templates: the variables they see, the files that answer, validation.

`message_context` builds the only variables a template sees from the canonical order;
`TemplateSet.render` picks the templates (merchant over built-in, locale fallback) and
renders them in a sandbox; `validate_templates` checks them for `orderline check-config`.
"""

from orderline.channels.templates.context import Branding, MessageTopic, message_context, sample_order
from orderline.channels.templates.rendering import RenderedMessage, TemplateRenderError, TemplateSet
from orderline.channels.templates.validation import TemplateProblem, validate_templates

__all__ = [
    "Branding",
    "MessageTopic",
    "RenderedMessage",
    "TemplateProblem",
    "TemplateRenderError",
    "TemplateSet",
    "message_context",
    "sample_order",
    "validate_templates",
]
