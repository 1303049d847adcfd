"""Customer message templates: context, lookup order, sandbox, rendering and validation."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orderline.channels.templates import (
    Branding,
    MessageTopic,
    TemplateProblem,
    TemplateRenderError,
    TemplateSet,
    message_context,
    sample_order,
    validate_templates,
)
from orderline.channels.templates.names import Part, locale_chain
from orderline.domain.messaging.kinds import MessageKind
from orderline.domain.order import Order
from orderline.domain.vocabulary import ExceptionType, OrderStatus

BRANDING = Branding("Acme Outfitters", support_email="help@acme.example", sign_off="The Acme team")
IN_TRANSIT = "sample-shipment-2"  # the sample's second parcel: 1 tote; 1 more tote still to ship
DELIVERED = "sample-shipment-1"


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _topic(kind: MessageKind) -> MessageTopic:
    if kind is MessageKind.SHIPMENT_SENT:
        return MessageTopic(kind, shipment_ids=(IN_TRANSIT,))
    if kind is MessageKind.REFUND_ISSUED:
        return MessageTopic(kind, refund_ids=("sample-refund-1",))
    if kind.value.startswith("exception_"):
        return MessageTopic(kind, exception_type=ExceptionType.BACKORDER.value, exception_reason="internal")
    return MessageTopic(kind)


def _render(
    kind: MessageKind, order: Order | None = None, templates: TemplateSet | None = None, locale: str = "en"
) -> tuple[str, str, str | None]:
    topic = _topic(kind)
    message = (templates or TemplateSet()).render(
        topic, message_context(order or sample_order(), topic, BRANDING), locale
    )
    return message.subject, message.text, message.html


# --- context -------------------------------------------------------------------------------


def test_context_offers_only_canonical_variables_for_a_split_shipment() -> None:
    topic = MessageTopic(MessageKind.SHIPMENT_SENT, shipment_ids=(IN_TRANSIT,))

    context = message_context(sample_order(), topic, BRANDING)

    assert set(context) == {
        "store",
        "order",
        "message",
        "parcels",
        "rest_on_its_way",
        "remaining_lines",
        "exception",
        "refunds",
        "status_url",
    }
    assert context["status_url"] is None  # no link unless the configuration makes links
    assert context["order"]["customer_name"] == "Ada Lovelace"
    assert context["order"]["total_price"] == "84.00"
    assert context["order"]["lines"][1] == {
        "title": "Canvas tote",
        "sku": "TOTE",
        "quantity": 3,
        "shipped_quantity": 1,
        "refunded_quantity": 1,
        "remaining_quantity": 1,
    }
    assert [parcel["id"] for parcel in context["parcels"]] == [IN_TRANSIT]
    assert context["parcels"][0]["lines"] == [{"title": "Canvas tote", "quantity": 1}]
    assert context["rest_on_its_way"] is True
    assert context["remaining_lines"] == [{"title": "Canvas tote", "quantity": 1}]
    assert context["exception"] is None
    assert context["store"]["name"] == "Acme Outfitters"


def test_nothing_is_on_its_way_for_a_cancelled_order() -> None:
    order = replace(sample_order(), status=OrderStatus.CANCELLED)

    context = message_context(order, MessageTopic(MessageKind.ORDER_CANCELLED), BRANDING)

    assert context["rest_on_its_way"] is False
    assert context["remaining_lines"] == [{"title": "Canvas tote", "quantity": 1}]


def test_context_refuses_a_topic_naming_a_shipment_the_order_lacks() -> None:
    topic = MessageTopic(MessageKind.SHIPMENT_SENT, shipment_ids=("nope",))

    with pytest.raises(ValueError, match="has no shipment nope"):
        message_context(sample_order(), topic, BRANDING)


def test_a_tracking_url_that_is_not_a_web_address_is_not_offered() -> None:
    order = sample_order()
    shipments = (replace(order.shipments[0], tracking_url="javascript:alert(1)"), order.shipments[1])
    topic = MessageTopic(MessageKind.SHIPMENT_SENT, shipment_ids=(DELIVERED,))

    context = message_context(replace(order, shipments=shipments), topic, BRANDING)

    assert context["parcels"][0]["tracking_url"] is None


def test_branding_refuses_a_colour_that_could_smuggle_css() -> None:
    with pytest.raises(ValueError, match="primary_color"):
        Branding("Acme", primary_color="red;background:url(x)")


# --- built-in rendering ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_builtin_kind_renders_subject_text_and_html(kind: MessageKind) -> None:
    subject, text, html = _render(kind)

    assert subject and "\n" not in subject
    assert "#1001" in subject + text
    assert html is not None and "Acme Outfitters" in html
    assert "The Acme team" in text


def test_shipment_sent_names_the_parcel_and_lists_what_is_still_to_come() -> None:
    subject, text, html = _render(MessageKind.SHIPMENT_SENT)

    assert subject == "Part of your order #1001 has shipped"
    assert "Parcel 1 with DHL:\n  - 1 x Canvas tote\n  Tracking number: JD014600006281230000\n" in text
    assert "The rest of your order is on its way too" in text
    assert text.endswith(
        "Still to come:\n  - 1 x Canvas tote\n\nQuestions? Reply to this email or "
        "write to help@acme.example.\n\nThe Acme team\n"
    )
    assert html is not None
    assert 'href="https://tracking.example.com/JD014600006281230000"' in html


def test_shipment_sent_without_anything_left_has_no_rest_note() -> None:
    order = sample_order()
    lines = (order.lines[0], replace(order.lines[1], refunded_quantity=2))
    complete = replace(order, lines=lines, status=OrderStatus.SHIPPED)

    subject, text, _ = _render(MessageKind.SHIPMENT_SENT, complete)

    assert subject == "Your order #1001 has shipped"
    assert "on its way too" not in text and "Still to come" not in text


@pytest.mark.parametrize("exception_type", list(ExceptionType))
@pytest.mark.parametrize(
    "kind", [MessageKind.EXCEPTION_NOTICE, MessageKind.EXCEPTION_UPDATE, MessageKind.EXCEPTION_RESOLVED]
)
def test_exception_messages_never_show_the_operator_reason(
    kind: MessageKind, exception_type: ExceptionType
) -> None:
    topic = MessageTopic(
        kind, exception_type=exception_type.value, exception_reason="Held for fraud review: X"
    )

    message = TemplateSet().render(topic, message_context(sample_order(), topic, BRANDING), "en")

    everything = f"{message.subject}\n{message.text}\n{message.html}".lower()
    assert "fraud" not in everything and "held for" not in everything


def test_fraud_review_tells_the_buyer_we_are_checking_the_order() -> None:
    topic = MessageTopic(MessageKind.EXCEPTION_NOTICE, exception_type=ExceptionType.FRAUD_REVIEW.value)

    message = TemplateSet().render(topic, message_context(sample_order(), topic, BRANDING))

    assert message.subject == "We are checking your order (#1001)"
    assert "We are checking your order before we send it." in message.text


def test_each_exception_type_has_its_own_wording() -> None:
    subjects = set()
    for exception_type in ExceptionType:
        topic = MessageTopic(MessageKind.EXCEPTION_NOTICE, exception_type=exception_type.value)
        subjects.add(TemplateSet().render(topic, message_context(sample_order(), topic, BRANDING)).subject)

    assert "Please check your delivery address (#1001)" in subjects
    assert "Part of your order is on backorder (#1001)" in subjects
    assert len(subjects) >= 7  # fraud review and state drift share "we are checking"


@pytest.mark.parametrize("kind", list(MessageKind))
def test_an_order_without_address_carrier_or_tracking_renders_without_none(kind: MessageKind) -> None:
    order = sample_order()
    shipments = tuple(
        replace(s, carrier=None, tracking_numbers=(), tracking_url=None) for s in order.shipments
    )
    sparse = replace(order, shipping_address=None, email=None, shipments=shipments)

    subject, text, html = _render(kind, sparse)

    assert "None" not in subject + text + (html or "")
    assert text.startswith("Hello,\n")


def test_html_autoescapes_the_customer_name_but_text_does_not() -> None:
    order = sample_order()
    assert order.shipping_address is not None
    hostile = replace(order.shipping_address, name="<script>alert(1)</script>")

    _, text, html = _render(MessageKind.ORDER_CONFIRMED, replace(order, shipping_address=hostile))

    assert html is not None
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert text.startswith("Hello <script>alert(1)</script>,\n")


# --- lookup order ------------------------------------------------------------------------


def test_locale_chain_goes_from_region_to_language_to_english() -> None:
    assert locale_chain("de-AT") == ("de-AT", "de", "en")
    assert locale_chain("de_at") == ("de-AT", "de", "en")
    assert locale_chain("en-GB") == ("en-GB", "en")
    assert locale_chain("../../etc") == ("en",)
    assert locale_chain(None) == ("en",)


def test_austrian_buyer_gets_the_german_builtin() -> None:
    subject, text, html = _render(MessageKind.SHIPMENT_SENT, locale="de-AT")

    assert subject == "Ein Teil Ihrer Bestellung #1001 wurde versandt"
    assert "Noch ausstehend:\n  - 1 x Canvas tote\n" in text
    assert html is not None and 'lang="de"' in html


def test_a_kind_without_german_templates_falls_back_to_english() -> None:
    subject, _, _ = _render(MessageKind.ORDER_DELIVERED, locale="de-AT")

    assert subject == "Your order #1001 has been delivered"


def test_merchant_template_wins_over_the_builtin(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_delivered.subject.j2", "Arrived: {{ order.number }} from {{ store.name }}")

    subject, text, _ = _render(MessageKind.ORDER_DELIVERED, templates=TemplateSet(tmp_path))

    assert subject == "Arrived: #1001 from Acme Outfitters"
    assert "has been delivered" in text  # the txt part still comes from the built-ins


def test_merchant_regional_template_wins_over_the_german_builtin(tmp_path: Path) -> None:
    _write(tmp_path, "de-AT/shipment_sent.subject.j2", "Servus, {{ order.number }} ist unterwegs")
    _write(tmp_path, "de-AT/shipment_sent.txt.j2", "Paket unterwegs.\n")

    subject, text, html = _render(MessageKind.SHIPMENT_SENT, templates=TemplateSet(tmp_path), locale="de-AT")

    assert (subject, text) == ("Servus, #1001 ist unterwegs", "Paket unterwegs.\n")
    assert html is None  # never the German built-in html under an Austrian text


def test_a_message_is_never_half_german_half_english(tmp_path: Path) -> None:
    _write(tmp_path, "de/order_delivered.subject.j2", "Zugestellt")
    _write(tmp_path, "de/order_delivered.txt.j2", "Ihre Bestellung ist da.\n")

    templates = TemplateSet(tmp_path)
    subject, _, html = _render(MessageKind.ORDER_DELIVERED, templates=templates, locale="de")

    assert subject == "Zugestellt"
    assert html is None
    assert templates.lookup(MessageKind.ORDER_DELIVERED, Part.HTML, None, "de") is None


def test_per_type_override_wins_over_the_generic_template(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "en/exception_notice.backorder.subject.j2",
        "Backordered: {{ remaining_lines | length }} line",
    )
    topic = MessageTopic(MessageKind.EXCEPTION_NOTICE, exception_type="backorder")
    other = MessageTopic(MessageKind.EXCEPTION_NOTICE, exception_type="stale_order")
    templates = TemplateSet(tmp_path)

    backorder = templates.render(topic, message_context(sample_order(), topic, BRANDING))
    stale = templates.render(other, message_context(sample_order(), other, BRANDING))

    assert backorder.subject == "Backordered: 1 line"
    assert stale.subject == "An update on your order (#1001)"


def test_merchant_layout_restyles_the_builtin_html(tmp_path: Path) -> None:
    _write(tmp_path, "en/_layout.html.j2", "<main>{{ store.name }}|{% block content %}{% endblock %}</main>")

    _, _, html = _render(MessageKind.ORDER_DELIVERED, templates=TemplateSet(tmp_path))

    assert html is not None
    assert html == (
        "<main>Acme Outfitters|<p>Your order <strong>#1001</strong> has been delivered."
        " We hope you enjoy it!</p>\n</main>"
    )


# --- the sandbox and failures ------------------------------------------------------------


def _merchant_with_text(tmp_path: Path, text: str) -> TemplateSet:
    _write(tmp_path, "en/order_delivered.txt.j2", text)
    return TemplateSet(tmp_path)


def test_sandbox_refuses_reaching_python_internals(tmp_path: Path) -> None:
    templates = _merchant_with_text(tmp_path, "{{ ''.__class__.__mro__[1].__subclasses__() }}")

    with pytest.raises(TemplateRenderError) as caught:
        _render(MessageKind.ORDER_DELIVERED, templates=templates)

    assert caught.value.template_name == "en/order_delivered.txt.j2"
    assert "unsafe" in caught.value.reason


def test_sandbox_refuses_changing_the_order_data(tmp_path: Path) -> None:
    templates = _merchant_with_text(tmp_path, "{{ order.lines.append(1) }}")

    with pytest.raises(TemplateRenderError, match="unsafe"):
        _render(MessageKind.ORDER_DELIVERED, templates=templates)


def test_a_template_failing_at_render_raises_and_builds_no_message(tmp_path: Path) -> None:
    templates = _merchant_with_text(tmp_path, "Hello\n{{ 1 / 0 }}\n")
    rendered = None

    with pytest.raises(TemplateRenderError) as caught:
        rendered = _render(MessageKind.ORDER_DELIVERED, templates=templates)

    assert rendered is None
    assert (caught.value.template_name, caught.value.line) == ("en/order_delivered.txt.j2", 2)
    assert caught.value.reason == "ZeroDivisionError: division by zero"
    assert str(caught.value) == "en/order_delivered.txt.j2:2: ZeroDivisionError: division by zero"


def test_a_missing_variable_fails_the_render_naming_it(tmp_path: Path) -> None:
    templates = _merchant_with_text(tmp_path, "{{ order.tracking }}")

    with pytest.raises(TemplateRenderError, match="'order' has no attribute 'tracking'"):
        _render(MessageKind.ORDER_DELIVERED, templates=templates)


def test_subject_is_collapsed_to_one_line(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_delivered.subject.j2", "  Delivered:\n\n   {{ order.number }}  \n")

    subject, _, _ = _render(MessageKind.ORDER_DELIVERED, templates=TemplateSet(tmp_path))

    assert subject == "Delivered: #1001"


# --- validation --------------------------------------------------------------------------


def test_builtin_templates_validate_clean() -> None:
    assert validate_templates(None) == []


def test_validation_reports_a_syntax_error_with_its_line(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_delivered.txt.j2", "Hello\n\n{{ order.number + }}\n")

    problems = validate_templates(tmp_path)

    assert len(problems) == 1
    assert problems[0].path == f"{tmp_path.as_posix()}/en/order_delivered.txt.j2"
    assert problems[0].line == 3
    assert problems[0].message == "unexpected 'end of print statement'"


def test_validation_reports_an_unknown_variable(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_delivered.txt.j2", "Hello\n{{ customer }}\n")

    problems = validate_templates(tmp_path)

    path = f"{tmp_path.as_posix()}/en/order_delivered.txt.j2"
    assert TemplateProblem(path, 2, "'customer' is not a template variable") in problems


def test_validation_reports_an_unknown_attribute_even_in_a_branch_not_taken(tmp_path: Path) -> None:
    _write(tmp_path, "en/shipment_sent.txt.j2", "Hi\n\n\n{% if false %}{{ order.tracking }}{% endif %}\n")

    problems = validate_templates(tmp_path)

    assert [str(p) for p in problems] == [
        f"{tmp_path.as_posix()}/en/shipment_sent.txt.j2:4: 'order' has no attribute 'tracking'"
    ]


def test_validation_reports_an_attribute_missing_on_a_loop_item(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "en/shipment_sent.txt.j2",
        "{% for parcel in parcels %}\n{{ parcel.trackin }}\n{% endfor %}\n",
    )

    problems = validate_templates(tmp_path)

    path = f"{tmp_path.as_posix()}/en/shipment_sent.txt.j2"
    assert problems == [TemplateProblem(path, 2, "'shipment' has no attribute 'trackin'")]


def test_validation_reports_a_template_that_breaks_on_an_order_without_address(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_confirmed.txt.j2", "Ship to {{ order.shipping_address.city }}\n")

    problems = validate_templates(tmp_path)

    path = f"{tmp_path.as_posix()}/en/order_confirmed.txt.j2"
    assert problems == [TemplateProblem(path, 1, "'None' has no attribute 'city'")]


def test_validation_reports_file_names_no_lookup_would_use(tmp_path: Path) -> None:
    _write(tmp_path, "en/order_shipped.txt.j2", "x")
    _write(tmp_path, "en/shipment_sent.text.j2", "x")
    _write(tmp_path, "en/shipment_sent.backorder.txt.j2", "x")
    _write(tmp_path, "order_delivered.txt.j2", "x")
    _write(tmp_path, "english/order_delivered.txt.j2", "x")
    _write(tmp_path, "README.md", "notes for the team")

    messages = {
        p.path.removeprefix(tmp_path.as_posix() + "/"): p.message for p in validate_templates(tmp_path)
    }

    assert messages["en/order_shipped.txt.j2"].startswith("unknown message kind 'order_shipped'")
    assert messages["en/shipment_sent.text.j2"] == "unknown part 'text' (expected subject, txt or html)"
    assert messages["en/shipment_sent.backorder.txt.j2"].startswith("a per-exception-type template only")
    assert messages["order_delivered.txt.j2"].startswith("a template must sit in a locale directory")
    assert messages["english/order_delivered.txt.j2"] == (
        "'english' is not a locale directory name like en or de-AT"
    )
    assert len(messages) == 5


def test_validation_names_a_missing_directory(tmp_path: Path) -> None:
    problems = validate_templates(tmp_path / "missing")

    assert [p.message for p in problems] == ["the template directory does not exist"]


def test_validation_locates_a_failure_inside_a_merchant_partial(tmp_path: Path) -> None:
    _write(
        tmp_path,
        "en/_layout.html.j2",
        "<p>{{ store.name }}</p>\n{{ store.colour }}\n{% block content %}{% endblock %}",
    )

    problems = validate_templates(tmp_path)

    assert problems == [
        TemplateProblem(f"{tmp_path.as_posix()}/en/_layout.html.j2", 2, "'store' has no attribute 'colour'")
    ]
