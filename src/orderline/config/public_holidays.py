"""A store calendar's `holidays:` key: a country's public holidays and the store's own days off.

`holidays: {country: DE, subdivision: BY, dates: [2026-12-24]}` takes Bavaria's public
holidays from the `holidays` library and adds the listed dates; `holidays: [2026-12-24]`
lists the store's own days off alone. The country's holidays are expanded here, in the
config layer, into the plain dates the domain's `BusinessCalendar` takes (the domain
stays standard-library only), over a fixed span of years (`HOLIDAY_YEARS`) rather than
the years around today: loading a configuration never reads the clock, and the span is
wide enough that a calendar does not run out the way hand-typed lists did each January.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from orderline.config.errors import closest_match

if TYPE_CHECKING:
    from holidays import HolidayBase

HOLIDAY_YEARS = range(2000, 2101)
"""The years whose public holidays a calendar knows, 2000 through 2100. Expanding them
takes 10-60 ms per country and subdivision, once per process (cached)."""
_ALPHA_2 = re.compile(r"[A-Z]{2}")


def _holiday(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "orderline_date", f"'{value}' is not a date; write YYYY-MM-DD, e.g. 2026-12-25"
            ) from None
    raise PydanticCustomError("orderline_date", "must be a date written YYYY-MM-DD, e.g. 2026-12-25")


Holiday = Annotated[date, BeforeValidator(_holiday)]


@cache
def _country_calendar(code: str) -> type[HolidayBase] | None:
    """The library's class for ISO 3166 alpha-2 `code`, or None.

    Imported on first use: the library and its country tables take about half a second
    to load, which a configuration without public holidays (and every CLI start) should
    not pay.
    """
    if not _ALPHA_2.fullmatch(code):
        return None
    import holidays

    try:
        return type(holidays.country_holidays(code, years=()))
    except NotImplementedError:  # the library's word for "no such country"
        return None


def _country(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PydanticCustomError("orderline_country", "must be a country code such as DE, US or GB")
    code = value.strip().upper()
    if _country_calendar(code) is None:
        raise PydanticCustomError(
            "orderline_country",
            f"no public holidays known for country '{value}'; write an ISO 3166 code such as DE, US or GB",
        )
    return code


Country = Annotated[str, BeforeValidator(_country)]


class PublicHolidaysConfig(BaseModel):
    """`country` (ISO 3166 alpha-2) and optional `subdivision` (state or province: `BY`,
    `CA`, `ENG`) name the public holidays; `dates` are the store's own days off on top."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: Country | None = None
    subdivision: str | None = None
    dates: list[Holiday] = Field(default_factory=list)

    @field_validator("subdivision")
    @classmethod
    def _subdivision_of_the_country(cls, subdivision: str | None, info: ValidationInfo) -> str | None:
        if subdivision is None or "country" not in info.data:
            return subdivision  # a country that failed its own check is reported there
        country = info.data["country"]
        if country is None:
            raise PydanticCustomError(
                "orderline_subdivision", "a subdivision needs the country it belongs to (country: DE)"
            )
        return _subdivision_code(country, subdivision)

    @model_validator(mode="after")
    def _expanded_at_load(self) -> Self:
        self.dates_off()  # cached, so the first tick does not pay for it
        return self

    def dates_off(self) -> frozenset[date]:
        """The country's public holidays over `HOLIDAY_YEARS` with the listed dates."""
        return _dates_off(self.country, self.subdivision, tuple(sorted(set(self.dates))))


def _subdivision_code(country: str, written: str) -> str:
    """The library's code for the subdivision `written` (a code in any case, or a name it
    knows, e.g. 'Bayern' for BY); a PydanticCustomError naming the choices otherwise."""
    entity = _country_calendar(country)
    codes: tuple[str, ...] = tuple(entity.subdivisions) if entity else ()
    known = {code.upper(): code for code in codes}
    aliases: dict[str, str] = getattr(entity, "subdivisions_aliases", {})
    known |= {name.upper(): code for name, code in aliases.items()}
    text = written.strip().upper()
    if text in known:
        return known[text]
    if not codes:
        raise PydanticCustomError(
            "orderline_subdivision", f"{country} has no subdivisions with holidays of their own"
        )
    match = closest_match(text, [code.upper() for code in codes])
    hint = f"did you mean '{known[match]}'?" if match else f"expected one of: {', '.join(codes)}"
    raise PydanticCustomError(
        "orderline_subdivision", f"unknown subdivision '{written}' of {country}; {hint}"
    )


# The same frozenset object for the same settings: a calendar is rebuilt on every tick,
# and the domain's window cache then compares holidays by identity, not date by date.
@lru_cache(maxsize=64)
def _dates_off(country: str | None, subdivision: str | None, listed: tuple[date, ...]) -> frozenset[date]:
    if country is None:
        return frozenset(listed)
    return public_holidays(country, subdivision) | frozenset(listed)


@lru_cache(maxsize=64)
def public_holidays(country: str, subdivision: str | None = None) -> frozenset[date]:
    """Every public holiday of `country` (and `subdivision`) in `HOLIDAY_YEARS`."""
    entity = _country_calendar(country)
    if entity is None:
        raise ValueError(f"no public holidays known for country {country!r}")
    with warnings.catch_warnings():
        # India's lunar holidays are computed for 2001-2035 only, and it warns for every
        # other year; those years have its fixed-date holidays, which is all there is.
        warnings.simplefilter("ignore", UserWarning)
        return frozenset(entity(years=HOLIDAY_YEARS, subdiv=subdivision))


def _form(value: object) -> str | None:
    if isinstance(value, Mapping | PublicHolidaysConfig):
        return "mapping"
    return "list" if isinstance(value, list) else None


# Two forms, told apart by shape. The tags are not keys of the file (the error
# translation drops them), so `holidays[1]` still names the second listed date.
HolidaysSetting = Annotated[
    Annotated[list[Holiday], Tag("list")] | Annotated[PublicHolidaysConfig, Tag("mapping")],
    Discriminator(
        _form,
        custom_error_type="orderline_holidays",
        custom_error_message="must be a list of dates or a mapping with country, subdivision and dates",
    ),
]
"""`holidays: [2026-12-24]` (the store's own days off) or `holidays: {country: DE, ...}`."""


def dates_off(setting: list[date] | PublicHolidaysConfig) -> frozenset[date]:
    """Every date the `holidays:` key makes a day off."""
    if isinstance(setting, PublicHolidaysConfig):
        return setting.dates_off()
    return _dates_off(None, None, tuple(sorted(set(setting))))
