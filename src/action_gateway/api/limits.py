"""Request limits, checked before the app sees a request: header size, body size, strict JSON.

``RequestLimitsMiddleware`` is pure ASGI (``BaseHTTPMiddleware`` would wrap every response
in a stream and change how cancellation reaches the endpoint). For each HTTP request it

* answers 431 ``request_headers_too_large`` when the header names and values together exceed
  ``max_header_bytes``;
* answers 413 ``request_body_too_large`` when Content-Length exceeds ``max_body_bytes``
  (without reading the body), or when a body without one (chunked) grows past it while read;
  a malformed Content-Length is 400 ``malformed_request``;
* reads the body whole and, when it is JSON, parses it strictly: duplicate object keys (at any
  depth), ``NaN``, ``Infinity``, ``-Infinity``, invalid UTF-8 and unparseable text are 400
  ``malformed_request`` (the code the app already gives unparseable JSON), with the problem
  named in ``detail``. Python's parser would otherwise keep the last duplicate and accept the
  constants, so two readers of one body could disagree on, say, an amount.

The buffered body is then replayed unchanged to the app. Every answer is rendered by
``render_problem``, like every other error.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from action_gateway.api.problems import render_problem
from action_gateway.errors import (
    GatewayError,
    MalformedRequest,
    RequestBodyTooLarge,
    RequestHeadersTooLarge,
)

DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_HEADER_BYTES = 16 * 1024


class RequestLimitsMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES,
    ) -> None:
        if max_body_bytes < 1 or max_header_bytes < 1:
            raise ValueError("max_body_bytes and max_header_bytes must be positive")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        try:
            self._check_header_size(headers)
            self._check_content_length(headers)
            _check_query_once(scope.get("query_string", b""))
            body = await self._read_body(receive)
            if body is None:
                return  # the client left before sending its body: there is no one to answer
            if body and _is_json(headers):
                check_strict_json(body)
        except GatewayError as exc:
            response = render_problem(exc, Request(scope).url.path)
            await response(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    def _check_header_size(self, headers: list[tuple[bytes, bytes]]) -> None:
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            raise RequestHeadersTooLarge(
                f"The request's header names and values total {size} bytes; "
                f"the limit is {self.max_header_bytes}."
            )

    def _check_content_length(self, headers: list[tuple[bytes, bytes]]) -> None:
        values = {value.strip() for name, value in headers if name.lower() == b"content-length"}
        if not values:
            return
        value = values.pop() if len(values) == 1 else b""  # differing values are malformed
        if not value.isdigit():  # bytes.isdigit: ASCII digits only, no sign or spaces
            raise MalformedRequest("Content-Length must be one non-negative whole number.")
        digits = value.lstrip(b"0") or b"0"
        # Length first: int() refuses over 4300 digits, and any such number is over the limit.
        if len(digits) > 18 or int(digits) > self.max_body_bytes:
            raise RequestBodyTooLarge(
                f"The request body declares more than the limit of {self.max_body_bytes} bytes."
            )

    async def _read_body(self, receive: Receive) -> bytes | None:
        """The whole body, counted as it arrives (a chunked body declares no length)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise RequestBodyTooLarge(
                    f"The request body is over the limit of {self.max_body_bytes} bytes."
                )
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _check_query_once(query: bytes) -> None:
    """Each query parameter at most once: every parameter of the API is one value, and a
    repeated one would otherwise be read as its last value, silently."""
    seen: set[str] = set()
    for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in seen:
            raise MalformedRequest(f"The query parameter {name!r} is given more than once.")
        seen.add(name)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the app: the buffered body once, then the server's own messages."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()  # e.g. http.disconnect when the caller goes away
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether the app will parse the body as JSON: a JSON media type, as FastAPI decides.

    A body without one is never parsed: the routes refuse it (415, :func:`is_json_media_type`).
    """
    content_type = next((v for n, v in headers if n.lower() == b"content-type"), None)
    return content_type is not None and is_json_media_type(content_type.decode("latin-1"))


def is_json_media_type(content_type: str | None) -> bool:
    """``application/json`` or an ``application/*+json`` type, parameters aside."""
    if content_type is None:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class _NotStrictJSON(ValueError):
    """Valid for Python's parser, refused here."""


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _NotStrictJSON(f"duplicate key {json.dumps(key)}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise _NotStrictJSON(f"{name} is not valid JSON")


def check_strict_json(body: bytes) -> None:
    """Raise ``MalformedRequest`` naming the problem unless ``body`` is strict UTF-8 JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequest(
            f"The request body is not valid UTF-8 (at byte {exc.start})."
        ) from None
    try:
        json.loads(
            text, object_pairs_hook=_object_without_duplicates, parse_constant=_refuse_constant
        )
    except _NotStrictJSON as exc:
        problem = str(exc)
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
    except RecursionError:
        problem = "it is nested too deeply"
    except ValueError as exc:  # e.g. an integer longer than Python converts
        problem = str(exc)
    else:
        return
    raise MalformedRequest(f"The request body is not valid JSON: {problem}.")
