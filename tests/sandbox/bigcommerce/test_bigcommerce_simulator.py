"""The BigCommerce simulator through HTTP, as the adapter sees it.

Every request sent through `client` and every response of `client` and `raw` is validated
against BigCommerce's published OpenAPI files (see tests/contracts/bigcommerce.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.bigcommerce import (
    SEED_ORDERS,
    STATUS_NAMES,
    BigCommerceSimulator,
    seed_table,
)
from tests.contracts.bigcommerce import validate_httpx_request, validate_response
from tests.contracts.hooks import contract_checked_client
from tests.sandbox.faults import (
    assert_drop_before_does_not_execute,
    assert_seeded_faults_reproducible,
)

TOKEN = "bc-test-token"
BASE = "https://api.bigcommerce.com/stores/sandbox"
HEADERS = {"X-Auth-Token": TOKEN, "Accept": "application/json"}
QUOTES = "/v3/orders/{}/payment_actions/refund_quotes"
REFUNDS = "/v3/orders/{}/payment_actions/refunds"


def _checked(sim: BigCommerceSimulator, *, requests: bool) -> httpx.AsyncClient:
    return contract_checked_client(
        sim.transport(),
        BASE,
        HEADERS,
        validate_request=validate_httpx_request if requests else None,
        validate_response=validate_response,
        empty_bodies=True,
    )


@pytest.fixture
def sim() -> BigCommerceSimulator:
    return BigCommerceSimulator(access_token=TOKEN)


@pytest.fixture
async def client(sim: BigCommerceSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with _checked(sim, requests=True) as c:
        yield c


@pytest.fixture
async def raw(sim: BigCommerceSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """For requests the spec itself refuses: only the responses are validated."""
    async with _checked(sim, requests=False) as c:
        yield c


@pytest.fixture
async def bare(sim: BigCommerceSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """For paths and methods no spec has (unknown store, 405)."""
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE, headers=HEADERS) as c:
        yield c


async def order(client: httpx.AsyncClient, order_id: int) -> dict[str, Any]:
    response = await client.get(f"/v2/orders/{order_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def products(client: httpx.AsyncClient, order_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/v2/orders/{order_id}/products")
    assert response.status_code == 200
    body: list[dict[str, Any]] = response.json()
    return body


async def quote(client: httpx.AsyncClient, order_id: int, items: list[dict[str, Any]]) -> Any:
    return await client.post(QUOTES.format(order_id), json={"items": items})


async def quoted_refund(
    client: httpx.AsyncClient, order_id: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    """A refund of ``items``, paid back the first way the order's refund quote offers."""
    data = (await quote(client, order_id, items)).json()["data"]
    return {"items": items, "payments": method_payments(data["refund_methods"][0])}


def product_items(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "item_type": "PRODUCT",
            "item_id": p["id"],
            "quantity": p["quantity"] - p["quantity_refunded"],
        }
        for p in lines
        if p["quantity"] > p["quantity_refunded"]
    ]


def method_payments(method: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"provider_id": o["provider_id"], "amount": o["amount"], "offline": o["offline"]}
        for o in method
    ]


# -- protocol -----------------------------------------------------------------------------------


async def test_auth_store_path_method_and_content_type(
    raw: httpx.AsyncClient, bare: httpx.AsyncClient
) -> None:
    v2 = await raw.get("/v2/orders/100", headers={"X-Auth-Token": "wrong"})
    assert v2.status_code == 401
    assert v2.json()[0]["status"] == 401
    v3 = await raw.get("/v3/customers", headers={"X-Auth-Token": ""})
    assert (v3.status_code, v3.json()["status"]) == (401, 401)
    other = await bare.get("https://api.bigcommerce.com/stores/abc123/v2/orders")
    assert other.status_code == 404
    unknown = await bare.get("/v2/orders/100/nothing-here")
    assert unknown.status_code == 404
    assert (await bare.delete("/v2/orders/100/products")).status_code == 405
    form = await raw.put("/v2/orders/101", content=b"status_id=5",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert form.status_code == 415
    broken = await raw.put(
        "/v2/orders/101", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()[0]["status"] == 400


async def test_rate_limit_headers_and_429(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    first = await client.get("/v2/orders/100")
    assert first.headers["X-Rate-Limit-Time-Window-Ms"] == "30000"
    assert first.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert first.headers["X-Rate-Limit-Requests-Left"] == "149"
    assert 0 < int(first.headers["X-Rate-Limit-Time-Reset-Ms"]) <= 30000
    sim.rate_limit.left = 1
    assert (await client.get("/v2/orders/100")).status_code == 200
    limited = await client.put("/v2/orders/101", json={"status_id": 5})
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Requests-Left"] == "0"
    assert int(limited.headers["X-Rate-Limit-Time-Reset-Ms"]) > 0
    assert sim.ledger == []  # not executed
    sim.rate_limit.window_ms = 0  # the window elapses
    assert (await client.get("/v2/orders/100")).status_code == 200


# -- customers ----------------------------------------------------------------------------------


async def test_customers_filters_and_pagination(client: httpx.AsyncClient) -> None:
    by_email = await client.get(
        "/v3/customers", params={"email:in": "AVA.LINDQVIST@example.com,bo.wang@example.com"}
    )
    body = by_email.json()
    assert [c["id"] for c in body["data"]] == [1, 2]
    assert body["meta"]["pagination"]["total"] == 2
    by_phone = (await client.get("/v3/customers", params={"phone:in": "613-555-1234"})).json()
    assert [c["email"] for c in by_phone["data"]] == ["bo.wang@example.com"]
    # Phone matching is on the stored string: another format misses.
    assert (await client.get("/v3/customers", params={"phone:in": "6135551234"})).json()[
        "data"
    ] == []
    by_id = (
        await client.get("/v3/customers", params={"id:in": "3,4", "limit": 1, "page": 2})
    ).json()
    assert [c["id"] for c in by_id["data"]] == [4]
    assert by_id["meta"]["pagination"]["total_pages"] == 2
    credit = (
        await client.get("/v3/customers", params={"id:in": "1", "include": "storecredit"})
    ).json()
    assert credit["data"][0]["store_credit_amounts"] == [{"amount": 0.0}]


async def test_customers_bad_filters(raw: httpx.AsyncClient) -> None:
    bad = await raw.get("/v3/customers", params={"id:in": "1,x"})
    assert bad.status_code == 422
    assert set(bad.json()) >= {"status", "title", "type", "errors"}
    assert "id:in" in bad.json()["errors"]
    unknown = await raw.get("/v3/customers", params={"email": "ava.lindqvist@example.com"})
    assert unknown.status_code == 422


# -- orders -------------------------------------------------------------------------------------


def test_seed_has_every_status() -> None:
    assert {o.status_id for o in SEED_ORDERS} == set(range(15))
    assert any(o.customer_id == 0 for o in SEED_ORDERS)
    assert any(o.gateway.offline_provider for o in SEED_ORDERS)
    assert any(o.gateway.declines_refunds for o in SEED_ORDERS)
    assert len(seed_table()) == len(SEED_ORDERS)
    assert len({o.id for o in SEED_ORDERS}) == len(SEED_ORDERS)


async def test_seeded_orders_report_their_status(client: httpx.AsyncClient) -> None:
    for spec in SEED_ORDERS:
        body = await order(client, spec.id)
        assert (body["status_id"], body["status"]) == (spec.status_id, STATUS_NAMES[spec.status_id])
        assert body["customer_id"] == spec.customer_id
        assert body["currency_code"] == "USD"


async def test_list_orders_filters_sort_paging_and_204(client: httpx.AsyncClient) -> None:
    ava = (await client.get("/v2/orders", params={"customer_id": 1})).json()
    assert [o["id"] for o in ava] == [100, 101, 102, 103, 104]
    latest = await client.get(
        "/v2/orders", params={"customer_id": 1, "sort": "date_created:desc", "limit": 2, "page": 1}
    )
    assert [o["id"] for o in latest.json()] == [104, 103]
    guest = (await client.get("/v2/orders", params={"email": "sam.guest@example.com"})).json()
    assert [(o["id"], o["customer_id"]) for o in guest] == [(115, 0)]
    shipped = (await client.get("/v2/orders", params={"status_id": 2})).json()
    assert [o["id"] for o in shipped] == [102]
    window = (await client.get("/v2/orders", params={"min_id": 110, "max_id": 112})).json()
    assert [o["id"] for o in window] == [110, 111, 112]
    empty = await client.get("/v2/orders", params={"customer_id": 999})
    assert (empty.status_code, empty.content) == (204, b"")
    past = await client.get("/v2/orders", params={"customer_id": 1, "page": 9})
    assert past.status_code == 204


async def test_list_orders_bad_parameters(raw: httpx.AsyncClient) -> None:
    for params in ({"customer_id": "abc"}, {"sort": "total:desc"}, {"limit": 500}):
        response = await raw.get("/v2/orders", params=params)
        assert response.status_code == 400, params
        assert response.json()[0]["status"] == 400


async def test_order_products_addresses_and_404(client: httpx.AsyncClient) -> None:
    body = await order(client, 111)
    assert body["total_inc_tax"] == "96.5000"  # 32 + 2 x 28 + 6.50 shipping + 2.00 handling
    assert body["date_created"].endswith("+0000")
    lines = await products(client, 111)
    assert [(p["id"], p["quantity"], p["quantity_refunded"]) for p in lines] == [
        (1111, 1, 0),
        (1112, 2, 0),
    ]
    assert (lines[0]["sku"], lines[0]["price_inc_tax"]) == ("OCT-NVY-L", "32.0000")
    addresses = (await client.get("/v2/orders/111/shipping_addresses")).json()
    assert [(a["id"], a["cost_inc_tax"], a["handling_cost_inc_tax"]) for a in addresses] == [
        (1115, "6.5000", "2.0000")
    ]
    assert lines[0]["order_address_id"] == 1115
    missing = await client.get("/v2/orders/999")
    assert (missing.status_code, missing.json()) == (
        404,
        [{"status": 404, "message": "The requested resource was not found."}],
    )
    assert (await client.get("/v2/orders/999/products")).status_code == 404


async def test_update_status_returns_whole_order(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    response = await client.put(
        "/v2/orders/101", json={"status_id": 5, "staff_notes": "cancelled by agent"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status_id"], body["status"]) == (101, 5, "Cancelled")
    assert body["staff_notes"] == "cancelled by agent"
    assert body["payment_status"] == "pending"  # bookkeeping only: no money moved
    assert [(e.operation, e.order_id, e.status_id) for e in sim.ledger] == [
        ("order.update", 101, 5)
    ]


async def test_update_refuses_read_only_and_bad_fields(
    raw: httpx.AsyncClient, client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    status = await client.put("/v2/orders/101", json={"status": "Cancelled"})
    assert status.status_code == 400
    assert status.json() == [
        {"status": 400, "message": "The field 'status' is not supported by this resource."}
    ]
    custom = await raw.put("/v2/orders/101", json={"custom_status": "Gone"})
    assert (
        custom.json()[0]["message"]
        == "The field 'custom_status' is not supported by this resource."
    )
    wrong_type = await raw.put("/v2/orders/101", json={"status_id": "5"})
    assert wrong_type.status_code == 400
    out_of_range = await client.put("/v2/orders/101", json={"status_id": 15})
    assert out_of_range.status_code == 400
    assert (await raw.put("/v2/orders/999", json={"status_id": 5})).status_code == 404
    assert sim.ledger == []
    assert (await order(client, 101))["status_id"] == 1


async def test_order_statuses(client: httpx.AsyncClient) -> None:
    statuses = (await client.get("/v2/order_statuses")).json()
    assert [(s["id"], s["name"]) for s in statuses] == list(STATUS_NAMES.items())


# -- refund quotes --------------------------------------------------------------------------------


async def test_quote_products_shipping_and_methods(client: httpx.AsyncClient) -> None:
    response = await quote(
        client,
        111,
        [
            {"item_type": "PRODUCT", "item_id": 1112, "quantity": 1, "reason": "Wrong size"},
            {"item_type": "SHIPPING", "item_id": 1115, "amount": 6.5},
            {"item_type": "HANDLING", "item_id": 1115, "amount": 2},
        ],
    )
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["order_id"], data["total_refund_amount"], data["adjustment"]) == (111, 36.5, 0.0)
    methods = data["refund_methods"]
    assert [[o["provider_id"] for o in m] for m in methods] == [
        ["braintree"],
        ["custom"],
        ["storecredit"],
    ]
    assert methods[0][0] == {
        "provider_id": "braintree",
        "provider_description": "Braintree",
        "amount": 36.5,
        "offline": False,
        "offline_provider": False,
        "offline_reason": "",
    }
    assert methods[1][0]["offline"] is True


async def test_quote_over_ask_gives_negative_adjustment(client: httpx.AsyncClient) -> None:
    # 114 has 94.50 left (1 unit refunded); asking for everything plus 20 more caps the total.
    lines = await products(client, 114)
    items = [*product_items(lines), {"item_type": "ORDER", "item_id": 114, "amount": 200}]
    data = (await quote(client, 114, items)).json()["data"]
    remaining = float((await order(client, 114))["total_inc_tax"]) - float(
        (await order(client, 114))["refunded_amount"]
    )
    assert data["total_refund_amount"] == remaining
    assert data["adjustment"] < 0
    left_in_lines = sum(
        float(p["price_inc_tax"]) * (p["quantity"] - p["quantity_refunded"]) for p in lines
    )
    assert data["adjustment"] == pytest.approx(remaining - (left_in_lines + 200))


async def test_quote_item_rules(client: httpx.AsyncClient, raw: httpx.AsyncClient) -> None:
    too_many = await quote(client, 114, [{"item_type": "PRODUCT", "item_id": 1142, "quantity": 2}])
    assert too_many.status_code == 422
    assert set(too_many.json()) >= {"status", "title", "type"}
    shipping = await quote(client, 111, [{"item_type": "SHIPPING", "item_id": 1115, "amount": 7}])
    assert shipping.status_code == 422
    wrong_address = await quote(
        client, 111, [{"item_type": "SHIPPING", "item_id": 1111, "amount": 1}]
    )
    assert wrong_address.status_code == 422
    unknown_line = await quote(client, 111, [{"item_type": "PRODUCT", "item_id": 1, "quantity": 1}])
    assert unknown_line.status_code == 422
    string_amount = await raw.post(
        QUOTES.format(111),
        json={"items": [{"item_type": "SHIPPING", "item_id": 1115, "amount": "1.00"}]},
    )
    assert string_amount.status_code == 422
    assert "items.0.amount" in string_amount.json()["errors"]
    no_items = await raw.post(QUOTES.format(111), json={})
    assert no_items.status_code == 422
    nothing_paid = await quote(
        client, 106, [{"item_type": "PRODUCT", "item_id": 1061, "quantity": 1}]
    )
    assert nothing_paid.status_code == 422
    assert (
        await quote(client, 999, [{"item_type": "ORDER", "item_id": 999, "amount": 1}])
    ).status_code == 404


async def test_guest_and_offline_only_and_authorized_quotes(client: httpx.AsyncClient) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1151, "quantity": 1}]
    guest = (await quote(client, 115, item)).json()["data"]["refund_methods"]
    assert "storecredit" not in [o["provider_id"] for m in guest for o in m]
    cod = (
        await quote(client, 116, [{"item_type": "PRODUCT", "item_id": 1161, "quantity": 1}])
    ).json()
    options = [
        o for m in cod["data"]["refund_methods"] for o in m if o["provider_id"] != "storecredit"
    ]
    assert all(o["offline"] for o in options)
    assert options[0]["provider_id"] == "cod"
    assert options[0]["offline_reason"]
    authorized = (
        await quote(client, 107, [{"item_type": "PRODUCT", "item_id": 1071, "quantity": 1}])
    ).json()
    gateway = authorized["data"]["refund_methods"][0][0]
    assert (gateway["provider_id"], gateway["offline"], gateway["offline_provider"]) == (
        "braintree",
        True,
        False,
    )
    assert gateway["offline_reason"]


# -- refunds ------------------------------------------------------------------------------------


async def test_full_refund_moves_order_to_refunded(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    items = [
        *product_items(await products(client, 111)),
        {"item_type": "SHIPPING", "item_id": 1115, "amount": 6.5},
        {"item_type": "HANDLING", "item_id": 1115, "amount": 2.0},
    ]
    data = (await quote(client, 111, items)).json()["data"]
    assert data["total_refund_amount"] == 96.5
    body = {"items": items, "payments": method_payments(data["refund_methods"][0])}
    response = await client.post(REFUNDS.format(111), json=body)
    assert response.status_code == 201
    refund = response.json()["data"]
    assert (refund["order_id"], refund["total_amount"]) == (111, 96.5)
    assert [(p["provider_id"], p["amount"], p["is_declined"]) for p in refund["payments"]] == [
        ("braintree", 96.5, False)
    ]
    after = await order(client, 111)
    assert (after["status_id"], after["payment_status"], after["refunded_amount"]) == (
        4,
        "refunded",
        "96.5000",
    )
    lines = await products(client, 111)
    assert [p["quantity_refunded"] for p in lines] == [1, 2]
    assert [p["quantity"] for p in lines] == [1, 2]  # refunds never restock or remove lines
    assert [(e.operation, e.order_id, e.amount) for e in sim.ledger] == [
        ("refund", 111, Decimal("96.5"))
    ]
    # Nothing is left: a second refund of the same items is refused.
    again = await client.post(REFUNDS.format(111), json=body)
    assert again.status_code == 422
    assert again.json()["data"][0]["status"] == 422
    # Then cancel: a status change only.
    assert (await client.put("/v2/orders/111", json={"status_id": 5})).json()["status_id"] == 5
    listed = (await client.get(REFUNDS.format(111))).json()["data"]
    assert [r["id"] for r in listed] == [refund["id"]]


async def test_partial_refund_of_a_partially_refunded_order(client: httpx.AsyncClient) -> None:
    before = (await client.get(REFUNDS.format(114))).json()["data"]
    assert len(before) == 1
    assert before[0]["items"][0]["quantity"] == 1
    item = [{"item_type": "PRODUCT", "item_id": 1141, "quantity": 1, "reason": "Late"}]
    body = await quoted_refund(client, 114, item)
    assert (await client.post(REFUNDS.format(114), json=body)).status_code == 201
    after = await order(client, 114)
    assert after["status_id"] == 14
    lines = await products(client, 114)
    assert [p["quantity_refunded"] for p in lines] == [1, 1]
    rest = product_items(lines)
    data = (
        await quote(client, 114, [*rest, {"item_type": "SHIPPING", "item_id": 1145, "amount": 6.5}])
    ).json()["data"]
    body = {"items": [*rest, {"item_type": "SHIPPING", "item_id": 1145, "amount": 6.5}],
            "payments": method_payments(data["refund_methods"][2])}  # fmt: skip
    assert (await client.post(REFUNDS.format(114), json=body)).status_code == 201
    assert (await order(client, 114))["status_id"] == 4
    assert len((await client.get(REFUNDS.format(114))).json()["data"]) == 3


async def test_refund_payment_must_match_a_quoted_method(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1101, "quantity": 1}]
    data = (await quote(client, 110, item)).json()["data"]
    amount = data["refund_methods"][0][0]["amount"]
    for payments in (
        [{"provider_id": "braintree", "amount": amount - 1, "offline": False}],
        [{"provider_id": "stripe", "amount": amount, "offline": False}],
        [{"provider_id": "braintree", "amount": amount / 2, "offline": False},
         {"provider_id": "storecredit", "amount": amount / 2, "offline": False}],
    ):  # fmt: skip
        response = await client.post(
            REFUNDS.format(110), json={"items": item, "payments": payments}
        )
        assert response.status_code == 422
        [error] = response.json()["data"]
        assert error["status"] == 422
        assert error["title"]
        assert error["type"]
    assert sim.ledger == []
    assert (await order(client, 110))["status_id"] == 10


async def test_guest_store_credit_is_refused(client: httpx.AsyncClient) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1151, "quantity": 1}]
    amount = (await quote(client, 115, item)).json()["data"]["total_refund_amount"]
    response = await client.post(
        REFUNDS.format(115),
        json={
            "items": item,
            "payments": [{"provider_id": "storecredit", "amount": amount, "offline": False}],
        },
    )
    assert response.status_code == 422
    assert (
        response.json()["data"][0]["title"]
        == "Unable to provide store credit for a guest customer."
    )


async def test_store_credit_for_a_registered_customer(client: httpx.AsyncClient) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1021, "quantity": 1}]
    data = (await quote(client, 102, item)).json()["data"]
    body = {"items": item, "payments": method_payments(data["refund_methods"][2])}
    assert (await client.post(REFUNDS.format(102), json=body)).status_code == 201
    customer = (
        await client.get("/v3/customers", params={"id:in": "1", "include": "storecredit"})
    ).json()
    assert customer["data"][0]["store_credit_amounts"] == [{"amount": data["total_refund_amount"]}]


async def test_offline_only_gateway_refund(client: httpx.AsyncClient) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1162, "quantity": 1}]
    data = (await quote(client, 116, item)).json()["data"]
    cod = data["refund_methods"][0]
    online = [{"provider_id": "cod", "amount": cod[0]["amount"], "offline": False}]
    refused = await client.post(REFUNDS.format(116), json={"items": item, "payments": online})
    assert refused.status_code == 422
    ok = await client.post(
        REFUNDS.format(116), json={"items": item, "payments": method_payments(cod)}
    )
    assert ok.status_code == 201
    payment = ok.json()["data"]["payments"][0]
    assert (payment["offline"], payment["is_declined"]) == (True, False)
    assert (await order(client, 116))["status_id"] == 14


async def test_authorized_only_order_cannot_be_refunded_online(client: httpx.AsyncClient) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1071, "quantity": 1}]
    data = (await quote(client, 107, item)).json()["data"]
    amount = data["total_refund_amount"]
    online = [{"provider_id": "braintree", "amount": amount, "offline": False}]
    response = await client.post(REFUNDS.format(107), json={"items": item, "payments": online})
    assert response.status_code == 422


async def test_declined_refund_payment(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1171, "quantity": 1}]
    body = await quoted_refund(client, 117, item)
    response = await client.post(REFUNDS.format(117), json=body)
    assert response.status_code == 201
    [payment] = response.json()["data"]["payments"]
    assert payment["is_declined"] is True
    assert payment["declined_message"]
    after = await order(client, 117)
    assert (after["status_id"], after["refunded_amount"]) == (10, "0.0000")
    assert [p["quantity_refunded"] for p in await products(client, 117)] == [0, 0]
    assert [(e.operation, e.declined) for e in sim.ledger] == [("refund", True)]


async def test_refund_body_validation(raw: httpx.AsyncClient, sim: BigCommerceSimulator) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1101, "quantity": 1}]
    for body in (
        {"items": item},
        {
            "items": item,
            "payments": [{"provider_id": "braintree", "amount": "28.00", "offline": False}],
        },
        {"items": item, "payments": [{"amount": 28.0, "offline": False}]},
        {
            "items": [{"item_type": "PRODUCT", "item_id": 1101}],
            "payments": [{"provider_id": "braintree", "amount": 28.0}],
        },
        {"items": item, "payments": [{"provider_id": "braintree", "amount": 28.0}], "bogus": 1},
    ):
        response = await raw.post(REFUNDS.format(110), json=body)
        assert response.status_code == 422, body
        assert response.json()["data"][0]["status"] == 422
    assert sim.ledger == []


# -- promotions ---------------------------------------------------------------------------------

PROMOTION = {
    "name": "Helpdesk goodwill #12345",
    "redemption_type": "COUPON",
    "coupon_type": "SINGLE",
    "rules": [
        {
            "action": {
                "cart_items": {
                    "discount": {"percentage_amount": "10"},
                    "items": {"categories": [24]},
                }
            },
            "apply_once": True,
            "stop": False,
        }
    ],
    "start_date": "2026-05-01T00:00:00+00:00",
    "end_date": "2026-12-31T23:59:59+00:00",
    "max_uses": 1,
    "status": "ENABLED",
}


async def test_promotion_code_lookup_duplicate_and_delete(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    created = await client.post("/v3/promotions", json=PROMOTION)
    assert created.status_code == 201
    promotion = created.json()["data"]
    assert (promotion["redemption_type"], promotion["name"]) == ("COUPON", PROMOTION["name"])
    assert promotion["rules"][0]["action"] == PROMOTION["rules"][0]["action"]  # type: ignore[index]
    pid = promotion["id"]
    code = await client.post(
        f"/v3/promotions/{pid}/codes",
        json={"code": "GW-12345 ab_1", "max_uses": 1, "max_uses_per_customer": 1},
    )
    assert code.status_code == 201
    assert code.json()["data"]["code"] == "GW-12345 ab_1"
    found = (await client.get("/v3/promotions/codes", params={"code": "GW-12345 ab_1"})).json()
    assert [c["id"] for c in found["data"]] == [code.json()["data"]["id"]]
    assert (await client.get("/v3/promotions/codes", params={"code": "NOPE"})).json()["data"] == []
    second = (await client.post("/v3/promotions", json=PROMOTION | {"name": "other"})).json()[
        "data"
    ]
    duplicate = await client.post(
        f"/v3/promotions/{second['id']}/codes", json={"code": "GW-12345 ab_1"}
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["errors"][0]["status"] == 409
    assert (await client.get(f"/v3/promotions/{pid}")).json()["data"]["id"] == pid
    assert (await client.delete(f"/v3/promotions/{pid}")).status_code == 204
    assert (await client.get(f"/v3/promotions/{pid}")).status_code == 404
    assert (await client.delete(f"/v3/promotions/{pid}")).status_code == 204  # idempotent
    # The code went with its promotion and may be used again.
    assert (
        await client.post(f"/v3/promotions/{second['id']}/codes", json={"code": "GW-12345 ab_1"})
    ).status_code == 201
    assert [e.operation for e in sim.ledger] == [
        "promotion.create",
        "promotion.code",
        "promotion.create",
        "promotion.delete",
        "promotion.code",
    ]


async def test_cart_value_fixed_amount_promotion(client: httpx.AsyncClient) -> None:
    body = {
        "name": "Store-wide $5",
        "redemption_type": "COUPON",
        "rules": [{"action": {"cart_value": {"discount": {"fixed_amount": "5.00"}}}}],
    }
    created = await client.post("/v3/promotions", json=body)
    assert created.status_code == 201
    data = created.json()["data"]
    assert (data["rules"][0]["apply_once"], data["status"], data["coupon_type"]) == (
        True,
        "ENABLED",
        "SINGLE",
    )


@pytest.mark.parametrize(
    "change",
    [
        {"rules": [{"action": {"cart_value": {"discount": {"fixed_amount": 5}}}}]},
        {
            "rules": [
                {
                    "action": {
                        "cart_value": {"discount": {"percentage_amount": "10", "fixed_amount": "1"}}
                    }
                }
            ]
        },
        {
            "rules": [
                {
                    "action": {
                        "cart_items": {
                            "discount": {"percentage_amount": "10"},
                            "items": {"categories": [999]},
                        }
                    }
                }
            ]
        },
        {"rules": []},
        {"name": ""},
        {"end_date": "2026-12-31"},
        {"status": "INVALID"},
        {"colour": "red"},
        {"coupon_overrides_other_promotions": True},
    ],
)
async def test_promotion_refusals(raw: httpx.AsyncClient, change: dict[str, Any]) -> None:
    response = await raw.post("/v3/promotions", json=PROMOTION | change)
    assert response.status_code == 422
    assert response.json()["errors"][0]["status"] == 422


@pytest.mark.parametrize("code", ["", "x" * 51, "GW!1", "ÄBC", 12])
async def test_code_refusals(
    raw: httpx.AsyncClient, client: httpx.AsyncClient, code: object
) -> None:
    pid = (await client.post("/v3/promotions", json=PROMOTION)).json()["data"]["id"]
    response = await raw.post(f"/v3/promotions/{pid}/codes", json={"code": code})
    assert response.status_code == 422
    assert response.json()["errors"][0]["status"] == 422


async def test_promotion_404_and_missing_code_parameter(raw: httpx.AsyncClient) -> None:
    assert (await raw.get("/v3/promotions/9999")).status_code == 404
    assert (await raw.post("/v3/promotions/9999/codes", json={"code": "A"})).status_code == 404
    assert (await raw.get("/v3/promotions/codes")).status_code == 422
    broken = await raw.post(
        "/v3/promotions", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert (broken.status_code, broken.json()["status"]) == (400, "400")


# -- faults -------------------------------------------------------------------------------------


async def test_http_status_faults_with_headers(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    sim.faults.http_status(503, headers={"X-Retry-After": "2"})
    sim.faults.http_status(500, operation="createOrderRefund")
    unavailable = await client.get("/v2/orders/100")
    assert (unavailable.status_code, unavailable.headers["X-Retry-After"]) == (503, "2")
    assert unavailable.headers["X-Rate-Limit-Requests-Quota"] == "150"
    assert (await client.get("/v2/orders/100")).status_code == 200  # the 500 waits for a refund
    item = [{"item_type": "PRODUCT", "item_id": 1101, "quantity": 1}]
    body = await quoted_refund(client, 110, item)
    failed = await client.post(REFUNDS.format(110), json=body)
    assert failed.status_code == 500
    assert sim.ledger == []


async def test_rate_limited_fault(client: httpx.AsyncClient, sim: BigCommerceSimulator) -> None:
    sim.faults.rate_limit(reset_ms=1500, operation="PUT /v2/orders/{order_id}")
    limited = await client.put("/v2/orders/101", json={"status_id": 5})
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Time-Reset-Ms"] == "1500"
    assert {
        "X-Rate-Limit-Time-Window-Ms",
        "X-Rate-Limit-Requests-Quota",
        "X-Rate-Limit-Requests-Left",
    } <= {name.title() for name in limited.headers}
    assert sim.ledger == []
    assert (await client.put("/v2/orders/101", json={"status_id": 5})).status_code == 200


async def test_drop_before_does_not_execute(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    await assert_drop_before_does_not_execute(
        sim, "updateOrder", lambda: client.put("/v2/orders/101", json={"status_id": 5})
    )
    assert (await order(client, 101))["status_id"] == 1


async def test_drop_after_executes_once(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    item = [{"item_type": "PRODUCT", "item_id": 1101, "quantity": 1}]
    data = (await quote(client, 110, item)).json()["data"]
    body = {"items": item, "payments": method_payments(data["refund_methods"][0])}
    sim.faults.drop_after(operation="createOrderRefund", error=httpx.RemoteProtocolError)
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(REFUNDS.format(110), json=body)
    assert [(e.operation, e.order_id) for e in sim.ledger] == [("refund", 110)]
    # Reconciliation: the refund is there, so the client must not send it again.
    listed = (await client.get(REFUNDS.format(110))).json()["data"]
    assert [r["total_amount"] for r in listed] == [data["total_refund_amount"]]
    assert (await client.post(REFUNDS.format(110), json=body)).status_code == 422
    assert len(sim.ledger) == 1


async def test_random_faults_are_reproducible() -> None:
    await assert_seeded_faults_reproducible(
        BigCommerceSimulator, TOKEN, BASE, HEADERS, lambda c: c.get("/v2/orders/100")
    )


# -- customers: store credit (PUT /v3/customers) -------------------------------------------------


async def test_store_credit_put_sets_the_balance_and_answers_the_customer(
    client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    body = [{"id": 2, "store_credit_amounts": [{"amount": 12.5}]}]
    first = await client.put("/v3/customers", json=body)
    assert first.status_code == 200, first.text
    assert first.json()["data"][0]["store_credit_amounts"] == [{"amount": 12.5}]
    # The field holds the balance: the same body sent again sets the same balance (replace).
    again = await client.put("/v3/customers", json=body)
    assert again.json()["data"][0]["store_credit_amounts"] == [{"amount": 12.5}]
    read = await client.get("/v3/customers", params={"id:in": "2", "include": "storecredit"})
    assert read.json()["data"][0]["store_credit_amounts"] == [{"amount": 12.5}]
    entries = [e for e in sim.ledger if e.operation == "customer.store_credit"]
    assert [(e.customer_id, e.amount) for e in entries] == [(2, Decimal("12.5"))] * 2


async def test_store_credit_put_errors(client: httpx.AsyncClient, raw: httpx.AsyncClient) -> None:
    unknown = await client.put(
        "/v3/customers", json=[{"id": 999, "store_credit_amounts": [{"amount": 1}]}]
    )
    assert unknown.status_code == 422
    assert set(unknown.json()) >= {"status", "title", "type", "errors"}
    too_many = await raw.put(
        "/v3/customers",
        json=[{"id": n, "store_credit_amounts": [{"amount": 1}]} for n in range(11)],
    )
    assert too_many.status_code == 413
    negative = await client.put(
        "/v3/customers", json=[{"id": 1, "store_credit_amounts": [{"amount": -5}]}]
    )
    assert negative.status_code == 422


async def test_update_shipping_address(
    raw: httpx.AsyncClient, client: httpx.AsyncClient, sim: BigCommerceSimulator
) -> None:
    [address] = (await client.get("/v2/orders/112/shipping_addresses")).json()
    url = f"/v2/orders/112/shipping_addresses/{address['id']}"
    read_only = await raw.put(url, json={"street_1": "1 New St", "items_total": 3})
    assert read_only.status_code == 400
    assert read_only.json() == [
        {
            "status": 400,
            "message": "The field 'items_total' cannot be written to. Please remove it from "
            "your request before trying again.",
        }
    ]
    assert (await raw.put("/v2/orders/112/shipping_addresses/1", json={})).status_code in (
        400,
        404,
    )
    assert sim.ledger == []
    body = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "street_1": "12 George Street",
        "city": "Sydney",
        "state": "New South Wales",
        "zip": "2000",
        "country": "Australia",
        "country_iso2": "AU",
    }
    updated = await client.put(url, json=body)
    assert updated.status_code == 200
    assert {k: updated.json()[k] for k in body} == body
    assert updated.json()["items_total"] == address["items_total"]  # nothing else changed
    assert (await client.get(url)).json() == updated.json()
    assert [(e.operation, e.order_id, e.street_1) for e in sim.ledger] == [
        ("order.shipping_address", 112, "12 George Street")
    ]
    missing = await raw.put("/v2/orders/112/shipping_addresses/999999", json=body)
    assert missing.status_code == 404
