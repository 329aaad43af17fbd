"""Subscriptions through the API: context listing via the linked connection, cancel and skip."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from action_gateway.config import ConnectionConfig, GatewayConfig
from action_gateway.errors import UpstreamUnavailable
from tests.fakes import (
    FakeAdapter,
    FakeSubscriptionAdapter,
    fake_connection,
    make_customer,
    make_order,
    make_subscription,
)
from tests.helpers import running_app, timeline_event_of


def subscription_connection() -> ConnectionConfig:
    return ConnectionConfig(
        id="og",
        platform="ordergroove",
        access_token_env="OG_TOKEN",
        linked_connection="shop",
    ).model_copy(update={"access_token": SecretStr("og_canary_key")})


@pytest.fixture
def subscriptions() -> FakeSubscriptionAdapter:
    fake = FakeSubscriptionAdapter()
    for subscription in (
        make_subscription("sub-1"),
        make_subscription("sub-prepaid", prepaid=True),
        make_subscription("sub-nothing-next", next_order=None),
        make_subscription("sub-cancelled", live=False),
    ):
        fake.subscriptions[subscription.id] = subscription
    return fake


@pytest.fixture
async def client(subscriptions: FakeSubscriptionAdapter) -> AsyncIterator[httpx.AsyncClient]:
    shop = FakeAdapter()
    shop.customers["501"] = make_customer("501")
    shop.orders["1001"] = make_order("1001")
    config = GatewayConfig(connections=[fake_connection("shop"), subscription_connection()])
    async with running_app(config, adapters={"shop": shop, "og": subscriptions}) as (client, _):
        yield client


def act(action: str, subscription_id: str, status: str | None = "open") -> dict[str, Any]:
    return {
        "connection": "og",
        "action": action,
        "target": {"subscription_id": subscription_id},
        "input": {"reason": "too_much_product"} if action == "cancel_subscription" else {},
        "context": {"agent_id": "agent-3", "conversation_status": status},
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def test_customer_context_lists_linked_subscriptions_with_their_actions(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        "/v1/customers", params={"email": "ava@example.com", "conversation_status": "open"}
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]  # only commerce connections are asked for customers
    [customer] = result["customers"]
    assert [o["name"] for o in customer["orders"]] == ["#1001"]
    subs = {s["id"]: s for s in customer["subscriptions"]}
    assert subs["sub-1"]["available_actions"] == [
        "cancel_subscription",
        "skip_subscription_order",
        "reschedule_subscription_order",
    ]
    assert subs["sub-1"]["frequency"] == "every 2 weeks"
    assert subs["sub-1"]["connection"] == "og"
    prepaid = {d["action"]: d["code"] for d in subs["sub-prepaid"]["eligibility"]["decisions"]}
    assert prepaid == {
        "cancel_subscription": "subscription_prepaid",
        "skip_subscription_order": "subscription_prepaid",
        "reschedule_subscription_order": "subscription_prepaid",
    }
    assert subs["sub-nothing-next"]["available_actions"] == ["cancel_subscription"]
    assert subs["sub-cancelled"]["available_actions"] == []


async def test_without_an_open_conversation_nothing_is_offered(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers", params={"email": "ava@example.com"})
    [customer] = response.json()["results"][0]["customers"]
    decisions = customer["subscriptions"][0]["eligibility"]["decisions"]
    assert {d["code"] for d in decisions} == {"conversation_not_open"}


async def test_a_failing_subscription_connection_is_reported_beside_the_orders(
    client: httpx.AsyncClient, subscriptions: FakeSubscriptionAdapter
) -> None:
    subscriptions.fail_with = UpstreamUnavailable("Ordergroove could not be reached")
    response = await client.get("/v1/customers", params={"email": "ava@example.com"})
    [customer] = response.json()["results"][0]["customers"]
    assert customer["orders"]
    assert customer["subscriptions"] == []
    [error] = customer["subscription_errors"]
    assert error["connection"] == "og"
    assert error["error"]["code"] == "upstream_unavailable"


async def test_skip_answers_event_and_refreshed_subscription(
    client: httpx.AsyncClient, subscriptions: FakeSubscriptionAdapter
) -> None:
    response = await client.post(
        "/v1/actions", json=act("skip_subscription_order", "sub-1"), headers=key()
    )
    assert response.status_code == 200, response.text
    body = response.json()
    event = body["timeline_event"]
    assert event["type"] == "subscription.skipped"
    assert event["subject"] == {
        "type": "subscription",
        "id": "sub-1",
        "name": "Morning Blend Coffee",
        "admin_url": None,
    }
    assert event["summary"] == (
        "Skipped the Dec 1, 2026 order of 2 × Morning Blend Coffee; "
        "the next one is on Dec 15, 2026."
    )
    assert body["subscription"]["next_order_date"] == "2026-12-15"
    assert body["resource"]["next_order_date"] == "2026-12-15"
    assert subscriptions.calls == [("skip", "sub-1")]


async def test_cancel_needs_an_open_conversation(
    client: httpx.AsyncClient, subscriptions: FakeSubscriptionAdapter
) -> None:
    closed = await client.post(
        "/v1/actions", json=act("cancel_subscription", "sub-1", status="closed"), headers=key()
    )
    assert closed.status_code == 409
    assert closed.json()["current_state"]["decision_code"] == "conversation_not_open"
    done = await client.post("/v1/actions", json=act("cancel_subscription", "sub-1"), headers=key())
    event = timeline_event_of(done, "subscription.cancelled")
    assert event["summary"] == (
        "Cancelled the subscription to 2 × Morning Blend Coffee (every 2 weeks); no later "
        "shipments will be sent; reason: too much product."
    )
    assert done.json()["resource"]["available_actions"] == []
    assert subscriptions.calls == [("cancel", "sub-1")]


async def test_connection_kinds_do_not_mix(client: httpx.AsyncClient) -> None:
    order_action = {
        "connection": "og",
        "action": "cancel_order",
        "target": {"order_id": "1001"},
        "input": {"reason": "customer"},
    }
    response = await client.post("/v1/actions", json=order_action, headers=key())
    assert response.status_code == 422
    assert response.json()["code"] == "action_not_supported"
    assert (await client.get("/v1/connections/og/orders/1001")).status_code == 404
    assert (await client.get("/v1/connections/shop/subscriptions/sub-1")).status_code == 404
    one = await client.get(
        "/v1/connections/og/subscriptions/sub-1", params={"conversation_status": "open"}
    )
    assert one.status_code == 200
    assert one.json()["available_actions"] == [
        "cancel_subscription",
        "skip_subscription_order",
        "reschedule_subscription_order",
    ]
    missing = await client.get("/v1/connections/og/subscriptions/nope")
    assert missing.json()["code"] == "subscription_not_found"


@pytest.mark.parametrize("status", ["OPEN", "Open", " open "])
async def test_conversation_status_is_matched_case_insensitively(
    client: httpx.AsyncClient, subscriptions: FakeSubscriptionAdapter, status: str
) -> None:
    listed = await client.get(
        "/v1/customers", params={"email": "ava@example.com", "conversation_status": status}
    )
    assert listed.status_code == 200, listed.text
    [customer] = listed.json()["results"][0]["customers"]
    subs = {s["id"]: s for s in customer["subscriptions"]}
    assert subs["sub-1"]["available_actions"] == [
        "cancel_subscription",
        "skip_subscription_order",
        "reschedule_subscription_order",
    ]
    assert subs["sub-1"]["eligibility"]["helpdesk_context"] == {"conversation_status": "open"}
    one = await client.get(
        "/v1/connections/og/subscriptions/sub-1", params={"conversation_status": status}
    )
    assert one.json()["available_actions"] == [
        "cancel_subscription",
        "skip_subscription_order",
        "reschedule_subscription_order",
    ]
    done = await client.post(
        "/v1/actions", json=act("cancel_subscription", "sub-1", status=status), headers=key()
    )
    assert done.status_code == 200, done.text
    assert subscriptions.calls == [("cancel", "sub-1")]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("Pending", "conversation_not_open"),
        ("SNOOZED", "conversation_not_open"),
        ("hold", "conversation_not_open"),  # Zendesk's on-hold
        ("On Hold", "conversation_not_open"),
        ("closed", "conversation_not_open"),
    ],
)
async def test_known_statuses_other_than_open_offer_nothing(
    client: httpx.AsyncClient, status: str, code: str
) -> None:
    response = await client.get(
        "/v1/connections/og/subscriptions/sub-1", params={"conversation_status": status}
    )
    assert response.status_code == 200, response.text
    assert {d["code"] for d in response.json()["eligibility"]["decisions"]} == {code}


ACCEPTED = "'new', 'open', 'pending', 'waiting', 'on_hold', 'snoozed', 'solved', 'resolved', "


async def test_an_unknown_conversation_status_is_refused_with_the_accepted_ones(
    client: httpx.AsyncClient, subscriptions: FakeSubscriptionAdapter
) -> None:
    answers = [
        await client.get(
            "/v1/customers", params={"email": "ava@example.com", "conversation_status": "opened"}
        ),
        await client.get(
            "/v1/connections/og/subscriptions/sub-1", params={"conversation_status": "opened"}
        ),
        await client.post(
            "/v1/actions", json=act("cancel_subscription", "sub-1", status="opened"), headers=key()
        ),
        await client.post(
            "/v1/eligibility",
            json={
                "platform": "ordergroove",
                "resource": {"type": "subscription", "live": True},
                "context": {"conversation_status": "opened"},
            },
        ),
    ]
    for response in answers:
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == "validation_error"
        [error] = problem["errors"]
        assert error["loc"][-1] == "conversation_status"
        assert ACCEPTED in error["message"]
        assert "'done' or 'closed'" in error["message"]
    assert subscriptions.calls == []


async def test_reschedule_is_switched_off_and_limited_to_roles_per_connection(
    subscriptions: FakeSubscriptionAdapter,
) -> None:
    from datetime import UTC, datetime, timedelta

    from action_gateway.config import ActionsConfig

    off = subscription_connection().model_copy(
        update={
            "id": "og-off",
            "actions": ActionsConfig(allowed=["cancel_subscription", "skip_subscription_order"]),
        }
    )
    leads = subscription_connection().model_copy(
        update={
            "id": "og-leads",
            "actions": ActionsConfig(roles={"reschedule_subscription_order": ["lead"]}),
        }
    )
    config = GatewayConfig(connections=[fake_connection("shop"), off, leads])
    adapters = {"shop": FakeAdapter(), "og-off": subscriptions, "og-leads": subscriptions}
    day = (datetime.now(UTC).date() + timedelta(days=9)).isoformat()

    def reschedule(connection: str, roles: list[str]) -> dict[str, Any]:
        body = act("reschedule_subscription_order", "sub-1")
        body.update(connection=connection, input={"date": day})
        body["context"]["agent_roles"] = roles
        return body

    async with running_app(config, adapters=adapters) as (client, _):
        listed = await client.get(
            "/v1/connections/og-off/subscriptions/sub-1", params={"conversation_status": "open"}
        )
        disabled = await client.post("/v1/actions", json=reschedule("og-off", []), headers=key())
        forbidden = await client.post(
            "/v1/actions", json=reschedule("og-leads", ["support"]), headers=key()
        )
        allowed = await client.post(
            "/v1/actions", json=reschedule("og-leads", ["lead"]), headers=key()
        )

    assert "reschedule_subscription_order" not in listed.json()["available_actions"]
    assert (disabled.status_code, disabled.json()["code"]) == (403, "action_disabled")
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "role_not_allowed")
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["subscription"]["next_order_date"] == day
    assert subscriptions.calls == [("reschedule", "sub-1")]
