"""Country facts the address checks need: the ISO 3166-1 alpha-2 codes, and a small
built-in table of address formats (`BUILT_IN_RULES`).

The service checks addresses against Google's address metadata, which covers every
country (`orderline.services.address_rules`, wired in by the composition root). The
built-in table is the fallback of a policy nothing was wired into: unit tests,
benchmarks, a detector called by hand. It knows 24 countries' postal codes and which
countries have none; a country missing from it has its postal codes accepted as written.
tests/unit/test_address_rules.py checks that it agrees with Google's on its cases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from orderline.domain.order_exceptions.country_formats import UNKNOWN_FORMAT, CountryFormat


def _codes(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The 249 officially assigned codes, plus XK (Kosovo): user-assigned in ISO 3166 but
# sent by Shopify, BigCommerce and the carriers.
COUNTRY_CODES: frozenset[str] = _codes(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ  EC EE EG EH ER ES ET  FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY  HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT  JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ  LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ  OM  PA PE PF PG PH PK PL PM PN PR PS PT PW PY  QA
    RE RO RS RU RW  SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ  UA UG UM US UY UZ  VA VC VE VG VI VN VU
    WF WS  XK  YE YT  ZA ZM ZW
    """
)

# Countries whose addresses carry no postal code, so a missing one is not a problem;
# and IE, where the Eircode is optional and many buyers leave it out.
POSTAL_CODE_NOT_REQUIRED: frozenset[str] = _codes(
    """
    AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD GH GM GQ GY HK IE
    JM KI KM KN KP LY ML MO MR MW NR NU QA RW SB SC SL SR ST SY TD TF TG TK TL TO TT TV UG
    VU YE ZW
    """
)

_UK_OUTWARD = r"[A-Z]{1,2}[0-9][A-Z0-9]?"
_FOUR_DIGITS = r"[0-9]{4}"
_FIVE_DIGITS = r"[0-9]{5}"

# Written against the code as `CountryFormat.postal_code_fits` reads it: upper case, runs of
# spaces collapsed, separators read loosely.
_FORMATS: dict[str, str] = {
    "US": r"[0-9]{5}(-[0-9]{4})?",  # ZIP or ZIP+4
    "CA": r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]",
    "GB": rf"({_UK_OUTWARD} ?[0-9][A-Z]{{2}}|GIR ?0AA|BFPO ?[0-9]{{1,4}})",  # BFPO: British forces
    "IE": r"([AC-FHKNPRTV-Y][0-9]{2}|D6W) ?[0-9AC-FHKNPRTV-Y]{4}",  # Eircode
    "DE": _FIVE_DIGITS,
    "FR": _FIVE_DIGITS,
    "IT": _FIVE_DIGITS,
    "ES": _FIVE_DIGITS,
    "FI": _FIVE_DIGITS,
    "MX": _FIVE_DIGITS,
    "NL": r"[1-9][0-9]{3} ?[A-Z]{2}",
    "BE": _FOUR_DIGITS,
    "AT": _FOUR_DIGITS,
    "CH": _FOUR_DIGITS,
    "DK": _FOUR_DIGITS,
    "NO": _FOUR_DIGITS,
    "AU": _FOUR_DIGITS,
    "NZ": _FOUR_DIGITS,
    "SE": r"[0-9]{3} ?[0-9]{2}",
    "PL": r"[0-9]{2}-[0-9]{3}",
    "PT": r"[0-9]{4}-[0-9]{3}",
    "JP": r"[0-9]{3}-?[0-9]{4}",
    "BR": r"[0-9]{5}-?[0-9]{3}",
    "IN": r"[1-9][0-9]{5}",
}

POSTAL_CODE_FORMATS: Mapping[str, re.Pattern[str]] = MappingProxyType(
    {country: re.compile(rf"(?:{pattern})") for country, pattern in _FORMATS.items()}
)


def _format(country: str) -> CountryFormat:
    optional = frozenset({"postal_code"}) if country in POSTAL_CODE_NOT_REQUIRED else frozenset()
    return CountryFormat(POSTAL_CODE_FORMATS.get(country), optional_fields=optional)


class BuiltInRules:
    """The built-in table as `AddressRules`."""

    _table: Mapping[str, CountryFormat] = MappingProxyType(
        {country: _format(country) for country in POSTAL_CODE_NOT_REQUIRED | set(POSTAL_CODE_FORMATS)}
    )

    def country_format(self, country_code: str) -> CountryFormat:
        return self._table.get(country_code, UNKNOWN_FORMAT)

    def __repr__(self) -> str:
        return "BUILT_IN_RULES"


BUILT_IN_RULES = BuiltInRules()
"""The fallback of a policy nothing was wired into (see the module docstring)."""
