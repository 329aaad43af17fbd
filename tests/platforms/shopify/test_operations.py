"""Every GraphQL document the adapter sends is valid against the published Admin schemas."""

from __future__ import annotations

from functools import cache

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, build_schema, parse, validate

from action_gateway.platforms._http import RequestKind
from action_gateway.platforms.shopify.operations import (
    ALL_OPERATIONS,
    REFUND_CREATE_IDEMPOTENT,
    REFUND_CREATE_LEGACY,
    Operation,
    refund_create,
)
from tests.shared_specs import require_spec

VERSIONS = ["2026-04", "2026-07"]


@cache
def schema(version: str) -> GraphQLSchema:
    path = require_spec(f"shopify/{version}/schema.graphql")
    # Shopify's SDL has deprecated implementations of non-deprecated interface fields, which
    # graphql-core's schema validation refuses; the documents are still checked in full.
    return build_schema(path.read_text(encoding="utf-8"), assume_valid=True)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: f"{op.name}-{op.kind}")
def test_document_is_valid(version: str, operation: Operation) -> None:
    document = parse(operation.document)
    assert [error.message for error in validate(schema(version), document)] == []
    [definition] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    assert definition.name is not None
    assert definition.name.value == operation.name


def test_every_operation_is_listed_once() -> None:
    assert len({op.document for op in ALL_OPERATIONS}) == len(ALL_OPERATIONS)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2025-10", REFUND_CREATE_LEGACY),
        ("2026-01", REFUND_CREATE_IDEMPOTENT),
        ("2026-04", REFUND_CREATE_IDEMPOTENT),
        ("2026-07", REFUND_CREATE_IDEMPOTENT),
        ("unstable", REFUND_CREATE_IDEMPOTENT),
    ],
)
def test_refund_create_depends_on_the_version(version: str, expected: Operation) -> None:
    assert refund_create(version) is expected


def test_only_the_idempotent_refund_is_deduplicated() -> None:
    assert "@idempotent(key: $idempotencyKey)" in REFUND_CREATE_IDEMPOTENT.document
    assert REFUND_CREATE_IDEMPOTENT.kind is RequestKind.WRITE_DEDUPLICATED
    assert "@idempotent" not in REFUND_CREATE_LEGACY.document
    assert REFUND_CREATE_LEGACY.kind is RequestKind.WRITE


@pytest.mark.parametrize("operation", ALL_OPERATIONS, ids=lambda op: f"{op.name}-{op.kind}")
def test_plain_user_errors_never_select_code(operation: Operation) -> None:
    # Selecting `code` on a plain UserError fails the whole document.
    if "orderUpdate" in operation.document or "refundCreate" in operation.document:
        assert "userErrors { field message }" in operation.document
