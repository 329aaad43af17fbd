"""Ordergroove simulator tests, and the contract check they share.

``validate_request`` and ``validate_response`` check traffic against the third-party
Ordergroove subset in ../shared/specs/ordergroove/openapi.yaml (openapi-core), raising
AssertionError with the spec's complaint. The subset lacks ``PATCH /subscriptions/{id}/cancel/``:
its answers are checked against the spec's own ``Subscription`` and ``Error`` schemas instead
(jsonschema). A status the operation does not document (405, 429, 5xx, a list's 400/404) must
carry the documented error body ``{"detail": "..."}``; an undocumented success fails.

Errata of the copied file are patched in memory (the file is never changed); each patch
asserts its erratum is still there, so a corrected spec fails loudly here:
* ``Product.price``'s pattern is written ``'^\\\\d+\\\\.\\\\d{2}$'`` in single-quoted YAML, where a
  backslash is literal: the regex wants backslashes and no price ("18.00", its own example)
  can match. It is read as ``^\\d+\\.\\d{2}$``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Hashable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.shared_specs import require_spec

__all__ = ["spec", "validate_httpx_request", "validate_response"]

SPEC = "ordergroove/openapi.yaml"
HOST = "https://restapi.ordergroove.com"
JSON = "application/json"
# Operations the subset lacks, and the schema of their success answer.
_UNCOVERED = {("patch", re.compile(r"^/subscriptions/[^/]+/cancel/$")): "Subscription"}


@functools.cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(require_spec(SPEC).read_text(encoding="utf-8"))
    price = loaded["components"]["schemas"]["Product"]["properties"]["price"]
    erratum = "^\\\\d+\\\\.\\\\d{2}$"
    assert price.get("pattern") == erratum, f"{SPEC} no longer has its Product.price erratum"
    price["pattern"] = "^\\d+\\.\\d{2}$"
    return loaded


@functools.cache
def _openapi() -> OpenAPI:
    as_dict: dict[Hashable, Any] = dict(spec().items())
    return OpenAPI.from_dict(as_dict)


@dataclasses.dataclass
class _Request:
    """openapi-core's Request protocol."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclasses.dataclass
class _Response:
    """openapi-core's Response protocol."""

    status_code: int
    data: bytes
    content_type: str = JSON
    headers: Headers = dataclasses.field(default_factory=lambda: Headers({"Content-Type": JSON}))


def _request(
    method: str, url: str, headers: list[tuple[str, str]], content_type: str, body: bytes | None
) -> _Request:
    parts = urlsplit(url)
    return _Request(
        host_url=HOST,
        path=parts.path,
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        ),
        content_type=content_type,
        body=body,
    )


def _complaint(exc: Exception) -> str:
    """openapi-core's error chain down to the failing schema checks (its own message is vague)."""
    causes = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        causes.append(str(cause))
        for error in getattr(cause, "schema_errors", None) or []:
            causes.append(f"{list(error.absolute_path)}: {error.message}")
        cause = cause.__cause__
    return " | ".join(causes)


def _operation(method: str, path: str) -> dict[str, Any] | None:
    segments = path.lstrip("/").split("/")  # a trailing slash is a segment of its own
    candidates = []
    for template, item in spec()["paths"].items():
        parts = template.lstrip("/").split("/")
        if (
            method.lower() in item
            and len(parts) == len(segments)
            and all(p == s or p.startswith("{") for p, s in zip(parts, segments, strict=True))
        ):
            candidates.append((sum(p.startswith("{") for p in parts), template))
    if not candidates:
        return None
    found: dict[str, Any] = spec()["paths"][min(candidates)[1]][method.lower()]
    return found


def covered(method: str, url: str) -> bool:
    return _operation(method, urlsplit(url).path) is not None


def _check_schema(name: str, body: Any, where: str) -> None:
    _check({"$ref": f"#/components/schemas/{name}"}, body, f"{where} breaks the spec's {name}")


def _check(schema: dict[str, Any], body: Any, what: str) -> None:
    """JSON Schema 2020-12 (OAS 3.1's dialect) on ``body``; openapi-core 0.19 alone lets
    JSON strings pass for booleans and integers in bodies."""
    resolvable = {**schema, "components": spec()["components"]}
    errors = sorted(Draft202012Validator(resolvable).iter_errors(body), key=str)
    assert not errors, f"{what}: {list(errors[0].absolute_path)}: {errors[0].message}"


def _json_schema(holder: dict[str, Any]) -> dict[str, Any] | None:
    """The application/json schema of a request body or response (following one $ref)."""
    if "$ref" in holder:
        holder = spec()["components"]["responses"][holder["$ref"].rsplit("/", 1)[1]]
    found: dict[str, Any] | None = holder.get("content", {}).get(JSON, {}).get("schema")
    return found


def validate_httpx_request(request: httpx.Request) -> None:
    """The request as sent (headers, query, bytes) matches its operation; uncovered ones pass."""
    url = str(request.url)
    if not covered(request.method, url):
        return
    checked = _request(
        request.method,
        url,
        request.headers.multi_items(),
        request.headers.get("Content-Type", ""),
        request.content or None,
    )
    try:
        _openapi().validate_request(checked)
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(
            f"{request.method} {url} breaks the Ordergroove spec: {_complaint(exc)}"
        ) from exc
    operation = _operation(request.method, urlsplit(url).path)
    schema = _json_schema((operation or {}).get("requestBody", {}))
    if schema is not None and request.content:
        _check(schema, json.loads(request.content), f"the body of {request.method} {url}")


def validate_response(method: str, url: str, status: int, body: Any) -> None:
    """``body`` (parsed JSON) is what the spec allows for ``status`` of ``method url``."""
    where = f"the {status} answer to {method.upper()} {url}"
    path = urlsplit(url).path
    operation = _operation(method, path)
    if operation is None:
        uncovered = next(
            (name for (m, p), name in _UNCOVERED.items() if m == method.lower() and p.match(path)),
            None,
        )
        if status < 400:
            assert uncovered, f"{where}: no operation of the spec or the notes answers it"
            _check_schema(uncovered, body, where)
        else:
            _check_schema("Error", body, where)
        return
    if str(status) not in operation.get("responses", {}):
        assert status >= 400, f"{where} is an undocumented success status"
        _check_schema("Error", body, where)
        return
    request = _request(method, url, [("x-api-key", "key")], JSON, None)
    response = _Response(status, json.dumps(body).encode())
    try:
        _openapi().validate_response(request, response)
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(f"{where} breaks the Ordergroove spec: {_complaint(exc)}") from exc
    schema = _json_schema(operation["responses"][str(status)])
    assert schema is not None, f"{where}: the spec gives no JSON schema"
    _check(schema, body, f"{where} breaks the Ordergroove spec")
