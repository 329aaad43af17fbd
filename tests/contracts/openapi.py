"""What the platform contracts (``bigcommerce.py``, ``ordergroove.py``) share around openapi-core.

A published spec loaded once and patched for its errata, the request and response objects
openapi-core validates, its complaint spelt out, an operation found by its path template, and a
stub's reply checked against the contract before the adapter sees it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx
import yaml
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from tests.shared_specs import require_spec

Query = Sequence[tuple[str, str]] | Mapping[str, str]
JSON = "application/json"


def load_spec(relative: str, errata: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """The spec file under ../shared/specs, parsed, with ``errata`` applied."""
    loaded: dict[str, Any] = yaml.safe_load(require_spec(relative).read_text(encoding="utf-8"))
    return errata(loaded)


@dataclasses.dataclass
class SpecRequest:
    """openapi-core's Request protocol."""

    host_url: str
    path: str
    method: str
    parameters: RequestParameters
    content_type: str
    body: bytes | None


@dataclasses.dataclass
class SpecResponse:
    """openapi-core's Response protocol."""

    status_code: int
    data: bytes
    content_type: str = JSON
    headers: Headers = dataclasses.field(default_factory=lambda: Headers({"Content-Type": JSON}))


def spec_request(
    host_url: str,
    method: str,
    path: str,
    query: Iterable[tuple[str, str]],
    headers: Iterable[tuple[str, str]],
    content_type: str,
    body: bytes | None,
) -> SpecRequest:
    return SpecRequest(
        host_url=host_url,
        path=path,
        method=method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(list(query)),
            header=Headers(list(headers)),
            cookie=ImmutableMultiDict(),
        ),
        content_type=content_type,
        body=body,
    )


def complaint(exc: Exception) -> str:
    """openapi-core's error chain down to the failing schema checks (its own message is vague)."""
    causes = [str(exc)]
    cause = exc.__cause__
    while cause is not None:
        causes.append(str(cause))
        for error in getattr(cause, "schema_errors", None) or []:
            causes.append(f"{list(error.absolute_path)}: {error.message}")
            causes.extend(f"  {list(c.absolute_path)}: {c.message}" for c in error.context or [])
        cause = cause.__cause__
    return " | ".join(causes)


def find_operation(
    paths: Mapping[str, Any],
    method: str,
    path: str,
    *,
    split: Callable[[str], list[str]],
    fits: Callable[[str, str], bool],
) -> dict[str, Any] | None:
    """The operation for ``method`` whose path template's segments ``fit`` those of ``path``.

    ``split`` cuts a path (or template) into segments. A literal segment wins over a placeholder
    (/promotions/codes vs /promotions/{id}).
    """
    segments = split(path)
    candidates = []
    for template, item in paths.items():
        parts = split(template)
        if (
            method.lower() in item
            and len(parts) == len(segments)
            and all(fits(p, s) for p, s in zip(parts, segments, strict=True))
        ):
            candidates.append((sum(p.startswith("{") for p in parts), template))
    if not candidates:
        return None
    operation: dict[str, Any] = paths[min(candidates)[1]][method.lower()]
    return operation


def sent_headers(
    defaults: Mapping[str, str], headers: Mapping[str, str] | None, body: Any
) -> tuple[dict[str, str], bytes | None]:
    """The headers and bytes of a request a test describes (``headers`` None: the adapter's)."""
    sent = dict(defaults if headers is None else headers)
    if body is not None and headers is None:
        sent["Content-Type"] = JSON
    return sent, None if body is None else json.dumps(body).encode()


def validated_reply(
    declares: Callable[[str, str, int], bool],
    validate_response: Callable[[str, str, int, Any], None],
    request: httpx.Request,
    reply: httpx.Response,
) -> httpx.Response:
    """``reply``, once its JSON body is checked against what the operation documents for it."""
    url = str(request.url)
    if reply.headers.get("content-type") == JSON and declares(
        request.method, url, reply.status_code
    ):
        validate_response(request.method, url, reply.status_code, json.loads(reply.content))
    return reply
