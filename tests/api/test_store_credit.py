"""issue_store_credit over HTTP, the gateway on the sandbox's Shopify and BigCommerce simulators:
compensation ceilings, previews with the new balance, refusals before sending, the platforms'
errors verbatim, and lost answers settled without a second credit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from structlog.testing import capture_logs

from action_gateway.app import create_app
from action_gateway.config import ActionsConfig, GatewayConfig
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox

SHOPIFY = "sandbox-shopify"
BIGCOMMERCE = "sandbox-bigcommerce"
CUSTOMER = {SHOPIFY: "7410001", BIGCOMMERCE: "2"}
CREDIT_WRITES = {SHOPIFY: "storeCreditAccountCredit", BIGCOMMERCE: "customer.store_credit"}
CEILINGS = ActionsConfig.model_validate(
    {"compensation_ceilings": {"issue_store_credit": {"support": "20", "lead": "500"}}}
)


@asynccontextmanager
async def gateway(
    actions: ActionsConfig | None = None,
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    sandbox = build_sandbox()
    connections = [
        c.model_copy(update={"actions": actions})
        if actions is not None and c.id in (SHOPIFY, BIGCOMMERCE)
        else c
        for c in sandbox.config.connections
    ]
    config: GatewayConfig = sandbox.config.model_copy(update={"connections": connections})
    app: FastAPI = create_app(Settings(config=None), config=config, sandbox=sandbox)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            yield client, sandbox.simulators


def credit(connection: str, roles: list[str] | None = None, **input_: Any) -> dict[str, Any]:
    return {
        "connection": connection,
        "action": "issue_store_credit",
        "target": {"customer_id": CUSTOMER[connection]},
        "input": {"amount": "15.00", "currency": "USD", **input_},
        "context": {"agent_id": "agent-7", "agent_roles": roles or []},
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def credit_writes(simulators: dict[str, Any], connection: str) -> list[Any]:
    return [e for e in simulators[connection].ledger if e.operation == CREDIT_WRITES[connection]]


@pytest.mark.parametrize("connection", [SHOPIFY, BIGCOMMERCE])
async def test_compensation_ceilings_hold_the_credit_and_dry_runs_say_its_value(
    connection: str,
) -> None:
    async with gateway(CEILINGS) as (client, simulators):
        above = await client.post(
            "/v1/actions", json=credit(connection, ["support"], amount="25.00"), headers=key()
        )
        assert above.status_code == 403, above.text
        problem = above.json()
        assert problem["code"] == "approval_required"
        assert (problem["ceiling"], problem["amount"], problem["currency"]) == (
            "20.00",
            "25.00",
            "USD",
        )
        assert "nothing was done" in problem["detail"]
        no_role = await client.post("/v1/actions", json=credit(connection), headers=key())
        assert (no_role.status_code, no_role.json()["ceiling"]) == (403, "0.00")
        assert credit_writes(simulators, connection) == []  # nothing reached the platform

        within = await client.post(
            "/v1/actions", json=credit(connection, ["support"], amount="20.00"), headers=key()
        )
        assert within.status_code == 200, within.text
        assert within.json()["store_credit"]["balance"] == {"amount": "20.00", "currency": "USD"}
        assert within.json()["compensation_value"] is None
        lead = await client.post(
            "/v1/actions", json=credit(connection, ["lead"], amount="25.00"), headers=key()
        )
        assert lead.status_code == 200, lead.text
        assert len(credit_writes(simulators, connection)) == 2

        # Dry runs are never limited: they say the value and the balance it would make.
        preview = await client.post(
            "/v1/actions/preview", json=credit(connection, ["support"], amount="25.00")
        )
        assert preview.status_code == 200, preview.text
        body = preview.json()
        assert body["compensation_value"] == {"amount": "25.00", "currency": "USD"}
        assert body["store_credit"]["previous_balance"] == {"amount": "45.00", "currency": "USD"}
        assert body["store_credit"]["balance"] == {"amount": "70.00", "currency": "USD"}
        assert "the balance would go from $45.00 to $70.00" in body["summary"]
        assert len(credit_writes(simulators, connection)) == 2


async def test_shopify_credit_event_names_the_new_balance() -> None:
    async with gateway() as (client, simulators):
        body = credit(SHOPIFY, notify_customer=True, reason="Parcel arrived late")
        with capture_logs() as logs:
            first = await client.post("/v1/actions", json=body, headers=key())
        [line] = [entry for entry in logs if entry["event"] == "action"]
        assert (line["action"], line["outcome"], line["target_type"], line["target_id"]) == (
            "issue_store_credit",
            "succeeded",
            "customer",
            "7410001",
        )
        second = await client.post(
            "/v1/actions",
            json={**body, "input": {**body["input"], "amount": "2.50"}},
            headers=key(),
        )
        assert second.status_code == 200, second.text
        event = second.json()["timeline_event"]
        assert event["type"] == "customer.store_credit_issued"
        assert event["summary"] == (
            "Issued $2.50 of store credit to Ava Lindqvist (does not expire); new balance "
            "$17.50; customer notified; reason: Parcel arrived late."
        )
        assert event["details"]["balance"] == {"amount": "17.50", "currency": "USD"}
        assert event["details"]["previous_balance"] == {"amount": "15.00", "currency": "USD"}
        assert event["details"]["transaction_id"].startswith(
            "gid://shopify/StoreCreditAccountCreditTransaction/"
        )
        assert first.json()["store_credit"]["notified"] is True
        assert len(credit_writes(simulators, SHOPIFY)) == 2
        metrics = (await client.get("/metrics")).text
        assert 'action="issue_store_credit"' in metrics


async def test_shopify_credit_with_an_expiry_says_it() -> None:
    async with gateway() as (client, _):
        answer = await client.post(
            "/v1/actions",
            json=credit(SHOPIFY, expires_at="2099-01-31T23:59:59Z"),
            headers=key(),
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["store_credit"]["expires_at"].startswith("2099-01-31T23:59:59")
        assert "(expires Jan 31, 2099)" in answer.json()["timeline_event"]["summary"]


async def test_shopify_user_errors_reach_the_caller_verbatim() -> None:
    async with gateway() as (client, simulators):
        refused = await client.post(
            "/v1/actions", json=credit(SHOPIFY, amount="100000.00"), headers=key()
        )
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["code"] == "platform_rejected"
        [error] = problem["platform_errors"]
        assert error["message"] == (
            "The operation would cause the account's credit limit to be exceeded"
        )
        assert error["code"] == "CREDIT_LIMIT_EXCEEDED"
        assert credit_writes(simulators, SHOPIFY) == []


async def test_bigcommerce_refuses_another_currency_and_an_expiry_before_sending() -> None:
    async with gateway() as (client, simulators):
        euros = await client.post(
            "/v1/actions", json=credit(BIGCOMMERCE, currency="EUR"), headers=key()
        )
        assert euros.status_code == 422, euros.text
        assert euros.json()["code"] == "store_credit_currency_not_supported"
        assert euros.json()["detail"] == (
            "BigCommerce keeps store credit in the store's default currency only (USD), not "
            "EUR; nothing was sent."
        )
        preview = await client.post("/v1/actions/preview", json=credit(BIGCOMMERCE, currency="EUR"))
        assert preview.json()["code"] == "store_credit_currency_not_supported"
        expiring = await client.post(
            "/v1/actions",
            json=credit(BIGCOMMERCE, expires_at="2099-01-31T23:59:59Z"),
            headers=key(),
        )
        assert expiring.status_code == 422, expiring.text
        assert expiring.json()["detail"] == (
            "BigCommerce store credit does not expire: leave expires_at out."
        )
        assert credit_writes(simulators, BIGCOMMERCE) == []


async def test_bigcommerce_says_it_sends_no_email() -> None:
    async with gateway() as (client, _):
        preview = await client.post(
            "/v1/actions/preview", json=credit(BIGCOMMERCE, notify_customer=True)
        )
        assert (
            "no notification (BigCommerce sends no store credit email)"
            in (preview.json()["summary"])
        )
        done = await client.post(
            "/v1/actions", json=credit(BIGCOMMERCE, notify_customer=True), headers=key()
        )
        assert done.json()["store_credit"]["notified"] is False
        assert any("the customer was not notified" in w for w in done.json()["warnings"])


@pytest.mark.parametrize(
    ("input_", "code"),
    [
        ({"amount": "15.001"}, "amount_precision"),
        ({"amount": "10.5", "currency": "JPY"}, "amount_precision"),
        ({"amount": "0"}, "validation_error"),
        ({"amount": "-5"}, "validation_error"),
        ({"currency": "ABC"}, "validation_error"),
        ({"currency": "DEM"}, "validation_error"),  # withdrawn
        ({"currency": "XXX"}, "validation_error"),  # no currency (Shopify: result-only)
        ({"currency": "usd"}, "validation_error"),
        ({"reason": "x" * 256}, "validation_error"),
        ({"expires_at": "2020-01-01T00:00:00Z"}, "validation_error"),
        ({"expires_at": "2099-01-01T00:00:00"}, "validation_error"),
        ({"note": "unknown field"}, "validation_error"),
    ],
)
async def test_bad_input_is_refused_before_anything_is_sent(
    input_: dict[str, Any], code: str
) -> None:
    async with gateway() as (client, simulators):
        answer = await client.post("/v1/actions", json=credit(SHOPIFY, **input_), headers=key())
        assert answer.status_code == 422, answer.text
        assert answer.json()["code"] == code
        assert credit_writes(simulators, SHOPIFY) == []


async def test_activation_and_roles_apply() -> None:
    switched_off = ActionsConfig.model_validate({"allowed": ["create_discount_code"]})
    async with gateway(switched_off) as (client, _):
        answer = await client.post("/v1/actions", json=credit(SHOPIFY), headers=key())
        assert (answer.status_code, answer.json()["code"]) == (403, "action_disabled")
    leads_only = ActionsConfig.model_validate({"roles": {"issue_store_credit": ["lead"]}})
    async with gateway(leads_only) as (client, simulators):
        answer = await client.post("/v1/actions", json=credit(SHOPIFY, ["support"]), headers=key())
        assert (answer.status_code, answer.json()["code"]) == (403, "role_not_allowed")
        allowed = await client.post("/v1/actions", json=credit(SHOPIFY, ["lead"]), headers=key())
        assert allowed.status_code == 200, allowed.text
        assert len(credit_writes(simulators, SHOPIFY)) == 1


# --- exactly once: lost answers ----------------------------------------------------------------


async def test_shopify_lost_answer_is_found_among_the_new_credits() -> None:
    async with gateway() as (client, simulators):
        simulators[SHOPIFY].faults.drop_after(operation="StoreCreditAccountCredit")
        answer = await client.post("/v1/actions", json=credit(SHOPIFY), headers=key())
        assert answer.status_code == 200, answer.text
        assert answer.json()["store_credit"]["balance"] == {"amount": "15.00", "currency": "USD"}
        assert any("answer to the store credit was lost" in w for w in answer.json()["warnings"])
        assert len(credit_writes(simulators, SHOPIFY)) == 1


async def test_shopify_unconfirmed_credit_is_unknown_and_never_sent_again() -> None:
    async with gateway() as (client, simulators):
        # A 502 after sending: Shopify may have credited. Here it did not, and re-reading shows
        # no new credit: unknown (it may still land), never a second mutation.
        simulators[SHOPIFY].faults.http_status(502, operation="StoreCreditAccountCredit")
        headers = key()
        answer = await client.post("/v1/actions", json=credit(SHOPIFY), headers=headers)
        assert answer.status_code == 503, answer.text
        problem = answer.json()
        assert problem["outcome"] == "unknown"
        assert "no new credit of this amount yet" in problem["detail"]
        assert problem["timeline_event"]["type"] == "action.outcome_unknown"
        assert problem["timeline_event"]["summary"].startswith(
            "The store credit for Ava Lindqvist may have happened"
        )
        again = await client.post("/v1/actions", json=credit(SHOPIFY), headers=headers)
        assert again.json()["outcome"] == "unknown"  # replayed, not re-sent
        # The one fault is spent: any second send would have credited.
        assert credit_writes(simulators, SHOPIFY) == []


async def test_bigcommerce_lost_answer_is_settled_by_the_balance() -> None:
    async with gateway() as (client, simulators):
        simulators[BIGCOMMERCE].faults.drop_after(operation="updateCustomers")
        answer = await client.post("/v1/actions", json=credit(BIGCOMMERCE), headers=key())
        assert answer.status_code == 200, answer.text
        assert any("answer to the store credit was lost" in w for w in answer.json()["warnings"])
        writes = credit_writes(simulators, BIGCOMMERCE)
        assert [w.amount for w in writes] == [Decimal("15.00")]


async def test_bigcommerce_unapplied_write_is_resent_with_the_same_target() -> None:
    async with gateway() as (client, simulators):
        await client.post("/v1/actions", json=credit(BIGCOMMERCE, amount="5.00"), headers=key())
        simulators[BIGCOMMERCE].faults.http_status(502, operation="updateCustomers")
        answer = await client.post("/v1/actions", json=credit(BIGCOMMERCE), headers=key())
        assert answer.status_code == 200, answer.text
        assert any("the same new balance was sent again" in w for w in answer.json()["warnings"])
        # The target computed once (5 + 15): sent again as is, never recomputed or added twice.
        assert [w.amount for w in credit_writes(simulators, BIGCOMMERCE)] == [
            Decimal("5.00"),
            Decimal("20.00"),
        ]
        assert answer.json()["store_credit"]["balance"] == {"amount": "20.00", "currency": "USD"}


async def test_bigcommerce_balance_changed_in_between_is_said() -> None:
    async with gateway() as (client, simulators):
        store = simulators[BIGCOMMERCE].store
        update = store.update_customers

        def then_spent(updates: Any, now: Any) -> Any:
            updated = update(updates, now)
            store.customers[2].store_credit -= Decimal("4.00")  # paid with at checkout
            return updated

        store.update_customers = then_spent
        answer = await client.post("/v1/actions", json=credit(BIGCOMMERCE), headers=key())
        assert answer.status_code == 200, answer.text
        assert answer.json()["store_credit"]["balance"] == {"amount": "11.00", "currency": "USD"}
        assert any(
            "not the 15.00 USD written: it was changed by someone else in between" in w
            for w in answer.json()["warnings"]
        )
        assert answer.json()["timeline_event"]["details"]["notes"]


async def test_bigcommerce_ambiguous_write_with_a_foreign_balance_is_unknown() -> None:
    async with gateway() as (client, simulators):
        simulator = simulators[BIGCOMMERCE]
        simulator.faults.http_status(502, operation="updateCustomers")
        fault = simulator._fault

        def someone_else_too(*args: Any) -> Any:  # another change lands as ours is lost
            simulator.store.customers[2].store_credit = Decimal("99.00")
            return fault(*args)

        simulator._fault = someone_else_too
        answer = await client.post("/v1/actions", json=credit(BIGCOMMERCE), headers=key())
        assert answer.status_code == 503, answer.text
        problem = answer.json()
        assert problem["outcome"] == "unknown"
        assert (
            "Re-reading shows a balance of 99.00 USD, neither the 0.00 USD read before nor the "
            "15.00 USD written"
        ) in problem["detail"]
        assert problem["timeline_event"]["type"] == "action.outcome_unknown"
        assert credit_writes(simulators, BIGCOMMERCE) == []


async def test_the_catalog_lists_it_with_its_input_schema_on_both_platforms() -> None:
    async with gateway() as (client, _):
        platforms = {
            p["platform"]: p for p in (await client.get("/v1/platforms")).json()["platforms"]
        }
        for name in ("shopify", "bigcommerce"):
            actions = {a["name"]: a for a in platforms[name]["actions"]}
            entry = actions["issue_store_credit"]
            assert entry["resource_type"] == "customer"
            properties = entry["input_schema"]["properties"]
            assert set(properties) == {
                "amount",
                "currency",
                "expires_at",
                "notify_customer",
                "reason",
            }
            assert entry["input_schema"]["required"] == ["amount", "currency"]
        for name in ("recharge", "ordergroove"):
            assert "issue_store_credit" not in {a["name"] for a in platforms[name]["actions"]}
