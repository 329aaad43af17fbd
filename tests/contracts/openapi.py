"""What the platform contracts (``bigcommerce.py``, ``ordergroove.py``) share around openapi-core.

A published spec loaded once and patched for its errata, the request and response objects
openapi-core validates, its complaint spelt out, an operation found by its path template, and a
stub's reply checked against the contract before the adapter sees it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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


@dataclasses.dataclass(frozen=True)
class Sent:
    """A request as a contract checks it."""

    method: str
    url: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    content_type: str = JSON
    body: bytes | None = None


def spec_request(host_url: str, path: str, sent: Sent) -> SpecRequest:
    """``sent`` as the spec's own server (``host_url``) sees it at ``path``."""
    return SpecRequest(
        host_url=host_url,
        path=path,
        method=sent.method.lower(),
        parameters=RequestParameters(
            query=ImmutableMultiDict(sent.query),
            header=Headers(sent.headers),
            cookie=ImmutableMultiDict(),
        ),
        content_type=sent.content_type,
        body=sent.body,
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


@dataclasses.dataclass(frozen=True)
class RequestChecks:
    """A contract's ``validate_request`` and ``validate_httpx_request``, around its ``check``."""

    check: Callable[[Sent], None]
    default_headers: Mapping[str, str]
    """What the adapter sends when a test gives no headers."""

    def validate_request(
        self,
        method: str,
        url: str,
        *,
        query: Query | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Assert the request matches an operation of the spec: method, path, query, headers, body.

        ``query`` adds to any query string in ``url``; ``body`` is sent as JSON. ``headers``
        defaults to what the adapter sends (``default_headers``, Content-Type with a body).
        """
        pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
        pairs += list(query.items() if isinstance(query, Mapping) else query or [])
        sent = dict(self.default_headers if headers is None else headers)
        if body is not None and headers is None:
            sent["Content-Type"] = JSON
        data = None if body is None else json.dumps(body).encode()
        self.check(Sent(method, url, pairs, list(sent.items()), JSON, data))

    def validate_httpx_request(self, request: httpx.Request) -> None:
        """``validate_request`` for a request as sent: its own headers, Content-Type and bytes."""
        self.check(
            Sent(
                request.method,
                str(request.url),
                request.url.params.multi_items(),
                request.headers.multi_items(),
                request.headers.get("Content-Type", ""),
                request.content or None,
            )
        )


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
