"""The MCP server at /mcp, driven by the official SDK's client over real HTTP (uvicorn on
loopback) against the sandbox: its tools and annotations, lookups, a preview, an action and its
replay, refused keys, a read-only caller, approval_required, its metric and its log line."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from action_gateway.app import create_app
from action_gateway.config import ActionsConfig
from action_gateway.domain.models import ACTION_FACTS, ActionName
from action_gateway.logging import configure_logging
from action_gateway.settings import LogFormat, Settings
from action_gateway_sandbox.connections import build_sandbox
from tests.api.test_security import CALLERS, KEYS, SHOPIFY, auth
from tests.e2e_server import serving_app

AVA = "ava.lindqvist@example.com"
PAID_UNFULFILLED = "5500001001"  # #1001
PAID_FULFILLED = "5500001002"  # #1002
CEILINGS = ActionsConfig.model_validate(
    {"refund_ceilings": {"refund_order": {"support": "10", "lead": "500"}}}
)
Gateway = tuple[str, dict[str, Any]]
"""The served gateway's base URL and its simulators."""
READS = {"find_customer", "get_order", "get_subscription", "explain_eligibility"}


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    """The sandbox with callers (and a refund ceiling on Shopify) served by uvicorn: its base
    URL and its simulators."""
    sandbox = build_sandbox()
    connections = [
        c.model_copy(update={"actions": CEILINGS}) if c.id == SHOPIFY else c
        for c in sandbox.config.connections
    ]
    config = sandbox.config.model_copy(update={"callers": CALLERS, "connections": connections})
    app = create_app(Settings(config=None), config=config, sandbox=sandbox)
    async with serving_app(app) as base_url:
        yield base_url, sandbox.simulators


def bearer(caller: str) -> dict[str, str]:
    """The caller's key as the bearer (``caller`` itself when it is no caller's)."""
    return auth(caller) if caller in KEYS else {"Authorization": f"Bearer {caller}"}


@asynccontextmanager
async def mcp_session(base_url: str, caller: str) -> AsyncIterator[ClientSession]:
    """An initialized SDK client session on /mcp as ``caller``."""
    async with (
        httpx2.AsyncClient(headers=bearer(caller), timeout=30) as http,
        streamable_http_client(f"{base_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def call_once(base_url: str, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    """One tool call in a session of its own, as helpdesk-b."""
    async with mcp_session(base_url, "helpdesk-b") as session:
        return await session.call_tool(tool, arguments)


def structured(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


def problem_of(result: CallToolResult) -> dict[str, Any]:
    """The problem a tool error carries."""
    assert result.is_error, result
    return structured(result)


def text(result: CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


def refund_arguments(order_id: str, key: str | None = None) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "connection": SHOPIFY,
        "target": {"order_id": order_id},
        "input": {"reason": "customer"},
        "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
    }
    return arguments if key is None else {**arguments, "idempotency_key": key}


async def test_tools_are_listed_with_annotations_and_the_actions_input_schemas(
    gateway: Gateway,
) -> None:
    base_url, _ = gateway
    async with mcp_session(base_url, "helpdesk-b") as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == READS | {"preview_action"} | {a.value for a in ACTION_FACTS}
    # Every result is checked against its tool's output schema by the SDK's client.
    assert all(tool.output_schema for tool in tools.values())
    for name in (*READS, "preview_action"):
        annotations = tools[name].annotations
        assert annotations is not None
        assert annotations.read_only_hint is True, name
    for facts in ACTION_FACTS.values():
        tool = tools[facts.name.value]
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is False
        assert tool.annotations.idempotent_hint is True
        assert tool.annotations.destructive_hint is facts.destructive
        schema = tool.input_schema
        assert schema["type"] == "object"
        assert set(schema["required"]) >= {"connection", "target", "idempotency_key"}
        assert set(schema["properties"]) == {
            "connection",
            "target",
            "input",
            "context",
            "idempotency_key",
        }
        assert "available_actions" in (tool.description or "")
    assert tools["refund_order"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["cancel_subscription"].annotations.destructive_hint is True  # type: ignore[union-attr]
    assert tools["edit_order_note"].annotations.destructive_hint is False  # type: ignore[union-attr]
    async with httpx.AsyncClient(base_url=base_url, headers=bearer("helpdesk-b")) as api:
        catalog = (await api.get("/v1/platforms")).json()["platforms"]
    for platform in catalog:  # the catalog says which of its actions are destructive
        for action in platform["actions"]:
            assert action["destructive"] is tools[action["name"]].annotations.destructive_hint  # type: ignore[union-attr]
    refund_input = tools["refund_order"].input_schema
    reference = refund_input["properties"]["input"]["$ref"].rsplit("/", 1)[-1]
    assert set(refund_input["$defs"][reference]["properties"]) == set(
        ACTION_FACTS[ActionName.REFUND_ORDER].input_model.model_fields
    )


async def test_lookup_preview_action_and_replay_write_once(gateway: Gateway) -> None:
    base_url, simulators = gateway
    async with (
        mcp_session(base_url, "helpdesk-b") as session,
        httpx.AsyncClient(base_url=base_url, headers=bearer("helpdesk-b"), timeout=30) as api,
    ):
        found = await session.call_tool("find_customer", {"email": AVA})
        assert not found.is_error, text(found)
        over_http = await api.get("/v1/customers", params={"email": AVA})
        assert structured(found) == over_http.json()  # the same JSON as the HTTP API
        results = {r["connection"]: r for r in structured(found)["results"]}
        orders = {o["name"]: o for o in results[SHOPIFY]["customers"][0]["orders"]}
        assert "cancel_and_refund_order" in orders["#1001"]["available_actions"]

        [subscription, *_] = results[SHOPIFY]["customers"][0]["subscriptions"]
        where = {"connection": subscription["connection"], "subscription_id": subscription["id"]}
        read = await session.call_tool("get_subscription", where)
        over_http = await api.get(
            "/v1/connections/{connection}/subscriptions/{subscription_id}".format(**where)
        )
        assert structured(read) == over_http.json()

        order = await session.call_tool("get_order", {"connection": SHOPIFY, "name": "#1001"})
        assert structured(order)["id"] == PAID_UNFULFILLED
        total = structured(order)["totals"]["total"]

        cancel = {
            "connection": SHOPIFY,
            "target": {"order_id": PAID_UNFULFILLED},
            "input": {"reason": "customer", "notify_customer": True},
            "context": {"agent_id": "agent-7", "conversation_id": "conv-9"},
        }
        preview = await session.call_tool(
            "preview_action", {"action": "cancel_and_refund_order", **cancel}
        )
        assert not preview.is_error, text(preview)
        assert structured(preview)["status"] == "preview"
        assert structured(preview)["refund"]["total"] == total
        assert structured(preview)["summary"] in text(preview)
        assert f"{total['amount']} {total['currency']}" in text(preview)
        assert not simulators[SHOPIFY].ledger

        key = str(uuid.uuid4())
        done = await session.call_tool(
            "cancel_and_refund_order", {**cancel, "idempotency_key": key}
        )
        assert not done.is_error, text(done)
        assert structured(done)["status"] == "succeeded"
        event = structured(done)["timeline_event"]
        assert text(done) == event["summary"]
        assert event["actor"]["caller"] == "helpdesk-b"

        again = await session.call_tool(
            "cancel_and_refund_order", {**cancel, "idempotency_key": key}
        )
        assert structured(again) == structured(done)
        assert "nothing was done again" in text(again)
        # The key is the API's too: over HTTP the same request is the same replay.
        replayed = await api.post(
            "/v1/actions",
            json={"action": "cancel_and_refund_order", **cancel},
            headers={"Idempotency-Key": key},
        )
        assert replayed.headers.get("Idempotent-Replayed") == "true"
        assert replayed.json() == structured(done)
    # One platform write (the cancel, with its refund) for the action and its two replays.
    assert [e.operation for e in simulators[SHOPIFY].ledger] == ["orderCancel"]


def sdk_errors(error: BaseException) -> list[BaseException]:
    """The errors inside the SDK client's exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [inner for nested in error.exceptions for inner in sdk_errors(nested)]
    return [error]


async def test_a_missing_or_wrong_key_is_refused(gateway: Gateway) -> None:
    base_url, _ = gateway
    with pytest.raises(BaseExceptionGroup) as refused:
        async with mcp_session(base_url, "not-a-key"):
            pass
    assert [type(e) for e in sdk_errors(refused.value)] == [MCPError]
    async with httpx.AsyncClient(base_url=base_url) as plain:
        for headers in ({}, {"Authorization": "Bearer not-a-key"}):
            answer = await plain.post("/mcp", json={}, headers=headers)
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"].startswith("Bearer ")
            assert answer.json()["error"] == "invalid_token"


async def test_without_callers_only_this_machine_by_its_own_name_is_served() -> None:
    app = create_app(Settings(config=None), sandbox=build_sandbox())
    async with serving_app(app) as base_url, httpx.AsyncClient(base_url=base_url) as plain:
        async with mcp_session(base_url, "no key is needed") as session:
            assert {t.name for t in (await session.list_tools()).tools} >= READS
        # A page that made its own name resolve to this machine (DNS rebinding) is refused.
        rebound = await plain.post("/mcp", json={}, headers={"Host": "attacker.example:80"})
        assert rebound.status_code == 421


async def test_the_2026_protocol_is_served_the_same(gateway: Gateway) -> None:
    """A host on the per-request protocol (2026-07-28, no handshake) through the SDK's Client."""
    base_url, _ = gateway
    async with (
        httpx2.AsyncClient(headers=bearer("reader"), timeout=30) as http,
        Client(
            streamable_http_client(f"{base_url}/mcp", http_client=http), mode="2026-07-28"
        ) as client,
    ):
        assert {tool.name for tool in (await client.list_tools()).tools} == READS
        order = await client.call_tool("get_order", {"connection": SHOPIFY, "name": "#1001"})
        assert structured(order)["id"] == PAID_UNFULFILLED
        refused = await client.call_tool("refund_order", refund_arguments(PAID_UNFULFILLED, "k-1"))
        assert problem_of(refused)["code"] == "action_forbidden"


async def test_a_read_only_caller_neither_lists_nor_calls_write_tools(gateway: Gateway) -> None:
    base_url, simulators = gateway
    async with mcp_session(base_url, "reader") as session:
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == READS
        order = await session.call_tool(
            "get_order", {"connection": SHOPIFY, "order_id": PAID_UNFULFILLED}
        )
        assert not order.is_error
        for tool, arguments in (
            ("refund_order", refund_arguments(PAID_UNFULFILLED, str(uuid.uuid4()))),
            ("preview_action", {"action": "refund_order", **refund_arguments(PAID_UNFULFILLED)}),
        ):
            refused = await session.call_tool(tool, arguments)
            assert problem_of(refused)["code"] == "action_forbidden"
            assert "read-only" in text(refused)
    assert not simulators[SHOPIFY].ledger


async def test_approval_required_tells_the_agent_to_hand_over(gateway: Gateway) -> None:
    base_url, simulators = gateway
    refused = await call_once(
        base_url, "refund_order", refund_arguments(PAID_FULFILLED, str(uuid.uuid4()))
    )
    problem = problem_of(refused)
    assert problem["code"] == "approval_required"
    assert problem["status"] == 403
    assert problem["ceiling"] == "10.00"
    assert {"amount", "currency", "detail", "type", "title"} <= set(problem)
    assert problem["detail"] in text(refused)
    assert "hand the decision to a human" in text(refused)
    assert not simulators[SHOPIFY].ledger
    # The human decides through the HTTP API with the token the agent was given.
    approval = problem["approval"]
    assert (approval["amount"], approval["ceiling"]) == (problem["amount"], "refund_ceilings")
    assert approval["requested_by"]["agent_id"] == "agent-7"
    lead = {"agent_id": "agent-9", "agent_roles": ["lead"], "conversation_id": "conv-9"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        approved = await http.post(
            "/v1/approvals",
            json={"token": approval["token"], "decision": "approve", "context": lead},
            headers={**auth("helpdesk-b"), "Idempotency-Key": str(uuid.uuid4())},
        )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "succeeded"
    assert "approved by agent-9" in approved.json()["timeline_event"]["summary"]
    assert [e.operation for e in simulators[SHOPIFY].ledger].count("refundCreate") == 1


async def test_bad_arguments_and_refusals_are_tool_errors(gateway: Gateway) -> None:
    base_url, _ = gateway
    async with mcp_session(base_url, "helpdesk-b") as session:
        problem = problem_of(
            await session.call_tool("refund_order", refund_arguments(PAID_UNFULFILLED))
        )
        assert problem["code"] == "validation_error"
        assert ["arguments", "idempotency_key"] in [e["loc"] for e in problem["errors"]]

        not_found = await session.call_tool("get_order", {"connection": SHOPIFY, "order_id": "1"})
        assert problem_of(not_found)["code"] == "order_not_found"
        rejected = await session.call_tool(
            "cancel_and_refund_order",
            {**refund_arguments(PAID_FULFILLED), "idempotency_key": str(uuid.uuid4())},
        )
        assert problem_of(rejected)["code"] == "platform_rejected"
        refusal = "Cannot cancel an order that has outstanding fulfillments"
        assert refusal in [e["message"] for e in problem_of(rejected)["platform_errors"]]
        assert f"The platform said: {refusal}" in text(rejected)
        with pytest.raises(MCPError, match="Unknown tool"):
            await session.call_tool("refund_everything", {})

        eligibility = await session.call_tool(
            "explain_eligibility",
            {
                "platform": "shopify",
                "resource": {
                    "type": "order",
                    "financial_status": "paid",
                    "fulfillment_status": "fulfilled",
                },
            },
        )
        assert not eligibility.is_error, text(eligibility)
        decisions = {d["action"]: d for d in structured(eligibility)["decisions"]}
        assert decisions["cancel_order"]["allowed"] is False
        assert decisions["cancel_order"]["reason"]


async def test_rate_limits_apply_to_mcp_requests(gateway: Gateway) -> None:
    base_url, _ = gateway
    listed: list[int] = []

    async def list_three_times() -> None:
        async with mcp_session(base_url, "tiny") as session:
            for attempt in range(3):
                await session.list_tools()
                listed.append(attempt)

    with pytest.raises(BaseExceptionGroup) as refused:
        await list_three_times()
    assert [type(e) for e in sdk_errors(refused.value)] == [MCPError]
    assert len(listed) < 3  # three requests a minute: initialize and its notice took two
    async with httpx.AsyncClient(base_url=base_url) as plain:
        answer = await plain.post("/mcp", json={}, headers=bearer("tiny"))
    assert answer.status_code == 429
    assert answer.json()["code"] == "rate_limited"
    assert int(answer.headers["retry-after"]) >= 1


async def test_each_tool_call_is_counted_and_logged_with_its_caller(
    gateway: Gateway, capsys: pytest.CaptureFixture[str]
) -> None:
    base_url, _ = gateway
    configure_logging(LogFormat.JSON, "info")
    try:
        async with mcp_session(base_url, "helpdesk-b") as session:
            await session.call_tool("get_order", {"connection": SHOPIFY, "order_id": "1"})
            await session.call_tool("find_customer", {"email": AVA})
        async with httpx.AsyncClient(base_url=base_url) as plain:
            metrics = (await plain.get("/metrics")).text
    finally:
        configure_logging()
    assert (
        'action_gateway_mcp_tool_calls_total{caller="helpdesk-b",outcome="order_not_found",'
        'tool="get_order"}'
    ) in metrics
    assert (
        'action_gateway_mcp_tool_calls_total{caller="helpdesk-b",outcome="ok",tool="find_customer"}'
    ) in metrics
    lines = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")
    ]
    calls = [
        (line["caller"], line["tool"], line["outcome"])
        for line in lines
        if line["event"] == "mcp_tool"
    ]
    assert calls == [
        ("helpdesk-b", "get_order", "order_not_found"),
        ("helpdesk-b", "find_customer", "ok"),
    ]
    assert not any(KEYS["helpdesk-b"] in json.dumps(line) for line in lines)
