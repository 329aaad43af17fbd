"""The bodies helpers.py serves are the shared spec's shapes (the validator's own tests are in
tests/contracts/test_ordergroove.py).

Covered by ordergroove/openapi.yaml (third-party subset): subscriptions-list,
subscriptions-retrieve, orders-list, items-list, skip-subscription, products-retrieve.
Not covered: PATCH /subscriptions/{id}/cancel/ (its request is pinned in test_adapter.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contracts import ordergroove as contract
from tests.platforms.ordergroove.helpers import (
    BASE_URL,
    ORDER_DEC,
    PREPAID_CONTEXT,
    SUB_COFFEE,
    cancelled_body,
    item_body,
    order_body,
    page,
    product_body,
    subscription_body,
)

SUBSCRIPTION = f"{BASE_URL}/subscriptions/{SUB_COFFEE}/"
SKIP = f"{BASE_URL}/orders/{ORDER_DEC}/skip_subscription/"


@pytest.mark.parametrize(
    ("method", "url", "status", "body"),
    [
        ("GET", f"{BASE_URL}/subscriptions/", 200, page(subscription_body(), cancelled_body())),
        ("GET", SUBSCRIPTION, 200, subscription_body(prepaid_subscription_context=PREPAID_CONTEXT)),
        ("GET", SUBSCRIPTION, 404, {"detail": "Unable to find requested asset."}),
        ("GET", SUBSCRIPTION, 403, {"detail": "Authentication Failed"}),
        (
            "GET",
            f"{BASE_URL}/orders/",
            200,
            page(order_body(), next_url=f"{BASE_URL}/orders/?cursor=x"),
        ),
        (
            "GET",
            f"{BASE_URL}/items/",
            200,
            page(item_body("i-1"), item_body("i-2", subscription=None)),
        ),
        ("GET", f"{BASE_URL}/products/COFFEE-12OZ/", 200, product_body()),
        ("PATCH", SKIP, 200, order_body()),
        ("PATCH", SKIP, 400, {"detail": "Subscription is not part of this order."}),
        ("PATCH", f"{SUBSCRIPTION}cancel/", 200, cancelled_body()),
    ],
)
def test_fixtures_are_spec_shapes(method: str, url: str, status: int, body: Any) -> None:
    contract.validate_response(method, url, status, body)


def test_a_fixture_missing_a_required_field_fails() -> None:
    body = order_body()
    del body["place"]
    with pytest.raises(AssertionError, match="place"):
        contract.validate_response("GET", f"{BASE_URL}/orders/", 200, page(body))
