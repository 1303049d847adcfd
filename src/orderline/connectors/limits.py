"""The bounds every value read from a platform body must respect, and their checks.

A correctly signed body can still carry a year 9999, a quantity of -1 or an id of
5,000 digits (a platform bug, a plugin, a hand-written request). Such a value is
refused here, while mapping, as a PayloadError that names the field and echoes the value
(cut short): left through, it fails far from its cause, with an OverflowError in the
store or a KeyError in the fold. Every connector's readers check through this module, so
the bounds are written once.
"""

from __future__ import annotations

import reprlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import TypeGuard

from orderline.connectors.base import PayloadError

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""The first instant a platform date may name (inclusive)."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""The end of the accepted range (exclusive): 2099-12-31T23:59:59Z is the last instant."""
DATE_RANGE = f"{EARLIEST.year}-{LATEST.year}"

MAX_QUANTITY = 1_000_000
"""Units of one line in one order, shipment or refund; quantities start at 0."""

MAX_ID_DIGITS = 20
"""A numeric id fits an unsigned 64-bit integer (20 digits), which every platform uses."""
MAX_STRING_ID_LENGTH = 200
"""A string id (a Shopify gid, a tracking plugin's id) is printable ASCII of this length at most."""

MAX_AMOUNT_DIGITS = 15
"""Digits before the decimal point: 10^15 (a quadrillion) is beyond any order's worth in any currency."""
MAX_AMOUNT_DECIMALS = 20
"""Digits after it: Woo's float prices (3.3333333333333335) need 16."""

ECHO_CHARS = 40
"""How much of a refused value a message repeats."""

_ID_BOUND: int = 10**MAX_ID_DIGITS
_AMOUNT_BOUND: int = 10**MAX_AMOUNT_DIGITS
_ECHO_INT_BOUND: int = 10**ECHO_CHARS

_ECHO = reprlib.Repr()
_ECHO.maxstring = _ECHO.maxother = ECHO_CHARS
_ECHO.maxlevel, _ECHO.maxlist, _ECHO.maxdict = 2, 3, 3


def echo(value: object) -> str:
    """`value` for an error message: its repr, cut to about ECHO_CHARS characters."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _ECHO_INT_BOUND:
        # repr() of a huge int is slow, and fails past 4,300 digits.
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, str) and len(value) > ECHO_CHARS:
        return f"{value[:ECHO_CHARS]!r}… ({len(value)} characters)"
    return _ECHO.repr(value)


def is_in_range(moment: datetime) -> bool:
    """True for an aware date-time within [EARLIEST, LATEST); comparing never overflows."""
    return EARLIEST <= moment < LATEST


def check_moment(moment: datetime, raw: object, field: str) -> datetime:
    """`moment` (aware) when it lies within the accepted range, else a PayloadError
    naming `field` ("order 1: updated_at") and the value as sent."""
    if not is_in_range(moment):
        raise PayloadError(f"{field}: {echo(raw)} is outside {DATE_RANGE}")
    return moment


def check_quantity(value: object, field: str) -> int:
    """A whole number of units from 0 to MAX_QUANTITY."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{field} must be an integer, got {echo(value)}")
    if not 0 <= value <= MAX_QUANTITY:
        raise PayloadError(f"{field} must be from 0 to {MAX_QUANTITY}, got {echo(value)}")
    return value


def is_numeric_id(value: object) -> TypeGuard[int | str]:
    """A non-negative int or a string of ASCII digits, of at most MAX_ID_DIGITS digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return 0 <= value < _ID_BOUND
    if isinstance(value, str):
        # "²".isdigit() is True, but int("²") raises: digits must be ASCII.
        return 0 < len(value) <= MAX_ID_DIGITS and value.isascii() and value.isdigit()
    return False


def check_numeric_id(value: object, field: str) -> str:
    """A numeric id (int or digit string) as a string, digits as sent."""
    if is_numeric_id(value):
        return str(value)
    if isinstance(value, int | str) and not isinstance(value, bool) and _is_digits(value):
        too_long = f"{field} must be a numeric id of at most {MAX_ID_DIGITS} digits"
        raise PayloadError(f"{too_long}, got {echo(value)}")
    raise PayloadError(f"{field} must be a numeric id, got {echo(value)}")


def is_string_id(value: object) -> TypeGuard[str]:
    """Printable ASCII of 1 to MAX_STRING_ID_LENGTH characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_STRING_ID_LENGTH
        and value.isascii()
        and value.isprintable()
    )


def check_string_id(value: object, field: str) -> str:
    if not is_string_id(value):
        raise PayloadError(
            f"{field} must be an id of at most {MAX_STRING_ID_LENGTH} printable ASCII characters, "
            f"got {echo(value)}"
        )
    return value


def check_amount(amount: Decimal, raw: object, field: str) -> Decimal:
    """A finite amount of at most MAX_AMOUNT_DIGITS digits before the point and
    MAX_AMOUNT_DECIMALS after it."""
    if not amount.is_finite():
        raise PayloadError(f"{field}: {echo(raw)} is not a finite amount")
    exponent = amount.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if abs(amount) >= _AMOUNT_BOUND or -exponent > MAX_AMOUNT_DECIMALS:
        raise PayloadError(
            f"{field}: {echo(raw)} is not a plausible amount (at most {MAX_AMOUNT_DIGITS} digits "
            f"before the point and {MAX_AMOUNT_DECIMALS} after)"
        )
    return amount


def _is_digits(value: int | str) -> bool:
    if isinstance(value, int):
        return value >= 0
    return value.isascii() and value.isdigit()
