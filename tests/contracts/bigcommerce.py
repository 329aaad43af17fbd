"""Requests and responses checked against BigCommerce's own OpenAPI files (../shared/specs).

``validate_request``, ``validate_httpx_request`` and ``validate_response`` raise AssertionError
carrying the spec's complaint; ``declares`` says whether an operation documents a status.

A ``url`` is a full URL on any host (the real API, a stub, the simulator) or a bare path: it is
matched by what follows its ``/v2`` or ``/v3`` segment, so ``/v2/orders/1``,
``/stores/abc/v2/orders/1`` and ``https://api.bigcommerce.com/stores/abc/v2/orders/1?page=2``
name the same operation (the specs' servers are ``.../stores/{store_hash}/v2|v3``).

Errata of the published files are patched in memory (the files are never changed); each patch
asserts its erratum is still there, so a corrected spec fails loudly here:
* orders.v2 ``sort``'s enum lists bare fields although its description documents the
  ``:asc``/``:desc`` suffix (``sort=date_created:desc``): the suffixed values are added.
* orders.v2 ``GET /orders/{order_id}/products`` requires ``Content-Type`` on a body-less GET:
  that parameter is dropped there (openapi-core 0.19 happens to fill in its default; this keeps
  the check independent of that).
* orders.v3 ``ItemsRefund`` is a ``oneOf`` in which ORDER and FEE items match two branches
  (``TaxExemptItem``/``FeeItem`` overlap ``AmountBoundItem``), so no ORDER item could ever pass:
  it is read as ``anyOf``.
* promotions.v3 ``PromotionBase.redemption_type`` is ``readOnly`` although
  ``DraftCouponPromotion`` requires it in the create body: the flag is dropped.

A response whose status the operation does not document (401, 404, 405, 415, 429, 5xx, V2 400)
is checked against its API family's error schema; an undocumented success fails, except V2's
empty 204 for an order list that matches nothing.
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
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_schema_validator import OAS30ReadValidator

from tests.contracts import openapi
from tests.contracts.openapi import JSON

__all__ = ["declares", "validate_httpx_request", "validate_request", "validate_response"]

# Requests are replayed as the specs' own server sees them: its host and default store_hash.
SPEC_HOST = "https://api.bigcommerce.com"
SPEC_BASE = "/stores/store_hash"
SPEC_FILES = {
    ("v2", "orders"): "bigcommerce/orders.v2.oas2.yml",
    ("v2", "order_statuses"): "bigcommerce/orders.v2.oas2.yml",
    ("v3", "orders"): "bigcommerce/orders.v3.yml",
    ("v3", "promotions"): "bigcommerce/promotions.v3.yml",
    ("v3", "customers"): "bigcommerce/customers.v3.yml",
}
# What the adapter sends when a test gives no headers.
DEFAULT_HEADERS = {"Accept": JSON, "X-Auth-Token": "token"}
# V2 errors are a JSON array of {status, message} (the spec's 404 example; its schema is empty).
V2_ERROR: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["status", "message"],
        "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
    },
}
_VERSIONED = re.compile(r"/(v2|v3)(/[^?#]*)$")


def _erratum(present: bool, relative: str, what: str) -> None:
    assert present, f"{relative} no longer has the erratum '{what}': drop its patch"


def _errata(relative: str, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` (freshly loaded, so mutated in place) with the module docstring's patches."""
    schemas = spec["components"]["schemas"]
    if relative.endswith("orders.v2.oas2.yml"):
        sort = spec["components"]["parameters"]["sort"]["schema"]
        _erratum("date_created:desc" not in sort["enum"], relative, "sort without :asc/:desc")
        sort["enum"] = [f"{v}{suffix}" for v in sort["enum"] for suffix in ("", ":asc", ":desc")]
        products = spec["paths"]["/orders/{order_id}/products"]["get"]["parameters"]
        content_type = {"$ref": "#/components/parameters/ContentType"}
        _erratum(content_type in products, relative, "Content-Type on GET products")
        products.remove(content_type)
    elif relative.endswith("orders.v3.yml"):
        items = schemas["ItemsRefund"]
        _erratum("oneOf" in items, relative, "ItemsRefund oneOf")
        items["anyOf"] = items.pop("oneOf")
    elif relative.endswith("promotions.v3.yml"):
        redemption = schemas["PromotionBase"]["properties"]["redemption_type"]
        _erratum(redemption.get("readOnly") is True, relative, "readOnly redemption_type")
        del redemption["readOnly"]
    return spec


@functools.cache
def _spec(relative: str) -> dict[str, Any]:
    """One parsed, patched spec per file for the whole session (they are large)."""
    return openapi.load_spec(relative, functools.partial(_errata, relative))


@functools.cache
def _openapi(relative: str) -> OpenAPI:
    spec: dict[Hashable, Any] = dict(_spec(relative).items())
    return OpenAPI.from_dict(spec)


@dataclasses.dataclass(frozen=True)
class _Target:
    relative: str  # the spec file
    version: str  # "v2" or "v3"
    rest: str  # the path after the version, as the spec's `paths` name it
    query: list[tuple[str, str]]

    @property
    def spec_path(self) -> str:
        return f"{SPEC_BASE}/{self.version}{self.rest}"


def _locate(url: str) -> _Target:
    parts = urlsplit(url)
    match = _VERSIONED.search(parts.path)
    assert match, f"{url} is not a BigCommerce /v2 or /v3 URL"
    version, rest = match.groups()
    family = rest.strip("/").split("/", 1)[0]
    relative = SPEC_FILES.get((version, family))
    assert relative, f"no BigCommerce spec is known for /{version}/{family}"
    return _Target(relative, version, rest, parse_qsl(parts.query, keep_blank_values=True))


def _operation(target: _Target, method: str) -> dict[str, Any] | None:
    """The spec's operation for ``method`` on the target's path, if it has one."""
    return openapi.find_operation(
        _spec(target.relative)["paths"],
        method,
        target.rest,
        split=lambda path: path.strip("/").split("/"),
        fits=lambda part, segment: part == segment or part.startswith("{"),
    )


def _check_request(sent: openapi.Sent) -> None:
    target = dataclasses.replace(_locate(sent.url), query=sent.query)
    request = openapi.spec_request(SPEC_HOST, target.spec_path, sent)
    try:
        _openapi(target.relative).validate_request(request)
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(
            f"{sent.method.upper()} {sent.url} breaks BigCommerce's spec: {openapi.complaint(exc)}"
        ) from exc


_REQUESTS = openapi.RequestChecks(_check_request, DEFAULT_HEADERS)
validate_request = _REQUESTS.validate_request
validate_httpx_request = _REQUESTS.validate_httpx_request


def declares(method: str, url: str, status: int) -> bool:
    """Whether the spec documents ``status`` for the operation ``method url`` matches."""
    operation = _operation(_locate(url), method)
    return operation is not None and str(status) in operation.get("responses", {})


def validate_response(method: str, url: str, status: int, body: Any) -> None:
    """Assert ``body`` (parsed JSON, None when empty) is what the spec allows for ``status``."""
    target = _locate(url)
    where = f"the {status} answer to {method.upper()} {url}"
    operation = _operation(target, method)
    assert operation is not None, f"{method.upper()} {url} is not in {target.relative}"
    if str(status) in operation.get("responses", {}):
        if status == 204:
            assert body is None, f"{where} must have no body"
            return
        sent = openapi.Sent(method, url, target.query, list(DEFAULT_HEADERS.items()))
        request = openapi.spec_request(SPEC_HOST, target.spec_path, sent)
        response = openapi.SpecResponse(status, b"" if body is None else json.dumps(body).encode())
        try:
            _openapi(target.relative).validate_response(request, response)
        except Exception as exc:  # openapi-core's validation errors
            raise AssertionError(
                f"{where} breaks BigCommerce's spec: {openapi.complaint(exc)}"
            ) from exc
        if status >= 400 and target.version == "v2":
            _check(V2_ERROR, where, body)  # the documented V2 errors have empty schemas
        return
    if status == 204:
        # V2 lists answer 204 with no body when nothing matches.
        assert operation.get("operationId") == "getOrders", f"{where} is an undocumented 204"
        assert body is None, f"{where} must have no body"
        return
    assert status >= 400, f"{where} is an undocumented success status"
    if target.version == "v2":
        schema = V2_ERROR
    else:
        components = _spec(target.relative)["components"]
        # allOf, not a bare $ref: OAS 3.0 ignores a $ref's siblings.
        schema = {
            "allOf": [{"$ref": "#/components/schemas/ErrorResponse"}],
            "components": components,
        }
    _check(schema, where, body)


def _check(schema: dict[str, Any], where: str, body: Any) -> None:
    try:
        OAS30ReadValidator(schema).validate(body)
    except ValidationError as exc:
        raise AssertionError(f"{where} breaks BigCommerce's error shape: {exc.message}") from exc


def validated_reply(request: httpx.Request, reply: httpx.Response) -> httpx.Response:
    """A stub's ``reply`` to ``request``, once checked against what the operation documents."""
    return openapi.validated_reply(declares, validate_response, request, reply)
