"""Request ids: ``X-Request-Id`` accepted (or generated), echoed, and on every log line.

asgi-correlation-id reads or makes the id and sets the response header; the middleware here
starts each request with fresh log context holding that id, so every line logged while answering
it (and by the action task it starts) carries ``request_id``.
"""

from __future__ import annotations

import re

import structlog
from asgi_correlation_id import CorrelationIdMiddleware, correlation_id
from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def is_acceptable_request_id(value: str) -> bool:
    """A caller's id is kept when it is short, visible ASCII without separators; else replaced."""
    return _REQUEST_ID.fullmatch(value) is not None


def current_request_id() -> str | None:
    return correlation_id.get()


class LogContextMiddleware:
    """Fresh structlog context per request, bound to the request id (pure ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(request_id=correlation_id.get())
        await self.app(scope, receive, send)


def request_id_middleware() -> tuple[type[CorrelationIdMiddleware], dict[str, object]]:
    """The correlation-id middleware class and its options, for ``app.add_middleware``."""
    return CorrelationIdMiddleware, {
        "header_name": REQUEST_ID_HEADER,
        "validator": is_acceptable_request_id,
        "update_request_header": True,
    }
