"""The OpenAPI document reads well in generated clients and documents every problem once."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import action_gateway
from action_gateway.api.problem_catalog import BY_CODE, PROBLEM_TYPES
from action_gateway.errors import GatewayError
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
    codes: set[str] = set()
    package = REPO_ROOT / "src" / "action_gateway"
    for file in package.rglob("*.py"):
        if "sandbox" in file.parts:
            continue  # the simulators' codes are the platforms', not ours
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            is_code_keyword = isinstance(node, ast.keyword) and node.arg == "code"
            is_code_attribute = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "code" for t in node.targets
            )
            value = getattr(node, "value", None)
            constant = value.value if isinstance(value, ast.Constant) else None
            if (is_code_keyword or is_code_attribute) and isinstance(constant, str):
                codes.add(constant)
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
    for cls in _all_error_classes():
        if cls.code in BY_CODE and "code" in vars(cls):
            assert BY_CODE[cls.code].status == cls.status, cls
