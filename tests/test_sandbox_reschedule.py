"""reschedule_subscription_order end to end through the sandbox (the real adapters against the
simulators): both dates in the event, only this subscription moves, a lost answer settled by
re-reading the date (never re-sent), and each platform's own gates."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from action_gateway.logging import configure_logging
from action_gateway.settings import LogFormat
from action_gateway.timeline import format_date
from action_gateway_sandbox.connections import Sandbox
from action_gateway_sandbox.ordergroove import OrdergrooveSimulator
from action_gateway_sandbox.recharge import RechargeSimulator
from tests.helpers import running_app, running_sandbox
from tests.test_logging import json_lines, logging_restored
from tests.test_metrics import _scrape, _value
from tests.test_sandbox_subscriptions import (
    AVA,
    OG,
    OG_DESCALER,
    OG_ESPRESSO,
    OG_FILTERS,
    OG_PREPAID,
    RC,
    RC_BEANS,
    RC_OAT_MILK,
    RC_PREPAID,
)

ACTION = "reschedule_subscription_order"
OPERATIONS = {
    OG: "PATCH /subscriptions/{subscription_id}/change_next_order_date/",
    RC: "setNextChargeDate",
}
LEDGER_OPERATIONS = {
    OG: "subscription.change_next_order_date",
    RC: "subscription.set_next_charge_date",
}


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[httpx.AsyncClient, Sandbox]]:
    async with running_sandbox() as (client, sandbox):
        yield client, sandbox


def _in_days(days: int) -> date:
    return datetime.now(UTC).date() + timedelta(days=days)


def _body(
    connection: str, subscription_id: str, new_date: date, conversation: str | None = "open"
) -> dict[str, Any]:
    context: dict[str, Any] = {"agent_id": "agent-9"}
    if conversation is not None:
        context["conversation_status"] = conversation
    return {
        "connection": connection,
        "action": ACTION,
        "target": {"subscription_id": subscription_id},
        "input": {"date": new_date.isoformat(), "reason": "Customer is travelling"},
        "context": context,
    }


async def _post(client: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"Idempotency-Key": key or str(uuid.uuid4())}
    return await client.post("/v1/actions", json=body, headers=headers)


async def _next_dates(client: httpx.AsyncClient) -> dict[str, str | None]:
    response = await client.get(
        "/v1/customers", params={"email": AVA, "conversation_status": "open"}
    )
    shopify = next(r for r in response.json()["results"] if r["connection"] == "sandbox-shopify")
    [customer] = shopify["customers"]
    return {s["id"]: s["next_order_date"] for s in customer["subscriptions"]}


@pytest.mark.parametrize(
    ("connection", "subscription_id", "neighbour"),
    [(OG, OG_ESPRESSO, OG_FILTERS), (RC, RC_OAT_MILK, RC_BEANS)],
)
async def test_reschedule_moves_only_this_subscription_and_tells_both_dates(
    gateway: tuple[httpx.AsyncClient, Sandbox],
    connection: str,
    subscription_id: str,
    neighbour: str,
) -> None:
    client, sandbox = gateway
    before = await _next_dates(client)
    assert before[subscription_id] == before[neighbour]  # one upcoming order holds both
    new_date = _in_days(40)

    response = await _post(client, _body(connection, subscription_id, new_date))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["subscription"]["previous_order_date"] == before[subscription_id]
    assert body["subscription"]["next_order_date"] == new_date.isoformat()
    event = body["timeline_event"]
    assert event["type"] == "subscription.rescheduled"
    assert event["details"]["previous_order_date"] == before[subscription_id]
    assert event["details"]["next_order_date"] == new_date.isoformat()
    assert event["details"]["reason"] == "Customer is travelling"
    old = format_date(date.fromisoformat(str(before[subscription_id])))
    assert f"from {old} to {format_date(new_date)}" in event["summary"]
    after = await _next_dates(client)
    assert after[subscription_id] == new_date.isoformat()
    assert after[neighbour] == before[neighbour]  # the other subscription did not move
    ledger = sandbox.simulators[connection].ledger
    assert [e.operation for e in ledger] == [LEDGER_OPERATIONS[connection]]


@pytest.mark.parametrize(("connection", "subscription_id"), [(OG, OG_FILTERS), (RC, RC_BEANS)])
async def test_a_lost_answer_is_settled_by_rereading_the_date_never_resent(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, subscription_id: str
) -> None:
    client, sandbox = gateway
    simulator: OrdergrooveSimulator | RechargeSimulator = sandbox.simulators[connection]
    simulator.faults.drop_after(operation=OPERATIONS[connection])  # applied, answer lost
    body = _body(connection, subscription_id, _in_days(21))
    key = str(uuid.uuid4())

    first = await _post(client, body, key)
    retried = await _post(client, body, key)

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "succeeded"
    [note] = first.json()["timeline_event"]["details"]["notes"]
    assert "lost" in note
    assert "re-read" in note
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert len([e for e in simulator.ledger if e.operation == LEDGER_OPERATIONS[connection]]) == 1


@pytest.mark.parametrize(("connection", "subscription_id"), [(OG, OG_DESCALER), (RC, RC_BEANS)])
async def test_a_request_that_never_left_is_sent_again_and_applied_once(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, subscription_id: str
) -> None:
    client, sandbox = gateway
    simulator: OrdergrooveSimulator | RechargeSimulator = sandbox.simulators[connection]
    simulator.faults.drop_before(operation=OPERATIONS[connection])  # never reached it
    new_date = _in_days(30)

    response = await _post(client, _body(connection, subscription_id, new_date))

    assert response.status_code == 200, response.text
    assert response.json()["subscription"]["next_order_date"] == new_date.isoformat()
    assert len(simulator.ledger) == 1


async def test_ordergroove_needs_an_open_conversation_recharge_does_not(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    refused = await _post(client, _body(OG, OG_ESPRESSO, _in_days(10), conversation="solved"))
    assert refused.status_code == 409, refused.text
    assert refused.json()["current_state"]["decision_code"] == "conversation_not_open"
    allowed = await _post(client, _body(RC, RC_OAT_MILK, _in_days(10), conversation="solved"))
    assert allowed.status_code == 200, allowed.text
    assert sandbox.simulators[OG].ledger == []


@pytest.mark.parametrize(("connection", "subscription_id"), [(OG, OG_PREPAID), (RC, RC_PREPAID)])
async def test_prepaid_is_refused_before_the_platform(
    gateway: tuple[httpx.AsyncClient, Sandbox], connection: str, subscription_id: str
) -> None:
    client, sandbox = gateway
    response = await _post(client, _body(connection, subscription_id, _in_days(10)))
    assert response.status_code == 409, response.text
    assert response.json()["current_state"]["decision_code"] == "subscription_prepaid"
    assert sandbox.simulators[connection].ledger == []


@pytest.mark.parametrize(("days", "status"), [(0, 422), (1, 200), (365, 200), (366, 422)])
async def test_the_date_is_after_today_and_within_a_year(
    gateway: tuple[httpx.AsyncClient, Sandbox], days: int, status: int
) -> None:
    client, _ = gateway
    response = await _post(client, _body(RC, RC_OAT_MILK, _in_days(days)))
    assert response.status_code == status, response.text


async def test_a_dry_run_says_the_new_date_and_changes_nothing(
    gateway: tuple[httpx.AsyncClient, Sandbox],
) -> None:
    client, sandbox = gateway
    before = await _next_dates(client)
    new_date = _in_days(15)
    body = _body(OG, OG_ESPRESSO, new_date)
    response = await client.post(
        "/v1/actions/preview", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 200, response.text
    old = format_date(date.fromisoformat(str(before[OG_ESPRESSO])))
    assert response.json()["summary"] == (
        f"Would move the next order of 2 × House Espresso Beans 1 kg from {old} to "
        f"{format_date(new_date)}."
    )
    assert sandbox.simulators[OG].ledger == []


async def test_the_action_line_and_metrics_name_the_reschedule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with logging_restored():
        configure_logging(LogFormat.JSON)
        async with running_app() as (client, _):
            before = await _scrape(client)
            done = await _post(client, _body(RC, RC_OAT_MILK, _in_days(12)), "reschedule-rc-1")
            after = await _scrape(client)
    assert done.status_code == 200, done.text
    labels = {
        "platform": "recharge",
        "action": ACTION,
        "outcome": "succeeded",
        "caller": "anonymous",
    }
    counted = _value(after, "action_gateway_actions_total", **labels)
    assert counted - _value(before, "action_gateway_actions_total", **labels) == 1
    [line] = [line for line in json_lines(capsys.readouterr().out) if line["event"] == "action"]
    assert (line["action"], line["outcome"], line["target_type"], line["target_id"]) == (
        ACTION,
        "succeeded",
        "subscription",
        RC_OAT_MILK,
    )
    assert line["idempotency_key"] == "anonymous:reschedule-rc-1"
    assert line["event_id"] == done.json()["timeline_event"]["id"]
