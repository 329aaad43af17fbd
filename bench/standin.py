"""The platform stand-in: a raw ASGI app answering the gateway's Shopify documents.

It reads ``operationName`` from the GraphQL body and answers the canned, schema-shaped answer
captured from the sandbox simulator (``bench/capture.py``; path in ``BENCH_CANNED``), after a
fixed latency taken from the path prefix: ``/lat50/admin/api/.../graphql.json`` waits 50 ms, so
one stand-in serves every latency variant (each is its own gateway connection). Its order is
refundable on every request: nothing it answers ever changes.

Run: ``BENCH_CANNED=canned.json uvicorn bench.standin:app --loop uvloop --http httptools``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from itertools import count
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_OPERATION = re.compile(rb'"operationName"\s*:\s*"([A-Za-z0-9_]+)"')
_LATENCY = re.compile(r"^/lat(\d+)/")
_JSON = (b"content-type", b"application/json")


def _load() -> dict[bytes, bytes]:
    answers = json.loads(Path(os.environ["BENCH_CANNED"]).read_text(encoding="utf-8"))
    return {name.encode(): json.dumps(body).encode() for name, body in answers.items()}


ANSWERS = _load()
NOT_FOUND = json.dumps({"errors": [{"message": "unknown operation"}]}).encode()
_ids = count(1)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"]  # lifespan.startup, then lifespan.shutdown
            await send({"type": kind + ".complete"})
            if kind == "lifespan.shutdown":
                return
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    latency = _LATENCY.match(scope["path"])
    if latency and int(latency[1]):
        await asyncio.sleep(int(latency[1]) / 1000)
    if scope["method"] == "GET":  # the paced generator's floor: an order, no parsing
        body = ANSWERS[b"OrderForAction"]
    else:
        found = _OPERATION.search(b"".join(chunks))
        body = ANSWERS.get(found[1], NOT_FOUND) if found else NOT_FOUND
    status = 200 if body is not NOT_FOUND else 400
    request_id = (b"x-request-id", str(next(_ids)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [_JSON, request_id]})
    await send({"type": "http.response.body", "body": body})
