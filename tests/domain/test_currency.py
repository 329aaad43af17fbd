"""Minor units come from ISO 4217 data (babel), never from a table of our own."""

from __future__ import annotations

import pytest

from action_gateway.api.problems import to_problem
from action_gateway.domain.currency import check_precision, minor_units
from action_gateway.errors import AmountPrecision


@pytest.mark.parametrize(
    ("currency", "decimals"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3)],
)
def test_minor_units_follow_iso_4217(currency: str, decimals: int) -> None:
    assert minor_units(currency) == decimals


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("1.01", "USD"), ("1.10", "USD"), ("100", "JPY"), ("100.00", "JPY"), ("1.005", "KWD")],
)
def test_amounts_within_the_currency_pass(amount: str, currency: str) -> None:
    check_precision({"amount": amount}, currency)


@pytest.mark.parametrize(
    ("amount", "currency", "allowed", "words"),
    [
        ("1.005", "USD", 2, "USD amounts take at most 2 decimals"),
        ("0.123456", "EUR", 2, "EUR amounts take at most 2 decimals"),
        ("100.5", "JPY", 0, "JPY amounts take no decimals"),
        ("1.0005", "BHD", 3, "BHD amounts take at most 3 decimals"),
    ],
)
def test_finer_amounts_are_refused_naming_currency_and_decimals(
    amount: str, currency: str, allowed: int, words: str
) -> None:
    with pytest.raises(AmountPrecision) as raised:
        check_precision({"amount": amount, "shipping_amount": None}, currency)

    problem = to_problem(raised.value)
    assert problem.status == 422
    assert problem.code == "amount_precision"
    assert problem.currency == currency
    assert problem.allowed_decimals == allowed
    assert problem.detail is not None
    assert problem.detail.startswith(words)
    assert problem.errors is not None
    assert [e.loc for e in problem.errors] == [["body", "input", "amount"]]
