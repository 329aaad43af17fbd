"""The bare passthrough: FastAPI and one HTTP client, making the gateway's upstream calls.

Each route mirrors one benchmarked gateway route and sends the same Shopify documents to the
same stand-in (``BENCH_UPSTREAM``, a base URL with its latency prefix), the same number of
times, and answers the platform's JSON with no gateway logic: the ceiling the stack allows.
``BENCH_CLIENT`` picks the client:

  aiohttp        one shared aiohttp.ClientSession (the fastest client measured)
  httpx          one shared httpx.AsyncClient on its own transport
  httpx-aiohttp  httpx.AsyncClient over the httpx-aiohttp package's transport
  gateway        httpx.AsyncClient over the gateway's AiohttpTransport

Run: ``BENCH_UPSTREAM=http://127.0.0.1:9000/lat0 uvicorn bench.passthrough:app``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import httpx
from fastapi import FastAPI, Request

from action_gateway.platforms._transport import AiohttpTransport
from action_gateway.platforms.shopify.operations import (
    CUSTOMER_BY_IDENTIFIER,
    ORDER,
    SUGGESTED_REFUND,
    Operation,
    refund_create,
)

API_PATH = "/admin/api/2026-07/graphql.json"
SHOPS = ("a", "b", "c")
REFUND_CREATE = refund_create("2026-07")
Post = Callable[[str, dict[str, Any]], Awaitable[Any]]


def _document(operation: Operation, variables: dict[str, Any]) -> dict[str, Any]:
    return {
        "query": operation.document,
        "variables": variables,
        "operationName": operation.name,
    }


def _url(shop: str) -> str:
    # The gateway's three connections are three shops on one stand-in; so are these.
    return os.environ["BENCH_UPSTREAM"] + API_PATH


@asynccontextmanager
async def _client() -> AsyncIterator[Post]:
    name = os.environ.get("BENCH_CLIENT", "aiohttp")
    headers = {"X-Shopify-Access-Token": "bench-token", "Accept": "application/json"}
    if name == "aiohttp":
        connector = aiohttp.TCPConnector(limit=1000)
        async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

            async def post_aiohttp(url: str, body: dict[str, Any]) -> Any:
                async with session.post(url, json=body) as response:
                    return await response.json()

            yield post_aiohttp
        return
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=1000)
    transport: httpx.AsyncBaseTransport
    if name == "httpx":
        transport = httpx.AsyncHTTPTransport(limits=limits)
    elif name == "httpx-aiohttp":
        from httpx_aiohttp import AiohttpTransport as LibraryTransport

        transport = LibraryTransport(limits=limits)
    elif name == "gateway":
        transport = AiohttpTransport(limits=limits)
    else:
        raise SystemExit(f"BENCH_CLIENT {name!r}: aiohttp, httpx, httpx-aiohttp or gateway")
    async with httpx.AsyncClient(transport=transport, headers=headers) as client:

        async def post_httpx(url: str, body: dict[str, Any]) -> Any:
            return (await client.post(url, json=body)).json()

        yield post_httpx


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with _client() as post:
        app.state.post = post
        yield


app = FastAPI(lifespan=lifespan)


@app.get("/v1/connections/{connection}/orders/{order_id}")
async def order(connection: str, order_id: str, request: Request) -> Any:
    post: Post = request.app.state.post
    gid = f"gid://shopify/Order/{order_id}"
    data = await post(_url("a"), _document(ORDER, {"id": gid}))
    return data["data"]["order"]


@app.get("/v1/customers")
async def customers(email: str, request: Request) -> Any:
    post: Post = request.app.state.post
    variables = {"identifier": {"emailAddress": email}, "ordersFirst": 10}
    answers = await asyncio.gather(
        *(post(_url(shop), _document(CUSTOMER_BY_IDENTIFIER, variables)) for shop in SHOPS)
    )
    return {"results": [answer["data"] for answer in answers]}


@app.post("/v1/actions")
async def refund(request: Request) -> Any:
    post: Post = request.app.state.post
    body = await request.json()
    gid = f"gid://shopify/Order/{body['target']['order_id']}"
    before = await post(_url("a"), _document(ORDER, {"id": gid}))
    suggested = await post(_url("a"), _document(SUGGESTED_REFUND, {"id": gid}))
    key = request.headers.get("idempotency-key", "")
    created = await post(
        _url("a"),
        _document(REFUND_CREATE, {"input": {"orderId": gid}, "idempotencyKey": key}),
    )
    after = await post(_url("a"), _document(ORDER, {"id": gid}))
    return {
        "status": "succeeded",
        "refund": created["data"],
        "suggested": suggested["data"]["order"]["id"],
        "before": before["data"]["order"]["id"],
        "resource": after["data"]["order"],
    }


@app.post("/v1/eligibility")
async def eligibility(request: Request) -> Any:
    body = await request.json()
    return {"platform": body["platform"], "decisions": [], "available_actions": []}
