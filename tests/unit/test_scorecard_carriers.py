"""Carrier names: one per carrier whatever the platform sent."""

from __future__ import annotations

import pytest

from orderline.domain.scorecard.carriers import carrier_name


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("UPS", "UPS"),
        ("ups", "UPS"),
        (" Fed-Ex ", "FedEx"),
        ("fedex", "FedEx"),
        ("royal-mail", "Royal Mail"),
        ("Royal  Mail", "Royal Mail"),
        ("dhl", "DHL"),
        ("DHL Express", "DHL Express"),
        ("dhl_express", "DHL Express"),
        ("Postnl", "PostNL"),
    ],
)
def test_known_carriers_get_one_spelling(raw: str, name: str) -> None:
    assert carrier_name(raw) == name


def test_an_unknown_carrier_is_kept_as_sent_but_trimmed() -> None:
    assert carrier_name("  Bob's   Courier ") == "Bob's Courier"


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_no_name_is_none(raw: str | None) -> None:
    assert carrier_name(raw) is None
