"""CPU per request of the gateway in process, and where it goes: the tool behind the profile.

The app is driven by raw ASGI calls (no HTTP server, no load generator), one request at a
time, against the stand-in over loopback with the production transport, logs as in
production (JSON at info, to /dev/null). It prints the process CPU time per request of each
route; with ``--profile`` it prints cProfile's top functions, by own time, for one route.

Usage: python -m bench.inprocess [--requests 3000] [--profile order|refund|eligibility]
                                 [--sort tottime|cumulative] [--top 40] [--save FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import uvloop
import yaml

from bench.capture import ORDER_ID, REFUND_BODY, write_canned
from bench.run import ELIGIBILITY_BODY, TOKEN_ENV, free_port


class AsgiDriver:
    """One request through the app's ASGI callable, answered in memory."""

    def __init__(self, app: Any, key: str) -> None:
        self.app = app
        self.headers = [(b"authorization", f"Bearer {key}".encode()), (b"host", b"gw")]
        self.counter = 0

    async def __call__(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        self.counter += 1
        payload = b"" if body is None else json.dumps(body).encode()
        headers = list(self.headers)
        if body is not None:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"idempotency-key", f"inproc-{self.counter}".encode()),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
        }
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": payload, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def _run(args: argparse.Namespace, standin_url: str, workdir: Path) -> None:
    from action_gateway.app import create_app
    from action_gateway.auth import hash_key
    from action_gateway.logging import configure_logging
    from action_gateway.settings import LogFormat, Settings

    key = secrets.token_urlsafe(32)
    config = workdir / "gateway.yaml"
    document = {
        "deadline_seconds": 15,
        "connections": [
            {
                "id": "shop",
                "platform": "shopify",
                "shop": "bench.myshopify.com",
                "api_base_url": f"{standin_url}/lat0",
                "access_token_env": TOKEN_ENV,
            }
        ],
        "callers": [
            {
                "id": "bench",
                "key_sha256": hash_key(key),
                "connections": ["shop"],
                "actions": ["refund_order"],
                "requests_per_minute": 100_000,
            }
        ],
    }
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    os.environ[TOKEN_ENV] = "bench-token"
    sys.stdout = open(os.devnull, "w")  # noqa: ASYNC230, SIM115 - once, for the process's life
    configure_logging(LogFormat.JSON, os.environ.get("BENCH_LOG_LEVEL", "info"))
    app = create_app(Settings(config=config))
    drive = AsgiDriver(app, key)
    routes: dict[str, Callable[[], Awaitable[int]]] = {
        "order": lambda: drive("GET", f"/v1/connections/shop/orders/{ORDER_ID}"),
        "eligibility": lambda: drive("POST", "/v1/eligibility", ELIGIBILITY_BODY),
        "refund": lambda: drive("POST", "/v1/actions", {**REFUND_BODY, "connection": "shop"}),
    }
    figures: dict[str, float] = {}
    async with app.router.lifespan_context(app):
        for name, call in routes.items():
            for _ in range(50):  # warm-up: connections, memos
                status = await call()
                if status != 200:
                    raise SystemExit(f"{name} answered {status}")
            profiler = cProfile.Profile() if args.profile == name else None
            started = time.process_time()
            if profiler:
                profiler.enable()
            for _ in range(args.requests):
                await call()
            if profiler:
                profiler.disable()
            figures[name] = (time.process_time() - started) / args.requests * 1e6
            if profiler:
                out = io.StringIO()
                stats = pstats.Stats(profiler, stream=out)
                stats.sort_stats(args.sort).print_stats(args.top)
                if args.save:
                    profiler.dump_stats(args.save)
                print(out.getvalue(), file=sys.__stdout__)
    for name, micros in figures.items():
        print(f"{name:12} {micros:8.0f} µs CPU per request", file=sys.__stdout__)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=("order", "refund", "eligibility"))
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--save", help="also write the cProfile stats to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        canned = workdir / "canned.json"
        write_canned(canned)
        port = free_port()
        standin = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "bench.standin:app", "--port", str(port)),
                *("--loop", "uvloop", "--http", "httptools", "--log-level", "warning"),
            ],
            env={**os.environ, "BENCH_CANNED": str(canned)},
        )
        try:
            time.sleep(1.5)
            uvloop.run(_run(args, f"http://127.0.0.1:{port}", workdir))
        finally:
            standin.terminate()
            standin.wait()


if __name__ == "__main__":
    main()
