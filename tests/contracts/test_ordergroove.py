"""The Ordergroove contract validator itself: it accepts the spec's shapes, fails on wrong ones."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.contracts.ordergroove import (
    covers,
    declares,
    validate_httpx_request,
    validate_request,
    validate_response,
)

BASE = "https://restapi.ordergroove.com"
KEY = "og-contract-key"
HEADERS = {"x-api-key": KEY, "X-OG-API-VERSION": "2"}
SUB_ID = "5b" + "0" * 30
SUBSCRIPTION = f"{BASE}/subscriptions/{SUB_ID}/"
CANCEL = f"{SUBSCRIPTION}cancel/"
SKIP = f"{BASE}/orders/{'0d' * 16}/skip_subscription/"
NOT_FOUND = {"detail": "Unable to find requested asset."}
GOOD_SUBSCRIPTION: dict[str, Any] = {
    "public_id": SUB_ID,
    "customer": "7410001",
    "merchant": "m",
    "product": "COF-ESP-1KG",
    "quantity": 1,
    "frequency_days": 14,
    "every": 2,
    "every_period": 2,
    "start_date": "2026-01-01",
    "live": True,
    "created": "2026-01-01 10:00:00",
    "updated": "2026-01-01 10:00:00",
}
PRODUCT: dict[str, Any] = {
    "merchant": "m",
    "external_product_id": "COF-ESP-1KG",
    "name": "Espresso 1kg",
    "price": "18.00",
    "autoship_enabled": True,
}
DELETE = object()
# The complaint of the JSON Schema 2020-12 pass (what openapi-core 0.19 alone lets through).


def _broken(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD_SUBSCRIPTION)
    for key, value in changes.items():
        if value is DELETE:
            del body[key]
        else:
            body[key] = value
    return body


def _page(*results: dict[str, Any]) -> dict[str, Any]:
    return {"next": None, "previous": None, "results": list(results)}


class TestLocating:
    @pytest.mark.parametrize(
        "url",
        [SUBSCRIPTION, f"/subscriptions/{SUB_ID}/", f"http://stub/subscriptions/{SUB_ID}/"],
    )
    def test_full_urls_and_paths_name_the_same_operation(self, url: str) -> None:
        validate_request("GET", url)
        assert covers("GET", url)
        assert declares("GET", url, 404)
        validate_response("GET", url, 200, GOOD_SUBSCRIPTION)
        validate_response("GET", url, 404, NOT_FOUND)

    def test_declared_statuses(self) -> None:
        assert declares("GET", SUBSCRIPTION, 403)
        assert not declares("GET", SUBSCRIPTION, 500)
        assert declares("PATCH", SKIP, 400)
        assert not declares("GET", f"{BASE}/subscriptions/", 404)
        assert not declares("PATCH", CANCEL, 200)

    def test_cancel_is_not_in_the_spec(self) -> None:
        assert not covers("PATCH", CANCEL)
        assert covers("PATCH", SKIP)

    def test_a_trailing_slash_counts(self) -> None:
        assert not covers("GET", f"{BASE}/subscriptions/{SUB_ID}")
        with pytest.raises(AssertionError, match="is not in"):
            validate_request("GET", f"{BASE}/subscriptions/{SUB_ID}")

    def test_a_request_the_spec_and_its_notes_lack_fails(self) -> None:
        with pytest.raises(AssertionError, match="is not in"):
            validate_request("PATCH", f"{SUBSCRIPTION}reactivate/")
        with pytest.raises(AssertionError, match="is not in"):
            validate_httpx_request(httpx.Request("POST", CANCEL, headers=HEADERS))


class TestErrata:
    """Each patched erratum lets the shape the spec means through, and no more."""

    def test_a_product_price_with_cents_passes(self) -> None:
        validate_response("GET", f"{BASE}/products/COF-ESP-1KG/", 200, PRODUCT)
        with pytest.raises(AssertionError, match="price"):
            validate_response(
                "GET", f"{BASE}/products/COF-ESP-1KG/", 200, {**PRODUCT, "price": "18"}
            )


class TestRequests:
    def test_good_requests_pass(self) -> None:
        validate_httpx_request(
            httpx.Request("PATCH", SKIP, json={"subscription": "5b" * 16}, headers=HEADERS)
        )
        validate_httpx_request(
            httpx.Request(
                "GET", f"{BASE}/items/?subscription=x&status=1&page_size=100", headers=HEADERS
            )
        )
        validate_request("GET", f"{BASE}/orders/?customer=1", query={"status": "5"})
        validate_request("PATCH", SKIP, body={"subscription": SUB_ID})

    @pytest.mark.parametrize(
        ("request_", "complaint"),
        [
            (
                httpx.Request("PATCH", SKIP, json={"subscription": 1}, headers=HEADERS),
                "1 is not of type 'string'",
            ),
            (
                httpx.Request(
                    "PATCH", SKIP, json={"subscription": "a", "order": "b"}, headers=HEADERS
                ),
                "Additional properties are not allowed",
            ),
            (
                httpx.Request(
                    "GET", f"{BASE}/subscriptions/?customer=1&page_size=500", headers=HEADERS
                ),
                "page_size",
            ),
            (
                httpx.Request("GET", f"{BASE}/orders/?customer=1&status=2", headers=HEADERS),
                "2 is not one of",
            ),
            (
                httpx.Request(
                    "GET",
                    f"{BASE}/orders/?customer=1",
                    headers={"X-OG-API-VERSION": "3", "x-api-key": KEY},
                ),
                "X-OG-API-VERSION",
            ),
            (httpx.Request("GET", f"{BASE}/subscriptions/?customer=1"), "Security not found"),
        ],
        ids=["body-type", "body-extra", "page-size", "status", "api-version", "no-key"],
    )
    def test_wrong_requests_fail(self, request_: httpx.Request, complaint: str) -> None:
        with pytest.raises(AssertionError, match="breaks the Ordergroove spec") as caught:
            validate_httpx_request(request_)
        assert complaint in str(caught.value)

    def test_a_json_string_for_an_integer_is_caught(self) -> None:
        change = f"{SUBSCRIPTION}change_quantity/"
        validate_request("PATCH", change, body={"quantity": 2})
        with pytest.raises(AssertionError, match="'2' is not of type 'integer'"):
            validate_request("PATCH", change, body={"quantity": "2"})

    def test_the_cancel_request_passes_on_method_and_path_alone(self) -> None:
        validate_httpx_request(httpx.Request("PATCH", CANCEL, headers=HEADERS))
        validate_request("PATCH", CANCEL, body={"cancel_reason": "1|Too much"})


class TestResponses:
    def test_the_known_good_shapes_pass(self) -> None:
        validate_response("GET", SUBSCRIPTION, 200, GOOD_SUBSCRIPTION)
        validate_response("GET", f"{BASE}/subscriptions/", 200, _page(GOOD_SUBSCRIPTION))
        validate_response("PATCH", CANCEL, 200, GOOD_SUBSCRIPTION)

    @pytest.mark.parametrize(
        ("method", "url", "status", "body", "complaint"),
        [
            ("GET", SUBSCRIPTION, 200, _broken(every_period=5), "every_period"),  # not a code
            # JSON strings for integers and booleans: older openapi-core let these through, which is
            # why the module runs a JSON Schema 2020-12 pass too; either pass may catch them.
            ("GET", SUBSCRIPTION, 200, _broken(every_period="2"), "every_period"),
            ("GET", SUBSCRIPTION, 200, _broken(live="true"), "live"),
            ("GET", SUBSCRIPTION, 200, _broken(quantity="1"), "quantity"),
            ("GET", SUBSCRIPTION, 200, _broken(public_id=DELETE), "public_id"),  # required
            ("GET", SUBSCRIPTION, 200, _broken(prepaid_subscription_context=[]), "object"),
            ("GET", f"{BASE}/subscriptions/", 200, {"results": []}, "next"),  # envelope
            (
                "GET",
                f"{BASE}/orders/",
                200,
                _page({"public_id": "x", "status": 2}),
                "required property",
            ),
            # Error allows nothing but detail, whether documented or not.
            ("GET", SUBSCRIPTION, 404, {"detail": "x", "code": "not_found"}, "code"),
            ("GET", SUBSCRIPTION, 403, {"message": "Authentication Failed"}, "detail"),
            ("GET", f"{BASE}/orders/", 429, {"detail": 429}, "429 is not of type 'string'"),
        ],
        ids=[
            "period-code",
            "period-string",
            "boolean-string",
            "integer-string",
            "required",
            "object",
            "page-envelope",
            "order-fields",
            "error-extra",
            "error-detail",
            "undocumented-error",
        ],
    )
    def test_wrong_shapes_fail(
        self, method: str, url: str, status: int, body: Any, complaint: str
    ) -> None:
        with pytest.raises(AssertionError, match="breaks the Ordergroove spec") as caught:
            validate_response(method, url, status, body)
        assert complaint in str(caught.value)

    def test_an_undocumented_success_fails(self) -> None:
        with pytest.raises(AssertionError, match="undocumented success"):
            validate_response("GET", SUBSCRIPTION, 201, GOOD_SUBSCRIPTION)
        with pytest.raises(AssertionError, match="undocumented success"):
            validate_response("PATCH", CANCEL, 201, GOOD_SUBSCRIPTION)
        with pytest.raises(AssertionError, match="is not in"):
            validate_response("GET", f"{BASE}/nothing/", 200, {})

    def test_cancel_answers_are_checked_against_subscription_and_error(self) -> None:
        with pytest.raises(AssertionError, match="Subscription schema"):
            validate_response("PATCH", CANCEL, 200, _broken(quantity=0))
        validate_response("PATCH", CANCEL, 400, {"detail": "Subscription is already cancelled."})
        with pytest.raises(AssertionError, match="Error schema"):
            validate_response("PATCH", CANCEL, 400, {"error": "already cancelled"})

    def test_an_unknown_path_answers_with_the_error_shape(self) -> None:
        validate_response("GET", f"{BASE}/nothing/", 404, {"detail": "Not found."})
        validate_response("POST", CANCEL, 405, {"detail": 'Method "POST" not allowed.'})
        with pytest.raises(AssertionError, match="Error schema"):
            validate_response("GET", f"{BASE}/nothing/", 404, "Not found")
