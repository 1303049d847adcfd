"""Checks of a shipping address that need no outside service, and the seam for one that does.

`check_address` finds what would stop a carrier: a missing required field, a postal code
that does not fit its country's format, a country code that is not ISO 3166, a PO box the
carrier will not deliver to, a line too long for the label. Countries' formats come from
the policy's `country_rules` (`country_formats.AddressRules`; Google's address metadata
in the service). `AddressVerifier` is the interface of an external verifier (a carrier's
or a postal service's API); the domain never calls one itself, the service layer may,
and feeds its problems to `address_findings` like the local ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from orderline.domain.facts import Address
from orderline.domain.order_exceptions.countries import COUNTRY_CODES

if TYPE_CHECKING:
    from orderline.domain.order_exceptions.detectors.address_invalid import AddressPolicy

FIELD_LABELS: dict[str, str] = {
    "name": "recipient name",
    "company": "company",
    "address1": "address line 1",
    "address2": "address line 2",
    "city": "city",
    "province": "province or state",
    "postal_code": "postal code",
    "country_code": "country",
    "phone": "phone number",
}
ADDRESS_FIELDS = frozenset(FIELD_LABELS)
"""The fields an address has, as `required_fields` names them."""
LABEL_FIELDS = ("name", "company", "address1", "address2", "city")
"""Fields printed on a carrier label, each on a line of its own."""

# "PO Box 12", "P.O. Box 12", "POB 12", "Post Office Box 12" and the usual European forms;
# a number must follow, so "Pobox Lane" or "Boxhill Road" are not PO boxes.
_PO_BOX = re.compile(
    r"\b(?:P\.?\s*O\.?\s*B(?:OX)?\.?|POST\s+OFFICE\s+BOX|POSTFACH|APARTADO(?:\s+DE\s+CORREOS)?"
    r"|CASELLA\s+POSTALE|BO[IÎ]TE\s+POSTALE)\s*(?:NO\.?|#)?\s*[0-9]",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class AddressProblem:
    """One thing wrong with an address. `key` identifies it within the order: "postal_code",
    "country_code", "missing:<field>", "po_box:<field>" or "too_long:<field>"."""

    key: str
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """What an external verifier says: its problems, and a corrected address if it has one."""

    problems: tuple[AddressProblem, ...]
    suggestion: Address | None = None


class AddressVerifier(Protocol):
    """An external address verifier. Interface only: no detector calls it."""

    def verify(self, address: Address) -> VerificationResult: ...


def check_address(address: Address, policy: AddressPolicy) -> tuple[AddressProblem, ...]:
    """Every problem of `address` under `policy`, in a stable order."""
    return (
        *_missing_fields(address, policy),
        *_country_and_postal_code(address, policy),
        *_po_boxes(address, policy),
        *_long_lines(address, policy),
    )


def _text(address: Address, field: str) -> str:
    value: str | None = getattr(address, field)
    return (value or "").strip()


def _missing_fields(address: Address, policy: AddressPolicy) -> Iterator[AddressProblem]:
    # The policy says what the store needs; a country whose addresses have no such field
    # (no postal code in Hong Kong, an optional Eircode in Ireland) is not asked for it.
    optional = policy.country_rules.country_format(_text(address, "country_code").upper()).optional_fields
    for field in FIELD_LABELS:
        if field not in policy.required_fields or field in optional or _text(address, field):
            continue
        yield AddressProblem(f"missing:{field}", field, f"The shipping address has no {FIELD_LABELS[field]}")


def _country_and_postal_code(address: Address, policy: AddressPolicy) -> Iterator[AddressProblem]:
    country, postal_code = _text(address, "country_code").upper(), _text(address, "postal_code")
    if not country:
        return
    if country not in COUNTRY_CODES:
        yield AddressProblem(
            "country_code", "country_code", f"Country code {country!r} is not an ISO 3166 country code"
        )
    elif postal_code and not policy.country_rules.country_format(country).postal_code_fits(postal_code):
        yield AddressProblem(
            "postal_code", "postal_code", f"Postal code {postal_code!r} is not a valid {country} postal code"
        )


def _po_boxes(address: Address, policy: AddressPolicy) -> Iterator[AddressProblem]:
    if policy.po_box_allowed:
        return
    for field in ("address1", "address2"):
        if _PO_BOX.search(_text(address, field)):
            label = FIELD_LABELS[field].capitalize()
            yield AddressProblem(
                f"po_box:{field}",
                field,
                f"{label} is a PO box, which the store's carrier does not deliver to",
            )


def _long_lines(address: Address, policy: AddressPolicy) -> Iterator[AddressProblem]:
    limit = policy.label_line_max_chars
    for field in LABEL_FIELDS:
        length = len(_text(address, field))
        if length > limit:
            label = FIELD_LABELS[field].capitalize()
            message = f"{label} is {length} characters long; carrier labels print at most {limit}"
            yield AddressProblem(f"too_long:{field}", field, message)
