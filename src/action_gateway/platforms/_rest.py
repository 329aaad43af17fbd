"""What the JSON REST platforms (BigCommerce, Ordergroove, Recharge) share on top of ``_http``.

Each client describes its platform once (:class:`RestApi`) and sends through
:meth:`RestClient.send_endpoint`; every answer is read by :func:`interpret_json_response`,
whose failure layers are checked in this order:

    HTTP 401 / 403                  UpstreamAuthFailed
    HTTP 404                        NotFound (adapters turn it into ``None`` for reads)
    HTTP 429                        TransientFailure(rate_limited) with the platform's wait
    HTTP 5xx                        TransientFailure (retried per request kind by ``send``)
    RestApi.rejected_statuses       PlatformRejected (409: the caller's conflict error)
    any other non-2xx               UpstreamError
    2xx with an empty body          the caller's empty value, where the platform allows one
    2xx body not JSON               UpstreamError

Every message the platform sends travels verbatim as a ``PlatformMessage``; only the status
code is branched on. What differs by platform (error body shapes, rate-limit headers, rejected
statuses, empty bodies) is a :class:`RestApi` field set in that platform's client.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import httpx

from action_gateway.errors import (
    NotFound,
    Outcome,
    PlatformMessage,
    PlatformRejected,
    UpstreamAuthFailed,
    UpstreamError,
)
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import (
    DEFAULT_RETRY_POLICY,
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    decode_json,
    parse_retry_after,
    send,
)
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.spec import PlatformConnection

Query = Mapping[str, str | int]


@dataclass(frozen=True)
class RestEndpoint:
    """One REST endpoint a platform adapter calls; platforms subclass it for their extras."""

    name: str
    method: str
    path: str
    """A template whose ``{placeholders}`` are filled with URL-quoted values."""
    kind: RequestKind

    def url(self, **values: str | int) -> str:
        return self.path.format(**{k: quote(str(v), safe="") for k, v in values.items()})


def retry_after_header(response: httpx.Response) -> float | None:
    """The standard ``Retry-After`` header, in seconds."""
    return parse_retry_after(response.headers.get("Retry-After"))


@dataclass(frozen=True)
class RestApi:
    """One platform's REST dialect: the parts of reading its answers that really differ."""

    platform: str
    """The platform's id in logs and requests (``"recharge"``)."""
    title: str
    """The platform's name in error details (``"Recharge"``)."""
    token_header: str
    """The header carrying the connection's token."""
    credential: str
    """What the token is called in an auth failure's detail (``"access token"``)."""
    rate_limit_scope: str
    """What a 429 limits, in its detail (``"token"``, ``"store"``)."""
    rejected_statuses: frozenset[int]
    """Statuses that are a final refusal (PlatformRejected)."""
    messages: Callable[[Any], list[PlatformMessage]]
    """Every message in an error body (parsed JSON or ``None``), verbatim."""
    retry_after: Callable[[httpx.Response], float | None] = retry_after_header
    """Seconds the platform asks us to wait before re-sending."""
    retry_after_on_5xx: bool = True
    """Whether ``retry_after`` is read on a 5xx too (always on a 429)."""
    empty_body_allowed: bool = True
    """Whether a 2xx with no body is a success (else it is reported as not JSON)."""
    summary_on_unexpected_status: bool = False
    """Whether an unexpected status's detail ends with the platform's messages."""


def with_query(url: str, query: Query | None, *, safe: str = "") -> str:
    """``url`` with ``query`` url-encoded after it (``safe`` characters are left as they are)."""
    return f"{url}?{urlencode(query, safe=safe)}" if query else url


def json_or_none(response: httpx.Response) -> Any:
    """The parsed body, or ``None`` when it is empty or not JSON."""
    if not response.content.strip():
        return None
    try:
        return decode_json(response)
    except ValueError:
        return None


def interpret_json_response(
    response: httpx.Response,
    *,
    api: RestApi,
    endpoint: RestEndpoint,
    on_conflict: type[PlatformRejected] = PlatformRejected,
    empty_value: Any = None,
) -> Any:
    """The parsed body of a successful answer, or the exception its failure layer maps to."""
    status = response.status_code
    body = json_or_none(response)
    succeeded = 200 <= status < 300
    messages = [] if succeeded else api.messages(body)
    summary = "; ".join(m.message for m in messages)
    suffix = f": {summary}" if summary else ""
    where = f"{endpoint.method} {endpoint.path}"
    if status in (401, 403):
        raise UpstreamAuthFailed(
            f"{api.title} refused the connection's {api.credential} (HTTP {status}){suffix}",
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if status == 404:
        raise NotFound(f"{api.title} answered 404 for {where}{suffix}", platform_errors=messages)
    if status == 429:
        raise TransientFailure(
            f"{api.title} is rate limiting this {api.rate_limit_scope} (HTTP 429)",
            status=status,
            rate_limited=True,
            retry_after=api.retry_after(response),
            platform_errors=messages,
        )
    if status >= 500:
        raise TransientFailure(
            f"{api.title} answered HTTP {status}{suffix}",
            status=status,
            rate_limited=False,
            retry_after=api.retry_after(response) if api.retry_after_on_5xx else None,
            platform_errors=messages,
        )
    if status in api.rejected_statuses:
        error_cls = on_conflict if status == 409 else PlatformRejected
        raise error_cls(
            f"{api.title} refused {where} (HTTP {status}){suffix}",
            platform_errors=messages or [PlatformMessage(message=f"HTTP {status}")],
        )
    if not succeeded:
        raise UpstreamError(
            f"{api.title} answered HTTP {status} for {where}"
            + (suffix if api.summary_on_unexpected_status else ""),
            outcome=Outcome.NOT_EXECUTED,
            platform_errors=messages,
        )
    if api.empty_body_allowed and not response.content.strip():
        return empty_value
    if body is None:
        raise UpstreamError(
            f"{api.title} answered {where} with a body that is not JSON",
            outcome=Outcome.UNKNOWN if endpoint.kind.is_write else Outcome.NOT_EXECUTED,
        )
    return body


class RestClient:
    """Sends one connection's REST requests through the shared chokepoint.

    ``http`` carries the connection's base URL; a subclass names its platform in ``api``.
    """

    api: ClassVar[RestApi]

    def __init__(
        self,
        connection: PlatformConnection,
        http: httpx.AsyncClient,
        *,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        breakers: CircuitBreakers | None = None,
    ) -> None:
        self.connection = connection
        self.http = http
        self.policy = policy
        # The app's breakers; a client built on its own (tests) gets its own.
        self.breakers = breakers if breakers is not None else CircuitBreakers()

    def auth_headers(self) -> dict[str, str]:
        """The credentials sent with each request: the token in ``api.token_header`` (a client
        whose transport signs its requests sends none)."""
        return {self.api.token_header: self.connection.token.get_secret_value()}

    async def send_endpoint(
        self,
        endpoint: RestEndpoint,
        *,
        call: ActionCall,
        url: str,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        reserve: float = 0.0,
        on_conflict: type[PlatformRejected] = PlatformRejected,
        empty_value: Any = None,
    ) -> Any:
        """Send ``endpoint`` to ``url``, answer its parsed JSON body.

        ``headers`` are the platform's own (sent after the token); the rest are arguments of
        :func:`interpret_json_response`. Raises only GatewayError subclasses.
        """
        api = self.api
        request = UpstreamRequest(
            platform=api.platform,
            connection=self.connection.id,
            operation=endpoint.name,
            kind=endpoint.kind,
            method=endpoint.method,
            url=url,
            # The token is read at send time and only ever travels in the (never logged) headers.
            headers={
                **self.auth_headers(),
                **(headers or {}),
                "Accept": "application/json",
                **({"Content-Type": "application/json"} if json is not None else {}),
            },
            json=json,
        )
        return await send(
            self.http,
            request,
            call=call,
            interpret=lambda response: interpret_json_response(
                response,
                api=api,
                endpoint=endpoint,
                on_conflict=on_conflict,
                empty_value=empty_value,
            ),
            policy=self.policy,
            reserve=reserve,
            breakers=self.breakers,
        )
