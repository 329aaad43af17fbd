"""Requests and responses checked against the Ordergroove subset in ../shared/specs.

``ordergroove/openapi.yaml`` is a third-party contract (counterfact/apis, OpenAPI 3.1), inferred
from Ordergroove's reference pages: useful, not authoritative.

``validate_request``, ``validate_httpx_request`` and ``validate_response`` raise AssertionError
carrying the spec's complaint; ``covers`` says whether the spec has the operation and
``declares`` whether the operation documents a status.

A ``url`` is a full URL on any host (the real API, a stub, the simulator) or a bare path; its
path is matched as is (the spec's server, https://restapi.ordergroove.com, has no base path), and
a trailing slash counts: ``/subscriptions/x`` is not ``/subscriptions/{subscription_id}/``.

Each check runs twice: openapi-core 0.19 (method, path, query, headers, security, bodies), then
JSON Schema 2020-12 (OAS 3.1's dialect) on the JSON body, since openapi-core alone lets JSON
strings pass for booleans and integers in bodies (``"live": "true"``, ``"quantity": "1"``).

The subset lacks ``PATCH /subscriptions/{id}/cancel/`` and
``PATCH /subscriptions/{id}/change_next_order_date/`` (``covers`` is false there):
* its request passes as long as method and path are exactly that (the tests of the adapter pin
  its body); a request for any other operation the spec lacks fails;
* its 200 answer is checked against the spec's own ``Subscription`` schema.

A response whose status the operation does not document (405, 415, 429, 5xx, a list's 400/404),
or whose path the spec lacks altogether (a 404 for an unknown path), must carry the spec's
``Error`` body ``{"detail": "..."}``; an undocumented success fails.

Errata of the published file are patched in memory (the file is never changed); each patch
asserts its erratum is still there, so a corrected spec fails loudly here:
* ``Product.price``'s pattern is written ``'^\\\\d+\\\\.\\\\d{2}$'`` in single-quoted YAML,
  where a backslash is literal: the regex demands backslashes and no price (not even the
  schema's own example "18.00") can match. It is read as ``^\\d+\\.\\d{2}$``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable
from typing import Any
from urllib.parse import urlsplit

import httpx
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from openapi_core import OpenAPI

from tests.contracts import openapi
from tests.contracts.openapi import JSON

__all__ = ["covers", "declares", "validate_httpx_request", "validate_request", "validate_response"]

SPEC = "ordergroove/openapi.yaml"
# Requests are replayed as the spec's own server sees them.
SPEC_HOST = "https://restapi.ordergroove.com"
# What the adapter sends when a test gives no headers (lists add X-OG-API-VERSION: 2).
DEFAULT_HEADERS = {"x-api-key": "key", "Accept": JSON}
# Operations the subset lacks: (method, path) -> the spec schema of each success status.
UNCOVERED: dict[tuple[str, re.Pattern[str]], dict[int, str]] = {
    ("patch", re.compile(r"/subscriptions/[^/]+/cancel/")): {200: "Subscription"},
    # Answers the subscription, without a next-date field (next-actions.md §5.1).
    ("patch", re.compile(r"/subscriptions/[^/]+/change_next_order_date/")): {200: "Subscription"},
}


def _erratum(present: bool, what: str) -> None:
    assert present, f"{SPEC} no longer has the erratum '{what}': drop its patch"


def _errata(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (freshly loaded, so mutated in place) with the module docstring's patches."""
    price = spec["components"]["schemas"]["Product"]["properties"]["price"]
    _erratum(price.get("pattern") == "^\\\\d+\\\\.\\\\d{2}$", "Product.price pattern escaped twice")
    price["pattern"] = r"^\d+\.\d{2}$"
    return spec


@functools.cache
def _spec() -> dict[str, Any]:
    """The parsed, patched spec, once for the whole session."""
    return openapi.load_spec(SPEC, _errata)


@functools.cache
def _openapi() -> OpenAPI:
    spec: dict[Hashable, Any] = dict(_spec().items())
    return OpenAPI.from_dict(spec)


def _path(url: str) -> str:
    return urlsplit(url).path


def _operation(method: str, path: str) -> dict[str, Any] | None:
    """The spec's operation for ``method path``, if it has one (literal segments win)."""
    return openapi.find_operation(
        _spec()["paths"],
        method,
        path,
        split=lambda path: path.lstrip("/").split("/"),  # a trailing slash: an empty last segment
        fits=lambda part, segment: part == segment or (part.startswith("{") and segment != ""),
    )


def _uncovered(method: str, path: str) -> dict[int, str] | None:
    """The success schemas of ``method path`` if it is an operation the subset lacks."""
    return next(
        (
            schemas
            for (m, pattern), schemas in UNCOVERED.items()
            if m == method.lower() and pattern.fullmatch(path)
        ),
        None,
    )


def covers(method: str, url: str) -> bool:
    """Whether the spec has an operation for ``method url`` (cancel: no)."""
    return _operation(method, _path(url)) is not None


def declares(method: str, url: str, status: int) -> bool:
    """Whether the spec documents ``status`` for the operation ``method url`` matches."""
    operation = _operation(method, _path(url))
    return operation is not None and str(status) in operation.get("responses", {})


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """``node``, or what its local ``$ref`` points to (a response or request body by name)."""
    while "$ref" in node:
        target: Any = _spec()
        for key in node["$ref"].removeprefix("#/").split("/"):
            target = target[key]
        node = target
    return node


def _json_schema(holder: dict[str, Any]) -> dict[str, Any] | None:
    """The application/json schema of a request body or a response, if it has one."""
    schema: dict[str, Any] | None = _resolve(holder).get("content", {}).get(JSON, {}).get("schema")
    return schema


def _check(schema: dict[str, Any], body: Any, what: str) -> None:
    """The second pass: JSON Schema 2020-12 on ``body``, $refs resolved in the spec."""
    resolvable = {**schema, "components": _spec()["components"]}
    errors = sorted(Draft202012Validator(resolvable).iter_errors(body), key=str)
    complaints = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    assert not errors, f"{what} breaks the Ordergroove spec (JSON Schema 2020-12): {complaints}"


def _check_named(name: str, body: Any, where: str) -> None:
    _check({"$ref": f"#/components/schemas/{name}"}, body, f"{where} (its {name} schema)")


def _check_request(sent: openapi.Sent) -> None:
    method, url = sent.method.upper(), sent.url
    path = _path(url)
    operation = _operation(method, path)
    if operation is None:
        assert _uncovered(method, path) is not None, f"{method} {url} is not in {SPEC}"
        return  # cancel: nothing in the spec to check it against
    try:
        _openapi().validate_request(openapi.spec_request(SPEC_HOST, path, sent))
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(
            f"{method} {url} breaks the Ordergroove spec: {openapi.complaint(exc)}"
        ) from exc
    schema = _json_schema(operation.get("requestBody", {}))
    if schema is not None and sent.body:
        _check(schema, json.loads(sent.body), f"the body of {method} {url}")


# Lists add X-OG-API-VERSION: 2 to the default headers.
_REQUESTS = openapi.RequestChecks(_check_request, DEFAULT_HEADERS)
validate_request = _REQUESTS.validate_request
validate_httpx_request = _REQUESTS.validate_httpx_request


def validate_response(method: str, url: str, status: int, body: Any) -> None:
    """Assert ``body`` (parsed JSON) is what the spec allows for ``status`` of ``method url``."""
    where = f"the {status} answer to {method.upper()} {url}"
    path = _path(url)
    operation = _operation(method, path)
    if operation is None or str(status) not in operation.get("responses", {}):
        if status >= 400:
            _check_named("Error", body, where)
            return
        assert operation is None, f"{where} is an undocumented success status"
        successes = _uncovered(method, path)
        assert successes is not None, f"{method.upper()} {url} is not in {SPEC}"
        assert status in successes, f"{where} is an undocumented success status"
        _check_named(successes[status], body, where)
        return
    sent = openapi.Sent(method, url, [], list(DEFAULT_HEADERS.items()))
    request = openapi.spec_request(SPEC_HOST, path, sent)
    try:
        _openapi().validate_response(
            request, openapi.SpecResponse(status, json.dumps(body).encode())
        )
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(
            f"{where} breaks the Ordergroove spec: {openapi.complaint(exc)}"
        ) from exc
    schema = _json_schema(operation["responses"][str(status)])
    assert schema is not None, f"{where}: the spec gives no JSON schema"
    _check(schema, body, where)


def validated_reply(request: httpx.Request, reply: httpx.Response) -> httpx.Response:
    """A stub's ``reply`` to ``request``, once checked against what the operation documents."""
    return openapi.validated_reply(declares, validate_response, request, reply)
