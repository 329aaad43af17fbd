"""A respx-backed stand-in for the GraphQL Admin endpoint, and Shopify-shaped bodies."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import respx

from action_gateway.config import ConnectionConfig
from action_gateway.platforms.shopify import ShopifyAdapter, ShopifyClient
from tests.platforms.kit import AdapterKit, QueueStub, connection_config
from tests.platforms.kit import Sleeps as Sleeps
from tests.platforms.kit import policy as policy

PAYLOADS = Path(__file__).parent / "payloads"
SHOP = "acme.myshopify.com"
TOKEN = "shpat_0123456789abcdef0123456789abcdef"
ENDPOINT = f"https://{SHOP}/admin/api/2026-07/graphql.json"
NOW = datetime(2026, 11, 23, 10, 15, tzinfo=UTC)

Reply = httpx.Response | Exception | dict[str, Any]


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def connection(api_version: str = "2026-07") -> ConnectionConfig:
    return connection_config(
        "acme",
        "shopify",
        TOKEN,
        token_env="ACME_SHOPIFY_TOKEN",
        shop=SHOP,
        api_version=api_version,
    )


def endpoint(api_version: str) -> str:
    return f"https://{SHOP}/admin/api/{api_version}/graphql.json"


def cost(requested: int = 10) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": 1990,
                "restoreRate": 100.0,
            },
        }
    }


def data(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        200, json={"data": body, "extensions": cost()}, headers={"X-Request-Id": "req-ok"}
    )


def throttled(
    requested: int = 70, available: int = 66, restore_rate: float = 50.0
) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": None,
                    "throttleStatus": {
                        "maximumAvailable": 1000.0,
                        "currentlyAvailable": available,
                        "restoreRate": restore_rate,
                    },
                }
            },
        },
    )


def top_level_errors(*errors: dict[str, Any], data: Any = None) -> httpx.Response:
    return httpx.Response(200, json={"errors": list(errors), "data": data})


class ShopifyStub(QueueStub):
    """Answers each operationName from its own queue of replies and records what was sent.

    A queued dict is the ``data`` of a successful answer.
    """

    def __init__(self, router: respx.MockRouter, url: str = ENDPOINT) -> None:
        super().__init__(router.post(url))
        self.replies: defaultdict[str, deque[Reply]] = defaultdict(deque)

    def reply(self, operation: str, *replies: Reply) -> None:
        self.replies[operation].extend(replies)

    def reply_to_refund(self, *refund_create: Reply) -> None:
        """The multi-gateway order's suggested refund, then ``refund_create`` to the mutation."""
        self.reply("SuggestedRefund", {"order": payload("suggested_refund_multi_gateway.json")})
        self.reply("RefundCreate", *refund_create)

    def bodies(self, operation: str | None = None) -> list[dict[str, Any]]:
        bodies = [json.loads(request.content) for request in self.requests]
        return [b for b in bodies if operation is None or b["operationName"] == operation]

    def operations(self) -> list[str]:
        return [body["operationName"] for body in self.bodies()]

    def _queue(self, request: httpx.Request) -> deque[Reply]:
        operation = json.loads(request.content)["operationName"]
        assert self.replies[operation], f"unexpected {operation} request"
        return self.replies[operation]

    def _respond(self, request: httpx.Request, reply: Any) -> httpx.Response:
        return data(reply) if isinstance(reply, dict) else reply


def _adapter(http: httpx.AsyncClient, sleeps: Sleeps) -> ShopifyAdapter:
    client = ShopifyClient(connection(), http, policy=policy(sleeps))
    return ShopifyAdapter(client, clock=lambda: NOW, sleep=sleeps)


KIT = AdapterKit(stub=ShopifyStub, adapter=_adapter)


def order_node(**changes: Any) -> dict[str, Any]:
    node: dict[str, Any] = payload("order.json")
    node.update(changes)
    return node


def customer_node(customer_id: int = 7001, email: str = "bo@example.com") -> dict[str, Any]:
    return {
        "id": f"gid://shopify/Customer/{customer_id}",
        "legacyResourceId": str(customer_id),
        "displayName": "Bo Wang",
        "numberOfOrders": "3",
        "defaultEmailAddress": {"emailAddress": email},
        "defaultPhoneNumber": {"phoneNumber": "+16135551234"},
    }


END_CURSOR = "eyJsYXN0X2lkIjo1NTAwMDAxMDAxfQ=="


def customer_with_orders(customer_id: int = 7001, email: str = "bo@example.com") -> dict[str, Any]:
    summary = {key: value for key, value in order_node().items() if key != "lineItems"}
    return {
        **customer_node(customer_id, email),
        "orders": {"pageInfo": {"hasNextPage": True, "endCursor": END_CURSOR}, "nodes": [summary]},
    }
