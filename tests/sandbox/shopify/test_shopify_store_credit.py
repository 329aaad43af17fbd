"""The Shopify simulator's store credit (storeCreditAccountCredit, Customer.storeCreditAccounts),
against Shopify's real Admin SDL (2026-07) and the errors captured from a real store (C11)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from action_gateway.platforms.shopify.operations import (
    CUSTOMER_STORE_CREDIT,
    STORE_CREDIT_ACCOUNT_CREDIT,
)
from action_gateway_sandbox.shopify import ShopifySimulator
from tests.sandbox.shopify.test_shopify_simulator import BASE, TOKEN, gql
from tests.shared_specs import require_spec

AVA = "gid://shopify/Customer/7410001"


@pytest.fixture
def sim() -> ShopifySimulator:
    return ShopifySimulator(
        access_token=TOKEN, schema_path=require_spec("shopify/2026-07/schema.graphql")
    )


@pytest.fixture
async def client(sim: ShopifySimulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE, headers=headers) as c:
        yield c


def credit(amount: str, currency: str = "USD", **extra: Any) -> dict[str, Any]:
    return {"creditAmount": {"amount": amount, "currencyCode": currency}, **extra}


async def issue(client: httpx.AsyncClient, owner: str, credit_input: dict[str, Any]) -> Any:
    body = await gql(
        client,
        STORE_CREDIT_ACCOUNT_CREDIT.document,
        {"id": owner, "creditInput": credit_input},
    )
    assert "errors" not in body, body
    return body["data"]["storeCreditAccountCredit"]


async def test_a_credit_opens_the_account_and_adds_to_its_balance(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    first = await issue(client, AVA, credit("15.00", notify=True))
    assert first["userErrors"] == []
    transaction = first["storeCreditAccountTransaction"]
    assert transaction["__typename"] == "StoreCreditAccountCreditTransaction"
    assert transaction["event"] == "ADJUSTMENT"
    assert transaction["amount"] == {"amount": "15.0", "currencyCode": "USD"}
    second = await issue(client, AVA, credit("2.50"))
    balance = second["storeCreditAccountTransaction"]["balanceAfterTransaction"]
    assert balance == {"amount": "17.5", "currencyCode": "USD"}
    assert second["storeCreditAccountTransaction"]["account"]["balance"] == balance
    # Another currency opens a second account (captured: CHF to a USD customer).
    await issue(client, AVA, credit("3", "CHF"))
    read = await gql(
        client, CUSTOMER_STORE_CREDIT.document, {"id": AVA, "accounts": "currency_code:USD"}
    )
    [account] = read["data"]["customer"]["storeCreditAccounts"]["nodes"]
    assert account["balance"] == balance
    newest = account["transactions"]["nodes"]
    assert [t["amount"]["amount"] for t in newest] == ["2.5", "15.0"]  # newest first
    assert len([e for e in sim.ledger if e.operation == "storeCreditAccountCredit"]) == 3


@pytest.mark.parametrize(
    ("owner", "credit_input", "code", "field", "message"),
    [
        (AVA, credit("0"), "NEGATIVE_OR_ZERO_AMOUNT", ["creditInput", "creditAmount", "amount"],
         "A positive amount must be used to credit a store credit account"),
        (AVA, credit("5", expiresAt=(datetime.now(UTC) - timedelta(days=1)).isoformat()),
         "EXPIRES_AT_IN_PAST", ["creditInput", "expiresAt"],
         "The expiry date must be in the future"),
        (AVA, credit("100000.00"), "CREDIT_LIMIT_EXCEEDED",
         ["creditInput", "creditAmount", "amount"],
         "The operation would cause the account's credit limit to be exceeded"),
        ("gid://shopify/Customer/1", credit("5"), "OWNER_NOT_FOUND", ["id"],
         "Owner does not exist"),
        ("gid://shopify/StoreCreditAccount/1", credit("5"), "ACCOUNT_NOT_FOUND", ["id"],
         "Store credit account does not exist"),
    ],
)  # fmt: skip
async def test_captured_user_errors(
    client: httpx.AsyncClient,
    sim: ShopifySimulator,
    owner: str,
    credit_input: dict[str, Any],
    code: str,
    field: list[str],
    message: str,
) -> None:
    result = await issue(client, owner, credit_input)
    assert result["storeCreditAccountTransaction"] is None
    assert result["userErrors"] == [{"field": field, "message": message, "code": code}]
    assert not [e for e in sim.ledger if e.operation == "storeCreditAccountCredit"]


async def test_an_account_id_in_another_currency_is_mismatching(client: httpx.AsyncClient) -> None:
    opened = await issue(client, AVA, credit("5"))
    account_id = opened["storeCreditAccountTransaction"]["account"]["id"]
    result = await issue(client, account_id, credit("5", "EUR"))
    assert result["userErrors"][0]["code"] == "MISMATCHING_CURRENCY"
    assert result["userErrors"][0]["message"] == (
        "The currency provided does not match the currency of the store credit account"
    )
