"""Phone numbers as helpdesks send them, read into E.164, and the text forms stores keep."""

from __future__ import annotations

import pytest

from action_gateway.domain.phones import check_phone_region, same_number, text_forms, to_e164


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("+14155550101", "US", "+14155550101"),
        ("+1 415-555-0101", "US", "+14155550101"),
        ("(415) 555-0101", "US", "+14155550101"),
        ("415.555.0101", "US", "+14155550101"),
        ("+1 415-555-0101", "GB", "+14155550101"),  # a country code wins over the region
        ("07700 900123", "GB", "+447700900123"),
        ("07700 900123", "US", None),  # not a US number
        ("not a phone", "US", None),
        ("12", "US", None),
    ],
)
def test_to_e164(text: str, region: str, e164: str | None) -> None:
    assert to_e164(text, region) == e164


def test_text_forms_of_a_north_american_number() -> None:
    forms = text_forms("+14155550101")
    assert forms[0] == "+14155550101"
    assert {
        "+1 415-555-0101",
        "(415) 555-0101",
        "415-555-0101",
        "415.555.0101",
        "4155550101",
        "14155550101",
        "+1 (415) 555-0101",
        "1-415-555-0101",
    } <= set(forms)
    assert len(forms) == len(set(forms))
    assert all(to_e164(form, "US") == "+14155550101" for form in forms)


def test_text_forms_of_a_uk_number() -> None:
    forms = text_forms("+447700900123")
    assert {"+44 7700 900123", "07700 900123", "07700900123", "+447700900123"} <= set(forms)
    assert all(to_e164(form, "GB") == "+447700900123" for form in forms)


def test_same_number_reads_the_stored_text() -> None:
    assert same_number("+1 415-555-0101", "+14155550101", "US")
    assert same_number("(415) 555-0101", "+14155550101", "US")
    assert not same_number("+1 415-555-0102", "+14155550101", "US")
    assert not same_number(None, "+14155550101", "US")
    assert not same_number("", "+14155550101", "US")


def test_regions_are_checked_and_upper_cased() -> None:
    assert check_phone_region(" gb ") == "GB"
    with pytest.raises(ValueError, match="not a region"):
        check_phone_region("XX")
