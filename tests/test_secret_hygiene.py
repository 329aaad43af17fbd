"""Canary credentials: no token or Redis password reaches a log line, a response or an exception.

The sandbox is built with distinctive tokens ("canaries") in place of its random ones, the
helpdesk calls with a canary API key, and the idempotency store (and the callers' rate limits)
is a real Redis with a canary password. A broad run of scenarios on every platform (lookups,
reads, dry runs, every action, a replay, refusals, rejected tokens and keys, injected faults,
internal errors, Redis going away) is then searched for the canaries: the structlog and stdlib
lines printed, every stdlib log record, every response (status line, headers, body) and the
text and traceback of every exception that reached the client.
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from action_gateway.app import create_app
from action_gateway.config import ConfigError, GatewayConfig, parse_config
from action_gateway.logging import configure_logging
from action_gateway.platforms._http import RequestKind, UpstreamRequest
from action_gateway.settings import LogFormat, Settings
from action_gateway_sandbox import connections as sandbox_connections
from action_gateway_sandbox.connections import Sandbox, build_sandbox
from tests.redis_server import running_redis
from tests.sandbox_with_caller import unlimited_caller
from tests.test_logging import logging_restored

# Every canary holds MARKER (not hex, so no random id can contain it by chance): a line holding
# only part of a canary, as a truncated repr would, is caught too.
MARKER = "QZXJcanary"
# One token per simulated connection, and Magento's three other OAuth credentials.
SANDBOX_TOKENS = [f"{MARKER}-sandbox-token-{n}-7f3a9c41d2" for n in range(1, 9)]
REDIS_PASSWORD = f"{MARKER}-redis-password-5be1"
CALLER_KEY = f"{MARKER}-caller-api-key-3e8b0c6d2a"
WRONG_CALLER_KEY = f"{MARKER}-wrong-caller-api-key-91f4"

SHOPIFY = "sandbox-shopify"
BIGCOMMERCE = "sandbox-bigcommerce"
RECHARGE = "sandbox-recharge"
ORDERGROOVE = "sandbox-ordergroove"
MAGENTO = "sandbox-magento"
AVA = "ava.lindqvist@example.com"
AVA_PHONE = "+14155550101"
CARMEN = "carmen.ortiz@example.com"
OG_ESPRESSO, OG_FILTERS, OG_DESCALER = (f"5b{n:030d}" for n in (1, 2, 3))
OG_PREPAID = f"5b{5:030d}"
RC_BEANS, RC_OAT_MILK, RC_THIRD = "66300101", "66300102", "66300103"


def wrong_token(connection_id: str) -> str:
    return f"{MARKER}-wrong-token-{connection_id}-0d9e"


def canary_sandbox(monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """``build_sandbox`` with the canaries as its tokens, in its simulators and its config."""
    tokens = iter(SANDBOX_TOKENS)
    fake = SimpleNamespace(token_urlsafe=lambda nbytes=None: next(tokens))
    with monkeypatch.context() as patch:
        patch.setattr(sandbox_connections, "secrets", fake)
        sandbox = build_sandbox(deadline_seconds=8.0)
    used = sorted(
        secret.get_secret_value()
        for c in sandbox.config.connections
        for secret in (c.token, *c.secrets.values())
    )
    assert used == sorted(SANDBOX_TOKENS), "build_sandbox no longer draws these credentials"
    return sandbox


def with_caller(config: GatewayConfig) -> GatewayConfig:
    """The helpdesk, known by the SHA-256 of its (canary) API key."""
    return config.model_copy(update={"callers": [unlimited_caller("helpdesk", CALLER_KEY)]})


def with_wrong_tokens(config: GatewayConfig) -> GatewayConfig:
    """Every connection sends a canary its platform does not accept: each answers 401/403."""
    connections = [
        c.model_copy(update={"access_token": SecretStr(wrong_token(c.id))})
        for c in config.connections
    ]
    return config.model_copy(update={"connections": connections})


class Recorder:
    """Every response the client received, and the text of every exception it raised."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []
        self.exceptions: list[str] = []

    async def on_response(self, response: httpx.Response) -> None:
        await response.aread()
        self.responses.append(response)

    def texts(self) -> Iterator[tuple[str, str]]:
        for response in self.responses:
            head = f"{response.http_version} {response.status_code} {response.reason_phrase}"
            headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items())
            yield f"response to {response.request.url}", f"{head}\n{headers}\n\n{response.text}"
        for text in self.exceptions:
            yield "exception", text


@asynccontextmanager
async def gateway(
    sandbox: Sandbox, settings: Settings, recorder: Recorder, config: GatewayConfig | None = None
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    app = create_app(
        settings,
        config=with_caller(config or sandbox.config),
        sandbox=sandbox,
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://gateway.test",
            headers={"Authorization": f"Bearer {CALLER_KEY}"},
            event_hooks={"response": [recorder.on_response]},
        ) as client,
    ):
        yield client, app


async def expect(response: httpx.Response, status: int, code: str | None = None) -> Any:
    assert response.status_code == status, response.text
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    return body


def action(
    connection: str, name: str, target: dict[str, str], data: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": name,
        "target": target,
        "input": data or {},
        "context": {"agent_id": "agent-canary", "conversation_status": "open"},
    }


def discount(connection: str, customer_id: str, code: str, kind: str, value: str) -> dict[str, Any]:
    """A request for a one-month discount code ``code`` for the customer ``customer_id``."""
    data = {"code": code, "type": kind, "value": value, "expiry": "1_month"}
    return action(connection, "create_discount_code", {"customer_id": customer_id}, data)


async def act(
    client: httpx.AsyncClient, body: dict[str, Any], key: str | None = None
) -> httpx.Response:
    return await client.post(
        "/v1/actions", json=body, headers={"Idempotency-Key": key or str(uuid.uuid4())}
    )


async def reads_and_actions(client: httpx.AsyncClient) -> None:
    """Every read and action on every platform, as a helpdesk would send them."""
    for path in ("/healthz", "/readyz", "/v1/connections", "/v1/platforms", "/openapi.json"):
        await expect(await client.get(path), 200)
    wrong_key = {"Authorization": f"Bearer {WRONG_CALLER_KEY}"}
    await expect(await client.get("/v1/connections", headers=wrong_key), 401)

    found = await expect(
        await client.get("/v1/customers", params={"email": AVA, "conversation_status": "open"}),
        200,
    )
    results = {r["connection"]: r for r in found["results"]}
    [ava] = results[SHOPIFY]["customers"]
    assert ava["subscription_errors"] == []
    assert {s["connection"] for s in ava["subscriptions"]} == {ORDERGROOVE, RECHARGE}
    await expect(await client.get("/v1/customers", params={"phone": AVA_PHONE}), 200)
    carmen = await expect(await client.get("/v1/customers", params={"email": CARMEN}), 200)
    [carmen_bc] = next(r for r in carmen["results"] if r["connection"] == BIGCOMMERCE)["customers"]

    # Reads
    partly = await expect(await client.get(f"/v1/connections/{SHOPIFY}/orders/5500001003"), 200)
    await expect(
        await client.get(f"/v1/connections/{SHOPIFY}/orders", params={"name": "#1001"}), 200
    )
    await expect(await client.get(f"/v1/connections/{SHOPIFY}/orders/4040"), 404)
    await expect(await client.get(f"/v1/connections/{BIGCOMMERCE}/orders/110"), 200)
    await expect(await client.get(f"/v1/connections/{BIGCOMMERCE}/orders/9999"), 404)
    for connection, subscription in ((ORDERGROOVE, OG_ESPRESSO), (RECHARGE, RC_OAT_MILK)):
        await expect(
            await client.get(f"/v1/connections/{connection}/subscriptions/{subscription}"), 200
        )

    # Previews
    cancel_1001 = action(
        SHOPIFY, "cancel_and_refund_order", {"order_id": "5500001001"}, {"reason": "customer"}
    )
    await expect(await client.post("/v1/actions/preview", json=cancel_1001), 200)
    bc_partial = action(
        BIGCOMMERCE,
        "partial_refund_order",
        {"order_id": "110"},
        {"reason": "customer", "shipping_amount": "2.00"},
    )
    await expect(await client.post("/v1/actions/preview", json=bc_partial), 200)

    # Shopify: each action, a replay, a reused key, a not-eligible answer, a platform refusal
    key = str(uuid.uuid4())
    done = await act(client, cancel_1001, key)
    await expect(done, 200)
    replay = await act(client, cancel_1001, key)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == done.content
    other_body = {**cancel_1001, "input": {"reason": "inventory"}}
    await expect(await act(client, other_body, key), 422, "idempotency_key_reused")
    await expect(await act(client, cancel_1001), 409)
    line = next(i for i in partly["line_items"] if i["unfulfilled_quantity"] > 0)
    partial = {"reason": "customer", "line_items": [{"line_item_id": line["id"], "quantity": 1}]}
    for body in (
        action(SHOPIFY, "partial_refund_order", {"order_id": "5500001003"}, partial),
        action(SHOPIFY, "refund_order", {"order_id": "5500001004"}, {"reason": "customer"}),
        action(SHOPIFY, "edit_order_note", {"order_id": "5500001007"}, {"note": "Called back"}),
        action(SHOPIFY, "cancel_order", {"order_id": "5500001007"}, {"reason": "customer"}),
        discount(SHOPIFY, ava["id"], "SORRYCANARY", "percentage", "10"),
    ):
        await expect(await act(client, body), 200)
    refused = action(
        SHOPIFY, "cancel_and_refund_order", {"order_id": "5500001002"}, {"reason": "customer"}
    )
    await expect(await act(client, refused), 422, "platform_rejected")

    # BigCommerce
    for body in (
        action(BIGCOMMERCE, "cancel_order", {"order_id": "101"}, {"reason": "customer"}),
        action(BIGCOMMERCE, "refund_order", {"order_id": "103"}, {"reason": "other"}),
        bc_partial,
        action(BIGCOMMERCE, "cancel_and_refund_order", {"order_id": "111"}, {"reason": "customer"}),
        action(BIGCOMMERCE, "edit_order_note", {"order_id": "112"}, {"note": "Checked"}),
        discount(BIGCOMMERCE, carmen_bc["id"], "SORRY-CANARY", "fixed_amount", "5"),
    ):
        await expect(await act(client, body), 200)
    cancelled = action(BIGCOMMERCE, "cancel_order", {"order_id": "105"}, {"reason": "customer"})
    await expect(await act(client, cancelled), 409)
    offline = action(BIGCOMMERCE, "refund_order", {"order_id": "116"}, {"reason": "customer"})
    await expect(await act(client, offline), 422, "refund_not_supported_by_provider")

    # Subscriptions
    cancel_reason = {"reason": "1", "reason_details": "Moving abroad"}
    for body in (
        action(ORDERGROOVE, "skip_subscription_order", {"subscription_id": OG_ESPRESSO}),
        action(ORDERGROOVE, "cancel_subscription", {"subscription_id": OG_DESCALER}, cancel_reason),
        action(RECHARGE, "skip_subscription_order", {"subscription_id": RC_OAT_MILK}),
        action(RECHARGE, "cancel_subscription", {"subscription_id": RC_BEANS}, cancel_reason),
    ):
        await expect(await act(client, body), 200)
    prepaid = action(
        ORDERGROOVE, "cancel_subscription", {"subscription_id": OG_PREPAID}, cancel_reason
    )
    await expect(await act(client, prepaid), 409)


async def faults(client: httpx.AsyncClient, sandbox: Sandbox) -> None:
    """Injected platform faults: lost answers, 5xx, rate limits, an open circuit breaker."""
    simulators = sandbox.simulators
    # Answers lost after the platform executed a skip: reconciled by re-reading.
    simulators[ORDERGROOVE].faults.drop_after(
        operation="PATCH /orders/{order_id}/skip_subscription/"
    )
    og_skip = action(ORDERGROOVE, "skip_subscription_order", {"subscription_id": OG_FILTERS})
    await expect(await act(client, og_skip), 200)
    simulators[RECHARGE].faults.drop_after(operation="skipCharge")
    rc_skip = action(RECHARGE, "skip_subscription_order", {"subscription_id": RC_THIRD})
    await expect(await act(client, rc_skip), 200)
    # A note edit is not reconciled: its caller is told the outcome is unknown.
    simulators[SHOPIFY].faults.drop_after(operation="orderUpdate")
    note = action(SHOPIFY, "edit_order_note", {"order_id": "5500001010"}, {"note": "Lost answer"})
    assert (await expect(await act(client, note), 503))["outcome"] == "unknown"

    # A write answered 500 is not retried; reads fail after their retries.
    simulators[BIGCOMMERCE].faults.http_status(500)
    refund = action(BIGCOMMERCE, "refund_order", {"order_id": "114"}, {"reason": "customer"})
    await expect(await act(client, refund), 502)
    for _ in range(4):
        simulators[BIGCOMMERCE].faults.rate_limit(reset_ms=10)
        simulators[RECHARGE].faults.drop_before()
        simulators[ORDERGROOVE].faults.http_status(503)
        simulators[SHOPIFY].faults.throttle()
    for path, code in (
        (f"/v1/connections/{BIGCOMMERCE}/orders/110", "upstream_rate_limited"),
        (f"/v1/connections/{RECHARGE}/subscriptions/{RC_THIRD}", "upstream_unavailable"),
        (f"/v1/connections/{ORDERGROOVE}/subscriptions/{OG_FILTERS}", "upstream_unavailable"),
        (f"/v1/connections/{SHOPIFY}/orders/5500001003", "upstream_rate_limited"),
    ):
        await expect(await client.get(path), 503, code)
    for _ in range(5):  # five failures in a row open Shopify's circuit breaker
        simulators[SHOPIFY].faults.http_status(503)
    await expect(await client.get(f"/v1/connections/{SHOPIFY}/orders/5500001003"), 503)
    await expect(
        await client.get(f"/v1/connections/{SHOPIFY}/orders/5500001003"),
        503,
        "upstream_circuit_open",
    )


async def internal_errors(
    client: httpx.AsyncClient, app: FastAPI, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in an adapter: the token sits in a local of the failing frame, as in a real one."""
    connection = app.state.services.connections[BIGCOMMERCE]
    token = connection.config.token

    async def broken_get_order(order_id: str, **_: Any) -> None:
        headers = {"X-Auth-Token": token.get_secret_value()}
        raise RuntimeError(f"adapter bug reading order {order_id} with headers {sorted(headers)}")

    monkeypatch.setattr(connection.adapter, "get_order", broken_get_order)
    cancel = action(BIGCOMMERCE, "cancel_order", {"order_id": "104"}, {"reason": "customer"})
    await expect(await act(client, cancel), 500)
    # Outside an action the exception reaches the ASGI server (here: the test's client).
    with pytest.raises(RuntimeError) as raised:
        await client.get(f"/v1/connections/{BIGCOMMERCE}/orders/104")
    recorder.exceptions.append("".join(traceback.format_exception(raised.value)))


async def rejected_tokens(sandbox: Sandbox, recorder: Recorder) -> None:
    """Every platform refuses the token it is sent (itself a canary)."""
    settings = Settings(config=None)
    async with gateway(sandbox, settings, recorder, with_wrong_tokens(sandbox.config)) as (
        client,
        _,
    ):
        found = await expect(await client.get("/v1/customers", params={"email": AVA}), 200)
        codes = {r["connection"]: r["error"]["code"] for r in found["results"]}
        assert codes == dict.fromkeys((SHOPIFY, BIGCOMMERCE, MAGENTO), "upstream_auth_failed")
        for path in (
            f"/v1/connections/{SHOPIFY}/orders/5500001003",
            f"/v1/connections/{BIGCOMMERCE}/orders/110",
            f"/v1/connections/{ORDERGROOVE}/subscriptions/{OG_ESPRESSO}",
            f"/v1/connections/{RECHARGE}/subscriptions/{RC_OAT_MILK}",
        ):
            await expect(await client.get(path), 502, "upstream_auth_failed")
        note = action(SHOPIFY, "edit_order_note", {"order_id": "5500001003"}, {"note": "x"})
        await expect(await act(client, note), 502, "upstream_auth_failed")


def assert_no_canary(where: str, text: str) -> None:
    at = text.find(MARKER)
    assert at < 0, f"a canary leaked into {where}: ...{text[max(0, at - 300) : at + 100]}..."


async def test_no_credential_reaches_logs_responses_or_exceptions(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    with logging_restored(), ExitStack() as redis:
        configure_logging(LogFormat.JSON, "debug")
        for name in ("", "httpx", "httpcore"):  # every stdlib record, httpx's URLs included
            caplog.set_level(logging.DEBUG, logger=name)
        redis_url = redis.enter_context(running_redis(tmp_path / "redis", password=REDIS_PASSWORD))
        settings = Settings(config=None, redis_url=redis_url)
        sandbox = canary_sandbox(monkeypatch)
        async with gateway(sandbox, settings, recorder) as (client, app):
            await reads_and_actions(client)
            await faults(client, sandbox)
            await internal_errors(client, app, recorder, monkeypatch)
            metrics = await client.get("/metrics")  # its labels hold no secret either
            assert metrics.status_code == 200
            assert "action_gateway_actions_total" in metrics.text
            redis.close()  # Redis goes away: actions fail closed
            note = action(BIGCOMMERCE, "edit_order_note", {"order_id": "112"}, {"note": "later"})
            await expect(await act(client, note), 503)
        await rejected_tokens(canary_sandbox(monkeypatch), recorder)
        captured = capsys.readouterr()

    printed = captured.out + captured.err
    # The run did what it says: the searched texts hold what a leak would be in.
    assert {r.status_code for r in recorder.responses} >= {200, 401, 404, 409, 422, 500, 502, 503}
    for expected in (
        '"event": "upstream_request"',
        '"outcome": "internal_error"',
        '"event": "unhandled_error"',
        '"reason": "circuit_open"',
        '"event": "idempotency_store_failed"',
        '"backend": "redis", "in_flight_seconds"',
        '"logger": "httpx"',
        '"exc_value": "adapter bug reading order 104',
    ):
        assert expected in printed, expected
    assert any(r.name == "httpx" for r in caplog.records)

    assert_no_canary("the printed log lines", printed)
    for record in caplog.records:
        exc_text = "".join(traceback.format_exception(*record.exc_info)) if record.exc_info else ""
        assert_no_canary(f"the {record.name} log record", f"{vars(record)!r}\n{exc_text}")
    for where, text in recorder.texts():
        assert_no_canary(where, text)


def test_config_and_settings_never_show_their_secrets() -> None:
    shop = {"id": "shop", "platform": "shopify", "shop": "a.myshopify.com"}
    og = {"id": "og", "platform": "ordergroove", "linked_connection": "shop"}
    document = {
        "connections": [{**shop, "access_token_env": "T1"}, {**og, "access_token_env": "T2"}]
    }
    config = parse_config(document, environ={"T1": SANDBOX_TOKENS[0], "T2": SANDBOX_TOKENS[1]})
    assert config.connections[0].token.get_secret_value() == SANDBOX_TOKENS[0]
    settings = Settings(config=None, redis_url=f"redis://:{REDIS_PASSWORD}@127.0.0.1:6379/0")
    assert settings.redis_url is not None
    assert REDIS_PASSWORD in settings.redis_url.get_secret_value()
    texts = {
        "repr(config)": repr(config),
        "str(config)": str(config),
        "config.model_dump()": repr(config.model_dump()),
        "config.model_dump_json()": config.model_dump_json(),
        "repr(settings)": repr(settings),
        "str(settings)": str(settings),
        "settings.model_dump()": repr(settings.model_dump()),
        "settings.model_dump_json()": settings.model_dump_json(),
        "repr(UpstreamRequest)": repr(
            UpstreamRequest(
                platform="shopify",
                connection="shop",
                operation="Order",
                kind=RequestKind.READ,
                method="POST",
                url="https://a.myshopify.com/admin/api/2026-07/graphql.json",
                headers={"X-Shopify-Access-Token": SANDBOX_TOKENS[0]},
            )
        ),
    }
    for connection in config.connections:
        texts[f"{connection.id}.model_dump()"] = repr(connection.model_dump())
        texts[f"{connection.id}.model_dump(mode='json')"] = repr(connection.model_dump(mode="json"))
        texts[f"{connection.id}.model_dump_json()"] = connection.model_dump_json()
        texts[f"repr({connection.id})"] = repr(connection)
    for where, text in texts.items():
        assert_no_canary(where, text)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("access_token", SANDBOX_TOKENS[0]),  # an inline secret
        ("access_token_env", SANDBOX_TOKENS[0]),  # the token pasted where its variable's name goes
    ],
)
def test_a_config_error_does_not_echo_a_misplaced_token(field: str, value: str) -> None:
    document = {
        "connections": [
            {"id": "shop", "platform": "shopify", "shop": "a.myshopify.com", field: value}
        ]
    }
    with pytest.raises(ConfigError) as raised:
        parse_config(document, environ={})
    assert_no_canary("the ConfigError", "".join(traceback.format_exception(raised.value)))
