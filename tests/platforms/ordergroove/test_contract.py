"""The bodies helpers.py serves and the requests the adapter sends are the shared spec's shapes.

Covered by ordergroove/openapi.yaml (third-party subset): subscriptions-list,
subscriptions-retrieve, orders-list, items-list, skip-subscription, products-retrieve.
Not covered: PATCH /subscriptions/{id}/cancel/ (its request is pinned in test_adapter.py).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.platforms.ordergroove import contract
from tests.platforms.ordergroove.helpers import (
    BASE_URL,
    ORDER_DEC,
    PREPAID_CONTEXT,
    SUB_COFFEE,
    TOKEN,
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
    ],
)
def test_fixtures_are_spec_shapes(method: str, url: str, status: int, body: Any) -> None:
    contract.validate_response(method, url, status, body)


def test_a_fixture_missing_a_required_field_fails() -> None:
    body = order_body()
    del body["place"]
    with pytest.raises(AssertionError, match="place"):
        contract.validate_response("GET", f"{BASE_URL}/orders/", 200, page(body))


def test_the_skip_body_is_checked() -> None:
    def skip(body: dict[str, Any]) -> httpx.Request:
        return httpx.Request(
            "PATCH",
            SKIP,
            headers={"x-api-key": TOKEN},
            content=json.dumps(body).encode(),
        )

    good = skip({"subscription": SUB_COFFEE})
    good.headers["Content-Type"] = "application/json"
    contract.validate_httpx_request(good)
    bad = skip({"subscription": SUB_COFFEE, "order": ORDER_DEC})
    bad.headers["Content-Type"] = "application/json"
    with pytest.raises(AssertionError, match="breaks"):
        contract.validate_httpx_request(bad)


def test_a_request_without_the_key_fails() -> None:
    with pytest.raises(AssertionError, match="breaks"):
        contract.validate_httpx_request(httpx.Request("GET", SUBSCRIPTION))


def test_cancel_is_not_in_the_spec() -> None:
    assert not contract.covers("PATCH", f"{SUBSCRIPTION}cancel/")
    assert contract.covers("PATCH", SKIP)
