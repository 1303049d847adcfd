"""The buyer's time zone, for quiet hours: from the shipping address where it is certain.

Orders carry no buyer time zone. A country with one zone (or one overwhelmingly used, as
mainland Spain or Portugal) says it; for countries that span zones (United States,
Canada, Australia, Brazil, Russia...) the province would be needed, and guessing wrong
would wake buyers at night, so the store's own zone is used instead.
"""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

from orderline.domain.facts import Address

SINGLE_ZONE_COUNTRIES: dict[str, str] = {
    "AT": "Europe/Vienna", "BE": "Europe/Brussels", "BG": "Europe/Sofia", "CH": "Europe/Zurich",
    "CZ": "Europe/Prague", "DE": "Europe/Berlin", "DK": "Europe/Copenhagen", "EE": "Europe/Tallinn",
    "ES": "Europe/Madrid", "FI": "Europe/Helsinki", "FR": "Europe/Paris", "GB": "Europe/London",
    "GR": "Europe/Athens", "HR": "Europe/Zagreb", "HU": "Europe/Budapest", "IE": "Europe/Dublin",
    "IT": "Europe/Rome", "LT": "Europe/Vilnius", "LU": "Europe/Luxembourg", "LV": "Europe/Riga",
    "NL": "Europe/Amsterdam", "NO": "Europe/Oslo", "PL": "Europe/Warsaw", "PT": "Europe/Lisbon",
    "RO": "Europe/Bucharest", "SE": "Europe/Stockholm", "SI": "Europe/Ljubljana", "SK": "Europe/Bratislava",
    "IL": "Asia/Jerusalem", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo", "KR": "Asia/Seoul",
    "SG": "Asia/Singapore", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei", "PH": "Asia/Manila",
    "TH": "Asia/Bangkok", "VN": "Asia/Ho_Chi_Minh", "AE": "Asia/Dubai", "SA": "Asia/Riyadh",
    "TR": "Europe/Istanbul", "ZA": "Africa/Johannesburg", "NG": "Africa/Lagos", "EG": "Africa/Cairo",
    "NZ": "Pacific/Auckland", "CO": "America/Bogota", "PE": "America/Lima",
    "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago",
}  # fmt: skip


def buyer_zone(address: Address | None, store_zone: tzinfo) -> tzinfo:
    code = (address.country_code or "").upper() if address is not None else ""
    name = SINGLE_ZONE_COUNTRIES.get(code)
    return ZoneInfo(name) if name else store_zone
