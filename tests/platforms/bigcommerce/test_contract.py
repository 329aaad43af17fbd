"""The bodies helpers.py serves are BigCommerce's real shapes (the validator's own tests are in
tests/contracts/test_bigcommerce.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts import bigcommerce as contract
from tests.platforms.bigcommerce.helpers import (
    BASE_URL,
    code_body,
    codes_body,
    customer_body,
    customers_body,
    order_body,
    products_body,
    promotion_body,
    quote_body,
    refund_body,
    refunds_body,
)

ORDER = f"{BASE_URL}/v2/orders/120"
REFUNDS = f"{BASE_URL}/v3/orders/120/payment_actions/refunds"


@pytest.mark.parametrize(
    ("method", "url", "status", "body"),
    [
        ("GET", ORDER, 200, order_body()),
        ("GET", f"{ORDER}/products", 200, products_body()),
        ("GET", f"{BASE_URL}/v3/customers", 200, customers_body(customer_body())),
        (
            "POST",
            f"{ORDER.replace('v2', 'v3')}/payment_actions/refund_quotes",
            201,
            quote_body(),
        ),
        ("POST", REFUNDS, 201, refund_body()),
        ("GET", REFUNDS, 200, refunds_body(refund_body())),
        ("POST", f"{BASE_URL}/v3/promotions", 201, promotion_body()),
        ("POST", f"{BASE_URL}/v3/promotions/42/codes", 201, code_body()),
        ("GET", f"{BASE_URL}/v3/promotions/codes", 200, codes_body("SORRY-10")),
        ("GET", ORDER, 404, [{"status": 404, "message": "The requested resource was not found."}]),
    ],
)
def test_fixtures_are_real_shapes(method: str, url: str, status: int, body: Any) -> None:
    contract.validate_response(method, url, status, body)


def test_a_fixture_missing_a_required_field_fails() -> None:
    body = promotion_body()
    del body["data"]["notifications"]
    with pytest.raises(AssertionError, match="notifications"):
        contract.validate_response("POST", f"{BASE_URL}/v3/promotions", 201, body)
