"""The toy platform itself, for the test: a store's JSON API over an in-memory dict.

Served through ``httpx.MockTransport`` in place of the network; it checks the host (the
connection's store code) and the token, as a real platform would.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.platforms.toy.adapter import TOKEN_HEADER

LOST_NOTE = "this answer is lost"
"""A note the store saves, then drops the connection before answering (an unknown outcome)."""


class ToyStore:
    def __init__(self, *, store_code: str, token: str) -> None:
        self.host = f"{store_code}.toy.test"
        self.token = token
        self.customers = {"c1": {"id": "c1", "name": "Ava Lindqvist", "email": "ava@example.com"}}
        self.orders: dict[str, dict[str, Any]] = {
            "T-1": {
                "id": "T-1",
                "customer": "c1",
                "fulfillment": "unfulfilled",
                "total": "12.50",
                "currency": "EUR",
                "note": None,
            },
            "T-2": {
                "id": "T-2",
                "customer": "c1",
                "fulfillment": "fulfilled",
                "total": "30.00",
                "currency": "EUR",
                "note": "gift",
            },
        }

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != self.host or request.headers.get(TOKEN_HEADER) != self.token:
            return httpx.Response(401)
        path = request.url.path.strip("/").split("/")
        if request.method == "PUT" and path[0] == "orders" and path[2:] == ["note"]:
            order = self.orders[path[1]]
            order["note"] = json.loads(request.content)["note"]
            if order["note"] == LOST_NOTE:
                raise httpx.ReadTimeout("the toy store saved the note and went quiet")
            return httpx.Response(200, json=order)
        if path == ["customers"]:
            email = request.url.params.get("email")
            return httpx.Response(
                200, json=[c for c in self.customers.values() if c["email"] == email]
            )
        if path[0] == "customers" and path[1] in self.customers:
            if path[2:] == ["orders"]:
                mine = [o for o in self.orders.values() if o["customer"] == path[1]]
                return httpx.Response(200, json=mine)
            return httpx.Response(200, json=self.customers[path[1]])
        if path[0] == "orders" and path[1] in self.orders:
            return httpx.Response(200, json=self.orders[path[1]])
        return httpx.Response(404)
