"""update_shipping_address on Shopify: orderUpdate(shippingAddress:) with the whole address, and
an ambiguous failure settled by re-reading the address (never re-sent)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from action_gateway.domain.models import UpdateShippingAddressInput
from action_gateway.errors import Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify import ShopifyAdapter
from tests.platforms.kit import LOST_IN_TRANSIT
from tests.platforms.shopify.helpers import ShopifyStub
from tests.platforms.shopify.test_adapter import ORDER_GID, an_order

NEW = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "190 MacLaren",
    "address2": "Suite 200",
    "city": "Sudbury",
    "province_code": "on",
    "postal_code": "K2P0V6",
    "country_code": "ca",
    "phone": "+16135552222",
}
SENT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "company": None,
    "address1": "190 MacLaren",
    "address2": "Suite 200",
    "city": "Sudbury",
    "provinceCode": "ON",
    "countryCode": "CA",
    "zip": "K2P0V6",
    "phone": "+16135552222",
}
# Shopify formats the ZIP its way ("K2P 0V6") and names the province.
KEPT = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "company": None,
    "address1": "190 MacLaren",
    "address2": "Suite 200",
    "city": "Sudbury",
    "province": "Ontario",
    "provinceCode": "ON",
    "countryCodeV2": "CA",
    "zip": "K2P 0V6",
    "phone": "+16135552222",
}
OLD = {**KEPT, "address1": "1 Old Road", "address2": None, "zip": "K1A 0B1"}


def call() -> ActionCall:
    return ActionCall.within(15.0, idempotency_key="idem-address")


def updated(address: dict[str, Any]) -> dict[str, Any]:
    return {
        "orderUpdate": {"order": {"id": ORDER_GID, "shippingAddress": address}, "userErrors": []}
    }


def read(address: dict[str, Any] | None) -> dict[str, Any]:
    return {"order": {"id": ORDER_GID, "shippingAddress": address}}


async def update(adapter: ShopifyAdapter) -> Any:
    data = UpdateShippingAddressInput(address=NEW, reason="Customer moved")
    return await adapter.update_shipping_address(an_order(), data, call=call())


async def test_sends_the_whole_address_and_answers_before_and_after(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderShippingAddressUpdate", updated(KEPT))
    outcome = await update(adapter)
    assert outcome.status == "succeeded"
    [body] = stub.bodies("OrderShippingAddressUpdate")
    assert body["variables"] == {"input": {"id": ORDER_GID, "shippingAddress": SENT}}
    change = outcome.shipping_address
    assert change.after.postal_code == "K2P 0V6"
    assert change.after.province == "Ontario"
    assert change.before == an_order().shipping_address
    assert outcome.messages == []


async def test_user_errors_reach_the_caller_verbatim(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    errors = [
        {"field": ["shippingAddress", "lastName"], "message": "Enter a last name"},
        {"field": ["shippingAddress", "zip"], "message": "Enter a ZIP code"},
    ]
    stub.reply("OrderShippingAddressUpdate", {"orderUpdate": {"order": None, "userErrors": errors}})
    with pytest.raises(PlatformRejected, match="Enter a last name; Enter a ZIP code") as caught:
        await update(adapter)
    assert [e.field for e in caught.value.extensions["platform_errors"]] == [
        ["shippingAddress", "lastName"],
        ["shippingAddress", "zip"],
    ]


@pytest.mark.parametrize("lost", LOST_IN_TRANSIT)
async def test_lost_answer_re_read_shows_the_new_address(
    adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
) -> None:
    stub.reply("OrderShippingAddressUpdate", lost)
    stub.reply("OrderShippingAddress", read(KEPT))
    outcome = await update(adapter)
    assert outcome.shipping_address.after.address1 == "190 MacLaren"
    assert "re-reading the order shows the new address" in outcome.messages[0]
    assert stub.operations() == ["OrderShippingAddressUpdate", "OrderShippingAddress"]


@pytest.mark.parametrize("lost", LOST_IN_TRANSIT)
async def test_lost_answer_re_read_shows_the_old_address(
    adapter: ShopifyAdapter, stub: ShopifyStub, lost: Any
) -> None:
    stub.reply("OrderShippingAddressUpdate", lost)
    stub.reply("OrderShippingAddress", read(OLD))
    with pytest.raises(UpstreamUnavailable, match="it was not changed") as caught:
        await update(adapter)
    # Told by the re-read; the flow still answers unknown once a write may have run.
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert stub.operations().count("OrderShippingAddressUpdate") == 1


async def test_lost_answer_and_a_failed_re_read_stay_unknown(
    adapter: ShopifyAdapter, stub: ShopifyStub
) -> None:
    stub.reply("OrderShippingAddressUpdate", httpx.ReadTimeout("timed out"))
    stub.reply("OrderShippingAddress", *[httpx.Response(503)] * 4)
    with pytest.raises(UpstreamUnavailable) as caught:
        await update(adapter)
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
    assert stub.operations().count("OrderShippingAddressUpdate") == 1
