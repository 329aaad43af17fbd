"""Magento's error bodies rendered as Magento renders them, and its statuses in the gateway's
family (through the simulator's own answers)."""

from __future__ import annotations

import pytest

from action_gateway.errors import NotFound, Outcome, UpstreamAuthFailed, UpstreamError
from action_gateway.platforms.magento import MagentoAdapter
from action_gateway.platforms.magento.client import platform_messages, render_phrase
from action_gateway_sandbox.magento import MagentoSimulator
from tests.platforms.magento.helpers import Recorded, adapter_on, call, magento_connection


@pytest.mark.parametrize(
    ("message", "parameters", "rendered"),
    [
        ("%1 already exists.", ["Coupon"], "Coupon already exists."),
        ("Cannot access %resources.", {"resources": "Magento_Sales::sales"},
         "Cannot access Magento_Sales::sales."),
        ("%1 and %10", [str(i) for i in range(1, 11)], "1 and 10"),
        ("No %fieldName here", None, "No %fieldName here"),
        ("Left %2 alone", ["one"], "Left %2 alone"),
    ],
)  # fmt: skip
def test_placeholders_are_filled_as_magento_does(
    message: str, parameters: object, rendered: str
) -> None:
    assert render_phrase(message, parameters) == rendered


def test_every_message_of_a_body_travels() -> None:
    body = {
        "message": "Invalid product data: %1",
        "parameters": ["Invalid attribute set entity type"],
        "errors": [{"message": '"%fieldName" is required.', "parameters": {"fieldName": "sku"}}],
    }
    assert [m.message for m in platform_messages(body)] == [
        "Invalid product data: Invalid attribute set entity type",
        '"sku" is required.',
    ]


async def test_401_is_an_auth_failure_naming_the_missing_resource(sim: MagentoSimulator) -> None:
    wrong = adapter_on(
        MagentoSimulator(
            consumer_key="consumer-key",
            consumer_secret="other",
            access_token="access-token",
            access_token_secret="token-secret",
        ),
        magento_connection(),
    )[0]
    with pytest.raises(UpstreamAuthFailed) as refused:
        await wrong.get_order("1", call=call())
    assert "Magento_Sales::sales" in str(refused.value.detail)


async def test_404_of_an_entity_is_none_for_a_read(magento: MagentoAdapter) -> None:
    assert await magento.get_customer("404", call=call()) is None


async def test_a_masked_500_is_retried_for_a_read_with_a_fresh_signature(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    sim.faults.http_status(503, operation="GetV1OrdersId")
    assert await magento.get_order("1", call=call()) is not None
    first, second = (r.headers["Authorization"] for r in recorded.sent)
    assert first != second  # Magento refuses a nonce it has seen: each attempt signs anew


async def test_a_500_on_a_write_is_not_resent(
    magento: MagentoAdapter, sim: MagentoSimulator, recorded: Recorded
) -> None:
    sim.faults.http_status(500, operation="PostV1OrdersIdCancel")
    order = await magento.get_order("1", call=call())
    assert order is not None
    with pytest.raises(UpstreamError) as failed:
        await magento._cancel(order, sim.store.orders[1], call())
    assert failed.value.extensions["outcome"] is Outcome.UNKNOWN
    assert "Report ID: webapi-" in str(failed.value.detail)
    assert sum(op.endswith("/cancel") for op in recorded.operations()) == 1


async def test_an_unknown_order_is_not_found_for_an_action(magento: MagentoAdapter) -> None:
    order = await magento.get_order("1", call=call())
    assert order is not None
    with pytest.raises(NotFound):
        await magento._fresh(order.model_copy(update={"platform_id": "999"}), call())
