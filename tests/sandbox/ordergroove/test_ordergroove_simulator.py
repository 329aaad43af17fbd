"""The Ordergroove simulator through HTTP, as the gateway's adapter sees it.

Every request sent through `client` and every response of `client`, `legacy` and `raw` is
checked against the Ordergroove subset in ../shared/specs (see tests/contracts/ordergroove.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.ordergroove import (
    OrdergrooveSimulator,
    RateLimitWindow,
    seed_table,
)
from tests.contracts.hooks import contract_checked_client
from tests.contracts.ordergroove import validate_httpx_request, validate_response
from tests.sandbox.faults import (
    assert_drop_before_does_not_execute,
    assert_seeded_faults_reproducible,
)
from tests.shared_specs import require_spec

KEY = "og-test-key"
BASE = "https://restapi.ordergroove.com"
HEADERS = {"x-api-key": KEY, "X-OG-API-VERSION": "2", "Accept": "application/json"}
NOW = datetime(2026, 3, 10, 9, 30, 0)
AVA, BO, CARMEN, DMITRI = "7410001", "7410002", "7410003", "7410004"


def sub(n: int) -> str:
    return f"5b{n:030x}"


def order_id(n: int) -> str:
    return f"0d{n:030x}"


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    require_spec("ordergroove/openapi.yaml")


@pytest.fixture
def sim() -> OrdergrooveSimulator:
    return OrdergrooveSimulator(access_token=KEY, now=NOW)


def _client(
    sim: OrdergrooveSimulator, *, requests: bool, headers: dict[str, str] = HEADERS
) -> httpx.AsyncClient:
    return contract_checked_client(
        sim.transport(),
        BASE,
        headers,
        validate_request=validate_httpx_request if requests else None,
        validate_response=validate_response,
    )


@pytest.fixture
async def client(sim: OrdergrooveSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(sim, requests=True) as c:
        yield c


@pytest.fixture
async def raw(sim: OrdergrooveSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """For requests the spec itself refuses: only the responses are validated."""
    async with _client(sim, requests=False) as c:
        yield c


@pytest.fixture
async def legacy(sim: OrdergrooveSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """Without X-OG-API-VERSION: the legacy page-number envelope."""
    async with _client(sim, requests=True, headers={"x-api-key": KEY}) as c:
        yield c


async def get(client: httpx.AsyncClient, url: str, **params: Any) -> Any:
    response = await client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def items_of(client: httpx.AsyncClient, order: str) -> list[tuple[str | None, str]]:
    page = await get(client, "/items/", order=order, page_size=100)
    lines = [(i["subscription"], i["product"]) for i in page["results"]]
    return sorted(lines, key=lambda line: (line[0] or "", line[1]))


async def skip(client: httpx.AsyncClient, order: str, subscription: str) -> httpx.Response:
    return await client.patch(
        f"/orders/{order}/skip_subscription/", json={"subscription": subscription}
    )


# -- protocol -----------------------------------------------------------------------------------


async def test_missing_or_wrong_api_key_is_403(
    raw: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    for key in ("wrong", "", KEY.upper()):
        answer = await raw.get(f"/subscriptions/{sub(1)}/", headers={"x-api-key": key})
        assert answer.status_code == 403
        assert answer.json() == {"detail": "Authentication Failed"}
    # No key at all; a Storefront-style Authorization header is not Application scope.
    async with _client(sim, requests=False, headers={"Accept": "application/json"}) as bare:
        missing = await bare.get("/orders/", params={"customer": AVA})
        storefront = await bare.get(f"/subscriptions/{sub(1)}/", headers={"Authorization": KEY})
    for answer in (missing, storefront):
        assert (answer.status_code, answer.json()) == (403, {"detail": "Authentication Failed"})
    assert sim.ledger == []


async def test_paths_hosts_and_methods(raw: httpx.AsyncClient, sim: OrdergrooveSimulator) -> None:
    # Paths are documented with a trailing slash; without it the strict reading is 404.
    assert (await raw.get(f"/subscriptions/{sub(1)}")).status_code == 404
    unslashed = await raw.patch(f"/subscriptions/{sub(1)}/cancel", json={})
    assert (unslashed.status_code, unslashed.json()) == (404, {"detail": "Not found."})
    assert (await raw.get("/subscriptions/", params={"customer": AVA})).status_code == 200
    assert (await raw.get("/nothing/")).status_code == 404
    assert (await raw.post(f"/subscriptions/{sub(1)}/cancel/", json={})).status_code == 405
    assert (await raw.get(f"/subscriptions/{sub(1)}/cancel/")).status_code == 405
    async with httpx.AsyncClient(transport=sim.transport(), headers=HEADERS) as other:
        elsewhere = await other.get("https://api.ordergroove.com/subscriptions/")
        staging = await other.get(
            f"https://staging.restapi.ordergroove.com/subscriptions/{sub(1)}/"
        )
    assert (elsewhere.status_code, staging.status_code) == (404, 200)
    assert sim.ledger == []


async def test_lists_need_one_customer_without_bulk_permission(raw: httpx.AsyncClient) -> None:
    for url, params in (
        ("/subscriptions/", {}),
        ("/orders/", {"status": "1"}),
        ("/items/", {"status": "1"}),
        ("/items/", {"customer": AVA}),  # not an items filter: the list stays unscoped
        ("/customers/", {"email": "ava.lindqvist@example.com"}),
    ):
        refused = await raw.get(url, params=params)
        assert refused.status_code == 403, url
        assert "Bulk Operations" in refused.json()["detail"]


async def test_bulk_key_lists_every_customer() -> None:
    sim = OrdergrooveSimulator(access_token=KEY, now=NOW, bulk_operations=True)
    async with _client(sim, requests=True) as c:
        subs = await get(c, "/subscriptions/", page_size=100)
        found = await get(c, "/customers/", email="BO.WANG@example.com")
    assert len(subs["results"]) == 13
    assert [c["merchant_user_id"] for c in found["results"]] == [BO]


# -- reads --------------------------------------------------------------------------------------


async def test_list_subscriptions_by_customer_and_live(client: httpx.AsyncClient) -> None:
    every = await get(client, "/subscriptions/", customer=AVA)
    assert {s["public_id"] for s in every["results"]} == {sub(1), sub(2), sub(3), sub(4)}
    assert (every["next"], every["previous"]) == (None, None)
    assert all(s["customer"] == AVA for s in every["results"])
    live = await get(client, "/subscriptions/", customer=AVA, live="true")
    assert {s["public_id"] for s in live["results"]} == {sub(1), sub(2), sub(3)}
    inactive = await get(client, "/subscriptions/", customer=AVA, live="false")
    assert [s["public_id"] for s in inactive["results"]] == [sub(4)]
    coffee = await get(client, "/subscriptions/", customer=DMITRI, product="COF-ESP-1KG")
    assert [s["public_id"] for s in coffee["results"]] == [sub(13)]
    assert (await get(client, "/subscriptions/", customer="999"))["results"] == []


async def test_subscription_fields(client: httpx.AsyncClient, raw: httpx.AsyncClient) -> None:
    coffee = await get(client, f"/subscriptions/{sub(1)}/")
    assert coffee["customer"] == AVA
    assert (coffee["product"], coffee["quantity"], coffee["price"]) == ("COF-ESP-1KG", 2, "24.00")
    assert (coffee["every"], coffee["every_period"], coffee["frequency_days"]) == (2, 2, 14)
    assert (coffee["live"], coffee["cancelled"], coffee["cancel_reason"]) == (True, None, None)
    assert "prepaid_subscription_context" not in coffee
    assert coffee["created"] == "2025-11-10 10:01:00"  # 120 days before NOW, local, no zone
    prepaid = await get(client, f"/subscriptions/{sub(5)}/")
    assert prepaid["prepaid_subscription_context"]["prepaid_orders_remaining"] == 2
    gone = await get(client, f"/subscriptions/{sub(4)}/")
    assert (gone["live"], gone["cancel_reason"], gone["cancel_reason_code"]) == (
        False,
        "4|Overstocked",
        "4",
    )
    assert gone["cancelled"] == "2026-02-08 09:30:00"
    missing = await raw.get(f"/subscriptions/{'f' * 32}/")
    assert (missing.status_code, missing.json()) == (
        404,
        {"detail": "Unable to find requested asset."},
    )


async def test_orders_by_customer_status_subscription_and_place(
    client: httpx.AsyncClient, raw: httpx.AsyncClient
) -> None:
    upcoming = await get(client, "/orders/", customer=AVA, status=1)
    assert [o["public_id"] for o in upcoming["results"]] == [order_id(2)]
    order = upcoming["results"][0]
    assert (order["place"], order["status"], order["locked"]) == ("2026-03-15 06:00:00", 1, False)
    assert (order["sub_total"], order["total"]) == ("75.50", "80.45")
    placed = await get(client, "/orders/", customer=AVA, status=5)
    assert [o["public_id"] for o in placed["results"]] == [order_id(1)]
    everything = await get(client, "/orders/", customer=AVA)
    assert [o["public_id"] for o in everything["results"]] == [order_id(n) for n in (9, 1, 2)]
    holding = await get(client, "/orders/", subscription=sub(8))
    assert [(o["public_id"], o["status"]) for o in holding["results"]] == [(order_id(4), 6)]
    carmen = await get(client, "/orders/", customer=CARMEN, place_start="2026-03-11")
    assert [o["public_id"] for o in carmen["results"]] == [order_id(5), order_id(6)]
    assert (await get(client, f"/orders/{order_id(5)}/"))["locked"] is True
    bad = await raw.get("/orders/", params={"customer": AVA, "status": "2"})
    assert bad.status_code == 400
    bad_date = await raw.get("/orders/", params={"customer": AVA, "place": "soon"})
    assert bad_date.status_code == 400
    assert (await raw.get(f"/orders/{'0' * 32}/")).status_code == 404


async def test_items_by_order_subscription_and_status(client: httpx.AsyncClient) -> None:
    assert await items_of(client, order_id(2)) == [
        (None, "TOT-CAN"),
        (sub(1), "COF-ESP-1KG"),
        (sub(2), "FLT-V60-100"),
        (sub(3), "DSC-CIT-250"),
    ]
    next_coffee = await get(client, "/items/", subscription=sub(1), status=1)
    assert [(i["order"], i["quantity"], i["price"]) for i in next_coffee["results"]] == [
        (order_id(2), 2, "24.00")
    ]
    all_coffee = await get(client, "/items/", subscription=sub(1))
    assert [i["order"] for i in all_coffee["results"]] == [order_id(1), order_id(2)]
    add_on = await get(client, "/items/", order=order_id(2), one_time="true")
    assert [i["product"] for i in add_on["results"]] == ["TOT-CAN"]
    one = add_on["results"][0]
    assert await get(client, f"/items/{one['public_id']}/") == one
    assert (await client.get(f"/items/{'e' * 32}/")).status_code == 404


async def test_customer_and_product(client: httpx.AsyncClient) -> None:
    ava = await get(client, f"/customers/{AVA}/")
    assert (ava["first_name"], ava["last_name"], ava["email"]) == (
        "Ava",
        "Lindqvist",
        "ava.lindqvist@example.com",
    )
    beans = await get(client, "/products/COF-ESP-1KG/")
    assert (beans["name"], beans["price"]) == ("House Espresso Beans 1 kg", "24.00")
    assert (await client.get("/customers/7419999/")).status_code == 404
    assert (await client.get("/products/NOPE/")).status_code == 404


# -- pagination ---------------------------------------------------------------------------------


async def test_cursor_pagination_follows_next_urls(
    client: httpx.AsyncClient, raw: httpx.AsyncClient
) -> None:
    first = await get(client, "/subscriptions/", customer=AVA, page_size=3)
    assert first["previous"] is None
    assert first["next"].startswith(f"{BASE}/subscriptions/?")
    assert "cursor=" in first["next"]
    assert "customer=7410001" in first["next"]
    second = (await client.get(first["next"])).json()
    assert second["next"] is None
    ids = [s["public_id"] for s in first["results"] + second["results"]]
    assert sorted(ids) == [sub(1), sub(2), sub(3), sub(4)]
    back = (await client.get(second["previous"])).json()
    assert back["results"] == first["results"]
    assert len((await get(client, "/items/", order=order_id(2), page_size=1))["results"]) == 1
    bad = await raw.get("/subscriptions/", params={"customer": AVA, "cursor": "not-a-cursor"})
    assert (bad.status_code, bad.json()) == (404, {"detail": "Invalid cursor"})
    zero = await raw.get("/subscriptions/", params={"customer": AVA, "page_size": "0"})
    assert zero.status_code == 400


async def test_page_size_defaults_to_10_and_caps_at_100() -> None:
    sim = OrdergrooveSimulator(access_token=KEY, now=NOW, bulk_operations=True)
    template = sim.store.orders[order_id(7)]
    for n in range(200, 320):  # 120 more upcoming orders for Dmitri
        sim.store.orders[order_id(n)] = replace(template, public_id=order_id(n), items=[])
    async with _client(sim, requests=False) as c:
        default = await get(c, "/orders/", customer=DMITRI)
        capped = await get(c, "/orders/", customer=DMITRI, page_size=500)
    assert len(default["results"]) == 10
    assert len(capped["results"]) == 100
    assert capped["next"] is not None


async def test_legacy_page_numbers(legacy: httpx.AsyncClient) -> None:
    first = await get(legacy, "/subscriptions/", customer=AVA, page_size=3)
    assert (first["count"], first["previous"], len(first["results"])) == (4, None, 3)
    assert "page=2" in first["next"]
    second = (await legacy.get(first["next"])).json()
    assert (second["next"], len(second["results"])) == (None, 1)
    assert "page=" not in second["previous"]
    late = await legacy.get("/subscriptions/", params={"customer": AVA, "page": "3"})
    assert (late.status_code, late.json()) == (404, {"detail": "Invalid page."})


# -- cancel -------------------------------------------------------------------------------------


async def test_cancel_with_reason(client: httpx.AsyncClient, sim: OrdergrooveSimulator) -> None:
    answer = await client.patch(
        f"/subscriptions/{sub(3)}/cancel/", json={"cancel_reason": "4|Overstocked"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert (body["public_id"], body["live"], body["cancelled"]) == (
        sub(3),
        False,
        "2026-03-10 09:30:00",
    )
    assert (body["cancel_reason"], body["cancel_reason_code"]) == ("4|Overstocked", "4")
    assert (await get(client, f"/subscriptions/{sub(3)}/")) == body
    # Every later shipment goes; the order's other lines stay.
    assert await items_of(client, order_id(2)) == [
        (None, "TOT-CAN"),
        (sub(1), "COF-ESP-1KG"),
        (sub(2), "FLT-V60-100"),
    ]
    assert (await get(client, "/items/", subscription=sub(3), status=1))["results"] == []
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription, entry.at) == ("subscription.cancel", sub(3), NOW)
    assert (entry.cancel_reason, entry.orders_changed) == ("4|Overstocked", (order_id(2),))


async def test_cancel_without_body_and_of_the_only_subscription_on_an_order(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    answer = await client.patch(f"/subscriptions/{sub(10)}/cancel/")
    assert answer.status_code == 200
    assert (answer.json()["live"], answer.json()["cancel_reason"]) == (False, None)
    emptied = await get(client, f"/orders/{order_id(6)}/")
    assert (emptied["status"], emptied["cancelled"]) == (4, "2026-03-10 09:30:00")
    assert (await get(client, "/orders/", customer=CARMEN, status=1))["results"][0][
        "public_id"
    ] == order_id(5)
    assert [e.subscription for e in sim.ledger] == [sub(10)]


async def test_cancel_keeps_lines_on_an_order_in_flight(client: httpx.AsyncClient) -> None:
    assert (await client.patch(f"/subscriptions/{sub(8)}/cancel/", json={})).status_code == 200
    assert await items_of(client, order_id(4)) == [(sub(8), "COF-CBR-8")]


async def test_cancel_prepaid_is_refused(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    refused = await client.patch(
        f"/subscriptions/{sub(5)}/cancel/", json={"cancel_reason": "1|Moving abroad"}
    )
    assert refused.status_code == 400
    assert refused.json() == {"detail": "Prepaid subscriptions cannot be cancelled."}
    assert (await get(client, f"/subscriptions/{sub(5)}/"))["live"] is True
    assert sim.ledger == []


async def test_cancel_already_cancelled_is_refused(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    seeded = await client.patch(f"/subscriptions/{sub(4)}/cancel/", json={})
    assert seeded.status_code == 400
    assert seeded.json() == {"detail": "This subscription is already cancelled."}
    assert (await client.patch(f"/subscriptions/{sub(2)}/cancel/")).status_code == 200
    again = await client.patch(f"/subscriptions/{sub(2)}/cancel/")
    assert again.status_code == 400
    assert [e.subscription for e in sim.ledger] == [sub(2)]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b'{"cancel_reason": "Overstocked"}', "application/json", 400),  # no "<code>|"
        (b'{"cancel_reason": 4}', "application/json", 400),
        (b'{"cancel_reason": null}', "application/json", 400),
        (b'{"reason": "4|x"}', "application/json", 400),
        (b'["4|x"]', "application/json", 400),
        (b"{", "application/json", 400),
        (b"cancel_reason=4|x", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_cancel_body_rules(
    raw: httpx.AsyncClient,
    sim: OrdergrooveSimulator,
    content: bytes,
    content_type: str,
    status: int,
) -> None:
    answer = await raw.patch(
        f"/subscriptions/{sub(1)}/cancel/", content=content, headers={"Content-Type": content_type}
    )
    assert answer.status_code == status
    assert sim.ledger == []


async def test_cancel_unknown_subscription(raw: httpx.AsyncClient) -> None:
    assert (await raw.patch(f"/subscriptions/{'a' * 32}/cancel/")).status_code == 404


# -- skip ---------------------------------------------------------------------------------------


async def test_skip_moves_only_that_subscription_one_interval_later(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    before = await get(client, f"/orders/{order_id(2)}/")
    [coffee_item] = (await get(client, "/items/", subscription=sub(1), status=1))["results"]
    answer = await skip(client, order_id(2), sub(1))
    assert answer.status_code == 200
    source = answer.json()
    assert (source["public_id"], source["status"], source["place"]) == (
        order_id(2),
        1,
        before["place"],
    )
    assert source["sub_total"] == "27.50"  # 75.50 less 2 x 24.00
    assert await items_of(client, order_id(2)) == [
        (None, "TOT-CAN"),
        (sub(2), "FLT-V60-100"),
        (sub(3), "DSC-CIT-250"),
    ]
    [moved] = (await get(client, "/items/", subscription=sub(1), status=1))["results"]
    assert moved["public_id"] == coffee_item["public_id"]
    generated = await get(client, f"/orders/{moved['order']}/")
    # 2026-03-15 + 2 weeks, as a calendar date, at the same local time.
    assert (generated["place"], generated["status"], generated["locked"]) == (
        "2026-03-29 06:00:00",
        1,
        False,
    )
    assert (generated["customer"], generated["sub_total"]) == (AVA, "48.00")
    assert await items_of(client, generated["public_id"]) == [(sub(1), "COF-ESP-1KG")]
    upcoming = await get(client, "/orders/", customer=AVA, status=1)
    assert [o["public_id"] for o in upcoming["results"]] == [order_id(2), generated["public_id"]]
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription, entry.order, entry.new_order) == (
        "order.skip_subscription",
        sub(1),
        order_id(2),
        generated["public_id"],
    )
    assert (entry.at, entry.place) == (NOW, datetime(2026, 3, 29, 6, 0))


async def test_skip_uses_calendar_months_and_years() -> None:
    # Built on 26 Jan 2026, Ava's order 02 is placed on 31 Jan 2026 at 06:00.
    sim = OrdergrooveSimulator(access_token=KEY, now=datetime(2026, 1, 26, 12, 0))
    async with _client(sim, requests=True) as c:
        assert (await get(c, f"/orders/{order_id(2)}/"))["place"] == "2026-01-31 06:00:00"
        for subscription in (sub(2), sub(3)):  # every 2 months, every 3 months
            assert (await skip(c, order_id(2), subscription)).status_code == 200
        # Dmitri's yearly order 07 on 25 Feb 2026; the ten-day one on 29 Jan.
        assert (await skip(c, order_id(7), sub(11))).status_code == 200
        assert (await skip(c, order_id(8), sub(13))).status_code == 200
    places = [e.place for e in sim.ledger]
    assert places == [
        datetime(2026, 3, 31, 6, 0),  # not 31 Jan + 60 days (1 Apr)
        datetime(2026, 4, 30, 6, 0),  # clamped to the end of April
        datetime(2027, 2, 25, 6, 0),
        datetime(2026, 2, 8, 6, 0),
    ]


async def test_skip_twice_on_the_same_order_is_refused(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    assert (await skip(client, order_id(2), sub(2))).status_code == 200
    again = await skip(client, order_id(2), sub(2))
    assert again.status_code == 400
    assert again.json() == {"detail": "The subscription has no items in this order."}
    assert len(sim.ledger) == 1
    assert len((await get(client, "/orders/", customer=AVA, status=1))["results"]) == 2


async def test_skipping_every_subscription_leaves_the_order_listed_and_empty(
    client: httpx.AsyncClient,
) -> None:
    for subscription in (sub(12), sub(13)):
        assert (await skip(client, order_id(8), subscription)).status_code == 200
    emptied = await get(client, f"/orders/{order_id(8)}/")
    assert (emptied["status"], emptied["total"]) == (1, "0.00")
    upcoming = await get(client, "/orders/", customer=DMITRI, status=1)
    assert len(upcoming["results"]) == 4


async def test_skip_of_an_order_in_flight_or_locked_is_refused(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    in_flight = await skip(client, order_id(4), sub(8))
    assert (in_flight.status_code, in_flight.json()) == (
        400,
        {"detail": "Only unsent orders can be changed."},
    )
    locked = await skip(client, order_id(5), sub(9))
    assert locked.status_code == 400
    assert "locked" in locked.json()["detail"]
    assert await items_of(client, order_id(4)) == [(sub(8), "COF-CBR-8")]
    assert sim.ledger == []


async def test_skip_refusals(
    client: httpx.AsyncClient, raw: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    not_there = await skip(client, order_id(2), sub(10))  # Carmen's, not on Ava's order
    assert not_there.status_code == 400
    assert (await skip(client, order_id(2), "f" * 32)).status_code == 404
    assert (await skip(client, "0" * 32, sub(1))).status_code == 404
    prepaid = await skip(client, order_id(3), sub(5))
    assert (prepaid.status_code, prepaid.json()) == (
        400,
        {"detail": "Prepaid subscriptions cannot be skipped."},
    )
    no_order = await get(client, "/orders/", customer=BO, subscription=sub(7), status=1)
    assert no_order["results"] == []
    for body in ({}, {"subscription": ""}, {"subscription": sub(1), "order": order_id(2)}):
        answer = await raw.patch(f"/orders/{order_id(2)}/skip_subscription/", json=body)
        assert answer.status_code == 400, body
    assert (await raw.patch(f"/orders/{order_id(2)}/skip_subscription/")).status_code == 400
    assert sim.ledger == []


async def change_date(client: httpx.AsyncClient, subscription: str, day: str) -> httpx.Response:
    return await client.patch(
        f"/subscriptions/{subscription}/change_next_order_date/", json={"order_date": day}
    )


async def test_change_next_order_date_moves_only_that_subscription(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    answer = await change_date(client, sub(1), "2026-04-02")
    assert answer.status_code == 200, answer.text
    assert answer.json()["public_id"] == sub(1)  # the subscription, no next-date field
    assert "place" not in answer.json()
    assert await items_of(client, order_id(2)) == [
        (None, "TOT-CAN"),
        (sub(2), "FLT-V60-100"),
        (sub(3), "DSC-CIT-250"),
    ]
    [moved] = (await get(client, "/items/", subscription=sub(1), status=1))["results"]
    target = await get(client, f"/orders/{moved['order']}/")
    assert (target["place"], target["status"]) == ("2026-04-02 06:00:00", 1)  # time kept
    [entry] = sim.ledger
    assert (entry.operation, entry.subscription, entry.order, entry.new_order) == (
        "subscription.change_next_order_date",
        sub(1),
        order_id(2),
        moved["order"],
    )


async def test_change_next_order_date_of_the_only_subscription_moves_its_order(
    client: httpx.AsyncClient,
) -> None:
    answer = await change_date(client, sub(10), "2026-03-12")  # earlier than before
    assert answer.status_code == 200, answer.text
    assert (await get(client, f"/orders/{order_id(6)}/"))["place"] == "2026-03-12 06:00:00"


async def test_change_next_order_date_refusals(
    client: httpx.AsyncClient, raw: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    for day in ("2026-03-10", "2026-03-09"):  # today and the past (the merchant's clock)
        past = await change_date(client, sub(1), day)
        assert (past.status_code, past.json()) == (
            400,
            {"detail": "order_date must be in the future."},
        )
    prepaid = await change_date(client, sub(5), "2026-04-01")
    assert (prepaid.status_code, prepaid.json()) == (
        400,
        {"detail": "Prepaid subscriptions cannot be changed."},
    )
    assert (await change_date(client, sub(4), "2026-04-01")).status_code == 400  # not live
    assert (await change_date(client, sub(7), "2026-04-01")).json() == {
        "detail": "This subscription has no upcoming order."
    }
    locked = await change_date(client, sub(9), "2026-04-01")
    assert "locked" in locked.json()["detail"]
    assert (await change_date(client, "f" * 32, "2026-04-01")).status_code == 404
    for body in ({}, {"order_date": "2026-4-1"}, {"order_date": 20260401}, {"date": "x"}):
        answer = await raw.patch(f"/subscriptions/{sub(1)}/change_next_order_date/", json=body)
        assert answer.status_code == 400, body
    assert sim.ledger == []


async def test_drop_after_change_next_order_date_executes_once(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    sim.faults.drop_after(
        operation="PATCH /subscriptions/{subscription_id}/change_next_order_date/"
    )
    with pytest.raises(httpx.TransportError):
        await change_date(client, sub(2), "2026-04-02")
    [moved] = (await get(client, "/items/", subscription=sub(2), status=1))["results"]
    assert (await get(client, f"/orders/{moved['order']}/"))["place"] == "2026-04-02 06:00:00"
    assert len(sim.ledger) == 1


# -- rate limit and faults ------------------------------------------------------------------------


async def test_quota_per_minute_then_429(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    assert sim.rate_limit.quota == 6000
    sim.rate_limit = RateLimitWindow(quota=2, window_seconds=60)
    for _ in range(2):
        assert (await client.get(f"/subscriptions/{sub(1)}/")).status_code == 200
    limited = await client.get(f"/subscriptions/{sub(1)}/")
    assert (limited.status_code, limited.json()) == (429, {"detail": "Request was throttled."})
    assert "Retry-After" not in limited.headers  # none documented
    refused = await skip(client, order_id(2), sub(1))
    assert refused.status_code == 429
    assert sim.ledger == []
    sim.rate_limit = RateLimitWindow(quota=1, window_seconds=0.0)  # a new window every time
    assert (await client.get(f"/subscriptions/{sub(1)}/")).status_code == 200


async def test_http_status_and_rate_limited_faults(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    sim.faults.http_status(503, headers={"Retry-After": "2"})
    sim.faults.http_status(500, operation="skip-subscription")
    sim.faults.rate_limit(retry_after=7, operation="PATCH /subscriptions/{subscription_id}/cancel/")
    unavailable = await client.get(f"/subscriptions/{sub(1)}/")
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "2")
    assert unavailable.json() == {"detail": "Service Unavailable"}
    assert (await client.get(f"/orders/{order_id(2)}/")).status_code == 200  # 500 waits
    assert (await skip(client, order_id(2), sub(1))).status_code == 500
    limited = await client.patch(f"/subscriptions/{sub(1)}/cancel/")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert sim.ledger == []
    assert (await skip(client, order_id(2), sub(1))).status_code == 200


async def test_drop_before_does_not_execute(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    await assert_drop_before_does_not_execute(
        sim, "subscriptions-cancel", lambda: client.patch(f"/subscriptions/{sub(1)}/cancel/")
    )
    assert (await get(client, f"/subscriptions/{sub(1)}/"))["live"] is True


async def test_drop_after_skip_executes_once(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    sim.faults.drop_after(operation="skip-subscription", error=httpx.RemoteProtocolError)
    with pytest.raises(httpx.RemoteProtocolError):
        await skip(client, order_id(2), sub(1))
    assert [(e.operation, e.order) for e in sim.ledger] == [
        ("order.skip_subscription", order_id(2))
    ]
    # Reconciliation: the item has left order 02, so the client must not skip again.
    [moved] = (await get(client, "/items/", subscription=sub(1), status=1))["results"]
    assert moved["order"] == sim.ledger[0].new_order
    assert (await skip(client, order_id(2), sub(1))).status_code == 400
    assert len(sim.ledger) == 1


async def test_drop_after_cancel_then_reread_shows_it(
    client: httpx.AsyncClient, sim: OrdergrooveSimulator
) -> None:
    sim.faults.drop_after()
    with pytest.raises(httpx.ReadError):
        await client.patch(f"/subscriptions/{sub(6)}/cancel/", json={"cancel_reason": "2|Price"})
    assert (await get(client, f"/subscriptions/{sub(6)}/"))["live"] is False
    assert [e.subscription for e in sim.ledger] == [sub(6)]


async def test_random_faults_are_reproducible() -> None:
    await assert_seeded_faults_reproducible(
        OrdergrooveSimulator, KEY, BASE, HEADERS, lambda c: c.get(f"/subscriptions/{sub(1)}/")
    )


# -- seed ---------------------------------------------------------------------------------------


def test_seed_table_covers_the_scenarios() -> None:
    rows = {r["public_id"]: r for r in seed_table()}
    assert {r["customer"] for r in rows.values()} == {AVA, BO, CARMEN, DMITRI}
    assert rows[sub(1)]["email"] == "ava.lindqvist@example.com"
    assert [p for p, r in rows.items() if r["prepaid"]] == [sub(5)]
    assert [p for p, r in rows.items() if not r["live"]] == [sub(4)]
    assert [p for p, r in rows.items() if r["live"] and r["next_order"] is None] == [sub(7)]
    assert rows[sub(8)]["next_order_status"] == "SEND_NOW"
    assert rows[sub(9)]["next_order_locked"] is True
    sharing = [p for p, r in rows.items() if r["next_order"] == order_id(2)]
    assert len(sharing) == 3


async def test_seed_is_deterministic_for_a_given_now() -> None:
    bodies = []
    for _ in range(2):
        sim = OrdergrooveSimulator(access_token=KEY, now=NOW)
        async with _client(sim, requests=True) as c:
            bodies.append(
                [
                    await get(c, "/subscriptions/", customer=customer, page_size=100)
                    for customer in (AVA, BO, CARMEN, DMITRI)
                ]
            )
    assert bodies[0] == bodies[1]
    assert sum(len(page["results"]) for page in bodies[0]) == 13


async def test_unseeded_simulator_is_empty() -> None:
    sim = OrdergrooveSimulator(access_token=KEY, seed=False)
    async with _client(sim, requests=True) as c:
        assert (await get(c, "/subscriptions/", customer=AVA))["results"] == []
        assert (await c.get(f"/subscriptions/{sub(1)}/")).status_code == 404
