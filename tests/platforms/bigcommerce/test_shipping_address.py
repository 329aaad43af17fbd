"""update_shipping_address on BigCommerce: PUT /v2/orders/{id}/shipping_addresses/{id} (requests
and answers held to the Orders V2 spec by the stub), re-read after a lost answer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from action_gateway.domain.models import UpdateShippingAddressInput
from action_gateway.errors import NotEligible, Outcome, PlatformRejected, UpstreamUnavailable
from action_gateway.platforms.bigcommerce import BigCommerceAdapter
from action_gateway.platforms.bigcommerce.endpoints import (
    GET_ORDER_SHIPPING_ADDRESS,
    LIST_ORDER_SHIPPING_ADDRESSES,
    UPDATE_ORDER_SHIPPING_ADDRESS,
)
from action_gateway.platforms.bigcommerce.mapping import from_bigcommerce_order
from tests.platforms.bigcommerce.helpers import (
    ADDRESS_ID,
    BigCommerceStub,
    address_body,
    call,
    ok,
    order_body,
    v2_error,
)
from tests.platforms.kit import LOST_IN_TRANSIT

NEW = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "12 George Street",
    "city": "Sydney",
    "province_code": "NSW",
    "postal_code": "2000",
    "country_code": "AU",
}
SENT = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "company": "",
    "street_1": "12 George Street",
    "street_2": "",
    "city": "Sydney",
    "state": "New South Wales",  # BigCommerce takes the province's name
    "zip": "2000",
    "country": "Australia",
    "country_iso2": "AU",
    "phone": "",
}
KEPT = address_body(**{k: v for k, v in SENT.items() if k != "country"}, country="Australia")


async def update(adapter: BigCommerceAdapter) -> Any:
    order = from_bigcommerce_order(order_body())
    data = UpdateShippingAddressInput(address=NEW)
    return await adapter.update_shipping_address(order, data, call=call())


async def test_puts_the_whole_address_on_the_orders_one_address(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body(street_1="1 Old Road")]))
    stub.reply(UPDATE_ORDER_SHIPPING_ADDRESS, ok(KEPT))
    outcome = await update(adapter)
    assert stub.calls() == [
        "GET /v2/orders/120/shipping_addresses",
        f"PUT /v2/orders/120/shipping_addresses/{ADDRESS_ID}",
    ]
    assert stub.bodies(UPDATE_ORDER_SHIPPING_ADDRESS) == [SENT]
    change = outcome.shipping_address
    assert change.before.address1 == "1 Old Road"
    assert change.after.province_code == "NSW"
    assert change.after.country_code == "AU"


async def test_no_address_or_several_are_refused_before_anything_is_sent(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([]))
    with pytest.raises(NotEligible, match="no shipping address"):
        await update(adapter)
    two = [address_body(), address_body(id=ADDRESS_ID + 1)]
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok(two))
    with pytest.raises(NotEligible, match="ships to 2 addresses"):
        await update(adapter)
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body(items_shipped=1)]))
    with pytest.raises(NotEligible, match="shipped"):
        await update(adapter)
    assert stub.sent(UPDATE_ORDER_SHIPPING_ADDRESS) == []


async def test_a_400_reaches_the_caller_verbatim(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    message = (
        "The field 'item_total' cannot be written to. Please remove it from your request "
        "before trying again."
    )
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
    stub.reply(UPDATE_ORDER_SHIPPING_ADDRESS, v2_error(400, message))
    with pytest.raises(PlatformRejected) as caught:
        await update(adapter)
    assert caught.value.extensions["platform_errors"][0].message == message


@pytest.mark.parametrize("lost", LOST_IN_TRANSIT)
async def test_lost_answer_re_read_shows_the_new_address(
    adapter: BigCommerceAdapter, stub: BigCommerceStub, lost: Any
) -> None:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
    stub.reply(UPDATE_ORDER_SHIPPING_ADDRESS, lost)
    stub.reply(GET_ORDER_SHIPPING_ADDRESS, ok(KEPT))
    outcome = await update(adapter)
    assert outcome.shipping_address.after.address1 == "12 George Street"
    assert "re-reading the address shows the new one" in outcome.messages[0]
    assert len(stub.sent(UPDATE_ORDER_SHIPPING_ADDRESS)) == 1  # never re-sent


async def test_lost_answer_re_read_shows_the_old_address(
    adapter: BigCommerceAdapter, stub: BigCommerceStub
) -> None:
    stub.reply(LIST_ORDER_SHIPPING_ADDRESSES, ok([address_body()]))
    stub.reply(UPDATE_ORDER_SHIPPING_ADDRESS, httpx.ReadTimeout("timed out"))
    stub.reply(GET_ORDER_SHIPPING_ADDRESS, ok(address_body()))
    with pytest.raises(UpstreamUnavailable, match="it was not changed") as caught:
        await update(adapter)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED
    assert len(stub.sent(UPDATE_ORDER_SHIPPING_ADDRESS)) == 1
