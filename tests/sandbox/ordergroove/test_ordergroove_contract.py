"""The contract check itself: every seeded record validates, and wrong shapes are caught."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx
import pytest

from action_gateway.sandbox.ordergroove import OrdergrooveSimulator
from tests.sandbox.ordergroove import validate_httpx_request, validate_response
from tests.shared_specs import require_spec

KEY = "og-contract-key"
BASE = "https://restapi.ordergroove.com"
HEADERS = {"x-api-key": KEY, "X-OG-API-VERSION": "2"}


@pytest.fixture(autouse=True)
def _spec_present() -> None:
    require_spec("ordergroove/openapi.yaml")


async def _check_request(request: httpx.Request) -> None:
    validate_httpx_request(request)


async def _check_response(response: httpx.Response) -> None:
    await response.aread()
    request = response.request
    validate_response(request.method, str(request.url), response.status_code, response.json())


def _client(sim: OrdergrooveSimulator) -> httpx.AsyncClient:
    hooks: dict[str, list[Callable[..., Any]]] = {
        "request": [_check_request],
        "response": [_check_response],
    }
    return httpx.AsyncClient(
        transport=sim.transport(), base_url=BASE, headers=HEADERS, event_hooks=hooks
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


GOOD_SUBSCRIPTION: dict[str, Any] = {
    "public_id": "5b" + "0" * 30,
    "customer": "7410001",
    "merchant": "m",
    "product": "COF-ESP-1KG",
    "quantity": 1,
    "frequency_days": 14,
    "every": 2,
    "every_period": 2,
    "start_date": "2026-01-01",
    "live": True,
    "created": "2026-01-01 10:00:00",
    "updated": "2026-01-01 10:00:00",
}
SUB_URL = f"{BASE}/subscriptions/{'5b' + '0' * 30}/"


DELETE = object()


def _broken(**changes: Any) -> dict[str, Any]:
    body = copy.deepcopy(GOOD_SUBSCRIPTION)
    for key, value in changes.items():
        if value is DELETE:
            del body[key]
        else:
            body[key] = value
    return body


def test_the_known_good_shape_passes() -> None:
    validate_response("GET", SUB_URL, 200, GOOD_SUBSCRIPTION)
    validate_response("PATCH", SUB_URL + "cancel/", 200, GOOD_SUBSCRIPTION)
    validate_response("GET", f"{BASE}/subscriptions/", 200, {
        "next": None, "previous": None, "results": [GOOD_SUBSCRIPTION]
    })  # fmt: skip


@pytest.mark.parametrize(
    ("method", "url", "status", "body"),
    [
        ("GET", SUB_URL, 200, _broken(every_period=5)),  # not a period code
        ("GET", SUB_URL, 200, _broken(live="true")),  # a string, not a boolean
        ("GET", SUB_URL, 200, _broken(quantity="1")),  # a string, not an integer
        ("GET", SUB_URL, 200, _broken(public_id=DELETE)),  # required
        ("GET", SUB_URL, 200, _broken(prepaid_subscription_context=[])),  # an object if present
        ("PATCH", SUB_URL + "cancel/", 200, _broken(quantity=0)),  # uncovered op: Subscription
        ("GET", SUB_URL, 404, {"detail": "x", "code": "not_found"}),  # Error allows no extras
        ("GET", SUB_URL, 403, {"message": "Authentication Failed"}),
        ("GET", f"{BASE}/subscriptions/", 200, {"results": []}),  # next/previous required
        ("GET", f"{BASE}/orders/", 200, {"next": None, "previous": None,
                                        "results": [{"public_id": "x", "status": 2}]}),
        ("GET", f"{BASE}/orders/", 429, {"detail": 429}),  # undocumented status: Error shape
        ("GET", SUB_URL, 201, GOOD_SUBSCRIPTION),  # undocumented success
    ],
)  # fmt: skip
def test_wrong_response_shapes_fail(method: str, url: str, status: int, body: Any) -> None:
    with pytest.raises(AssertionError):
        validate_response(method, url, status, body)


@pytest.mark.parametrize(
    "request_",
    [
        httpx.Request("PATCH", f"{BASE}/orders/{'0d' * 16}/skip_subscription/",
                      json={"subscription": 1}, headers=HEADERS),
        httpx.Request("PATCH", f"{BASE}/orders/{'0d' * 16}/skip_subscription/",
                      json={"subscription": "a", "order": "b"}, headers=HEADERS),
        httpx.Request("GET", f"{BASE}/subscriptions/?customer=1&page_size=500", headers=HEADERS),
        httpx.Request("GET", f"{BASE}/orders/?customer=1&status=2", headers=HEADERS),
        httpx.Request("GET", f"{BASE}/orders/?customer=1", headers={"X-OG-API-VERSION": "3",
                                                                   "x-api-key": KEY}),
        httpx.Request("GET", f"{BASE}/subscriptions/?customer=1"),  # no x-api-key
    ],
)  # fmt: skip
def test_wrong_requests_fail(request_: httpx.Request) -> None:
    with pytest.raises(AssertionError):
        validate_httpx_request(request_)


def test_good_requests_pass() -> None:
    validate_httpx_request(
        httpx.Request("PATCH", f"{BASE}/orders/{'0d' * 16}/skip_subscription/",
                      json={"subscription": "5b" * 16}, headers=HEADERS)
    )  # fmt: skip
    validate_httpx_request(
        httpx.Request("GET", f"{BASE}/items/?subscription=x&status=1&page_size=100",
                      headers=HEADERS)
    )  # fmt: skip
