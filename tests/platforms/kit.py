"""The kit every adapter test shares.

- :class:`Sleeps`, the retry policy's sleep that returns at once and records its waits, and
  :func:`policy`, the retry policy that uses it without jitter;
- :class:`QueueStub` and :class:`TemplateStub`, respx routes answering each request with the next
  reply queued for it and recording what was sent (each platform's ``helpers.py`` subclasses one);
- ``ORDER_ACTIONS``, ``LOST_IN_TRANSIT`` and :func:`connection_config`, what several
  platforms' tests declare alike;
- :class:`AdapterKit`, what ``tests/platforms/conftest.py`` needs to build one platform's
  ``router``, ``stub``, ``http``, ``sleeps`` and ``adapter`` fixtures: each platform's
  ``helpers.py`` declares its ``KIT``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import pytest
import respx
from pydantic import SecretStr

from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import ActionName, Platform
from action_gateway.platforms._http import RetryPolicy
from action_gateway.platforms.base import ActionCall

ORDER_ACTIONS = {
    ActionName.CANCEL_ORDER, ActionName.CANCEL_AND_REFUND_ORDER, ActionName.REFUND_ORDER,
    ActionName.PARTIAL_REFUND_ORDER, ActionName.EDIT_ORDER_NOTE, ActionName.CREATE_DISCOUNT_CODE,
    ActionName.ISSUE_STORE_CREDIT,
    ActionName.CREATE_REPLACEMENT_ORDER,
}  # fmt: skip
"""What a commerce adapter that does every order action supports."""

LOST_IN_TRANSIT = [
    pytest.param(httpx.ReadTimeout("timed out"), id="read-timeout"),
    pytest.param(
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        id="dropped-connection",
    ),
    pytest.param(httpx.Response(502), id="502-after-sending"),
]
"""Failures after a write was sent: it may have run (each platform adds its own 500)."""


def connection_config(
    id: str, platform: Platform, token: str, *, token_env: str, **fields: Any
) -> ConnectionConfig:
    """A connection as the config file declares it, its token read from ``token_env``."""
    return ConnectionConfig(
        id=id,
        platform=platform,
        access_token_env=token_env,
        access_token=SecretStr(token),
        **fields,
    )


class Sleeps:
    """A sleep that returns at once, records each wait and spends it from the call's budget."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.call: ActionCall | None = None

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if self.call is not None:
            self.call.deadline -= seconds


def policy(sleeps: Sleeps, **bounds: Any) -> RetryPolicy:
    """The retry policy with ``sleeps`` and without jitter; ``bounds`` override its limits."""
    return RetryPolicy(jitter=lambda wait: wait, sleep=sleeps, **bounds)


Reply = httpx.Response | Exception
"""What a stub answers a request with: a response, or an exception the transport raises."""


def template_pattern(template: str) -> re.Pattern[str]:
    """An endpoint's path template (``/v2/orders/{id}``) as a pattern matching its paths."""
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)))


def linked_connection_config(
    id: str, platform: Platform, token: str, *, token_env: str
) -> ConnectionConfig:
    """A subscription connection, linked to the store's Shopify connection ``acme-shopify``."""
    return connection_config(
        id, platform, token, token_env=token_env, linked_connection="acme-shopify"
    )


class QueueStub:
    """A respx route that records each request and answers it with the next reply queued for it.

    Subclasses say which queue answers a request (``_queue``) and may check the request
    (``_check``) or turn a queued reply into a response (``_respond``). A queued exception is
    raised, as the transport would.
    """

    def __init__(self, route: respx.Route) -> None:
        self.route = route.mock(side_effect=self._handle)
        self.requests: list[httpx.Request] = []

    def _queue(self, request: httpx.Request) -> deque[Any]:
        raise NotImplementedError

    def _check(self, request: httpx.Request) -> None:
        """Assertions every request must pass (headers, the published contract)."""

    def _respond(self, request: httpx.Request, reply: Any) -> httpx.Response:
        assert isinstance(reply, httpx.Response)
        return reply

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self._check(request)
        queue = self._queue(request)
        assert queue, f"no reply left for {request.method} {request.url}"
        reply = queue.popleft()
        if isinstance(reply, Exception):
            raise reply
        return self._respond(request, reply)


class Endpoint(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...


class TemplateStub(QueueStub):
    """A REST API below ``base_url``: one queue per endpoint (method and path template).

    ``prefix`` is the part of the URL path before the endpoints' own paths (BigCommerce's
    ``/stores/{hash}``).
    """

    def __init__(self, router: respx.MockRouter, base_url: str, *, prefix: str = "") -> None:
        super().__init__(router.route(url__startswith=base_url))
        self.prefix = prefix
        self.replies: defaultdict[tuple[str, str], deque[Any]] = defaultdict(deque)

    def reply(self, endpoint: Endpoint, *replies: Any) -> None:
        self.replies[(endpoint.method, endpoint.path)].extend(replies)

    def sent(self, endpoint: Endpoint | None = None) -> list[httpx.Request]:
        return [
            r
            for r in self.requests
            if endpoint is None or self._key(r) == (endpoint.method, endpoint.path)
        ]

    def bodies(self, endpoint: Endpoint) -> list[Any]:
        return [json.loads(r.content) for r in self.sent(endpoint)]

    def queries(self, endpoint: Endpoint) -> list[dict[str, str]]:
        return [dict(r.url.params) for r in self.sent(endpoint)]

    def calls(self) -> list[str]:
        return [f"{r.method} {self._path(r)}" for r in self.requests]

    def _path(self, request: httpx.Request) -> str:
        return request.url.path.removeprefix(self.prefix)

    def _key(self, request: httpx.Request) -> tuple[str, str] | None:
        path = self._path(request)
        # Literal templates win over placeholders (/v3/promotions/codes vs /v3/promotions/{id}).
        for method, template in sorted(self.replies, key=lambda k: k[1].count("{")):
            if method == request.method and template_pattern(template).fullmatch(path):
                return method, template
        return None

    def _queue(self, request: httpx.Request) -> deque[Any]:
        key = self._key(request)
        assert key is not None, f"unexpected {request.method} {request.url}"
        return self.replies[key]


@dataclass(frozen=True)
class AdapterKit:
    """How the shared fixtures build one platform's stub and adapter."""

    stub: Callable[[respx.MockRouter], Any]
    adapter: Callable[[httpx.AsyncClient, Sleeps], Any]
    base_url: str = ""
    """The client's base URL, as the app hands it to the adapter (the API root)."""
