"""Countries and their provinces by ISO 3166 code, from pycountry (maintained ISO data)."""

from __future__ import annotations

from typing import Any

import pycountry


def _country(code: str) -> Any:
    return pycountry.countries.get(alpha_2=code.upper())


def is_country_code(code: str) -> bool:
    """``code`` is an ISO 3166-1 alpha-2 country code (any case)."""
    return len(code) == 2 and _country(code) is not None


def country_name(code: str) -> str | None:
    """``CA`` → ``Canada``."""
    found = _country(code)
    return str(found.name) if found is not None else None


def province_name(country_code: str, province_code: str) -> str | None:
    """The ISO 3166-2 name of a province (``AU``, ``NSW`` → ``New South Wales``)."""
    code = f"{country_code}-{province_code}".upper()
    found = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
    return str(found.name) if found is not None else None


def province_code(country_code: str, name: str) -> str | None:
    """The ISO 3166-2 code, without the country, of a province named ``name`` (any case)."""
    subdivisions = pycountry.subdivisions.get(  # type: ignore[no-untyped-call]
        country_code=country_code.upper()
    )
    for subdivision in subdivisions or ():
        if str(subdivision.name).casefold() == name.strip().casefold():
            return str(subdivision.code).split("-", 1)[1]
    return None


def same_address_part(key: str, got: object, sent: object) -> bool:
    """Whether a re-read address part is the one sent: case, spacing, and the separators of
    postal codes and phone numbers aside (platforms normalise them on save)."""

    def norm(value: object) -> str:
        text = "" if value is None else str(value)
        if key in ("zip", "postal_code"):
            text = text.replace(" ", "").replace("-", "")
        if key == "phone":
            text = "".join(ch for ch in text if ch.isdigit())
        return " ".join(text.split()).casefold()

    return norm(got) == norm(sent)
