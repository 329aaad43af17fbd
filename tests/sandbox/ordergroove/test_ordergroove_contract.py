"""Every seeded record and action answer of the simulator is the shared spec's shape (the
validator's own tests are in tests/contracts/test_ordergroove.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.ordergroove import OrdergrooveSimulator
from tests.contracts.hooks import contract_checked_client
from tests.contracts.ordergroove import validate_httpx_request, validate_response
from tests.shared_specs import require_spec

KEY = "og-contract-key"
BASE = "https://restapi.ordergroove.com"
HEADERS = {"x-api-key": KEY, "X-OG-API-VERSION": "2"}


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    require_spec("ordergroove/openapi.yaml")


def _client(sim: OrdergrooveSimulator) -> httpx.AsyncClient:
    return contract_checked_client(
        sim.transport(),
        BASE,
        HEADERS,
        validate_request=validate_httpx_request,
        validate_response=validate_response,
    )


async def _records(client: httpx.AsyncClient, url: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    next_url: str | None = url
    while next_url:
        page = (await client.get(next_url, params=None)).json()
        found += page["results"]
        next_url = page["next"]
    return found


async def test_every_seeded_record_and_action_answer_validates() -> None:
    sim = OrdergrooveSimulator(access_token=KEY, now=datetime(2026, 5, 31, 8, 0))
    samples: dict[str, dict[str, Any]] = {}
    async with _client(sim) as c:
        for customer in ("7410001", "7410002", "7410003", "7410004"):
            assert (await c.get(f"/customers/{customer}/")).status_code == 200
            subs = await _records(c, f"/subscriptions/?customer={customer}&page_size=2")
            orders = await _records(c, f"/orders/?customer={customer}&page_size=2")
            for s in subs:
                assert (await c.get(f"/subscriptions/{s['public_id']}/")).status_code == 200
                assert (await c.get(f"/products/{s['product']}/")).status_code == 200
                samples["subscription"] = s
            for o in orders:
                assert (await c.get(f"/orders/{o['public_id']}/")).status_code == 200
                for i in await _records(c, f"/items/?order={o['public_id']}&page_size=3"):
                    assert (await c.get(f"/items/{i['public_id']}/")).status_code == 200
                samples["order"] = o
        skipped = await c.patch(
            f"/orders/0d{2:030x}/skip_subscription/", json={"subscription": f"5b{1:030x}"}
        )
        cancelled = await c.patch(
            f"/subscriptions/5b{2:030x}/cancel/", json={"cancel_reason": "1|Too much"}
        )
        refused = await c.patch(f"/subscriptions/5b{5:030x}/cancel/")
    assert (skipped.status_code, cancelled.status_code, refused.status_code) == (200, 200, 400)
    assert set(samples) == {"subscription", "order"}
