"""ISRC validation: CC-XXX-YY-NNNNN, hyphens and case forgiven."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from fanloop.catalog.validators import normalize_isrc, validate_isrc


@pytest.mark.parametrize(
    "isrc",
    ["USS1Z9900001", "US-S1Z-99-00001", "gbayE0601498", "FR 6V8 24 00012", "QZ-K6P-26-00001"],
)
def test_it_accepts_valid_isrcs(isrc):
    validate_isrc(isrc)


def test_it_normalizes_to_twelve_uppercase_characters():
    assert normalize_isrc(" us-s1z-99-00001 ") == "USS1Z9900001"


@pytest.mark.parametrize(
    "isrc",
    [
        "USS1Z990000",  # 11 characters
        "USS1Z99000011",  # 13 characters
        "1SS1Z9900001",  # country code must be letters
        "USS1Z9A00001",  # year must be digits
        "USS1Z99A0001",  # designation must be digits
        "US-S1_-99-00001",  # registrant must be letters or digits
        "",
    ],
)
def test_it_rejects_bad_shapes_with_an_explanation(isrc):
    with pytest.raises(ValidationError) as info:
        validate_isrc(isrc)
    message = info.value.messages[0]
    assert "CC-XXX-YY-NNNNN" in message
    assert "country code" in message
