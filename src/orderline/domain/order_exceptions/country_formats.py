"""What a country's addresses look like, as far as the address checks go, and the seam
through which that knowledge comes in.

`AddressRules` answers, per country, with a `CountryFormat`: its postal-code pattern and
the address fields its addresses need not have. The domain holds only a small built-in
table (`countries.BUILT_IN_RULES`, for tests and tools that wire nothing); the service
runs on rules built from Google's address metadata (`orderline.services.address_rules`),
which the composition root puts into the `address_invalid` policy.

How a written postal code is read is decided here, once, for every source of rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CountryFormat:
    """`postal_code` None accepts any code: an unknown format is never a reason to hold an
    order. `optional_fields` are address fields (as `required_fields` names them) that the
    country's addresses need not have, e.g. `postal_code` in Hong Kong or `province` in
    Germany; a field the policy requires is not asked of an address from such a country."""

    postal_code: re.Pattern[str] | None = None
    postal_code_prefix: str = ""
    """What some write before the code, e.g. `SE-` in `SE-114 55`."""
    optional_fields: frozenset[str] = frozenset()

    def postal_code_fits(self, postal_code: str) -> bool:
        """Whether the code, read as `postal_code_variants` reads it, has this format."""
        if self.postal_code is None:
            return True
        return any(self.postal_code.fullmatch(variant) for variant in self._variants(postal_code))

    def _variants(self, postal_code: str) -> Iterator[str]:
        written = " ".join(postal_code.upper().split())
        yield from postal_code_variants(written)
        prefix = self.postal_code_prefix.strip().upper()
        if prefix and written.startswith(prefix):
            yield from postal_code_variants(written.removeprefix(prefix).strip())


UNKNOWN_FORMAT = CountryFormat()
"""A country a source of rules says nothing about: any postal code, every field asked."""


def postal_code_variants(code: str) -> Iterator[str]:
    """`code` (upper case, single spaces) as written, then with its separators read loosely.

    Buyers and platforms write the separator inside a code as a space, a hyphen or not at
    all (`12345 6789` for ZIP+4, `75 001` for a Paris code, `1012-AB` in the Netherlands),
    and carriers read past it. Each variant is matched against the country's own pattern,
    so this never accepts a code whose digits and letters do not fit that country.
    """
    yield code
    if " " in code or "-" in code:
        yield code.replace(" ", "-")
        yield code.replace("-", " ")
        yield code.replace(" ", "").replace("-", "")


class AddressRules(Protocol):
    """A source of per-country address formats (Google's metadata, the built-in table)."""

    def country_format(self, country_code: str) -> CountryFormat:
        """The format of upper-case ISO 3166 `country_code`; `UNKNOWN_FORMAT` if unknown."""
        ...
