"""address_invalid: missing fields, postal formats, unknown countries, PO boxes, long lines;
the postal-code and required-field cases under both sources of country rules."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orderline.domain.facts import Address
from orderline.domain.order_exceptions import (
    ADDRESS_INVALID,
    DEFAULT_POLICY,
    AddressProblem,
    AddressVerifier,
    EscalationDue,
    ExceptionPolicy,
    Finding,
    VerificationResult,
    address_findings,
    detect_address_invalid,
    merge,
    with_address_rules,
)
from orderline.domain.order_exceptions.countries import (
    COUNTRY_CODES,
    POSTAL_CODE_FORMATS,
    POSTAL_CODE_NOT_REQUIRED,
)
from orderline.domain.vocabulary import ExceptionType, HoldReason, PaymentStatus
from orderline.services.address_rules import GOOGLE_ADDRESS_RULES

from .detector_orders import SHIP_ALL, T0, address, at, fold_order, placed, shipment, snapshot

NOW = at(1)
NO_PO_BOXES = merge(DEFAULT_POLICY, {"address_invalid": {"po_box_allowed": False}})
GOOGLE = with_address_rules(DEFAULT_POLICY, GOOGLE_ADDRESS_RULES)
# The service's rules (Google's metadata) and the domain's built-in fallback give the same
# answers on every case that is not about a country only one of them knows.
BOTH_RULES = pytest.mark.parametrize("policy", [DEFAULT_POLICY, GOOGLE], ids=["built-in", "google"])


def keys(findings: list[Finding]) -> list[str]:
    return [finding.key for finding in findings]


def test_a_complete_us_address_has_no_finding() -> None:
    assert detect_address_invalid(placed(), DEFAULT_POLICY, NOW) == []


@pytest.mark.parametrize(
    ("country_code", "postal_code", "expected"),
    [
        ("US", "94107", []),
        ("US", "94107-1234", []),
        ("US", "1234", ["address_invalid:postal_code"]),
        ("US", "94107-12", ["address_invalid:postal_code"]),
        ("us", "94107", []),
        ("CA", "K1A 0B1", []),
        ("CA", "k1a0b1", []),
        ("CA", "D1A 0B1", ["address_invalid:postal_code"]),
        ("GB", "SW1A 1AA", []),
        ("GB", "sw1a1aa", []),
        ("GB", "M1 1AE", []),
        ("GB", "GIR 0AA", []),
        ("GB", "SW1A 1A", ["address_invalid:postal_code"]),
        ("DE", "10115", []),
        ("DE", "1011", ["address_invalid:postal_code"]),
        ("FR", "75001", []),
        ("FR", "7500A", ["address_invalid:postal_code"]),
        ("IT", "00184", []),
        ("ES", "28013", []),
        ("ES", "280130", ["address_invalid:postal_code"]),
        ("NL", "1012 AB", []),
        ("NL", "1012ab", []),
        ("NL", "1012", ["address_invalid:postal_code"]),
        ("AU", "2000", []),
        ("AU", "20000", ["address_invalid:postal_code"]),
        ("JP", "100-0001", []),
        ("JP", "1000001", []),
        ("JP", "100-001", ["address_invalid:postal_code"]),
        ("ZZ", "12345", ["address_invalid:country_code"]),
        ("USA", "94107", ["address_invalid:country_code"]),
        ("XK", "10000", []),
        # Real-world ways of writing a code that used to place false holds (issue 12) ...
        ("GB", "BFPO 1234", []),
        ("US", "12345 6789", []),
        ("FR", "75 001", []),
        ("NL", "1012-AB", []),
        # ... and codes that are still wrong however they are read.
        ("US", "ABCDE", ["address_invalid:postal_code"]),
        ("DE", "1234", ["address_invalid:postal_code"]),
        ("FR", "XYZ", ["address_invalid:postal_code"]),
        ("FR", "75 0012", ["address_invalid:postal_code"]),
    ],
)
@BOTH_RULES
def test_postal_code_and_country(
    policy: ExceptionPolicy, country_code: str, postal_code: str, expected: list[str]
) -> None:
    order = placed(shipping_address=address(country_code=country_code, postal_code=postal_code))

    assert keys(detect_address_invalid(order, policy, NOW)) == expected


def test_the_built_in_table_accepts_a_country_it_does_not_know_as_written() -> None:
    order = placed(shipping_address=address(country_code="CZ", postal_code="whatever 1"))

    assert detect_address_invalid(order, DEFAULT_POLICY, NOW) == []


def test_missing_address1_is_an_address_hold_owned_by_support() -> None:
    order = placed(shipping_address=address(address1=None))

    assert detect_address_invalid(order, DEFAULT_POLICY, NOW) == [
        Finding(
            type=ExceptionType.ADDRESS_INVALID,
            key="address_invalid:missing:address1",
            opened_at=T0,
            owner="support",
            reason="The shipping address has no address line 1",
            hold=HoldReason.ADDRESS,
            due_levels=(EscalationDue(1, at(4), "support"), EscalationDue(2, at(24), "support")),
            data=(("field", "address1"),),
        )
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": ""}, ["address_invalid:missing:name"]),
        ({"address1": "   "}, ["address_invalid:missing:address1"]),
        ({"city": None}, ["address_invalid:missing:city"]),
        ({"country_code": None}, ["address_invalid:missing:country_code"]),
        ({"postal_code": None}, ["address_invalid:missing:postal_code"]),
        ({"postal_code": None, "country_code": "HK"}, []),  # Hong Kong has no postal codes
        ({"postal_code": None, "country_code": "IE"}, []),  # the Eircode is optional
        ({"address2": None, "province": None, "company": None, "phone": None}, []),
        ({"name": None, "city": None}, ["address_invalid:missing:name", "address_invalid:missing:city"]),
    ],
)
@BOTH_RULES
def test_required_fields(policy: ExceptionPolicy, changes: dict[str, object], expected: list[str]) -> None:
    order = placed(shipping_address=address(**changes))

    assert keys(detect_address_invalid(order, policy, NOW)) == expected


@pytest.mark.parametrize(
    ("address1", "address2", "expected"),
    [
        ("PO Box 123", None, ["address_invalid:po_box:address1"]),
        ("P.O. Box 55", None, ["address_invalid:po_box:address1"]),
        ("p o box 7", None, ["address_invalid:po_box:address1"]),
        ("POB 12", None, ["address_invalid:po_box:address1"]),
        ("Post Office Box 9", None, ["address_invalid:po_box:address1"]),
        ("Postfach 10 11 12", None, ["address_invalid:po_box:address1"]),
        ("500 Howard St", "PO Box 4", ["address_invalid:po_box:address2"]),
        ("12 Pobox Lane", None, []),
        ("1 Boxhill Road", None, []),
        ("500 Howard St", "Suite 5", []),
    ],
)
def test_po_box_when_the_carrier_does_not_deliver_there(
    address1: str, address2: str | None, expected: list[str]
) -> None:
    order = placed(shipping_address=address(address1=address1, address2=address2))

    assert keys(detect_address_invalid(order, NO_PO_BOXES, NOW)) == expected


def test_po_box_passes_by_default() -> None:
    order = placed(shipping_address=address(address1="PO Box 123"))

    assert detect_address_invalid(order, DEFAULT_POLICY, NOW) == []


def test_a_36_character_line_is_too_long_for_a_label() -> None:
    order = placed(shipping_address=address(address1="1234 Extraordinarily Long Avenue Ste"))

    findings = detect_address_invalid(order, DEFAULT_POLICY, NOW)

    assert keys(findings) == ["address_invalid:too_long:address1"]
    assert findings[0].reason == "Address line 1 is 36 characters long; carrier labels print at most 35"


def test_a_35_character_line_fits() -> None:
    order = placed(shipping_address=address(address1="1234 Extraordinarily Long Avenue St"))

    assert detect_address_invalid(order, DEFAULT_POLICY, NOW) == []


def test_the_label_limit_is_a_policy_setting() -> None:
    policy = merge(DEFAULT_POLICY, {"address_invalid": {"label_line_max_chars": 30}})
    order = placed(shipping_address=address(name="Annabelle Leonora Montgomery-Lee"))

    assert keys(detect_address_invalid(order, policy, NOW)) == ["address_invalid:too_long:name"]


def test_several_problems_each_get_a_finding_in_a_stable_order() -> None:
    bad = address(address1="PO Box 1", postal_code="1234", city="X" * 40)
    order = placed(shipping_address=bad)

    assert keys(detect_address_invalid(order, NO_PO_BOXES, NOW)) == [
        "address_invalid:postal_code",
        "address_invalid:po_box:address1",
        "address_invalid:too_long:city",
    ]


def test_the_postal_code_reason_names_the_code_and_the_country() -> None:
    order = placed(shipping_address=address(postal_code="1234"))

    (finding,) = detect_address_invalid(order, DEFAULT_POLICY, NOW)

    assert finding.reason == "Postal code '1234' is not a valid US postal code"


def test_an_order_already_shipped_is_not_checked() -> None:
    order = fold_order(snapshot(0, shipping_address=address(address1=None)), shipment("S1", 1, *SHIP_ALL))

    assert detect_address_invalid(order, DEFAULT_POLICY, at(2)) == []


def test_an_unpaid_order_is_checked() -> None:
    order = placed(payment_status=PaymentStatus.PENDING, shipping_address=address(address1=None))

    assert keys(detect_address_invalid(order, DEFAULT_POLICY, NOW)) == ["address_invalid:missing:address1"]


def test_an_order_without_a_shipping_address_has_nothing_to_check() -> None:
    assert detect_address_invalid(placed(shipping_address=None), DEFAULT_POLICY, NOW) == []


def test_without_a_hold_when_the_policy_says_so() -> None:
    policy = merge(DEFAULT_POLICY, {"address_invalid": {"places_hold": False}})
    order = placed(shipping_address=address(address1=None))

    (finding,) = detect_address_invalid(order, policy, NOW)

    assert finding.hold is None


def test_disabled_detector_yields_nothing() -> None:
    policy = merge(DEFAULT_POLICY, {"address_invalid": {"enabled": False}})
    order = placed(shipping_address=address(address1=None))

    assert detect_address_invalid(order, policy, NOW) == []


class FakeVerifier:
    """A stand-in for a carrier's address API: knows one undeliverable street."""

    def verify(self, address: Address) -> VerificationResult:
        if address.address1 == "1 Nowhere Rd":
            problem = AddressProblem(
                "verifier:undeliverable", "address1", "The carrier does not know this street"
            )
            return VerificationResult((problem,), suggestion=replace(address, address1="1 Somewhere Rd"))
        return VerificationResult(())


def test_a_verifier_result_becomes_findings_like_the_local_checks() -> None:
    verifier: AddressVerifier = FakeVerifier()
    order = placed(shipping_address=address(address1="1 Nowhere Rd"))
    assert order.shipping_address is not None

    result = verifier.verify(order.shipping_address)
    (finding,) = address_findings(order, DEFAULT_POLICY.rule(ADDRESS_INVALID), result.problems)

    assert finding.key == "address_invalid:verifier:undeliverable"
    assert finding.hold is HoldReason.ADDRESS
    assert finding.opened_at == T0
    assert result.suggestion is not None and result.suggestion.address1 == "1 Somewhere Rd"


def test_the_country_tables_are_consistent() -> None:
    assert len(COUNTRY_CODES) == 250  # the 249 ISO 3166-1 codes and XK
    assert POSTAL_CODE_NOT_REQUIRED <= COUNTRY_CODES
    assert set(POSTAL_CODE_FORMATS) <= COUNTRY_CODES
    assert not POSTAL_CODE_NOT_REQUIRED & set(POSTAL_CODE_FORMATS) - {"IE"}
