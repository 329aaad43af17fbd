"""Money never moves finer than its currency: ISO 4217 minor units, from babel's CLDR data."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel.numbers import get_currency_precision

from action_gateway.errors import AmountPrecision, FieldError


@functools.lru_cache(maxsize=256)
def minor_units(currency: str) -> int:
    """How many decimals the currency has (USD 2, JPY 0, KWD 3), per ISO 4217."""
    return int(get_currency_precision(currency))


def decimals_of(amount: str) -> int:
    exponent = Decimal(amount).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def check_precision(amounts: dict[str, str | None], currency: str) -> None:
    """Refuse, before anything is sent, an amount finer than ``currency`` allows.

    ``amounts`` maps each input field (``amount``, ``shipping_amount``, ``value``) to what the
    caller sent; trailing zeros are fine (``1.50`` is two decimals of USD, ``100.0`` is JPY).
    """
    allowed = minor_units(currency)
    too_fine = [
        (field, amount)
        for field, amount in amounts.items()
        if amount is not None and decimals_of(amount) > allowed
    ]
    if not too_fine:
        return
    unit = "no decimals" if allowed == 0 else f"at most {allowed} decimal{'s' * (allowed > 1)}"
    asked = "; ".join(f"{field} {amount}" for field, amount in too_fine)
    raise AmountPrecision(
        f"{currency} amounts take {unit}: {asked} is finer than the currency; nothing was sent.",
        currency=currency,
        allowed_decimals=allowed,
        errors=[
            FieldError(
                loc=["body", "input", field],
                message=f"{amount} has more decimals than {currency} allows ({allowed})",
                type="amount_precision",
            )
            for field, amount in too_fine
        ],
    )
