"""Country facts the address checks need: ISO 3166-1 alpha-2 codes, which countries
have no postal codes, and the postal-code formats Orderline knows.

A country missing from `POSTAL_CODE_FORMATS` has its postal codes accepted as written:
an unknown format is never a reason to hold an order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType


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

# Written against the upper-cased code with runs of spaces collapsed to one.
_FORMATS: dict[str, str] = {
    "US": r"[0-9]{5}(-[0-9]{4})?",  # ZIP or ZIP+4
    "CA": r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]",
    "GB": rf"({_UK_OUTWARD} ?[0-9][A-Z]{{2}}|GIR ?0AA)",
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


def normalised_postal_code(postal_code: str) -> str:
    """Upper case, trimmed, inner runs of spaces collapsed to one."""
    return " ".join(postal_code.upper().split())


def is_postal_code_valid(country_code: str, postal_code: str) -> bool:
    """Whether `postal_code` fits the format of `country_code`; True for a country whose
    format Orderline does not know."""
    pattern = POSTAL_CODE_FORMATS.get(country_code.upper())
    return pattern is None or pattern.fullmatch(normalised_postal_code(postal_code)) is not None
