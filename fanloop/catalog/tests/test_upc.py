"""UPC / EAN (GTIN-12 and GTIN-13) validation with the GS1 check digit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from fanloop.catalog.validators import gtin_check_digit, normalize_upc, validate_upc


@pytest.mark.parametrize(
    "upc",
    ["036000291452", "4006381333931", "0 36000 29145 2", "400-6381-33393-1", "5901234123457"],
)
def test_it_accepts_valid_gtin_12_and_13(upc):
    validate_upc(upc)


def test_it_normalizes_spaces_and_hyphens():
    assert normalize_upc(" 0 36000-29145 2 ") == "036000291452"


@pytest.mark.parametrize(
    ("upc", "count"), [("03600029145", 11), ("03600029145211", 14), ("12345", 5)]
)
def test_it_rejects_wrong_lengths_with_the_count(upc, count):
    with pytest.raises(ValidationError) as info:
        validate_upc(upc)
    assert info.value.messages == [f"UPC must have 12 or 13 digits (got {count})."]


def test_it_names_the_expected_check_digit():
    with pytest.raises(ValidationError) as info:
        validate_upc("036000291455")
    assert info.value.messages[0].startswith("UPC check digit is wrong: expected 2, got 5.")


@pytest.mark.parametrize("upc", ["03600029145X", "O36000291452", "036000291452.", "٠٣٦٠٠٠٢٩١٤٥٢"])
def test_it_rejects_non_digits(upc):
    with pytest.raises(ValidationError) as info:
        validate_upc(upc)
    assert "only digits" in info.value.messages[0]


@given(st.text(alphabet="0123456789", min_size=11, max_size=12))
def test_it_accepts_any_body_with_its_computed_check_digit(body):
    validate_upc(body + str(gtin_check_digit(body)))


@given(st.text(alphabet="0123456789", min_size=11, max_size=12), st.integers(1, 9))
def test_it_rejects_every_other_check_digit(body, shift):
    wrong = (gtin_check_digit(body) + shift) % 10
    with pytest.raises(ValidationError):
        validate_upc(body + str(wrong))


@given(st.text(alphabet="0123456789", min_size=12, max_size=13), st.integers(0, 11), st.data())
def test_it_catches_any_single_digit_typo(gtin_body, position, data):
    gtin = gtin_body[:-1] + str(gtin_check_digit(gtin_body[:-1]))
    position = position % len(gtin)
    typo = data.draw(st.sampled_from([d for d in "0123456789" if d != gtin[position]]))
    with pytest.raises(ValidationError):
        validate_upc(gtin[:position] + typo + gtin[position + 1 :])


def test_a_gtin_12_is_the_same_number_as_its_gtin_13_with_a_leading_zero():
    assert gtin_check_digit("03600029145") == gtin_check_digit("003600029145") == 2
