"""Phone numbers as helpdesks send them, normalised to E.164 for lookups.

A helpdesk sends whatever the customer typed: ``+1 415-555-0101``, ``(415) 555-0101``. The gateway
reads it with the connection's default region (for numbers without a country code) into E.164,
and gives platforms that match stored text exactly the forms stores commonly keep.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

DEFAULT_PHONE_REGION = "US"
_SEPARATORS = re.compile(r"[\s.()-]+")


def check_phone_region(region: str) -> str:
    """``region`` upper-cased when phonenumbers knows it (ISO 3166-1 alpha-2: ``US``, ``GB``)."""
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"{region!r} is not a region phone numbers are known for (use an ISO 3166-1 alpha-2 "
            "code such as US, GB or DE)"
        )
    return code


def to_e164(text: str, region: str) -> str | None:
    """``text`` as E.164 (``+14155550101``), or None when it cannot be a phone number.

    ``region`` is used only for a number written without its country code.
    """
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def same_number(stored: str | None, e164: str, region: str) -> bool:
    return bool(stored) and to_e164(stored or "", region) == e164


def text_forms(e164: str) -> list[str]:
    """The ways a store may have kept ``e164`` as typed, for platforms that match text exactly.

    E.164, the international and national formats, and each with spaces, dashes, dots or nothing
    between its digit groups (``+1 415-555-0101``, ``(415) 555-0101``, ``415.555.0101``, ...).
    """
    number = phonenumbers.parse(e164, None)
    country = str(number.country_code)
    international = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    groups = _SEPARATORS.split(international.removeprefix(f"+{country}").strip())
    national_groups = [g for g in _SEPARATORS.split(national) if g]
    forms = [e164, international, national, f"{country}{''.join(groups)}"]
    for sep in (" ", "-", "."):
        forms += [
            f"+{country} {sep.join(groups)}",
            f"+{country}{sep}{sep.join(groups)}",
            sep.join(national_groups),
        ]
    forms.append("".join(national_groups))
    if country == "1":  # NANP numbers are also written with the trunk "1" and no plus
        forms += [f"1-{'-'.join(groups)}", f"1 {' '.join(groups)}", f"+1 {national}"]
    return list(dict.fromkeys(forms))
