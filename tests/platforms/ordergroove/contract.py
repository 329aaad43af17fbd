"""Requests and responses checked against ../shared/specs/ordergroove/openapi.yaml.

That file is a third-party subset (counterfact/apis), not Ordergroove's own; it is useful, not
authoritative. Operations it covers and the adapter calls: ``subscriptions-list``,
``subscriptions-retrieve``, ``orders-list``, ``items-list``, ``skip-subscription``,
``products-retrieve``. It lacks ``PATCH /subscriptions/{id}/cancel/``: ``covers`` is false
there and the tests pin that request's exact method, path and body instead.

Errata of the file are patched in memory (the file is never changed); each patch asserts its
erratum is still there, so a corrected spec fails loudly here:
* ``Product.price``'s pattern is written in single-quoted YAML with doubled backslashes
  (``'^\\\\d+\\\\.\\\\d{2}$'``), so it demands literal backslashes and no price could pass:
  it is read as ``^\\d+\\.\\d{2}$``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Hashable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.shared_specs import require_spec

SPEC = "ordergroove/openapi.yaml"
JSON = "application/json"
SPEC_HOST = "https://restapi.ordergroove.com"


@functools.cache
def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(require_spec(SPEC).read_text(encoding="utf-8"))
    price = loaded["components"]["schemas"]["Product"]["properties"]["price"]
    erratum = "^\\\\d+\\\\.\\\\d{2}$"
    assert price.get("pattern") == erratum, f"{SPEC} no longer has the price-pattern erratum"
    price["pattern"] = r"^\d+\.\d{2}$"
    return loaded


@functools.cache
def _openapi() -> OpenAPI:
    spec: dict[Hashable, Any] = dict(_spec().items())
    return OpenAPI.from_dict(spec)


def _template(method: str, path: str) -> str | None:
    """The spec's path template matching ``path`` for ``method`` (literal segments win)."""
    segments = path.strip("/").split("/")
    candidates = []
    for template, item in _spec()["paths"].items():
        parts = template.strip("/").split("/")
        if (
            method.lower() in item
            and len(parts) == len(segments)
            and all(p == s or p.startswith("{") for p, s in zip(parts, segments, strict=True))
        ):
            candidates.append((sum(p.startswith("{") for p in parts), template))
    return min(candidates)[1] if candidates else None


def covers(method: str, url: str) -> bool:
    """Whether the spec has an operation for ``method url`` (cancel: no)."""
    return _template(method, urlsplit(url).path) is not None


def declares(method: str, url: str, status: int) -> bool:
    template = _template(method, urlsplit(url).path)
    if template is None:
        return False
    return str(status) in _spec()["paths"][template][method.lower()].get("responses", {})


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
    method: str, url: str, headers: Iterable[tuple[str, str]], content_type: str, body: bytes | None
) -> _Request:
    parts = urlsplit(url)
    return _Request(
        host_url=SPEC_HOST,
        path=parts.path,
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=Headers(list(headers)),
            cookie=ImmutableMultiDict(),
        ),
        content_type=content_type,
        body=body,
    )


def _complaint(exc: Exception) -> str:
    causes = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        causes.append(str(cause))
        for error in getattr(cause, "schema_errors", None) or []:
            causes.append(f"{list(error.absolute_path)}: {error.message}")
        cause = cause.__cause__
    return " | ".join(causes)


def validate_httpx_request(request: httpx.Request) -> None:
    """Assert a request as sent (headers, query, bytes) matches the spec's operation."""
    url = str(request.url)
    assert covers(request.method, url), f"{request.method} {url} is not in {SPEC}"
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
        raise AssertionError(f"{request.method} {url} breaks {SPEC}: {_complaint(exc)}") from exc


def validate_response(method: str, url: str, status: int, body: Any) -> None:
    """Assert ``body`` is what the spec documents for ``status`` of ``method url``."""
    where = f"the {status} answer to {method} {url}"
    assert declares(method, url, status), f"{where} is not documented in {SPEC}"
    checked = _request(method, url, [("x-api-key", "key"), ("Accept", JSON)], JSON, None)
    try:
        _openapi().validate_response(checked, _Response(status, json.dumps(body).encode()))
    except Exception as exc:  # openapi-core's validation errors
        raise AssertionError(f"{where} breaks {SPEC}: {_complaint(exc)}") from exc
