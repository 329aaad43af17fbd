"""Callers, scopes, per-caller idempotency, refund ceilings and rate limits, on the sandbox."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from action_gateway.app import create_app
from action_gateway.auth import hash_key
from action_gateway.config import ActionsConfig, CallerConfig, GatewayConfig
from action_gateway.logging import configure_logging
from action_gateway.settings import LogFormat, Settings
from action_gateway_sandbox.connections import build_sandbox

PROBLEM = "application/problem+json"
AVA = "ava.lindqvist@example.com"
SHOPIFY, BIGCOMMERCE = "sandbox-shopify", "sandbox-bigcommerce"
ORDERGROOVE, RECHARGE = "sandbox-ordergroove", "sandbox-recharge"
MAGENTO = "sandbox-magento"
KEYS = {
    "helpdesk-a": "key-a-3b1f0d6c9e8a47c2b5d4e3f2a1b0c9d8",
    "helpdesk-b": "key-b-8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
    "reader": "key-r-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "tiny": "key-t-55aa55aa55aa55aa55aa55aa55aa55aa",
}
CALLERS = [
    CallerConfig(
        id="helpdesk-a",
        key_sha256=[hash_key(KEYS["helpdesk-a"])],
        connections=[SHOPIFY, RECHARGE],
        actions="*",
    ),
    CallerConfig(
        id="helpdesk-b", key_sha256=[hash_key(KEYS["helpdesk-b"])], connections="*", actions="*"
    ),
    CallerConfig(id="reader", key_sha256=[hash_key(KEYS["reader"])], connections="*", actions=[]),
    CallerConfig(
        id="tiny",
        key_sha256=[hash_key(KEYS["tiny"])],
        connections=[SHOPIFY],
        actions=["edit_order_note"],
        requests_per_minute=2,
    ),
]


def auth(caller: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {KEYS[caller]}"}


@asynccontextmanager
async def secured(
    *,
    callers: list[CallerConfig] | None = CALLERS,
    shopify_actions: ActionsConfig | None = None,
    peer: str = "127.0.0.1",
) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI, dict[str, Any]]]:
    sandbox = build_sandbox()
    connections = [
        c.model_copy(update={"actions": shopify_actions})
        if c.id == SHOPIFY and shopify_actions is not None
        else c
        for c in sandbox.config.connections
    ]
    config: GatewayConfig = sandbox.config.model_copy(
        update={"callers": callers, "connections": connections}
    )
    app = create_app(
        Settings(config=None),
        config=config,
        sandbox=sandbox,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, app, sandbox.simulators


def note(order_id: str, text: str, connection: str = SHOPIFY) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": "edit_order_note",
        "target": {"order_id": order_id},
        "input": {"note": text},
        "context": {"agent_id": "agent-1"},
    }


def refund(order_id: str, roles: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "connection": SHOPIFY,
        "action": "refund_order",
        "target": {"order_id": order_id},
        "input": {"reason": "customer"},
        "context": {"agent_id": "agent-1", "agent_roles": roles},
        **extra,
    }


def new_key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


# --- 401: every operation but the probes needs a key ----------------------------------------


def _operations(app: FastAPI) -> Iterator[tuple[str, str]]:
    """Every documented /v1 operation, path parameters filled in."""
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/v1/"):
            for method in operations:
                yield method.upper(), re.sub(r"\{[^}]+\}", "x", path)


async def test_every_v1_operation_refuses_a_missing_or_wrong_key() -> None:
    async with secured() as (client, app, _):
        operations = sorted(_operations(app))
        assert len(operations) >= 9  # every operation of the API, found from the app itself
        for method, path in operations:
            for headers, error in (({}, None), ({"Authorization": "Bearer nope"}, "invalid_token")):
                answer = await client.request(method, path, headers=headers, json={})
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.headers["content-type"] == PROBLEM
                assert answer.json()["code"] == "unauthenticated"
                challenge = answer.headers["WWW-Authenticate"]
                assert challenge.startswith('Bearer realm="action-gateway"')
                assert (error is None) == ("invalid_token" not in challenge)
        for scheme in ("Basic a2V5OnNlY3JldA==", f"Token {KEYS['helpdesk-a']}", "Bearer "):
            refused = await client.get("/v1/connections", headers={"Authorization": scheme})
            assert refused.status_code == 401, scheme


async def test_probes_and_the_spec_need_no_key() -> None:
    async with secured() as (client, _, _):
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            assert (await client.get(path)).status_code == 200, path


async def test_a_valid_key_is_accepted_and_names_the_caller_in_the_event() -> None:
    async with secured() as (client, _, _):
        listed = await client.get("/v1/connections", headers=auth("helpdesk-b"))
        assert listed.status_code == 200
        done = await client.post(
            "/v1/actions",
            json=note("5500001007", "called back"),
            headers={**auth("helpdesk-a"), **new_key()},
        )
        assert done.status_code == 200, done.text
        actor = done.json()["timeline_event"]["actor"]
        assert actor == {"agent_id": "agent-1", "agent_roles": [], "caller": "helpdesk-a"}


# --- 403: scopes -------------------------------------------------------------------------------


async def test_connection_scope_cannot_be_escaped_on_any_endpoint() -> None:
    """helpdesk-a may use the Shopify and Recharge connections only."""
    a = auth("helpdesk-a")
    async with secured() as (client, _, _):
        attempts = [
            client.get(f"/v1/connections/{BIGCOMMERCE}/orders/100", headers=a),
            client.get(f"/v1/connections/{BIGCOMMERCE}/orders", params={"name": "#100"}, headers=a),
            client.get(f"/v1/connections/{ORDERGROOVE}/subscriptions/x", headers=a),
            client.get("/v1/connections/no-such-connection/orders/1", headers=a),
            client.post(
                "/v1/eligibility",
                json={
                    "platform": "bigcommerce",
                    "connection": BIGCOMMERCE,
                    "resource": {"type": "customer"},
                },
                headers=a,
            ),
            client.post(
                "/v1/actions", json=note("100", "x", BIGCOMMERCE), headers={**a, **new_key()}
            ),
            client.post("/v1/actions/preview", json=note("100", "x", BIGCOMMERCE), headers=a),
        ]
        for answer in await asyncio.gather(*attempts):
            assert answer.status_code == 403, (answer.request.url, answer.text)
            assert answer.json()["code"] == "connection_forbidden"
        # Listings and the customer fan-out show only what the caller may use.
        listed = await client.get("/v1/connections", headers=a)
        assert {c["id"] for c in listed.json()["connections"]} == {SHOPIFY, RECHARGE}
        found = (await client.get("/v1/customers", params={"email": AVA}, headers=a)).json()
        assert [r["connection"] for r in found["results"]] == [SHOPIFY]
        [customer] = found["results"][0]["customers"]
        assert {s["connection"] for s in customer["subscriptions"]} == {RECHARGE}
        everyone = (
            await client.get("/v1/customers", params={"email": AVA}, headers=auth("helpdesk-b"))
        ).json()
        assert {r["connection"] for r in everyone["results"]} == {SHOPIFY, BIGCOMMERCE, MAGENTO}
        [customer] = next(r for r in everyone["results"] if r["connection"] == SHOPIFY)["customers"]
        assert {s["connection"] for s in customer["subscriptions"]} == {RECHARGE, ORDERGROOVE}


async def test_read_only_and_action_scoped_callers_cannot_act() -> None:
    async with secured() as (client, _, simulators):
        before = len(simulators[SHOPIFY].ledger)
        reader = auth("reader")
        order = await client.get(f"/v1/connections/{SHOPIFY}/orders/5500001002", headers=reader)
        assert order.status_code == 200
        for path in ("/v1/actions", "/v1/actions/preview"):
            body = refund("5500001002", [])
            denied = await client.post(path, json=body, headers={**reader, **new_key()})
            assert denied.status_code == 403
            assert denied.json()["code"] == "action_forbidden"
            assert "read-only" in denied.json()["detail"]
        narrow = await client.post(
            "/v1/actions", json=refund("5500001002", []), headers={**auth("tiny"), **new_key()}
        )
        assert narrow.status_code == 403
        assert narrow.json()["code"] == "action_forbidden"
        assert len(simulators[SHOPIFY].ledger) == before


# --- per-caller idempotency ----------------------------------------------------------------


async def test_the_same_key_from_two_callers_is_two_actions() -> None:
    key = {"Idempotency-Key": "shared-key-1"}
    async with secured() as (client, _, simulators):
        a, b = await asyncio.gather(
            client.post(
                "/v1/actions",
                json=note("5500001007", "from a"),
                headers={**auth("helpdesk-a"), **key},
            ),
            client.post(
                "/v1/actions",
                json=note("5500001008", "from b"),
                headers={**auth("helpdesk-b"), **key},
            ),
        )
        assert (a.status_code, b.status_code) == (200, 200), (a.text, b.text)
        assert "Idempotent-Replayed" not in a.headers
        assert "Idempotent-Replayed" not in b.headers
        # The same body with the same key from the other caller is not handed a's answer.
        other_key = {"Idempotency-Key": "shared-key-2"}
        first = await client.post(
            "/v1/actions",
            json=note("5500001007", "same"),
            headers={**auth("helpdesk-a"), **other_key},
        )
        same = await client.post(
            "/v1/actions",
            json=note("5500001007", "same"),
            headers={**auth("helpdesk-b"), **other_key},
        )
        assert first.status_code == 200
        assert same.status_code == 200
        assert "Idempotent-Replayed" not in same.headers
        assert same.json()["timeline_event"]["actor"]["caller"] == "helpdesk-b"
        # Each caller's own retry replays its own answer.
        again = await client.post(
            "/v1/actions", json=note("5500001007", "from a"), headers={**auth("helpdesk-a"), **key}
        )
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == a.content
        writes = [e for e in simulators[SHOPIFY].ledger if e.operation == "orderUpdate"]
        assert len(writes) == 4


async def test_two_callers_racing_on_one_key_and_body_each_run_once() -> None:
    key = {"Idempotency-Key": "race-key"}
    body = note("5500001009", "raced")
    async with secured() as (client, _, simulators):
        answers = await asyncio.gather(
            *(
                client.post("/v1/actions", json=body, headers={**auth(caller), **key})
                for caller in ("helpdesk-a", "helpdesk-b", "helpdesk-a", "helpdesk-b")
            )
        )
        by_caller: dict[str, list[httpx.Response]] = {"helpdesk-a": [], "helpdesk-b": []}
        for caller, answer in zip(("helpdesk-a", "helpdesk-b") * 2, answers, strict=True):
            by_caller[caller].append(answer)
        for caller, pair in by_caller.items():
            statuses = sorted(r.status_code for r in pair)
            # One runs; its twin waits (409 in flight) or replays it: never a second run.
            assert statuses[0] == 200, (caller, [r.text for r in pair])
            ran = [
                r for r in pair if r.status_code == 200 and "Idempotent-Replayed" not in r.headers
            ]
            assert len(ran) == 1
            assert ran[0].json()["timeline_event"]["actor"]["caller"] == caller
        writes = [e for e in simulators[SHOPIFY].ledger if e.operation == "orderUpdate"]
        assert len(writes) == 2


# --- refund ceilings -------------------------------------------------------------------------

CEILINGS = ActionsConfig.model_validate(
    {
        "refund_ceilings": {
            "refund_order": {"support": "10.00", "lead": "1000"},
            "partial_refund_order": {"*": "1000"},
        }
    }
)


async def test_a_refund_above_the_agents_ceiling_needs_approval_and_moves_nothing() -> None:
    async with secured(shopify_actions=CEILINGS) as (client, _, simulators):
        b = auth("helpdesk-b")
        order = (await client.get(f"/v1/connections/{SHOPIFY}/orders/5500001002", headers=b)).json()
        total = order["totals"]["total"]
        assert float(total["amount"]) > 10

        for roles in (["support"], [], ["trainee"]):
            refused = await client.post(
                "/v1/actions", json=refund("5500001002", roles), headers={**b, **new_key()}
            )
            assert refused.status_code == 403, refused.text
            problem = refused.json()
            assert problem["code"] == "approval_required"
            assert problem["ceiling"] == ("10.00" if roles == ["support"] else "0.00")
            assert (problem["amount"], problem["currency"]) == (total["amount"], total["currency"])
            assert "nothing was refunded" in problem["detail"]
        assert not [e for e in simulators[SHOPIFY].ledger if e.operation == "refundCreate"]

        preview = await client.post(
            "/v1/actions/preview", json=refund("5500001002", ["support"]), headers=b
        )
        assert preview.status_code == 200, preview.text  # previews are never limited
        # Without a listed role the ceiling is 0 (above); "*" names a ceiling for any role.
        line = order["line_items"][0]
        partial = await client.post(
            "/v1/actions",
            json={
                **refund("5500001002", ["trainee"]),
                "action": "partial_refund_order",
                "input": {
                    "reason": "customer",
                    "line_items": [{"line_item_id": line["id"], "quantity": 1}],
                },
            },
            headers={**b, **new_key()},
        )
        assert partial.status_code == 200, partial.text
        allowed = await client.post(
            "/v1/actions",
            json=refund("5500001002", ["support", "lead"]),
            headers={**b, **new_key()},
        )
        assert allowed.status_code == 200, allowed.text  # the highest ceiling applies
        refunds = [e for e in simulators[SHOPIFY].ledger if e.operation == "refundCreate"]
        assert len(refunds) == 2


# --- rate limits and the open mode --------------------------------------------------------------


async def test_a_caller_over_its_rate_limit_gets_429_and_others_do_not() -> None:
    async with secured() as (client, _, _):
        tiny = auth("tiny")
        answers = [await client.get("/v1/connections", headers=tiny) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        limited = answers[2]
        assert limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["Retry-After"]) <= 60
        assert (await client.get("/v1/connections", headers=auth("reader"))).status_code == 200
        assert (await client.get("/healthz")).status_code == 200


async def test_without_callers_only_loopback_peers_are_served() -> None:
    async with secured(callers=None, peer="203.0.113.9") as (client, _, _):
        refused = await client.get("/v1/connections")
        assert refused.status_code == 401
        assert "configure `callers`" in refused.json()["detail"]
        assert (await client.get("/healthz")).status_code == 200
    async with secured(callers=None) as (client, _, _):
        assert (await client.get("/v1/connections")).status_code == 200


async def test_log_lines_carry_the_caller_never_its_key(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.JSON)
    try:
        async with secured() as (client, _, _):
            capsys.readouterr()
            done = await client.post(
                "/v1/actions",
                json=note("5500001010", "logged"),
                headers={**auth("helpdesk-a"), **new_key()},
            )
            assert done.status_code == 200
            await client.get("/v1/connections", headers={"Authorization": "Bearer wrong-key"})
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    finally:
        configure_logging()
    actions = [line for line in lines if line.get("event") == "action"]
    assert actions
    assert all(line["caller"] == "helpdesk-a" for line in actions)
    text = json.dumps(lines)
    assert not any(key in text for key in KEYS.values())
    assert "wrong-key" not in text
