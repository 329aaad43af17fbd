"""Partial refunds through the API: preview, the refundable ceiling, timeline events."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from action_gateway.domain.models import LineItem, Money
from tests.fakes import FakeAdapter, FakePartialRefundAdapter, make_order


def partial(**input_: Any) -> dict[str, Any]:
    return {
        "connection": "acme",
        "action": "partial_refund_order",
        "target": {"order_id": "1001"},
        "input": {"reason": "customer", **input_},
    }


@pytest.fixture
def adapter() -> FakeAdapter:
    fake = FakePartialRefundAdapter()
    order = make_order("1001", total="54.20")
    lines = [
        LineItem(id="11", name="Beanie", quantity=1, refundable_quantity=1,
                 unit_price=Money.of("28", "USD")),
        LineItem(id="12", name="Socks", quantity=2, refundable_quantity=1,
                 unit_price=Money.of("7", "USD")),
    ]  # fmt: skip
    fake.orders["1001"] = order.model_copy(update={"line_items": lines})
    return fake


async def test_preview_shows_the_platform_calculation_and_executes_nothing(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    body = {**partial(line_items=[{"line_item_id": "11", "quantity": 1}], amount="12.50")}
    response = await client.post("/v1/actions/preview", json=body)

    assert response.status_code == 200, response.text
    refund = response.json()["refund"]
    assert refund["total"] == {"amount": "12.50", "currency": "USD"}
    assert refund["maximum_refundable"] == {"amount": "54.20", "currency": "USD"}
    assert adapter.calls == []


@pytest.mark.parametrize(
    ("input_", "where"),
    [
        ({"amount": "54.21"}, "amount"),
        ({"shipping_amount": "5.01"}, "shipping_amount"),
        ({"line_items": [{"line_item_id": "12", "quantity": 2}]}, "quantity"),
    ],
)
async def test_above_refundable_is_refused_before_anything_is_sent(
    client: httpx.AsyncClient, adapter: FakeAdapter, input_: dict[str, Any], where: str
) -> None:
    for dry_run in (True, False):
        response = await client.post(
            "/v1/actions",
            json={**partial(**input_), "dry_run": dry_run},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "refund_exceeds_refundable"
        assert any(where in ".".join(e["loc"]) for e in problem["errors"]), problem
    assert adapter.calls == []


async def test_unknown_line_item_is_a_validation_error(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/actions/preview", json=partial(line_items=[{"line_item_id": "99", "quantity": 1}])
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_nothing_to_refund_is_rejected_by_the_schema(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/actions/preview", json=partial())
    assert response.status_code == 422
    assert "line items, a shipping amount or an amount" in response.json()["detail"]


async def test_partial_refund_executes_once_with_a_timeline_event(
    client: httpx.AsyncClient, adapter: FakeAdapter
) -> None:
    response = await client.post(
        "/v1/actions",
        json=partial(shipping_amount="5.00", notify_customer=True),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 200, response.text
    event = response.json()["timeline_event"]
    assert event["type"] == "order.partially_refunded"
    assert (
        event["summary"]
        == "Refunded $5.00 on order #1001; reason: customer request; customer notified."
    )
    assert adapter.calls == [("partial_refund", "1001")]
