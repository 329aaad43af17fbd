"""A respx-backed stand-in for BigCommerce's REST API, and BigCommerce-shaped bodies.

Every request the stub receives is validated against BigCommerce's OpenAPI operation, and every
JSON reply whose status the operation documents is validated against its response schema.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import respx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.bigcommerce import BigCommerceAdapter, BigCommerceClient
from tests.contracts import bigcommerce as contract
from tests.platforms.kit import AdapterKit, TemplateStub, connection_config
from tests.platforms.kit import Sleeps as Sleeps
from tests.platforms.kit import policy as policy

STORE_HASH = "abc123"
BASE_URL = f"https://api.bigcommerce.com/stores/{STORE_HASH}"
TOKEN = "bc_token_0123456789abcdef0123456789"
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)
ORDER_ID = 120
PRODUCT_ID = 8
SECOND_PRODUCT_ID = 9
ADDRESS_ID = 31


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds, idempotency_key="idem-bc-1")


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req-ok"})


def no_content() -> httpx.Response:
    """V2's answer to a list filter that matches nothing."""
    return httpx.Response(204)


class BigCommerceStub(TemplateStub):
    """Answers each endpoint from its own queue of replies and records what was sent."""

    def __init__(self, router: respx.MockRouter) -> None:
        super().__init__(router, BASE_URL, prefix=f"/stores/{STORE_HASH}")

    def _check(self, request: httpx.Request) -> None:
        contract.validate_httpx_request(request)

    def _respond(self, request: httpx.Request, reply: Any) -> httpx.Response:
        return contract.validated_reply(request, reply)


def connection() -> ConnectionConfig:
    return connection_config(
        "acme-bc", "bigcommerce", TOKEN, token_env="ACME_BC_TOKEN", store_hash=STORE_HASH
    )


def _adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> BigCommerceAdapter:
    client = BigCommerceClient(connection(), http, policy=policy(sleeps))
    return BigCommerceAdapter(client, clock=lambda: NOW)


# The app hands adapters a client whose base_url is the store's API root.
KIT = AdapterKit(stub=BigCommerceStub, adapter=_adapter, base_url=BASE_URL)


# --- Bodies ------------------------------------------------------------------------------------


def order_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ORDER_ID,
        "customer_id": 11,
        "date_created": "Tue, 03 Nov 2026 14:10:00 +0000",
        "date_modified": "Tue, 03 Nov 2026 14:12:00 +0000",
        "status_id": 11,
        "status": "Awaiting Fulfillment",
        "custom_status": "Being packed",
        "subtotal_inc_tax": "50.0000",
        "shipping_cost_inc_tax": "10.0000",
        "total_inc_tax": "60.0000",
        "refunded_amount": "0.0000",
        "payment_status": "captured",
        "payment_method": "Credit Card",
        "currency_code": "USD",
        "default_currency_code": "USD",
        "staff_notes": "VIP",
        "customer_message": "",
        "items_total": 3,
        "items_shipped": 0,
        "billing_address": {
            "first_name": "Jane",
            "last_name": "Doe",
            "street_1": "123 Main Street",
            "city": "Austin",
            "state": "Texas",
            "zip": "78751",
            "country": "United States",
            "country_iso2": "US",
            "email": "jane@example.com",
        },
    }
    body.update(changes)
    return body


def product_body(product_id: int = PRODUCT_ID, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": product_id,
        "order_id": ORDER_ID,
        "product_id": 77,
        "name": "Blue mug",
        "sku": "MUG-BLUE",
        "type": "physical",
        "quantity": 2,
        "quantity_shipped": 0,
        "quantity_refunded": 0,
        "price_inc_tax": "20.0000",
        "total_inc_tax": "40.0000",
        "order_address_id": ADDRESS_ID,
    }
    body.update(changes)
    return body


def products_body() -> list[dict[str, Any]]:
    return [
        product_body(),
        product_body(
            SECOND_PRODUCT_ID,
            name="Red mug",
            sku="MUG-RED",
            quantity=1,
            price_inc_tax="10.0000",
            total_inc_tax="10.0000",
        ),
    ]


def address_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": ADDRESS_ID,
        "order_id": ORDER_ID,
        "first_name": "Jane",
        "last_name": "Doe",
        "city": "Austin",
        "country_iso2": "US",
        "cost_inc_tax": "10.0000",
        "cost_ex_tax": "10.0000",
        "handling_cost_inc_tax": "0.0000",
    }
    body.update(changes)
    return body


def customer_body(customer_id: int = 11, email: str = "jane@example.com") -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": email,
        "first_name": "Jane",
        "last_name": "Doe",
        "phone": "555-123-4567",
        "company": "",
        "customer_group_id": 0,
        "date_created": "2026-01-02T10:00:00Z",
        "date_modified": "2026-01-02T10:00:00Z",
    }


def customers_body(*customers: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": list(customers),
        "meta": {
            "pagination": {
                "total": len(customers),
                "count": len(customers),
                "per_page": 50,
                "current_page": 1,
                "total_pages": 1,
                "links": {"current": "?page=1&limit=50"},
            }
        },
    }


def option(provider: str, amount: float, *, offline: bool, reason: str = "") -> dict[str, Any]:
    return {
        "provider_id": provider,
        "provider_description": provider.title(),
        "amount": amount,
        "offline": offline,
        "offline_provider": offline,
        "offline_reason": reason,
    }


def quote_body(
    total: float = 60.0, methods: list[list[dict[str, Any]]] | None = None, **changes: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": ORDER_ID,
        "total_refund_amount": total,
        "total_refund_tax_amount": 0,
        "rounding": 0,
        "adjustment": 0,
        "tax_inclusive": True,
        "refund_methods": methods
        if methods is not None
        else [
            [option("custom", total, offline=True, reason="Custom refunds are offline")],
            [option("braintree", total, offline=False)],
        ],
    }
    data.update(changes)
    return {"data": data, "meta": {}}


def refund_body(
    items: list[dict[str, Any]] | None = None,
    total: float = 60.0,
    *,
    declined: str | None = None,
) -> dict[str, Any]:
    payment: dict[str, Any] = {
        "id": 501,
        "provider_id": "braintree",
        "amount": total,
        "offline": False,
        "is_declined": declined is not None,
        "declined_message": declined or "",
        "transaction_id": "txn-1",
    }
    return {
        "data": {
            "id": 77,
            "order_id": ORDER_ID,
            "user_id": 0,
            "created": "2026-11-23T10:15:00+00:00",
            "reason": "Reason: customer",
            "total_amount": total,
            "total_tax": 0,
            "uses_merchant_override_values": False,
            "items": copy.deepcopy(items)
            if items is not None
            else [
                {
                    "item_type": "PRODUCT",
                    "item_id": PRODUCT_ID,
                    "quantity": 2,
                    "requested_amount": 40.0,
                    "reason": "Reason: customer",
                },
                {
                    "item_type": "PRODUCT",
                    "item_id": SECOND_PRODUCT_ID,
                    "quantity": 1,
                    "requested_amount": 10.0,
                    "reason": "Reason: customer",
                },
                {"item_type": "SHIPPING", "item_id": ADDRESS_ID, "requested_amount": 10.0},
            ],
            "payments": [payment],
        },
        "meta": {},
    }


def refunds_body(*refunds: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": [refund["data"] for refund in refunds],
        "meta": {
            "pagination": {
                "total": len(refunds),
                "count": len(refunds),
                "per_page": 50,
                "current_page": 1,
                "total_pages": 1,
                "links": {"current": "?page=1&limit=50"},
            }
        },
    }


def promotion_body(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 42,
        "redemption_type": "COUPON",
        "name": "Helpdesk code SORRY-10",
        "channels": [],
        "customer": {"group_ids": [], "minimum_order_count": 0, "excluded_group_ids": []},
        "rules": [
            {
                "action": {"cart_value": {"discount": {"percentage_amount": "10"}}},
                "apply_once": True,
                "stop": False,
            }
        ],
        "current_uses": 0,
        "max_uses": 1,
        "status": "ENABLED",
        "start_date": "2026-11-23T10:15:00+00:00",
        "end_date": "2027-02-23T10:15:00+00:00",
        "stop": False,
        "can_be_used_with_other_promotions": True,
        "currency_code": "USD",
        "coupon_type": "SINGLE",
        "created_from": "api",
        "notifications": [],
        "coupon_overrides_other_promotions": False,
    }
    data.update(changes)
    return {"data": data, "meta": {}}


def _code(code: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": 9,
        "code": code,
        "current_uses": 0,
        "max_uses": 1,
        "max_uses_per_customer": 1,
        "created": "2026-11-23T10:15:00+00:00",
        **extra,
    }


def code_body(code: str = "SORRY-10") -> dict[str, Any]:
    return {"data": _code(code), "meta": {}}


def codes_body(*codes: str) -> dict[str, Any]:
    return {
        "data": [_code(code, promotion_id=42) for code in codes],
        "meta": {
            "pagination": {
                "total": len(codes),
                "count": len(codes),
                "per_page": 50,
                "current_page": 1,
                "total_pages": 1,
                "links": {"current": "?page=1&limit=50"},
            }
        },
    }


def v2_error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json=[{"status": status, "message": message}])


def v3_error(status: int, title: str, errors: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "status": status,
            "title": title,
            "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
            "errors": errors or {},
        },
    )
