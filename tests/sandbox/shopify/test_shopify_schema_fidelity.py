"""The simulator against Shopify's real Admin SDL (2026-07)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    parse,
    validate,
)

from action_gateway_sandbox.shopify import ShopifySimulator
from action_gateway_sandbox.shopify.executor import load_schema, model_schema
from tests.sandbox.shopify.test_shopify_simulator import (
    BASE,
    DOCUMENTS,
    ORDER_CANCEL,
    REFUND_CREATE,
    TOKEN,
    URL,
    order_gid,
)
from tests.shared_specs import require_spec


@pytest.fixture(scope="module")
def real_schema_path() -> Path:
    return require_spec("shopify/2026-07/schema.graphql")


@pytest.fixture(scope="module")
def real_schema(real_schema_path: Path) -> GraphQLSchema:
    return load_schema(real_schema_path)


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_test_document_validates_against_the_real_schema(
    real_schema: GraphQLSchema, name: str
) -> None:
    assert validate(real_schema, parse(DOCUMENTS[name])) == []


def test_modelled_subset_is_faithful(real_schema: GraphQLSchema) -> None:
    """Every modelled type, field, argument and input field exists in Shopify's SDL as typed."""
    for name, subset_type in model_schema().type_map.items():
        if name.startswith("__"):
            continue
        real = real_schema.get_type(name)
        assert real is not None, name
        if isinstance(subset_type, GraphQLUnionType):
            assert isinstance(real, GraphQLUnionType)
            assert {t.name for t in subset_type.types} <= {t.name for t in real.types}
        if isinstance(subset_type, GraphQLObjectType):
            assert isinstance(real, GraphQLObjectType)
            for field_name, field in subset_type.fields.items():
                real_field = real.fields[field_name]
                assert str(field.type) == str(real_field.type), f"{name}.{field_name}"
                for arg_name, arg in field.args.items():
                    assert str(arg.type) == str(real_field.args[arg_name].type)
        if isinstance(subset_type, GraphQLInputObjectType):
            assert isinstance(real, GraphQLInputObjectType)
            for field_name, field in subset_type.fields.items():
                assert str(field.type) == str(real.fields[field_name].type), f"{name}.{field_name}"


async def test_simulator_with_the_real_schema(real_schema_path: Path) -> None:
    sim = ShopifySimulator(access_token=TOKEN, schema_path=real_schema_path)
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with httpx.AsyncClient(transport=sim.transport(), base_url=BASE, headers=headers) as c:
        cancel = {"orderId": order_gid(1002), "reason": "CUSTOMER", "restock": True}
        body = (await c.post(URL, json={"query": ORDER_CANCEL, "variables": cancel})).json()
        assert body["data"]["orderCancel"]["orderCancelUserErrors"][0]["code"] == "INVALID"
        # A field Shopify has but the simulator does not model is still refused, never null.
        unmodelled = '{ order(id: "gid://shopify/Order/1") { id returnStatus } }'
        body = (await c.post(URL, json={"query": unmodelled})).json()
        assert body["errors"][0]["extensions"]["code"] == "undefinedField"
        # Unknown input fields are refused by the real schema's coercion first.
        bad = {"input": {"orderId": order_gid(1001), "bogus": True}, "idempotencyKey": "k"}
        body = (await c.post(URL, json={"query": REFUND_CREATE, "variables": bad})).json()
        assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
        old = "{ shop { name } }"
        body = (await c.post(URL, json={"query": old})).json()
        # The simulator models shop { currencyCode } only (discount amounts are in it).
        assert body["errors"][0]["message"] == "Field 'name' doesn't exist on type 'Shop'"
