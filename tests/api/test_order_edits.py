"""The order edits (edit_order_tags, update_shipping_address) under the same switches, metric and
log line as every action: activation, roles and narrowing per connection over fakes; the
``action_gateway_actions_total`` count and the one ``action`` line through the sandbox."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from structlog.testing import capture_logs

from action_gateway.config import GatewayConfig
from tests.fakes import AN_ADDRESS, FakePartialRefundAdapter, fake_connection, make_order
from tests.helpers import problem_of, running_app, running_sandbox

ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "190 MacLaren",
    "city": "Sudbury",
    "province_code": "ON",
    "postal_code": "K2P 0V6",
    "country_code": "CA",
}
EDITS: dict[str, tuple[dict[str, Any], str, str]] = {
    # action: (input, the fake adapter's call name, an order of the sandbox's it may change)
    "edit_order_tags": ({"add": ["vip"]}, "tags", "5500001005"),
    "update_shipping_address": ({"address": ADDRESS}, "address", "5500001007"),
}


def edit(action: str, connection: str, order: str, roles: list[str]) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": action,
        "target": {"order_id": order},
        "input": EDITS[action][0],
        "context": {"agent_id": "agent-7", "agent_roles": roles},
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.mark.parametrize("action", sorted(EDITS))
async def test_activation_roles_and_narrowing_apply(action: str) -> None:
    adapter = FakePartialRefundAdapter()
    adapter.orders["1001"] = make_order(
        "1001", fulfillment_status="unfulfilled", shipping_address=AN_ADDRESS
    )
    adapter.orders["1002"] = make_order(
        "1002", financial_status="pending", shipping_address=AN_ADDRESS
    )
    connections = [
        fake_connection(
            "acme",
            allowed=[action],
            roles={action: ["lead"]},
            narrowing={action: {"payment": ["paid"]}},
        ),
        fake_connection("other", allowed=["edit_order_note"]),
    ]
    adapters = {"acme": adapter, "other": FakePartialRefundAdapter()}
    async with running_app(GatewayConfig(connections=connections), adapters=adapters) as (
        client,
        _,
    ):

        async def post(connection: str, order: str, roles: list[str]) -> Any:
            body = edit(action, connection, order, roles)
            return await client.post("/v1/actions", json=body, headers=key())

        problem_of(await post("other", "1001", ["lead"]), 403, "action_disabled")
        problem_of(await post("acme", "1001", ["support"]), 403, "role_not_allowed")
        narrowed = await post("acme", "1002", ["lead"])  # unpaid: the connection narrowed it out
        assert narrowed.status_code == 409, narrowed.text
        assert narrowed.json()["current_state"]["decision_code"] == "narrowed_by_connection"
        done = await post("acme", "1001", ["lead"])
        assert done.status_code == 200, done.text
    assert adapter.calls == [(EDITS[action][1], "1001")]


@pytest.mark.parametrize("action", sorted(EDITS))
async def test_it_is_counted_and_logged_like_every_action(action: str) -> None:
    counted = (
        f'action_gateway_actions_total{{action="{action}",caller="anonymous",'
        'outcome="succeeded",platform="shopify"} '
    )
    async with running_sandbox() as (client, _):

        async def count() -> float:
            lines = (await client.get("/metrics")).text.splitlines()
            return sum(float(x.removeprefix(counted)) for x in lines if x.startswith(counted))

        before = await count()
        order = EDITS[action][2]
        with capture_logs() as logs:
            body = edit(action, "sandbox-shopify", order, ["support"])
            done = await client.post("/v1/actions", json=body, headers=key())
        assert done.status_code == 200, done.text
        [line] = [entry for entry in logs if entry.get("event") == "action"]
        assert (line["action"], line["outcome"], line["target_id"]) == (action, "succeeded", order)
        assert line["event_id"] == done.json()["timeline_event"]["id"]
        assert await count() == before + 1
