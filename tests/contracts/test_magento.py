"""Every request the Magento adapter sends, and every answer of the sandbox's Magento simulator,
checked against Adobe's Admin REST schema 2.4.9 (Swagger 2.0); and the check itself fails on
wrong shapes."""

from __future__ import annotations

from typing import Any

import pytest

from action_gateway.domain import models
from action_gateway.errors import GatewayError
from action_gateway.platforms.magento import endpoints
from action_gateway.platforms.magento.adapter import MagentoAdapter
from action_gateway.platforms.magento.settings import MagentoAuth
from action_gateway_sandbox.magento import MagentoSimulator
from tests.contracts.magento import validate_exchange, validate_request, validate_response
from tests.platforms.magento.helpers import (
    NEW_ADDRESS,
    adapter_on,
    call,
    magento_connection,
    simulator,
)

BASE = "https://shop.example.com/rest/default"
REFUND = models.RefundOrderInput(reason="customer")


async def _every_operation(magento: MagentoAdapter, sim: MagentoSimulator) -> None:
    """Reads, every action, and the refusals and lost answers that take other paths."""
    await magento.find_customers(
        email="jane@example.com", phone="+14155550101", orders_limit=5, call=call()
    )
    await magento.list_customer_orders("1", limit=2, cursor="2", call=call())
    await magento.find_order_by_name("000000006", call=call())
    assert await magento.get_order("999", call=call()) is None  # a 404
    orders = {i: await magento.get_order(str(i), call=call()) for i in (1, 3, 4, 6, 9, 13, 14)}
    assert all(orders.values())
    await magento.cancel_order(
        orders[1], models.CancelOrderInput(reason="customer"), refund=False, call=call()
    )  # type: ignore[arg-type]
    with pytest.raises(GatewayError):  # 200 false
        await magento._cancel(orders[9], sim.store.orders[9], call())  # type: ignore[arg-type]
    await magento.cancel_order(
        orders[13], models.CancelOrderInput(reason="customer"), refund=True, call=call()
    )  # type: ignore[arg-type]
    await magento.refund_order(orders[3], REFUND, call=call())  # type: ignore[arg-type]
    await magento.refund_order(orders[4], REFUND, call=call())  # type: ignore[arg-type]
    partial = models.PartialRefundOrderInput(
        reason="customer",
        line_items=[models.PartialRefundLineItem(line_item_id="601", quantity=1, restock=True)],
        shipping_amount="1",
    )
    await magento.partial_refund_order(orders[6], partial, call=call())  # type: ignore[arg-type]
    sim.store.orders[6]["state"] = sim.store.orders[6]["status"] = "holded"
    with pytest.raises(GatewayError):  # a credit memo validation error
        await magento.refund_order(orders[6], REFUND, call=call())  # type: ignore[arg-type]
    sim.faults.drop_after(operation="PostV1OrdersIdComments")
    await magento.edit_order_note(orders[14], models.EditOrderNoteInput(note="n"), call=call())  # type: ignore[arg-type]
    customer = await magento.get_customer("1", call=call())
    assert customer is not None
    assert await magento.get_customer("77", call=call()) is None
    code = models.CreateDiscountCodeInput(
        code="SORRY10", type="percentage", value="10", expiry="1_month"
    )
    await magento.create_discount_code(customer, code, call=call())
    with pytest.raises(GatewayError):  # the code is taken: the rule is deleted again
        await _taken_coupon(magento, customer)
    await magento.discount_currency(call=call())
    await magento.update_shipping_address(orders[4], NEW_ADDRESS, call=call())  # type: ignore[arg-type]


async def _taken_coupon(magento: MagentoAdapter, customer: Any) -> None:
    """SORRY10 again, its look-up skipped: Magento's own 400 ("%1 already exists.") answers."""
    real = magento._search

    async def no_coupons(endpoint: Any, *args: Any, **kwargs: Any) -> Any:
        return [] if endpoint is endpoints.SEARCH_COUPONS else await real(endpoint, *args, **kwargs)

    magento._search = no_coupons  # type: ignore[method-assign]
    code = models.CreateDiscountCodeInput(
        code="SORRY10", type="fixed_amount", value="5", expiry="never"
    )
    await magento.create_discount_code(customer, code, call=call())


async def test_every_exchange_of_every_operation_follows_the_schema() -> None:
    sim = simulator()
    magento, recorded = adapter_on(sim, magento_connection())
    await _every_operation(magento, sim)
    for request, response in recorded.exchanges:
        validate_exchange(request, response)
    used = {f"{r.method} {r.url.path}" for r, _ in recorded.exchanges}
    for endpoint in vars(endpoints).values():
        if isinstance(endpoint, endpoints.Endpoint):
            template = endpoint.path.split("{")[0]
            assert any(u.startswith(f"{endpoint.method} /rest/default{template}") for u in used), (
                f"{endpoint.name} was never exercised"
            )
    statuses = {response.status_code for _, response in recorded.exchanges}
    assert {200, 400, 404} <= statuses


async def test_a_refused_signature_answers_the_schemas_401() -> None:
    sim = simulator()
    connection = magento_connection(
        auth=MagentoAuth.BEARER.value,
        consumer_key_env=None,
        consumer_secret_env=None,
        access_token_secret_env=None,
    )
    magento, recorded = adapter_on(sim, connection)  # bearer tokens are off by default
    with pytest.raises(GatewayError):
        await magento.get_order("1", call=call())
    (request, response), *_ = recorded.exchanges
    assert request.headers["Authorization"] == "Bearer access-token"
    assert response.status_code == 401
    validate_exchange(request, response)


class TestTheCheckItself:
    def test_an_unknown_path_fails(self) -> None:
        with pytest.raises(AssertionError, match="not in Magento's Admin schema"):
            validate_request("GET", f"{BASE}/V1/orders/1/refunds")

    def test_a_query_parameter_the_operation_lacks_fails(self) -> None:
        with pytest.raises(AssertionError, match="is not a parameter"):
            validate_request("GET", f"{BASE}/V1/orders?limit=5")

    def test_a_wrong_body_fails(self) -> None:
        with pytest.raises(AssertionError, match="breaks Magento's schema"):
            validate_request("POST", f"{BASE}/V1/order/4/refund", {"items": [{"order_item_id": 1}]})
        with pytest.raises(AssertionError, match="statusHistory"):
            validate_request("POST", f"{BASE}/V1/orders/4/comments", {"comment": "x"})

    def test_a_wrong_answer_fails(self) -> None:
        with pytest.raises(AssertionError, match="breaks Magento's schema"):
            validate_response("POST", f"{BASE}/V1/orders/4/cancel", 200, "true")
        with pytest.raises(AssertionError, match="'message' is a required property"):
            validate_response("GET", f"{BASE}/V1/orders/4", 404, {"error": "x"})

    def test_magentos_parameters_pass_as_a_list_or_an_object(self) -> None:
        validate_response(
            "POST",
            f"{BASE}/V1/coupons",
            400,
            {"message": "%1 already exists.", "parameters": ["Coupon"]},
        )
        validate_response(
            "GET",
            f"{BASE}/V1/orders",
            401,
            {"message": "x %resources", "parameters": {"resources": "r"}},
        )
