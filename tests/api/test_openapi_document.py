"""The OpenAPI document reads well in generated clients and documents every problem once."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import action_gateway
from action_gateway.api.problem_catalog import BY_CODE, PROBLEM_TYPES
from action_gateway.errors import GatewayError
from tests.helpers import running_app
from tests.sandbox_with_caller import sandbox_app_with_caller
from tests.shared_specs import REPO_ROOT

DOCUMENT: dict[str, Any] = json.loads(
    (REPO_ROOT / "openapi" / "openapi.json").read_text(encoding="utf-8")
)
OPERATIONS = [
    (method, path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]


def test_the_document_is_valid_openapi() -> None:
    validate(DOCUMENT)  # type: ignore[arg-type]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_each_operation_has_a_client_friendly_id_summary_tags_and_examples(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    assert re.fullmatch(r"[a-z][A-Za-z]+", operation["operationId"])
    assert operation["summary"]
    assert operation["tags"]
    for status, answer in operation["responses"].items():
        assert "X-Request-Id" in answer.get("headers", {}), (path, status)
        if int(status) >= 400 and path.startswith("/v1/"):
            # Each problem answer lists its codes, each an example from the catalog.
            content = answer["content"]["application/problem+json"]
            assert content["schema"] == {"$ref": "#/components/schemas/Problem"}
            for code, example in content["examples"].items():
                assert example == {"$ref": f"#/components/examples/{code}"}, (path, status)
                assert BY_CODE[code].status == int(status), (path, code)
                assert f"`{code}`" in answer["description"]
    if path.startswith("/v1/"):
        ok = operation["responses"]["200"]["content"]["application/json"]
        assert "example" in ok, f"{path} has no response example"
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body.get("examples"), f"{path} has no request example"
        for parameter in operation.get("parameters", []):
            if parameter["in"] in ("path", "query") and parameter["name"] != "orders_limit":
                assert parameter["schema"].get("examples") or parameter.get("examples"), (
                    path,
                    parameter["name"],
                )


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    resource: Resource[Any] = Resource.from_contents(DOCUMENT, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:openapi", resource)
    if "$ref" in schema:
        schema = {"$ref": "urn:openapi" + schema["$ref"]}
    return Draft202012Validator(schema, registry=registry)


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [o for o in OPERATIONS if o[1].startswith("/v1/")],
    ids=lambda v: str(v)[:40],
)
def test_every_example_conforms_to_its_schema(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    ok = operation["responses"]["200"]["content"]["application/json"]
    errors = list(_validator(ok["schema"]).iter_errors(ok["example"]))
    assert not errors, [e.message for e in errors[:3]]


def test_problem_examples_conform_to_the_problem_schema() -> None:
    validator = _validator({"$ref": "#/components/schemas/Problem"})
    examples = DOCUMENT["components"]["examples"]
    assert set(examples) == set(BY_CODE)  # the whole catalog, framework answers included
    for code, example in examples.items():
        assert example["value"]["code"] == code
        assert not list(validator.iter_errors(example["value"])), code


def _codes_in_source() -> set[str]:
    """Every problem code written in the source: ``code="..."`` arguments and attributes.

    A code built at run time (the framework's refusals were once ``f"http_{status}"``) would
    escape this check, so none may be: an f-string code fails here.
    """
    codes: set[str] = set()
    package = REPO_ROOT / "src" / "action_gateway"
    for file in package.rglob("*.py"):  # the simulators (their codes the platforms') live apart
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            is_code_keyword = isinstance(node, ast.keyword) and node.arg == "code"
            is_code_attribute = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            )
            value = getattr(node, "value", None)
            constant = value.value if isinstance(value, ast.Constant) else None
            if (is_code_keyword or is_code_attribute) and isinstance(constant, str):
                codes.add(constant)
            if is_code_keyword or is_code_attribute:
                assert not isinstance(value, ast.JoinedStr), f"{file}: a code built at run time"
    return codes


def test_every_problem_code_the_source_raises_is_documented() -> None:
    codes = _codes_in_source()
    assert len(codes) >= 30
    assert codes <= set(BY_CODE), sorted(codes - set(BY_CODE))
    assert len({p.code for p in PROBLEM_TYPES}) == len(PROBLEM_TYPES)


def _all_error_classes() -> set[type[GatewayError]]:
    for module in pkgutil.walk_packages(action_gateway.__path__, "action_gateway."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    found: set[type[GatewayError]] = set()
    pending = [GatewayError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return found


def test_each_error_class_status_matches_its_documented_status() -> None:
    classes = _all_error_classes()
    assert {"MethodNotAllowed", "UnsupportedMediaType"} <= {cls.__name__ for cls in classes}
    for cls in classes:
        assert cls.code in BY_CODE, cls  # the framework's and middleware's answers too
        if "code" in vars(cls):
            assert BY_CODE[cls.code].status == cls.status, cls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_docs_pages_work_offline(page: str) -> None:
    """Every script, style and icon of the docs pages is served by the gateway, none by a CDN."""
    async with running_app() as (client, _):
        html = await client.get(page)
        assert html.status_code == 200
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html.text)
        assets += re.findall(r"""url:\s*["']([^"']+)["']""", html.text)  # Swagger UI's spec URL
        assert any(a.endswith(".js") for a in assets), html.text
        assert "/openapi.json" in html.text
        for asset in assets:
            assert re.match(r"/[^/]", asset), f"not served by the gateway: {asset}"
            answer = await client.get(asset)
            assert answer.status_code == 200, asset
            assert answer.content
    assert "cdn" not in html.text.lower()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _example_values(document: dict[str, Any]) -> Iterator[Any]:
    for node in _walk(document):
        if isinstance(node, dict):
            if "example" in node:
                yield node["example"]
            examples = node.get("examples")
            if isinstance(examples, list):  # JSON Schema's: literal values
                yield from examples
            for value in examples.values() if isinstance(examples, dict) else []:
                if isinstance(value, dict) and "value" in value:
                    yield value["value"]


def test_no_example_holds_a_reference() -> None:
    # A "$ref" inside an example's value is read as a reference by generators (and crashes
    # @hey-api/openapi-ts and openapi-typescript-codegen); examples are literal data.
    values = list(_example_values(DOCUMENT))
    assert len(values) > 40
    for value in values:
        assert not [n for n in _walk(value) if isinstance(n, dict) and "$ref" in n]


async def test_catalog_input_schemas_are_self_contained() -> None:
    async with running_app() as (client, _):
        platforms = (await client.get("/v1/platforms")).json()["platforms"]
    schemas = [a["input_schema"] for p in platforms for a in p["actions"]]
    assert len(schemas) >= 8
    for schema in schemas:
        assert "$defs" not in schema
        assert not [n for n in _walk(schema) if isinstance(n, dict) and "$ref" in n], schema
    cancel = next(
        a["input_schema"] for p in platforms for a in p["actions"] if a["name"] == "cancel_order"
    )
    assert "fraud" in cancel["properties"]["reason"]["enum"]


def test_action_result_resource_is_a_union_discriminated_by_type() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    [union, null] = schemas["ActionResult"]["properties"]["resource"]["anyOf"]
    assert null == {"type": "null"}
    assert union["discriminator"] == {
        "propertyName": "type",
        "mapping": {
            "order": "#/components/schemas/OrderView",
            "customer": "#/components/schemas/CustomerView",
            "subscription": "#/components/schemas/SubscriptionView",
        },
    }
    for name, kind in (("OrderView", "order"), ("CustomerView", "customer")):
        assert schemas[name]["properties"]["type"]["const"] == kind
        assert "type" in schemas[name]["required"]


def _schemas_reached(names: list[str], *, stop: frozenset[str]) -> set[str]:
    schemas = DOCUMENT["components"]["schemas"]
    seen: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in seen or name in stop:
            continue
        seen.add(name)
        for node in _walk(schemas[name]):
            if isinstance(node, dict) and isinstance(node.get("$ref"), str):
                pending.append(node["$ref"].removeprefix("#/components/schemas/"))
    return seen


def _refs(node: Any) -> list[str]:
    return [
        n["$ref"].removeprefix("#/components/schemas/")
        for n in _walk(node)
        if isinstance(n, dict) and isinstance(n.get("$ref"), str)
    ]


def test_every_response_field_is_required_and_inputs_keep_their_defaults() -> None:
    schemas = DOCUMENT["components"]["schemas"]
    answers = [
        answer["content"]["application/json"]["schema"]
        for _, path, operation in OPERATIONS
        if path.startswith("/v1/")
        for status, answer in operation["responses"].items()
        if status == "200"
    ]
    # Problem leaves unset members out (its schema says so); everything else is always there.
    outputs = _schemas_reached(_refs(answers), stop=frozenset({"Problem"}))
    assert {"ActionResult", "OrderView", "Money", "TimelineEvent", "CustomersResponse"} <= outputs
    for name in outputs:
        properties = set(schemas[name].get("properties", {}))
        assert properties <= set(schemas[name].get("required", [])), name
    bodies = [
        operation["requestBody"]["content"]["application/json"]["schema"]
        for _, _, operation in OPERATIONS
        if "requestBody" in operation
    ]
    inputs = _schemas_reached(_refs(bodies), stop=frozenset())
    # Objects are never shared between both sides (only enums and named strings are).
    assert not [n for n in inputs & outputs if "properties" in schemas[n]]
    assert "required" not in schemas["ActionContext"]
    assert schemas["CancelOrderInput"]["required"] == ["reason"]
    assert set(schemas["CancelOrderRequest"]["required"]) == {
        "connection", "action", "target", "input"
    }  # fmt: skip


def _codes(operation: dict[str, Any]) -> set[str]:
    return {
        code
        for status, answer in operation["responses"].items()
        if int(status) >= 400
        for code in answer["content"]["application/problem+json"]["examples"]
    }


def test_reads_document_only_the_problems_they_can_return() -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in OPERATIONS}
    shared = {
        "malformed_request", "unauthenticated", "request_body_too_large", "rate_limited",
        "request_headers_too_large", "internal_error",
    }  # fmt: skip
    upstream = {
        "upstream_error", "upstream_auth_failed", "upstream_unavailable",
        "upstream_rate_limited", "upstream_circuit_open", "deadline_exceeded",
    }  # fmt: skip
    assert _codes(by_id["listPlatforms"]) == shared
    assert _codes(by_id["listConnections"]) == shared
    assert _codes(by_id["getEligibilityMatrix"]) == shared | {"platform_not_found"}
    assert _codes(by_id["findCustomers"]) == shared | {"validation_error"}
    assert _codes(by_id["getOrder"]) == shared | upstream | {
        "connection_forbidden", "connection_not_found", "order_not_found"
    }  # fmt: skip
    assert "422" not in by_id["getOrder"]["responses"]
    action_only = {"not_eligible", "platform_rejected", "idempotency_key_reused"}
    for operation_id in ("listPlatforms", "getOrder", "findOrderByName", "getSubscription"):
        assert not _codes(by_id[operation_id]) & action_only, operation_id
    preview, perform = by_id["previewAction"], by_id["performAction"]
    assert _codes(perform) - _codes(preview) == {
        "idempotency_key_missing", "idempotency_key_invalid", "idempotency_request_in_flight",
        "idempotency_key_reused", "idempotency_store_unavailable", "earlier_attempt_unknown",
    }  # fmt: skip
    assert "unsupported_media_type" in _codes(preview)


def test_the_idempotency_key_is_a_required_header_of_perform_only() -> None:
    by_id = {operation["operationId"]: operation for _, _, operation in OPERATIONS}
    [key] = [p for p in by_id["performAction"]["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header"
    assert key["required"] is True
    assert not by_id["previewAction"].get("parameters")
    preview_body = by_id["previewAction"]["requestBody"]["content"]["application/json"]["schema"]
    perform_body = by_id["performAction"]["requestBody"]["content"]["application/json"]["schema"]
    assert preview_body == perform_body


async def test_the_served_document_claims_a_bearer_token_only_with_callers() -> None:
    async with running_app() as (client, _):  # the sandbox: no callers, loopback only
        open_document = (await client.get("/openapi.json")).json()
    app = sandbox_app_with_caller()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
            secured_document = (await client.get("/openapi.json")).json()

    # The committed document is the production shape: callers configured.
    assert secured_document == DOCUMENT
    assert secured_document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert "securitySchemes" not in open_document["components"]
    for path, operations in open_document["paths"].items():
        for method, operation in operations.items():
            secured = secured_document["paths"][path][method]
            assert "security" not in operation, path
            assert ("security" in secured) == path.startswith("/v1/"), path
            if path.startswith("/v1/"):
                assert "429" in secured["responses"]
                assert "429" not in operation["responses"]
                # Scopes are the callers': without any, no operation is refused for them.
                assert not _codes(operation) & {"connection_forbidden", "action_forbidden"}
