"""The BigCommerce contract validator itself: it accepts real shapes and fails on wrong ones."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.contracts.bigcommerce import (
    declares,
    validate_httpx_request,
    validate_request,
    validate_response,
)

BASE = "https://api.bigcommerce.com/stores/abc123"
ORDER = f"{BASE}/v2/orders/120"
PRODUCTS = f"{ORDER}/products"
REFUNDS = f"{BASE}/v3/orders/120/payment_actions/refunds"
JSON_HEADERS = {
    "X-Auth-Token": "t",
    "Accept": "application/json",
    "Content-Type": "application/json",
}
V2_NOT_FOUND = [{"status": 404, "message": "The requested resource was not found."}]


class TestLocating:
    @pytest.mark.parametrize(
        "url",
        [ORDER, "/stores/sandbox/v2/orders/120", "/v2/orders/120", "http://stub/v2/orders/120"],
    )
    def test_full_urls_and_paths_name_the_same_operation(self, url: str) -> None:
        validate_request("GET", url)
        assert declares("GET", url, 404)
        validate_response("GET", url, 404, V2_NOT_FOUND)

    def test_a_path_no_spec_covers_fails(self) -> None:
        with pytest.raises(AssertionError, match="no BigCommerce spec"):
            validate_request("GET", f"{BASE}/v3/catalog/products")
        with pytest.raises(AssertionError, match="not a BigCommerce /v2 or /v3 URL"):
            validate_request("GET", f"{BASE}/orders/120")

    def test_declared_statuses(self) -> None:
        assert declares("GET", ORDER, 404)
        assert not declares("GET", ORDER, 500)
        assert declares("POST", REFUNDS, 422)
        assert declares("GET", f"{BASE}/v3/promotions/codes", 200)
        assert not declares("PATCH", ORDER, 200)


class TestErrata:
    """Each patched erratum lets the shape BigCommerce really accepts through."""

    def test_an_order_item_passes_despite_the_ambiguous_one_of(self) -> None:
        validate_request(
            "POST",
            f"{BASE}/v3/orders/120/payment_actions/refund_quotes",
            body={"items": [{"item_type": "ORDER", "item_id": 120, "amount": 5.0}]},
        )

    def test_a_sort_direction_passes(self) -> None:
        validate_request("GET", f"{BASE}/v2/orders", query={"sort": "date_created:desc"})

    def test_a_coupon_promotion_names_its_redemption_type(self) -> None:
        validate_request(
            "POST",
            f"{BASE}/v3/promotions",
            body={
                "name": "Sorry 10%",
                "redemption_type": "COUPON",
                "rules": [{"action": {"cart_value": {"discount": {"percentage_amount": "10"}}}}],
            },
        )

    def test_listing_products_needs_no_content_type(self) -> None:
        validate_request(
            "GET", PRODUCTS, headers={"X-Auth-Token": "t", "Accept": "application/json"}
        )


class TestRequests:
    def test_a_valid_refund_passes(self) -> None:
        validate_request(
            "POST",
            REFUNDS,
            body={
                "items": [{"item_type": "PRODUCT", "item_id": 8, "quantity": 1}],
                "payments": [{"provider_id": "braintree", "amount": 20.0, "offline": False}],
            },
        )

    @pytest.mark.parametrize(
        ("method", "url", "body", "complaint"),
        [
            ("PUT", ORDER, {"status_id": "5"}, "'5' is not of type 'integer'"),
            (
                "POST",
                REFUNDS,
                {
                    "items": [{"item_type": "PRODUCT", "item_id": 8, "quantity": 1}],
                    "payments": [{"provider_id": "braintree", "amount": "20.00"}],
                },
                "not valid under any of the given schemas",
            ),
            (
                "POST",
                REFUNDS,
                {"items": [{"item_type": "PRODUCT", "item_id": 8, "quantity": 1}]},
                "not valid under any of the given schemas",
            ),
            ("POST", f"{BASE}/v3/promotions/42/codes", {"max_uses": 1}, "'code'"),
        ],
    )
    def test_a_wrong_body_fails(
        self, method: str, url: str, body: dict[str, Any], complaint: str
    ) -> None:
        with pytest.raises(AssertionError, match="breaks BigCommerce's spec") as caught:
            validate_request(method, url, body=body)
        assert complaint in str(caught.value)

    def test_a_wrong_query_parameter_value_fails(self) -> None:
        with pytest.raises(AssertionError, match="sort"):
            validate_request("GET", f"{BASE}/v2/orders?sort=newest")

    def test_a_wrong_method_or_path_fails(self) -> None:
        with pytest.raises(AssertionError, match="breaks BigCommerce's spec"):
            validate_request("PATCH", ORDER, body={"status_id": 5})
        with pytest.raises(AssertionError, match="breaks BigCommerce's spec"):
            validate_request("GET", f"{BASE}/v2/orders/120/refunds")

    def test_the_token_header_is_required(self) -> None:
        with pytest.raises(AssertionError, match="X-Auth-Token"):
            validate_request("GET", ORDER, headers={"Accept": "application/json"})

    def test_a_sent_request_is_checked_as_sent(self) -> None:
        sent = httpx.Request("PUT", ORDER, json={"status_id": 5}, headers=JSON_HEADERS)
        validate_httpx_request(sent)
        wrong = httpx.Request("PUT", ORDER, json={"status_id": "5"}, headers=JSON_HEADERS)
        with pytest.raises(AssertionError, match="is not of type 'integer'"):
            validate_httpx_request(wrong)


class TestResponses:
    def test_a_wrong_type_fails(self) -> None:
        with pytest.raises(AssertionError, match="breaks BigCommerce's spec"):
            validate_response("GET", PRODUCTS, 200, [{"id": "x"}])

    def test_a_documented_v2_error_must_be_the_v2_error_array(self) -> None:
        with pytest.raises(AssertionError, match="error shape"):
            validate_response("GET", ORDER, 404, {"message": "nope"})

    def test_an_undocumented_error_status_is_checked_against_the_error_schema(self) -> None:
        assert not declares("GET", f"{BASE}/v3/customers", 401)
        validate_response("GET", f"{BASE}/v3/customers", 401, {"status": 401, "title": "No"})
        with pytest.raises(AssertionError, match="error shape"):
            validate_response("GET", f"{BASE}/v3/customers", 401, {"status": "401"})
        validate_response("GET", ORDER, 401, [{"status": 401, "message": "No"}])
        with pytest.raises(AssertionError, match="error shape"):
            validate_response("GET", ORDER, 401, [])

    def test_an_undocumented_success_fails(self) -> None:
        with pytest.raises(AssertionError, match="undocumented success"):
            validate_response("GET", ORDER, 202, {"id": 120})

    def test_only_an_empty_order_list_may_answer_an_undocumented_204(self) -> None:
        validate_response("GET", f"{BASE}/v2/orders", 204, None)
        with pytest.raises(AssertionError, match="undocumented 204"):
            validate_response("GET", PRODUCTS, 204, None)
