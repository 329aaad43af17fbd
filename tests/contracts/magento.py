"""Requests and answers checked against Adobe's Admin REST schema for Magento 2.4.9 (Swagger 2.0,
``../shared/specs/magento/admin-schema-2.4.9.yaml``, 1.1 MB: loaded once per session).

The schema is Swagger 2.0, which openapi-core does not read; its parts are checked directly:
the operation by method and path template (under the basePath ``/rest/{store_code}``), path
parameters by type, each query parameter's name among the operation's (searchCriteria indexes
read as the ``[0]`` the schema lists), the ``in: body`` parameter's schema, and an answer's body
against the schema of its status (or ``default``). Schemas are JSON Schema draft 4, resolved
against the whole file's ``definitions``.

Errata of the published file are patched in memory (the file is never changed); each patch
asserts its erratum is still there:
* ``error-parameters`` is an array of objects, but Magento sends a phrase's parameters as a
  list of values (``["Coupon with the same code"]``) or an object of named ones
  (``{"resources": "Magento_Sales::sales"}``): either is accepted.
* ``sales-data-order-payment-interface`` requires ``account_status`` and ``cc_last4``, which
  Magento leaves out when they are null (every offline method): they are not required.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml
from jsonschema import Draft4Validator  # type: ignore[import-untyped]

from tests.contracts import openapi
from tests.shared_specs import require_spec

__all__ = ["validate_exchange", "validate_request", "validate_response"]

SPEC_FILE = "magento/admin-schema-2.4.9.yaml"
_BASE = re.compile(r"^(?:/index\.php)?/rest/[a-z0-9_]+(/V1/[^?#]*)$")
_INDEX = re.compile(r"\[\d+\]")


def _erratum(present: bool, what: str) -> None:
    assert present, f"{SPEC_FILE} no longer has the erratum '{what}': drop its patch"


@functools.cache
def _spec() -> dict[str, Any]:
    text = require_spec(SPEC_FILE).read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: 1.1 MB in ~0.5 s
    spec: dict[str, Any] = yaml.load(text, Loader=loader)
    assert spec["swagger"] == "2.0"
    definitions = spec["definitions"]
    parameters = definitions["error-parameters"]
    _erratum(parameters.get("type") == "array", "error-parameters as an array of objects")
    definitions["error-parameters"] = {"anyOf": [{"type": "array"}, {"type": "object"}]}
    payment = definitions["sales-data-order-payment-interface"]
    _erratum("account_status" in payment["required"], "payment requires account_status")
    payment["required"] = [
        name for name in payment["required"] if name not in ("account_status", "cc_last4")
    ]
    return spec


def _relative(url: str) -> str:
    found = _BASE.match(urlsplit(url).path)
    assert found, f"{url} is not a Magento REST URL (/rest/{{store_code}}/V1/...)"
    return found[1].rstrip("/")


def _operation(method: str, url: str) -> dict[str, Any]:
    operation = openapi.find_operation(
        _spec()["paths"],
        method,
        _relative(url),
        split=lambda path: path.strip("/").split("/"),
        fits=lambda part, segment: part == segment or part.startswith("{"),
    )
    assert operation is not None, f"{method} {url} is not in Magento's Admin schema"
    return operation


@functools.cache
def _validator(schema_json: str) -> Draft4Validator:
    schema = json.loads(schema_json)
    return Draft4Validator({**schema, "definitions": _spec()["definitions"]})


def _check(schema: dict[str, Any], value: Any, where: str) -> None:
    errors = sorted(
        _validator(json.dumps(schema, sort_keys=True)).iter_errors(value),
        key=lambda e: list(e.absolute_path),
    )
    assert not errors, f"{where} breaks Magento's schema: " + " | ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def validate_request(method: str, url: str, body: Any = None) -> None:
    """Assert ``method url`` (with its query) and ``body`` are what the operation takes."""
    operation = _operation(method, url)
    where = f"{method} {url}"
    declared = {p["name"]: p for p in operation.get("parameters", [])}
    template = next(
        t for t, item in _spec()["paths"].items() if item.get(method.lower()) is operation
    )
    for part, segment in zip(template.split("/"), _relative(url).split("/"), strict=True):
        if part.startswith("{"):
            parameter = declared[part.strip("{}")]
            if parameter.get("type") == "integer":
                assert segment.isdigit(), f"{where}: {part} must be an integer"
    for name, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True):
        assert _INDEX.sub("[0]", name) in declared, f"{where}: {name} is not a parameter"
    bodies = [p for p in declared.values() if p["in"] == "body"]
    if body is None:
        assert not any(p.get("required") for p in bodies), f"{where} needs a body"
        return
    assert bodies, f"{where} takes no body"
    _check(bodies[0]["schema"], body, f"the body of {where}")


def validate_response(method: str, url: str, status: int, body: Any) -> None:
    """Assert ``body`` is what the operation documents for ``status`` (or its default)."""
    responses = _operation(method, url)["responses"]
    answer = responses.get(str(status)) or responses["default"]
    _check(answer.get("schema", {}), body, f"the {status} answer to {method} {url}")


def validate_exchange(request: httpx.Request, response: httpx.Response) -> None:
    """Both halves of one exchange, as sent and as answered."""
    body = json.loads(request.content) if request.content else None
    validate_request(request.method, str(request.url), body)
    answer = json.loads(response.content) if response.content else None
    validate_response(request.method, str(request.url), response.status_code, answer)
