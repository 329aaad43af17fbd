"""The Shopify simulator through HTTP, as the adapter sees it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway_sandbox.shopify import SEED_ORDERS, ShopifySimulator, seed_table
from tests.sandbox.faults import assert_seeded_faults_reproducible

TOKEN = "shpat_test"
BASE = "https://sandbox-shop.myshopify.com"
URL = "/admin/api/2026-07/graphql.json"


def order_gid(number: int) -> str:
    return f"gid://shopify/Order/{5_500_000_000 + number}"


MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

CUSTOMER_BY_IDENTIFIER = """
query CustomerByIdentifier($identifier: CustomerIdentifierInput!, $ordersFirst: Int!) {
  customerByIdentifier(identifier: $identifier) {
    id legacyResourceId displayName firstName lastName
    defaultEmailAddress { emailAddress }
    defaultPhoneNumber { phoneNumber }
    numberOfOrders
    orders(first: $ordersFirst, sortKey: PROCESSED_AT, reverse: true) {
      pageInfo { hasNextPage endCursor }
      nodes { ...OrderSummary }
    }
  }
}
fragment OrderSummary on Order {
  id legacyResourceId name createdAt processedAt
  displayFinancialStatus displayFulfillmentStatus
  cancelledAt cancelReason closed closedAt currencyCode
  totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
  totalRefundedSet { shopMoney { amount currencyCode } }
  refundable
}
"""

CUSTOMERS_SEARCH = """
query CustomersSearch($query: String!, $first: Int!) {
  customers(first: $first, query: $query, sortKey: UPDATED_AT, reverse: true) {
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id displayName defaultEmailAddress { emailAddress } } }
  }
}
"""

CUSTOMER = "query Customer($id: ID!) { customer(id: $id) { id displayName __typename } }"

ORDERS_SEARCH = """
query Orders($query: String, $first: Int!, $after: String) {
  orders(first: $first, query: $query, after: $after, sortKey: ORDER_NUMBER) {
    pageInfo { hasNextPage endCursor }
    nodes { id name email customer { id } displayFinancialStatus displayFulfillmentStatus }
  }
}
"""

ORDER_FOR_ACTION = f"""
query OrderForAction($id: ID!) {{
  order(id: $id) {{
    id name note tags cancelledAt cancelReason cancellation {{ staffNote }} closed closedAt
    displayFinancialStatus displayFulfillmentStatus refundable currencyCode presentmentCurrencyCode
    totalPriceSet {{ {MONEY} }}
    totalReceivedSet {{ {MONEY} }}
    totalRefundedSet {{ {MONEY} }}
    netPaymentSet {{ {MONEY} }}
    totalOutstandingSet {{ {MONEY} }}
    totalShippingPriceSet {{ {MONEY} }}
    totalRefundedShippingSet {{ {MONEY} }}
    lineItems(first: 100) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id name sku quantity currentQuantity refundableQuantity unfulfilledQuantity restockable
        originalUnitPriceSet {{ shopMoney {{ amount currencyCode }} }}
        discountedUnitPriceAfterAllDiscountsSet {{ shopMoney {{ amount currencyCode }} }}
      }}
    }}
    shippingLines(first: 10) {{
      nodes {{ id title isRemoved originalPriceSet {{ shopMoney {{ amount currencyCode }} }} }}
    }}
    transactions(first: 50) {{
      id kind status gateway test parentTransaction {{ id }}
      amountSet {{ {MONEY} }}
    }}
    refunds {{ id totalRefundedSet {{ shopMoney {{ amount }} }} }}
  }}
}}
"""

SUGGESTED_REFUND = """
query SuggestedRefund($id: ID!, $refundLineItems: [RefundLineItemInput!], $refundShipping: Boolean,
                      $shippingAmount: Money, $suggestFullRefund: Boolean) {
  order(id: $id) {
    id
    suggestedRefund(refundLineItems: $refundLineItems, refundShipping: $refundShipping,
                    shippingAmount: $shippingAmount, suggestFullRefund: $suggestFullRefund) {
      amountSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
      maximumRefundableSet { shopMoney { amount currencyCode } }
      subtotalSet { shopMoney { amount currencyCode } }
      totalTaxSet { shopMoney { amount currencyCode } }
      totalCartDiscountAmountSet { shopMoney { amount currencyCode } }
      shipping { amountSet { shopMoney { amount } } maximumRefundableSet { shopMoney { amount } }
                 taxSet { shopMoney { amount } } }
      refundLineItems { lineItem { id name } quantity restockType location { id }
                        priceSet { shopMoney { amount } } subtotalSet { shopMoney { amount } }
                        totalTaxSet { shopMoney { amount } } }
      suggestedTransactions { kind gateway parentTransaction { id kind gateway }
        amountSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
        maximumRefundableSet { shopMoney { amount currencyCode } } }
    }
  }
}
"""

ORDER_CANCEL = """
mutation OrderCancel($orderId: ID!, $reason: OrderCancelReason!, $restock: Boolean!,
                     $refundMethod: OrderCancelRefundMethodInput, $refund: Boolean,
                     $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, restock: $restock, refundMethod: $refundMethod,
              refund: $refund, notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
    userErrors { field message }
  }
}
"""

JOB_POLL = """
query JobPoll($id: ID!, $orderId: ID!) {
  job(id: $id) { id done }
  order(id: $orderId) {
    id cancelledAt cancelReason cancellation { staffNote } closed closedAt displayFinancialStatus
    totalRefundedSet { shopMoney { amount } }
    refunds { refundLineItems(first: 10) { nodes { quantity restockType restocked } } }
    transactions { kind status amountSet { shopMoney { amount } } }
  }
}
"""

REFUND_CREATE = """
mutation RefundCreate($input: RefundInput!, $idempotencyKey: String!) {
  refundCreate(input: $input) @idempotent(key: $idempotencyKey) {
    refund {
      id createdAt note
      totalRefundedSet { shopMoney { amount currencyCode }
                         presentmentMoney { amount currencyCode } }
      refundLineItems(first: 100) { nodes { lineItem { id } quantity restockType restocked } }
      transactions(first: 10) {
        nodes { id kind status gateway amountSet { shopMoney { amount currencyCode } } }
      }
    }
    order { id displayFinancialStatus totalRefundedSet { shopMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""

REFUND_CREATE_NO_KEY = """
mutation RefundCreate($input: RefundInput!) {
  refundCreate(input: $input) { refund { id } userErrors { field message } }
}
"""

REFUND_WITH_CODE = """
mutation RefundCreate($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) { userErrors { field message code } }
}
"""

ORDER_UPDATE = """
mutation OrderUpdateNote($input: OrderInput!) {
  orderUpdate(input: $input) { order { id note updatedAt } userErrors { field message } }
}
"""

DISCOUNT_CREATE = """
mutation DiscountCodeBasicCreate($basicCodeDiscount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $basicCodeDiscount) {
    codeDiscountNode {
      id
      codeDiscount {
        __typename
        ... on DiscountCodeBasic {
          title status startsAt endsAt usageLimit appliesOncePerCustomer discountClasses
          codes(first: 1) { nodes { id code } }
          customerGets {
            value { __typename ... on DiscountPercentage { percentage }
                    ... on DiscountAmount { amount { amount currencyCode } appliesOnEachItem } }
            items { __typename ... on AllDiscountItems { allItems }
                    ... on DiscountCollections { collections(first: 5) { nodes { id title } } } }
          }
        }
      }
    }
    userErrors { field message code extraInfo }
  }
}
"""

CODE_EXISTS = "query CodeExists($code: String!) { codeDiscountNodeByCode(code: $code) { id } }"

TAGS_ADD = """
mutation OrderTagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { node { id ... on Order { tags } } userErrors { field message } }
}
"""

TAGS_REMOVE = """
mutation OrderTagsRemove($id: ID!, $tags: [String!]!) {
  tagsRemove(id: $id, tags: $tags) {
    node { id ... on Order { tags } }
    userErrors { field message }
  }
}
"""

ORDER_SHIPPING_ADDRESS_UPDATE = """
mutation OrderShippingAddressUpdate($input: OrderInput!) {
  orderUpdate(input: $input) {
    order { id shippingAddress { firstName lastName address1 city province provinceCode
      countryCodeV2 zip phone } }
    userErrors { field message }
  }
}
"""

COLLECTIONS = (
    "query Collections($q: String) { collections(first: 5, query: $q) { nodes { id title } } }"
)

UNKNOWN_FIELD = 'query Bad { order(id: "gid://shopify/Order/1") { id definitelyNotAnOrderField } }'

NO_PAGE_SIZE = "query NoFirst { orders { nodes { id } } }"

EXPENSIVE = "query Big { orders(first: 249) { nodes { lineItems(first: 1) { nodes { id } } } } }"

# Every document sent by these tests; the fidelity test validates each against the real SDL.
DOCUMENTS = {
    name: value
    for name, value in dict(globals()).items()
    if name.isupper()
    and isinstance(value, str)
    and ("query" in value or "mutation" in value)
    and name not in {"NO_PAGE_SIZE", "UNKNOWN_FIELD", "REFUND_WITH_CODE"}
}


@pytest.fixture
def sim() -> ShopifySimulator:
    return ShopifySimulator(access_token=TOKEN, cancel_job_seconds=0.05)


@pytest.fixture
async def client(sim: ShopifySimulator) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE, headers=headers) as c:
        yield c


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, url: str = URL
) -> dict[str, Any]:
    response = await client.post(url, json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def order(client: httpx.AsyncClient, number: int) -> dict[str, Any]:
    body = await gql(client, ORDER_FOR_ACTION, {"id": order_gid(number)})
    result: dict[str, Any] = body["data"]["order"]
    return result


# -- protocol ---------------------------------------------------------------------------------


async def test_auth_version_path_and_body_errors(client: httpx.AsyncClient) -> None:
    bad = await client.post(
        URL, json={"query": '{ job(id: "x") { id } }'}, headers={"X-Shopify-Access-Token": "no"}
    )
    assert bad.status_code == 401
    assert bad.json() == {
        "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
    }
    old = await client.post("/admin/api/2024-01/graphql.json", json={"query": "{ __typename }"})
    assert (old.status_code, old.json()) == (404, {"errors": "Not Found"})
    assert (await client.post("/admin/api/2026-07/products.json", json={})).status_code == 404
    broken = await client.post(URL, content=b"not json")
    assert broken.status_code == 400
    assert broken.json() == {"errors": {"query": "Required parameter missing or invalid"}}


async def test_headers_and_cost_extension(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json={"query": CUSTOMER, "variables": {"id": "gid://shopify/Customer/7410001"}}
    )
    assert response.headers["X-Shopify-API-Version"] == "2026-07"
    assert response.headers["X-Request-Id"]
    cost = response.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert cost["throttleStatus"]["restoreRate"] == 100.0


async def test_unknown_field_is_a_validation_error_not_null(client: httpx.AsyncClient) -> None:
    body = await gql(client, UNKNOWN_FIELD)
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Field 'definitelyNotAnOrderField' doesn't exist on type 'Order'",
            "locations": [{"line": 1, "column": 53}],
            "path": ["query Bad", "order", "definitelyNotAnOrderField"],
            "extensions": {
                "code": "undefinedField",
                "typeName": "Order",
                "fieldName": "definitelyNotAnOrderField",
            },
        }
    ]


async def test_user_error_has_no_code(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    body = await gql(client, REFUND_WITH_CODE, {"input": {"orderId": order_gid(1001)}, "key": "k"})
    assert body["errors"][0]["message"] == "Field 'code' doesn't exist on type 'UserError'"
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"
    assert sim.ledger == []


async def test_invalid_variable_and_inline_argument(client: httpx.AsyncClient) -> None:
    body = await gql(
        client,
        REFUND_CREATE,
        {"input": {"orderId": order_gid(1001), "bogus": 1}, "idempotencyKey": "k"},
    )
    assert "data" not in body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["problems"] == [
        {"path": ["bogus"], "explanation": "Field is not defined on RefundInput"}
    ]
    assert error["message"] == (
        "Variable $input of type RefundInput! was provided invalid value for bogus "
        "(Field is not defined on RefundInput)"
    )
    inline = 'mutation { orderUpdate(input: {id: "x", colour: "red"}) { userErrors { field } } }'
    body = await gql(client, inline)
    assert (
        body["errors"][0]["message"] == "InputObject 'OrderInput' doesn't accept argument 'colour'"
    )
    assert body["errors"][0]["extensions"]["code"] == "argumentNotAccepted"
    missing = await gql(client, ORDER_UPDATE, {})
    assert missing["errors"][0]["extensions"]["problems"] == [
        {"path": [], "explanation": "Expected value to not be null"}
    ]


async def test_connection_needs_a_page_size(client: httpx.AsyncClient) -> None:
    body = await gql(client, NO_PAGE_SIZE)
    assert body["data"] is None
    assert body["errors"][0]["message"] == "you must provide one of first or last"
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_throttling_from_the_bucket(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    first = await gql(client, EXPENSIVE)
    assert first["extensions"]["cost"]["requestedQueryCost"] == 998
    sim.bucket.available = 100.0  # as if other calls had drained it
    body = await gql(client, EXPENSIVE)
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    assert body["extensions"]["cost"]["actualQueryCost"] is None


# -- faults -----------------------------------------------------------------------------------


async def test_http_status_faults(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    sim.faults.http_status(503, retry_after=2)
    sim.faults.http_status(429, retry_after=1.5, operation="OrderCancel")
    sim.faults.http_status(500)
    unavailable = await client.post(URL, json={"query": CUSTOMER, "variables": {"id": "x"}})
    assert (unavailable.status_code, unavailable.headers["Retry-After"]) == (503, "2")
    # The 429 waits for an OrderCancel; the 500 applies to the next request.
    assert (
        await client.post(URL, json={"query": CUSTOMER, "variables": {"id": "x"}})
    ).status_code == 500
    limited = await client.post(
        URL,
        json={
            "query": ORDER_CANCEL,
            "variables": {"orderId": order_gid(1001), "reason": "CUSTOMER", "restock": True},
        },
    )
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "1.5")
    assert sim.ledger == []
    assert (await order(client, 1001))["cancelledAt"] is None


async def test_throttled_fault_and_latency(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    sim.faults.throttle()
    sim.faults.latency_seconds = 0.01
    body = await gql(client, CUSTOMER, {"id": "gid://shopify/Customer/7410001"})
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert "data" not in body


async def test_drop_before_does_not_execute(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    sim.faults.drop_before(operation="orderUpdate")
    with pytest.raises(httpx.ConnectError):
        await gql(client, ORDER_UPDATE, {"input": {"id": order_gid(1001), "note": "x"}})
    assert sim.ledger == []
    assert (await order(client, 1001))["note"] is None


async def test_drop_after_executes_once(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    sim.faults.drop_after(operation="RefundCreate", error=httpx.RemoteProtocolError)
    variables = {"input": _refund_input(1001, "10.00"), "idempotencyKey": "key-1"}
    with pytest.raises(httpx.RemoteProtocolError):
        await gql(client, REFUND_CREATE, variables)
    assert len(sim.ledger) == 1
    retry = await gql(client, REFUND_CREATE, variables)  # same key: the original result
    assert retry["data"]["refundCreate"]["userErrors"] == []
    assert len(sim.ledger) == 1
    assert (await order(client, 1001))["totalRefundedSet"]["shopMoney"]["amount"] == "10.0"


async def test_random_faults_are_reproducible() -> None:
    await assert_seeded_faults_reproducible(
        ShopifySimulator,
        TOKEN,
        BASE,
        {"X-Shopify-Access-Token": TOKEN},
        lambda c: c.post(URL, json={"query": CUSTOMER, "variables": {"id": "x"}}),
        requests=20,
        describe=lambda response: f"{response.status_code} {response.text[:40]}",
    )


# -- queries ----------------------------------------------------------------------------------


def test_seed_covers_every_cell() -> None:
    cells = {(o.financial_status, o.fulfillment_status) for o in SEED_ORDERS}
    columns = [
        "PENDING", "AUTHORIZED", "EXPIRED", "VOIDED", None,
        "PARTIALLY_PAID", "PAID", "PARTIALLY_REFUNDED", "REFUNDED",
    ]  # fmt: skip
    for column in columns:
        for row in ("UNFULFILLED", "PARTIALLY_FULFILLED", "FULFILLED"):
            assert (column, row) in cells
    assert any(o.cancelled for o in SEED_ORDERS)
    assert len(seed_table()) == len(SEED_ORDERS)


async def test_seeded_statuses_match_what_the_api_reports(client: httpx.AsyncClient) -> None:
    body = await gql(client, ORDERS_SEARCH, {"first": 50})
    reported = {
        n["name"]: (n["displayFinancialStatus"], n["displayFulfillmentStatus"])
        for n in body["data"]["orders"]["nodes"]
    }
    assert reported == {o.name: (o.financial_status, o.fulfillment_status) for o in SEED_ORDERS}


async def test_customer_by_identifier(client: httpx.AsyncClient) -> None:
    variables = {"identifier": {"emailAddress": "  Ava.Lindqvist@EXAMPLE.com "}, "ordersFirst": 2}
    customer = (await gql(client, CUSTOMER_BY_IDENTIFIER, variables))["data"][
        "customerByIdentifier"
    ]
    assert customer["displayName"] == "Ava Lindqvist"
    assert customer["numberOfOrders"] == "6"
    assert customer["defaultPhoneNumber"] == {"phoneNumber": "+14155550101"}
    assert customer["orders"]["pageInfo"]["hasNextPage"] is True
    assert [o["name"] for o in customer["orders"]["nodes"]] == ["#1006", "#1005"]
    by_phone = {"identifier": {"phoneNumber": "+16135551234"}, "ordersFirst": 1}
    assert (await gql(client, CUSTOMER_BY_IDENTIFIER, by_phone))["data"]["customerByIdentifier"][
        "firstName"
    ] == "Bo"
    nobody = {"identifier": {"emailAddress": "nobody@example.com"}, "ordersFirst": 1}
    assert (await gql(client, CUSTOMER_BY_IDENTIFIER, nobody))["data"] == {
        "customerByIdentifier": None
    }


async def test_customers_search_and_customer(client: httpx.AsyncClient) -> None:
    async def names(query: str) -> list[str]:
        body = await gql(client, CUSTOMERS_SEARCH, {"query": query, "first": 10})
        return [e["node"]["displayName"] for e in body["data"]["customers"]["edges"]]

    assert await names('email:"bo.wang@example.com"') == ["Bo Wang"]
    assert await names('email:"bo.wang@example"') == []
    assert len(await names("email:example.com")) == 5  # tokenized
    assert await names("phone:+447700900123") == ["Carmen Ortiz"]
    found = await gql(client, CUSTOMER, {"id": "gid://shopify/Customer/7410003"})
    assert found["data"]["customer"] == {
        "id": "gid://shopify/Customer/7410003",
        "displayName": "Carmen Ortiz",
        "__typename": "Customer",
    }


async def test_orders_filters_and_paging(client: httpx.AsyncClient) -> None:
    async def names(query: str, first: int = 50, after: str | None = None) -> dict[str, Any]:
        variables = {"query": query, "first": first, "after": after}
        result: dict[str, Any] = (await gql(client, ORDERS_SEARCH, variables))["data"]["orders"]
        return result

    assert [n["name"] for n in (await names("name:#1002"))["nodes"]] == ["#1002"]
    assert [n["name"] for n in (await names("name:1002"))["nodes"]] == ["#1002"]
    assert len((await names("email:bo.wang@example.com"))["nodes"]) == 6
    assert len((await names("customer_id:7410003"))["nodes"]) == 6
    page = await names("customer_id:7410001", first=4)
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await names("customer_id:7410001", first=4, after=page["pageInfo"]["endCursor"])
    assert [n["name"] for n in rest["nodes"]] == ["#1005", "#1006"]
    assert (await gql(client, ORDER_FOR_ACTION, {"id": order_gid(9999)}))["data"] == {"order": None}


async def test_order_detail_money(client: httpx.AsyncClient) -> None:
    paid = await order(client, 1001)
    assert paid["displayFinancialStatus"] == "PAID"
    assert paid["totalPriceSet"]["shopMoney"] == {"amount": "130.0", "currencyCode": "USD"}
    assert paid["netPaymentSet"]["shopMoney"]["amount"] == "130.0"
    assert paid["totalOutstandingSet"]["shopMoney"]["amount"] == "0.0"
    assert [li["sku"] for li in paid["lineItems"]["nodes"]] == ["MWB-CHAR-OS", "CPO-WHT"]
    assert paid["transactions"][0]["kind"] == "SALE"
    no_payment = await order(client, 1019)
    assert no_payment["displayFinancialStatus"] is None
    assert no_payment["transactions"] == []
    euro = await order(client, 1030)
    assert euro["presentmentCurrencyCode"] == "EUR"
    assert euro["totalPriceSet"]["presentmentMoney"]["currencyCode"] == "EUR"
    voided = await order(client, 1016)
    assert [t["kind"] for t in voided["transactions"]] == ["AUTHORIZATION", "VOID"]


async def test_suggested_refund(client: httpx.AsyncClient) -> None:
    variables = {"id": order_gid(1001), "suggestFullRefund": True, "refundShipping": True}
    suggestion = (await gql(client, SUGGESTED_REFUND, variables))["data"]["order"][
        "suggestedRefund"
    ]
    assert suggestion["amountSet"]["shopMoney"]["amount"] == "130.0"
    assert suggestion["shipping"]["amountSet"]["shopMoney"]["amount"] == "12.0"
    [txn] = suggestion["suggestedTransactions"]
    assert (txn["kind"], txn["gateway"], txn["parentTransaction"]["kind"]) == (
        "SUGGESTED_REFUND", "shopify_payments", "SALE",
    )  # fmt: skip
    partial_paid = {"id": order_gid(1022), "suggestFullRefund": True, "refundShipping": True}
    capped = (await gql(client, SUGGESTED_REFUND, partial_paid))["data"]["order"]["suggestedRefund"]
    # Only half was received: the suggestion is capped at what can be refunded.
    assert capped["amountSet"]["shopMoney"] == capped["maximumRefundableSet"]["shopMoney"]
    one_line = (await order(client, 1004))["lineItems"]["nodes"][1]
    variables = {
        "id": order_gid(1004),
        "refundLineItems": [{"lineItemId": one_line["id"], "quantity": 1, "restockType": "CANCEL"}],
        "shippingAmount": "2.50",
    }
    line = (await gql(client, SUGGESTED_REFUND, variables))["data"]["order"]["suggestedRefund"]
    assert line["refundLineItems"][0]["location"] == {"id": "gid://shopify/Location/64880001"}
    assert line["shipping"]["amountSet"]["shopMoney"]["amount"] == "2.5"


async def test_collections_and_code_lookup(client: httpx.AsyncClient) -> None:
    body = await gql(client, COLLECTIONS, {"q": "title:Kitchen"})
    assert body["data"]["collections"]["nodes"] == [
        {"id": "gid://shopify/Collection/4420002", "title": "Kitchen"}
    ]
    assert (await gql(client, CODE_EXISTS, {"code": "NOPE"}))["data"] == {
        "codeDiscountNodeByCode": None
    }


# -- orderCancel ------------------------------------------------------------------------------


def _cancel(number: int, **extra: Any) -> dict[str, Any]:
    return {"orderId": order_gid(number), "reason": "CUSTOMER", "restock": True, **extra}


async def test_cancel_and_refund_runs_as_a_job(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    variables = _cancel(
        1001, refundMethod={"originalPaymentMethodsRefund": True}, staffNote="asked"
    )
    payload = (await gql(client, ORDER_CANCEL, variables))["data"]["orderCancel"]
    assert payload["orderCancelUserErrors"] == []
    assert payload["userErrors"] == []
    job = payload["job"]
    assert job["done"] is False
    assert job["id"].startswith("gid://shopify/Job/")
    poll = {"id": job["id"], "orderId": order_gid(1001)}
    early = (await gql(client, JOB_POLL, poll))["data"]
    assert early["job"]["done"] is False
    assert early["order"]["cancelledAt"] is None
    await asyncio.sleep(0.06)
    done = (await gql(client, JOB_POLL, poll))["data"]
    assert done["job"]["done"] is True
    cancelled = done["order"]
    assert cancelled["cancelledAt"] == cancelled["closedAt"]
    assert cancelled["closed"] is True
    assert cancelled["cancelReason"] == "CUSTOMER"
    assert cancelled["cancellation"] == {"staffNote": "asked"}
    assert cancelled["displayFinancialStatus"] == "REFUNDED"
    assert cancelled["totalRefundedSet"]["shopMoney"]["amount"] == "130.0"
    assert cancelled["refunds"][0]["refundLineItems"]["nodes"][0]["restockType"] == "CANCEL"
    assert [(e.operation, e.amount) for e in sim.ledger] == [("orderCancel", pytest.approx(130))]
    again = (await gql(client, ORDER_CANCEL, _cancel(1001)))["data"]["orderCancel"]
    assert again["job"] is None
    assert again["orderCancelUserErrors"] == [
        {
            "field": ["orderId"],
            "message": "Cannot cancel an order that has already been canceled",
            "code": "INVALID",
        }
    ]
    assert len(sim.ledger) == 1


async def test_cancel_voids_an_authorization(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    job = (await gql(client, ORDER_CANCEL, _cancel(1010, restock=False)))["data"]["orderCancel"][
        "job"
    ]
    await asyncio.sleep(0.06)
    after = (await gql(client, JOB_POLL, {"id": job["id"], "orderId": order_gid(1010)}))["data"]
    assert after["order"]["displayFinancialStatus"] == "VOIDED"
    assert after["order"]["totalRefundedSet"]["shopMoney"]["amount"] == "0.0"


@pytest.mark.parametrize(
    ("number", "extra", "field", "message", "code"),
    [
        (1005, {}, ["orderId"], "Cannot cancel an order that has already been canceled", "INVALID"),
        (
            1002,
            {},
            ["orderId"],
            "Cannot cancel an order that has outstanding fulfillments",
            "INVALID",
        ),
        (9999, {}, ["orderId"], "Order does not exist", "NOT_FOUND"),
        (
            1001,
            {"staffNote": "x" * 256},
            ["staffNote"],
            "Staff note is too long. Maximum length is 255 characters.",
            "INVALID",
        ),
        (
            1001,
            {"refund": False, "refundMethod": {"originalPaymentMethodsRefund": True}},
            ["refund"],
            "Only one of the arguments `refund` or `refund_method` is allowed.",
            "INVALID",
        ),
    ],
)
async def test_cancel_refusals(
    client: httpx.AsyncClient,
    sim: ShopifySimulator,
    number: int,
    extra: dict[str, Any],
    field: list[str],
    message: str,
    code: str,
) -> None:
    payload = (await gql(client, ORDER_CANCEL, _cancel(number, **extra)))["data"]["orderCancel"]
    assert payload["job"] is None
    assert payload["orderCancelUserErrors"] == [{"field": field, "message": message, "code": code}]
    assert payload["userErrors"] == [{"field": field, "message": message}]
    assert sim.ledger == []


# -- refundCreate -----------------------------------------------------------------------------


def _refund_input(number: int, amount: str | None = None, **extra: Any) -> dict[str, Any]:
    parent = f"gid://shopify/OrderTransaction/{(5_500_000_000 + number) * 10 + 5}"
    data: dict[str, Any] = {"orderId": order_gid(number), **extra}
    if amount is not None:
        data["transactions"] = [
            {
                "orderId": order_gid(number),
                "parentId": parent,
                "gateway": "shopify_payments",
                "kind": "REFUND",
                "amount": amount,
            }
        ]
    return data


async def test_partial_refund_with_restock(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    line = (await order(client, 1001))["lineItems"]["nodes"][1]
    data = _refund_input(
        1001,
        "51.00",
        note="damaged",
        shipping={"amount": "6.00"},
        refundLineItems=[{"lineItemId": line["id"], "quantity": 1, "restockType": "CANCEL"}],
    )
    payload = (await gql(client, REFUND_CREATE, {"input": data, "idempotencyKey": "k1"}))["data"][
        "refundCreate"
    ]
    assert payload["userErrors"] == []
    refund = payload["refund"]
    assert refund["note"] == "damaged"
    assert refund["totalRefundedSet"]["shopMoney"] == {"amount": "51.0", "currencyCode": "USD"}
    assert refund["refundLineItems"]["nodes"] == [
        {"lineItem": {"id": line["id"]}, "quantity": 1, "restockType": "CANCEL", "restocked": True}
    ]
    assert refund["transactions"]["nodes"][0]["kind"] == "REFUND"
    assert payload["order"]["displayFinancialStatus"] == "PARTIALLY_REFUNDED"
    after = await order(client, 1001)
    assert after["lineItems"]["nodes"][1]["refundableQuantity"] == 1
    assert after["totalRefundedShippingSet"]["shopMoney"]["amount"] == "6.0"
    [entry] = sim.ledger
    assert (entry.operation, entry.idempotency_key, str(entry.amount)) == (
        "refundCreate",
        "k1",
        "51.00",
    )


async def test_refund_without_transactions_moves_no_money(client: httpx.AsyncClient) -> None:
    line = (await order(client, 1004))["lineItems"]["nodes"][0]
    data = _refund_input(
        1004, refundLineItems=[{"lineItemId": line["id"], "quantity": 1, "restockType": "RETURN"}]
    )
    payload = (await gql(client, REFUND_CREATE, {"input": data, "idempotencyKey": "k2"}))["data"][
        "refundCreate"
    ]
    assert payload["refund"]["totalRefundedSet"]["shopMoney"]["amount"] == "0.0"
    assert payload["order"]["displayFinancialStatus"] == "PAID"


async def test_full_refund_and_idempotency(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    variables = {"input": _refund_input(1001, "130.00"), "idempotencyKey": "full"}
    first = (await gql(client, REFUND_CREATE, variables))["data"]["refundCreate"]
    assert first["order"]["displayFinancialStatus"] == "REFUNDED"
    replay = (await gql(client, REFUND_CREATE, variables))["data"]["refundCreate"]
    assert replay["refund"]["id"] == first["refund"]["id"]
    assert len(sim.ledger) == 1
    changed = {"input": _refund_input(1001, "1.00"), "idempotencyKey": "full"}
    body = await gql(client, REFUND_CREATE, changed)
    assert body["data"] == {"refundCreate": None}
    assert body["errors"][0]["message"] == (
        "The same idempotency key cannot be used with different operation parameters."
    )
    assert body["errors"][0]["path"] == ["refundCreate"]
    assert len(sim.ledger) == 1


async def test_idempotent_directive_required_from_2026_04(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    body = await gql(client, REFUND_CREATE_NO_KEY, {"input": _refund_input(1001, "1.00")})
    assert body["errors"] == [
        {
            "message": "The @idempotent directive is required for this mutation "
            "but was not provided.",
            "extensions": {"code": "BAD_REQUEST"},
            "path": ["refundCreate"],
        }
    ]
    assert body["data"] == {"refundCreate": None}
    optional = await gql(
        client,
        REFUND_CREATE_NO_KEY,
        {"input": _refund_input(1001, "1.00")},
        url="/admin/api/2026-01/graphql.json",
    )
    assert optional["data"]["refundCreate"]["userErrors"] == []
    assert len(sim.ledger) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"orderId": order_gid(9999)}, ["orderId"], "Order does not exist"),
        (
            _refund_input(1001, "999.00"),
            None,
            "Refund amount $999.00 is greater than net payment received $130.00",
        ),
        (
            _refund_input(1001, "5.00")
            | {
                "transactions": [
                    {
                        "orderId": order_gid(1001),
                        "parentId": "gid://shopify/OrderTransaction/1",
                        "gateway": "x",
                        "kind": "REFUND",
                        "amount": "5.00",
                    }
                ]
            },
            ["transactions"],
            "Transactions require a parent_id associated with the order",
        ),
        (
            _refund_input(1001)
            | {
                "transactions": [
                    {
                        "orderId": order_gid(1001),
                        "gateway": "x",
                        "kind": "AUTHORIZATION",
                        "amount": "5.00",
                    }
                ]
            },
            None,
            "Kind authorization is not a valid transaction",
        ),
    ],
)
async def test_refund_user_errors(
    client: httpx.AsyncClient,
    sim: ShopifySimulator,
    data: dict[str, Any],
    field: list[str] | None,
    message: str,
) -> None:
    payload = (await gql(client, REFUND_CREATE, {"input": data, "idempotencyKey": "e"}))["data"][
        "refundCreate"
    ]
    assert payload["refund"] is None
    assert payload["userErrors"] == [{"field": field, "message": message}]
    assert sim.ledger == []


async def test_refund_quantity_above_purchased(client: httpx.AsyncClient) -> None:
    line = (await order(client, 1001))["lineItems"]["nodes"][0]
    data = _refund_input(
        1001, refundLineItems=[{"lineItemId": line["id"], "quantity": 2}], allowOverRefunding=True
    )
    payload = (await gql(client, REFUND_CREATE, {"input": data, "idempotencyKey": "q"}))["data"][
        "refundCreate"
    ]
    assert payload["userErrors"] == [
        {
            "field": ["refundLineItems", "0", "quantity"],
            "message": "Quantity cannot refund more items than were purchased",
        }
    ]


# -- orderUpdate and discountCodeBasicCreate ----------------------------------------------------


async def test_order_update(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    ok = (await gql(client, ORDER_UPDATE, {"input": {"id": order_gid(1005), "note": "VIP"}}))[
        "data"
    ]["orderUpdate"]
    assert ok["userErrors"] == []
    assert ok["order"]["note"] == "VIP"
    unknown = (await gql(client, ORDER_UPDATE, {"input": {"id": order_gid(9999), "note": "x"}}))[
        "data"
    ]
    assert unknown["orderUpdate"] == {
        "order": None,
        "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
    }
    nothing = (await gql(client, ORDER_UPDATE, {"input": {"id": order_gid(1001)}}))["data"][
        "orderUpdate"
    ]
    assert nothing["userErrors"] == [
        {"field": None, "message": "No valid update parameters have been provided"}
    ]
    assert [e.operation for e in sim.ledger] == ["orderUpdate"]


def _discount(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": "Goodwill 15%",
        "code": "SORRY-7F3K9Q",
        "startsAt": "2026-11-23T00:00:00Z",
        "endsAt": "2027-02-23T00:00:00Z",
        "context": {"customers": {"add": ["gid://shopify/Customer/7410001"]}},
        "customerGets": {
            "value": {"percentage": 0.15},
            "items": {"collections": {"add": ["gid://shopify/Collection/4420001"]}},
        },
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
        "combinesWith": {
            "productDiscounts": False,
            "orderDiscounts": False,
            "shippingDiscounts": True,
        },
    }
    return base | overrides


async def test_discount_create_and_lookup(client: httpx.AsyncClient, sim: ShopifySimulator) -> None:
    payload = (await gql(client, DISCOUNT_CREATE, {"basicCodeDiscount": _discount()}))["data"][
        "discountCodeBasicCreate"
    ]
    assert payload["userErrors"] == []
    basic = payload["codeDiscountNode"]["codeDiscount"]
    assert basic["__typename"] == "DiscountCodeBasic"
    assert basic["codes"]["nodes"][0]["code"] == "SORRY-7F3K9Q"
    assert basic["customerGets"]["value"] == {
        "__typename": "DiscountPercentage",
        "percentage": 0.15,
    }
    assert basic["customerGets"]["items"]["collections"]["nodes"][0]["title"] == "Winter Essentials"
    assert basic["discountClasses"] == ["PRODUCT"]
    found = await gql(client, CODE_EXISTS, {"code": "sorry-7f3k9q"})
    assert found["data"]["codeDiscountNodeByCode"]["id"] == payload["codeDiscountNode"]["id"]
    amount = _discount(
        code="TEN-OFF",
        customerGets={
            "value": {"discountAmount": {"amount": "10.00", "appliesOnEachItem": False}},
            "items": {"all": True},
        },
    )
    fixed = (await gql(client, DISCOUNT_CREATE, {"basicCodeDiscount": amount}))["data"][
        "discountCodeBasicCreate"
    ]
    value = fixed["codeDiscountNode"]["codeDiscount"]["customerGets"]["value"]
    assert value == {
        "__typename": "DiscountAmount",
        "amount": {"amount": "10.0", "currencyCode": "USD"},
        "appliesOnEachItem": False,
    }
    assert fixed["codeDiscountNode"]["codeDiscount"]["discountClasses"] == ["ORDER"]
    assert [e.code for e in sim.ledger] == ["SORRY-7F3K9Q", "TEN-OFF"]


@pytest.mark.parametrize(
    ("overrides", "field", "message", "code"),
    [
        (
            {"code": "existing-1"},
            ["code"],
            "Code must be unique. Please try a different code.",
            "TAKEN",
        ),
        ({"code": " "}, ["code"], "Code can't be blank", "BLANK"),
        ({"code": "X" * 256}, ["code"], "Code is too long (maximum is 255 characters)", "TOO_LONG"),
        ({"startsAt": None}, ["startsAt"], "Starts at can't be blank", "BLANK"),
        (
            {"endsAt": "2026-11-01T00:00:00Z"},
            ["endsAt"],
            "Ends at needs to be after starts_at",
            "INVALID",
        ),
        (
            {"customerGets": {"value": {"percentage": 1.5}, "items": {"all": True}}},
            ["customerGets", "value", "percentage"],
            "Value must be between 0.0 and 1.0",
            "VALUE_OUTSIDE_RANGE",
        ),
        ({"usageLimit": 0}, ["usageLimit"], "Usage limit must be greater than 0", "GREATER_THAN"),
        (
            {
                "customerGets": {
                    "value": {"percentage": 0.1},
                    "items": {"collections": {"add": ["gid://shopify/Collection/999"]}},
                }
            },
            ["customerGets", "items", "collections", "add"],
            "Collection with id: 999 is invalid",
            "INVALID",
        ),
        (
            {"customerSelection": {"all": True}},
            ["context"],
            "Only one of context or customerSelection can be provided.",
            "INVALID",
        ),
    ],
)
async def test_discount_user_errors(
    client: httpx.AsyncClient, overrides: dict[str, Any], field: list[str], message: str, code: str
) -> None:
    await gql(client, DISCOUNT_CREATE, {"basicCodeDiscount": _discount(code="EXISTING-1")})
    payload = (await gql(client, DISCOUNT_CREATE, {"basicCodeDiscount": _discount(**overrides)}))[
        "data"
    ]["discountCodeBasicCreate"]
    assert payload["codeDiscountNode"] is None
    assert payload["userErrors"] == [
        {
            "field": ["basicCodeDiscount", *field],
            "message": message,
            "code": code,
            "extraInfo": None,
        }
    ]


async def test_tags_add_and_remove_as_captured(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    async def tags(mutation: str, field: str, *names: str, number: int = 1005) -> Any:
        variables = {"id": order_gid(number), "tags": list(names)}
        return (await gql(client, mutation, variables))["data"][field]

    # A comma splits a tag; the answer lists every tag, sorted case-insensitively.
    added = await tags(TAGS_ADD, "tagsAdd", "Red", "b, A")
    assert added == {"node": {"id": order_gid(1005), "tags": ["A", "b", "Red"]}, "userErrors": []}
    # Adding is case-insensitive: "red" on an order tagged "Red" keeps "Red".
    assert (await tags(TAGS_ADD, "tagsAdd", "red"))["node"]["tags"] == ["A", "b", "Red"]
    # Removing is case-sensitive on orders: "red" leaves "Red", "Red" removes it.
    assert (await tags(TAGS_REMOVE, "tagsRemove", "red"))["node"]["tags"] == ["A", "b", "Red"]
    assert (await tags(TAGS_REMOVE, "tagsRemove", "Red"))["node"]["tags"] == ["A", "b"]
    assert (await order(client, 1005))["tags"] == ["A", "b"]  # a cancelled order too
    too_long = await tags(TAGS_ADD, "tagsAdd", "x" * 41)
    assert too_long["userErrors"] == [
        {
            "field": ["tags", "0"],
            "message": "Title Tag exceeds the maximum length of 40 characters",
        }
    ]
    unknown = await tags(TAGS_ADD, "tagsAdd", "x", number=9999)
    assert unknown == {
        "node": None,
        "userErrors": [{"field": ["id"], "message": "Order does not exist"}],
    }
    assert [(e.operation, e.tags) for e in sim.ledger] == [
        ("tagsAdd", ("Red", "b", "A")),
        ("tagsAdd", ("red",)),
        ("tagsRemove", ("red",)),
        ("tagsRemove", ("Red",)),
    ]


async def test_shipping_address_update_as_captured(
    client: httpx.AsyncClient, sim: ShopifySimulator
) -> None:
    async def update(**address: Any) -> Any:
        variables = {"input": {"id": order_gid(1007), "shippingAddress": address}}
        return (await gql(client, ORDER_SHIPPING_ADDRESS_UPDATE, variables))["data"]["orderUpdate"]

    # A US address without last name and ZIP, with a Canadian province: three errors at once.
    refused = await update(firstName="Ada", address1="1 Main", countryCode="US", provinceCode="ON")
    assert refused["userErrors"] == [
        {"field": ["shippingAddress", "lastName"], "message": "Enter a last name"},
        {"field": ["shippingAddress", "zip"], "message": "Enter a ZIP code"},
        {
            "field": ["shippingAddress", "province"],
            "message": "State is not a valid state in United States",
        },
    ]
    assert sim.ledger == []
    done = await update(
        firstName="Ada", lastName="Lovelace", address1="190 MacLaren", city="Sudbury",
        countryCode="CA", provinceCode="ON", zip="K2P 0V6",
    )  # fmt: skip
    assert done["userErrors"] == []
    assert done["order"]["shippingAddress"]["province"] == "Ontario"
    assert done["order"]["shippingAddress"]["countryCodeV2"] == "CA"
    assert (await order(client, 1007))["note"] is None  # the note is left alone
    assert [e.operation for e in sim.ledger] == ["orderUpdate"]
