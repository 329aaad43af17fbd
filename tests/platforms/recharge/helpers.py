"""A respx-backed stand-in for Recharge's API 2021-11, and Recharge-shaped bodies.

Bodies follow shared/platforms/subscriptions.md §2: ``{"customers": [...]}``,
``{"subscriptions": [...]}``, ``{"charges": [...]}`` with ``next_cursor``, single records wrapped
as ``{"subscription": {...}}`` / ``{"charge": {...}}``, and errors with an ``errors`` member.
"""

from __future__ import annotations

from typing import Any

import httpx
import respx

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import Customer
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.recharge import RechargeAdapter, RechargeClient
from tests.platforms.kit import AdapterKit, TemplateStub, linked_connection_config
from tests.platforms.kit import Sleeps as Sleeps
from tests.platforms.kit import policy as policy

BASE_URL = "https://api.rechargeapps.com"
TOKEN = "sk_recharge_0123456789abcdef0123456789abcdef"
EMAIL = "jane@example.com"
SHOPIFY_CUSTOMER_ID = "7001"
CUSTOMER_ID = 55501
SUBSCRIPTION_ID = 27301
SECOND_SUBSCRIPTION_ID = 27302
CHARGE_ID = 880001
ADDRESS_ID = 64001


def store_customer(email: str | None = EMAIL) -> Customer:
    """The linked Shopify connection's customer, as the commerce adapter returns it."""
    return Customer(
        id=SHOPIFY_CUSTOMER_ID,
        platform_id=f"gid://shopify/Customer/{SHOPIFY_CUSTOMER_ID}",
        display_name="Jane Doe",
        email=email,
    )


def call(seconds: float = 15.0) -> ActionCall:
    return ActionCall.within(seconds, idempotency_key="idem-rc-1")


def ok(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req-ok"})


def error(status: int, errors: Any) -> httpx.Response:
    return httpx.Response(status, json={"errors": errors})


class RechargeStub(TemplateStub):
    """Answers each endpoint from its own queue of replies and records what was sent.

    Every request must carry the token and ``X-Recharge-Version: 2021-11``, as Recharge needs.
    """

    def __init__(self, router: respx.MockRouter) -> None:
        super().__init__(router, BASE_URL)

    def _check(self, request: httpx.Request) -> None:
        assert request.headers.get("X-Recharge-Access-Token") == TOKEN
        assert request.headers.get("X-Recharge-Version") == "2021-11"


def connection() -> ConnectionConfig:
    return linked_connection_config(
        "acme-recharge", "recharge", TOKEN, token_env="ACME_RECHARGE_TOKEN"
    )


def _adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> RechargeAdapter:
    return RechargeAdapter(RechargeClient(connection(), http, policy=policy(sleeps)))


# The app hands adapters a client whose base_url is Recharge's API root.
KIT = AdapterKit(stub=RechargeStub, adapter=_adapter, base_url=BASE_URL)


# --- Bodies ------------------------------------------------------------------------------------


def customer_body(
    customer_id: int = CUSTOMER_ID,
    email: str = EMAIL,
    external_id: str | None = SHOPIFY_CUSTOMER_ID,
) -> dict[str, Any]:
    return {
        "id": customer_id,
        "email": email,
        "first_name": "Jane",
        "last_name": "Doe",
        "external_customer_id": {"ecommerce": external_id},
        "has_valid_payment_method": True,
        "subscriptions_active_count": 1,
        "created_at": "2026-01-02T10:00:00+00:00",
        "updated_at": "2026-01-02T10:00:00+00:00",
    }


def customers_body(*customers: dict[str, Any], next_cursor: str | None = None) -> dict[str, Any]:
    return _page("customers", customers, next_cursor)


def subscription_body(subscription_id: int = SUBSCRIPTION_ID, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": subscription_id,
        "address_id": ADDRESS_ID,
        "customer_id": CUSTOMER_ID,
        "status": "active",
        "next_charge_scheduled_at": "2026-12-01",
        "order_interval_frequency": 1,
        "order_interval_unit": "month",
        "charge_interval_frequency": 1,
        "order_day_of_month": None,
        "quantity": 2,
        "product_title": "Cold brew concentrate",
        "variant_title": "1 L",
        "sku": "CB-1L",
        "price": "24.50",
        "presentment_currency": "USD",
        "external_product_id": {"ecommerce": "8101"},
        "external_variant_id": {"ecommerce": "9101"},
        "is_prepaid": False,
        "is_skippable": True,
        "is_swappable": True,
        "has_queued_charges": True,
        "cancelled_at": None,
        "cancellation_reason": None,
        "cancellation_reason_comments": None,
        "expire_after_specific_number_of_charges": None,
        "created_at": "2026-03-01T09:30:00+00:00",
        "updated_at": "2026-11-01T09:30:00+00:00",
    }
    body.update(changes)
    return body


def cancelled_body(subscription_id: int = SUBSCRIPTION_ID) -> dict[str, Any]:
    return subscription_body(
        subscription_id,
        status="cancelled",
        next_charge_scheduled_at=None,
        has_queued_charges=False,
        cancelled_at="2026-11-23T10:15:00+00:00",
        cancellation_reason="too_much_product",
    )


def subscriptions_body(
    *subscriptions: dict[str, Any], next_cursor: str | None = None
) -> dict[str, Any]:
    return _page("subscriptions", subscriptions, next_cursor)


def charge_body(
    charge_id: int = CHARGE_ID,
    *items: int,
    scheduled_at: str = "2026-12-01T00:00:00",
    status: str = "queued",
) -> dict[str, Any]:
    return {
        "id": charge_id,
        "address_id": ADDRESS_ID,
        "customer": {"id": CUSTOMER_ID, "email": EMAIL},
        "scheduled_at": scheduled_at,
        "status": status,
        "total_price": "49.00",
        "currency": "USD",
        "line_items": [
            {
                "purchase_item_id": item,
                "purchase_item_type": "subscription",
                "quantity": 2,
                "title": "Cold brew concentrate",
                "price": "24.50",
            }
            for item in (items or (SUBSCRIPTION_ID,))
        ],
    }


def charges_body(*charges: dict[str, Any], next_cursor: str | None = None) -> dict[str, Any]:
    return _page("charges", charges, next_cursor)


def _page(key: str, items: Any, next_cursor: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {key: list(items), "previous_cursor": None}
    # Recharge leaves next_cursor out (or null) on the last page.
    if next_cursor is not None:
        body["next_cursor"] = next_cursor
    return body
