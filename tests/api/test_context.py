"""Context endpoints: fan-out across connections, single orders, manual lookup by name."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from action_gateway.config import GatewayConfig
from action_gateway.errors import UpstreamAuthFailed
from tests.fakes import FakeAdapter, fake_connection, make_customer, make_order
from tests.helpers import running_app


def _adapter_with_ava() -> FakeAdapter:
    adapter = FakeAdapter()
    adapter.customers["501"] = make_customer("501")
    adapter.orders["1001"] = make_order("1001", financial_status="paid")
    adapter.orders["1002"] = make_order("1002", financial_status="pending")
    return adapter


@asynccontextmanager
async def _app_with_ava() -> AsyncIterator[httpx.AsyncClient]:
    """The app with one connection, "good", whose fake platform knows Ava and her orders."""
    config = GatewayConfig(connections=[fake_connection("good")])
    async with running_app(config, adapters={"good": _adapter_with_ava()}) as (client, _):
        yield client


async def test_one_failing_and_one_slow_connection_do_not_fail_the_answer() -> None:
    healthy = _adapter_with_ava()
    failing = FakeAdapter(fail_with=UpstreamAuthFailed("The platform refused the token."))
    slow = FakeAdapter(delay=5.0)
    config = GatewayConfig(
        deadline_seconds=0.5,
        connections=[fake_connection("good"), fake_connection("bad"), fake_connection("slow")],
    )
    adapters = {"good": healthy, "bad": failing, "slow": slow}
    async with running_app(config, adapters=adapters) as (client, _):
        started = time.monotonic()
        response = await client.get("/v1/customers", params={"email": "ava@example.com"})
        elapsed = time.monotonic() - started

    assert response.status_code == 200
    results = {r["connection"]: r for r in response.json()["results"]}
    assert results["good"]["status"] == "ok"
    customer = results["good"]["customers"][0]
    assert customer["available_actions"] == ["create_discount_code", "issue_store_credit"]
    orders = {o["name"]: o for o in customer["orders"]}
    assert orders["#1001"]["available_actions"] == [
        "cancel_and_refund_order",
        "refund_order",
        "edit_order_note",
    ]
    assert orders["#1002"]["available_actions"] == ["cancel_order", "edit_order_note"]
    denied = {d["action"]: d for d in orders["#1002"]["eligibility"]["decisions"]}
    assert denied["refund_order"]["allowed"] is False
    assert results["bad"]["status"] == "error"
    assert results["bad"]["error"]["code"] == "upstream_auth_failed"
    assert results["slow"]["status"] == "error"
    assert results["slow"]["error"]["code"] == "deadline_exceeded"
    assert elapsed < 2.0  # the slow connection was cut at its deadline, concurrently


async def test_customer_lookup_needs_email_or_phone() -> None:
    async with _app_with_ava() as client:
        response = await client.get("/v1/customers")
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_order_by_id_and_by_name() -> None:
    async with _app_with_ava() as client:
        by_id = await client.get("/v1/connections/good/orders/1001")
        by_name = await client.get("/v1/connections/good/orders", params={"name": "1002"})
        missing = await client.get("/v1/connections/good/orders/4040")
        no_connection = await client.get("/v1/connections/nope/orders/1001")

    assert by_id.status_code == 200
    assert by_id.json()["name"] == "#1001"
    assert by_id.json()["connection"] == "good"
    assert by_name.json()["id"] == "1002"
    assert missing.status_code == 404
    assert missing.json()["code"] == "order_not_found"
    assert no_connection.json()["code"] == "connection_not_found"
