"""Customer lookups through the API on the sandbox: phone numbers as helpdesks send them, and a
customer's orders paged with an opaque per-connection cursor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox
from tests.helpers import running_app

SHOPIFY, BIGCOMMERCE = "sandbox-shopify", "sandbox-bigcommerce"
AVA = "ava.lindqvist@example.com"


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    async with running_app() as (client, app):
        yield client, app


async def _lookup(client: httpx.AsyncClient, **params: Any) -> dict[str, dict[str, Any]]:
    response = await client.get("/v1/customers", params=params)
    assert response.status_code == 200, response.text
    results = {r["connection"]: r for r in response.json()["results"]}
    assert {r["status"] for r in results.values()} == {"ok"}, results
    return results


def _emails(result: dict[str, Any]) -> list[str]:
    return [c["email"] for c in result["customers"]]


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["+14155550101", "+1 415-555-0101", "(415) 555-0101"])
async def test_each_form_of_a_number_finds_the_same_customer_on_every_platform(
    gateway: tuple[httpx.AsyncClient, FastAPI], phone: str
) -> None:
    client, _ = gateway
    results = await _lookup(client, phone=phone)
    # Shopify keeps +14155550101; BigCommerce keeps the text "+1 415-555-0101" as typed.
    assert _emails(results[SHOPIFY]) == [AVA]
    assert _emails(results[BIGCOMMERCE]) == [AVA]
    assert results[BIGCOMMERCE]["customers"][0]["phone"] == "+1 415-555-0101"
    assert results[SHOPIFY]["warnings"] == results[BIGCOMMERCE]["warnings"] == []


async def test_a_number_stored_without_its_country_code_is_found(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _ = gateway
    results = await _lookup(client, phone="+1 613 555 1234")
    # BigCommerce keeps Bo's number as "613-555-1234".
    assert _emails(results[BIGCOMMERCE]) == _emails(results[SHOPIFY]) == ["bo.wang@example.com"]


async def test_a_miss_on_an_exact_text_platform_carries_a_warning(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _ = gateway
    # BigCommerce keeps Dmitri's number as "+49 151 23456789", grouped unlike any common form.
    results = await _lookup(client, phone="+49 1512 3456789")
    assert _emails(results[SHOPIFY]) == ["dmitri.petrov@example.com"]
    assert results[SHOPIFY]["warnings"] == []
    assert results[BIGCOMMERCE]["customers"] == []
    [warning] = results[BIGCOMMERCE]["warnings"]
    assert "+4915123456789" in warning
    assert "only as the text it was stored as" in warning


async def test_a_number_without_country_code_is_read_in_the_connections_region() -> None:
    # In the UK, 07700 900123 is Carmen's +447700900123.
    async with running_app(settings=Settings(config=None, phone_region="GB")) as (client, _):
        results = await _lookup(client, phone="07700 900123")
    assert (
        _emails(results[SHOPIFY]) == _emails(results[BIGCOMMERCE]) == ["carmen.ortiz@example.com"]
    )


@pytest.mark.parametrize("phone", ["not a phone", "12", "+1 415"])
async def test_what_cannot_be_a_phone_number_is_refused(
    gateway: tuple[httpx.AsyncClient, FastAPI], phone: str
) -> None:
    client, _ = gateway
    response = await client.get("/v1/customers", params={"phone": phone})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert problem["errors"][0]["loc"] == ["query", "phone"]


# --- Paging a customer's orders ----------------------------------------------------------------


async def _all_pages(
    client: httpx.AsyncClient, connection: str, customer: dict[str, Any], limit: int
) -> list[list[str]]:
    """Every page's order ids, following next_cursor from the lookup's first page."""
    pages = [[o["id"] for o in customer["orders"]]]
    cursor = customer["next_cursor"]
    assert customer["has_more_orders"] is (cursor is not None)
    while cursor is not None:
        response = await client.get(
            f"/v1/connections/{connection}/customers/{customer['id']}/orders",
            params={"cursor": cursor, "limit": limit},
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert (page["connection"], page["customer_id"]) == (connection, customer["id"])
        assert all(o["available_actions"] is not None for o in page["orders"])
        pages.append([o["id"] for o in page["orders"]])
        cursor = page["next_cursor"]
        assert page["has_more_orders"] is (cursor is not None)
        assert len(pages) < 10
    return pages


@pytest.mark.parametrize(("connection", "count"), [(SHOPIFY, 6), (BIGCOMMERCE, 5)])
async def test_a_customers_orders_page_to_the_end_in_order(
    gateway: tuple[httpx.AsyncClient, FastAPI], connection: str, count: int
) -> None:
    client, _ = gateway
    everything = (await _lookup(client, email=AVA, orders_limit=50))[connection]
    [whole] = everything["customers"]
    assert (whole["has_more_orders"], whole["next_cursor"]) == (False, None)
    newest_first = [o["id"] for o in whole["orders"]]
    assert len(newest_first) == count

    [customer] = (await _lookup(client, email=AVA, orders_limit=2))[connection]["customers"]
    pages = await _all_pages(client, connection, customer, limit=2)
    assert [len(page) for page in pages] == [2, 2, count - 4]
    assert [order for page in pages for order in page] == newest_first


async def test_the_first_page_is_served_without_a_cursor(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _ = gateway
    [customer] = (await _lookup(client, email=AVA, orders_limit=3))[SHOPIFY]["customers"]
    response = await client.get(
        f"/v1/connections/{SHOPIFY}/customers/{customer['id']}/orders", params={"limit": 3}
    )
    assert response.status_code == 200, response.text
    assert [o["id"] for o in response.json()["orders"]] == [o["id"] for o in customer["orders"]]
    missing = await client.get(f"/v1/connections/{SHOPIFY}/customers/999999/orders")
    assert missing.status_code == 404
    assert missing.json()["code"] == "customer_not_found"


@pytest.mark.parametrize("orders_limit", [0, 51])
async def test_orders_limit_is_bounded(
    gateway: tuple[httpx.AsyncClient, FastAPI], orders_limit: int
) -> None:
    client, _ = gateway
    response = await client.get(
        "/v1/customers", params={"email": AVA, "orders_limit": orders_limit}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


async def test_a_cursor_that_is_not_this_connections_for_this_customer_is_refused(
    gateway: tuple[httpx.AsyncClient, FastAPI],
) -> None:
    client, _ = gateway
    results = await _lookup(client, email=AVA, orders_limit=1)
    [ava_shopify] = results[SHOPIFY]["customers"]
    [ava_bigcommerce] = results[BIGCOMMERCE]["customers"]
    cursor = ava_shopify["next_cursor"]
    payload, mac = cursor.split(".")
    flipped = ("A" if payload[0] != "A" else "B") + payload[1:]
    attempts = {
        "altered": (SHOPIFY, ava_shopify["id"], f"{flipped}.{mac}"),
        "garbage": (SHOPIFY, ava_shopify["id"], "!!not-a-cursor!!"),
        "no signature": (SHOPIFY, ava_shopify["id"], payload),
        "another customer": (SHOPIFY, "5500000999", cursor),
        "another connection": (BIGCOMMERCE, ava_bigcommerce["id"], cursor),
    }
    for what, (connection, customer_id, bad) in attempts.items():
        response = await client.get(
            f"/v1/connections/{connection}/customers/{customer_id}/orders", params={"cursor": bad}
        )
        assert response.status_code == 422, (what, response.text)
        problem = response.json()
        assert problem["code"] == "validation_error", what
        assert problem["errors"][0]["loc"] == ["query", "cursor"], what


async def test_each_connection_reads_a_local_number_in_its_own_region() -> None:
    sandbox = build_sandbox()
    connections = [
        c.model_copy(update={"phone_region": "GB"}) if c.id == BIGCOMMERCE else c
        for c in sandbox.config.connections
    ]
    config = sandbox.config.model_copy(update={"connections": connections})
    async with running_app(config, transports=sandbox.transports) as (client, _):
        results = await _lookup(client, phone="07700 900123")
        # Not a US number: Shopify (region US) is not asked, and says why.
        assert results[SHOPIFY]["customers"] == []
        [warning] = results[SHOPIFY]["warnings"]
        assert "not a phone number in US" in warning
        assert _emails(results[BIGCOMMERCE]) == ["carmen.ortiz@example.com"]
        # A number with its country code reads the same everywhere.
        results = await _lookup(client, phone="+1 (415) 555-0101")
        assert _emails(results[SHOPIFY]) == _emails(results[BIGCOMMERCE]) == [AVA]
