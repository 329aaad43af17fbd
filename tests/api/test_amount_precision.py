"""Money never moves finer than its currency: amount_precision before anything is sent."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.connections import Sandbox
from tests.helpers import running_sandbox

SHOPIFY, BIGCOMMERCE = "sandbox-shopify", "sandbox-bigcommerce"


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    async with running_sandbox() as (client, sandbox):
        yield client, sandbox


def _money_writes(sandbox: Sandbox, connection: str) -> list[Any]:
    simulator = sandbox.simulators[connection]
    moving = {"refundCreate", "discountCodeBasicCreate", "refund", "promotion.create"}
    return [entry for entry in simulator.ledger if entry.operation in moving]


def _partial_refund(connection: str, order_id: str, **input_: str) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": "partial_refund_order",
        "target": {"order_id": order_id},
        "input": {"reason": "customer", **input_},
    }


async def _execute(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )


@pytest.mark.parametrize(
    ("connection", "order_id", "input_", "currency", "field"),
    [
        (SHOPIFY, "5500001004", {"amount": "1.005"}, "USD", "amount"),
        (BIGCOMMERCE, "102", {"amount": "0.123456"}, "USD", "amount"),
        (SHOPIFY, "5500001004", {"shipping_amount": "0.999"}, "USD", "shipping_amount"),
        (SHOPIFY, "5500001030", {"amount": "1.005"}, "EUR", "amount"),  # presented in EUR
    ],
)
@pytest.mark.parametrize("dry_run", [True, False])
async def test_refund_finer_than_the_currency_is_refused_and_nothing_is_sent(
    gateway: tuple[httpx.AsyncClient, Sandbox],
    connection: str,
    order_id: str,
    input_: dict[str, str],
    currency: str,
    field: str,
    dry_run: bool,
) -> None:
    client, sandbox = gateway
    body = {**_partial_refund(connection, order_id, **input_), "dry_run": dry_run}
    response = await _execute(client, body)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "amount_precision"
    assert problem["currency"] == currency
    assert problem["allowed_decimals"] == 2
    assert f"{currency} amounts take at most 2 decimals" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "input", field]
    assert _money_writes(sandbox, connection) == []


@pytest.mark.parametrize(("connection", "customer_id"), [(SHOPIFY, "7410001"), (BIGCOMMERCE, "1")])
@pytest.mark.parametrize("dry_run", [True, False])
async def test_fixed_discount_finer_than_the_store_currency_is_refused(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, customer_id: str, dry_run: bool
) -> None:
    client, sandbox = gateway
    body = {
        "connection": connection,
        "action": "create_discount_code",
        "target": {"customer_id": customer_id},
        "input": {"code": "SORRY1", "type": "fixed_amount", "value": "10.005", "expiry": "never"},
        "dry_run": dry_run,
    }
    response = await _execute(client, body)

    assert response.status_code == 422, response.text
    assert response.json()["code"] == "amount_precision"
    assert response.json()["currency"] == "USD"
    assert response.json()["errors"][0]["loc"] == ["body", "input", "value"]
    assert _money_writes(sandbox, connection) == []
    # A percentage is not money: three decimals of a percent pass the check.
    percent = {**body, "input": {**body["input"], "type": "percentage", "value": "10.005"}}
    response = await _execute(client, percent)
    assert response.status_code == 200, response.text


async def test_refund_within_the_currency_still_goes_through(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    response = await _execute(client, _partial_refund(SHOPIFY, "5500001004", amount="1.50"))

    assert response.status_code == 200, response.text
    assert response.json()["refund"]["total"] == {"amount": "1.50", "currency": "USD"}
    [entry] = _money_writes(sandbox, SHOPIFY)
    assert entry.amount == 1.5
