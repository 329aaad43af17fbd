"""The shared chokepoint: which failures are retried per request kind, within the deadline."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from structlog.testing import capture_logs

from action_gateway.errors import (
    DeadlineExceeded,
    Outcome,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import (
    RequestKind,
    RetryPolicy,
    TransientFailure,
    UpstreamRequest,
    classify_transport_error,
    equal_jitter,
    is_retryable,
    merge_url,
    parse_retry_after,
    send,
    upstream_client,
)
from action_gateway.platforms.base import ActionCall

URL = "https://api.example.test/thing"
Step = httpx.Response | Exception


class Upstream:
    """Plays its steps in order (the last one repeats) and records the requests."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step


class Sleeps:
    def __init__(self, call: ActionCall) -> None:
        self.call = call
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.call.deadline -= seconds


def interpret(response: httpx.Response) -> str:
    if response.status_code == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise TransientFailure("slow down", status=429, rate_limited=True, retry_after=retry_after)
    if response.status_code >= 500:
        raise TransientFailure("server error", status=response.status_code, rate_limited=False)
    return response.text


async def send_with_fresh_breakers(
    http: httpx.AsyncClient, request: UpstreamRequest, call: ActionCall, policy: RetryPolicy
) -> str:
    """``send`` with this file's ``interpret`` and circuit breakers of its own."""
    return await send(
        http, request, call=call, interpret=interpret, policy=policy, breakers=CircuitBreakers()
    )


async def run(
    upstream: Upstream,
    kind: RequestKind,
    *,
    budget: float = 15.0,
    policy: Callable[[Sleeps], RetryPolicy] | None = None,
) -> tuple[str, ActionCall, Sleeps]:
    call = ActionCall.within(budget, idempotency_key="key-1")
    sleeps = Sleeps(call)
    retry_policy = (policy or (lambda s: RetryPolicy(jitter=lambda w: w, sleep=s)))(sleeps)
    request = UpstreamRequest(
        platform="example",
        connection="conn-1",
        operation="DoThing",
        kind=kind,
        method="POST",
        url=URL,
        headers={"Authorization": "Bearer secret-token"},
        json={"email": "bo@example.com"},
    )
    async with httpx.AsyncClient(transport=httpx.MockTransport(upstream)) as http:
        try:
            result = await send_with_fresh_breakers(http, request, call, retry_policy)
        except Exception as exc:
            exc.add_note(f"call={call!r} waits={sleeps.waits}")
            raise
    return result, call, sleeps


def upstream_request(**changes: Any) -> UpstreamRequest:
    """A request of the example platform; ``changes`` replace its fields."""
    fields: dict[str, Any] = {
        "platform": "example",
        "connection": "conn-1",
        "operation": "DoThing",
        "kind": RequestKind.READ,
        "method": "GET",
        "url": URL,
    } | changes
    return UpstreamRequest(**fields)


async def settle(
    upstream: Upstream, kind: RequestKind, *, retried: bool, raises: type[Exception]
) -> pytest.ExceptionInfo[Exception] | None:
    """Send once: when ``retried``, assert the second request succeeded; otherwise assert the
    failure after one request and return it."""
    if retried:
        assert (await run(upstream, kind))[0] == "done"
        assert len(upstream.requests) == 2
        return None
    with pytest.raises(raises) as caught:
        await run(upstream, kind)
    assert len(upstream.requests) == 1
    return caught


def ok(text: str = "done") -> httpx.Response:
    return httpx.Response(200, text=text, headers={"X-Request-Id": "req-123"})


def connect_error() -> httpx.ConnectError:
    return httpx.ConnectError("connection refused")


def read_timeout() -> httpx.ReadTimeout:
    return httpx.ReadTimeout("timed out")


ALL_KINDS = list(RequestKind)


class TestRetryRule:
    @pytest.mark.parametrize("kind", ALL_KINDS)
    @pytest.mark.parametrize(
        "error", [httpx.ConnectError("x"), httpx.ConnectTimeout("x"), httpx.PoolTimeout("x")]
    )
    async def test_not_sent_errors_are_retried_for_every_kind(
        self, kind: RequestKind, error: Exception
    ) -> None:
        upstream = Upstream(error, ok())
        result, call, _ = await run(upstream, kind)
        assert result == "done"
        assert len(upstream.requests) == 2
        assert call.attempts == 2

    @pytest.mark.parametrize("kind", ALL_KINDS)
    async def test_rate_limits_are_retried_for_every_kind(self, kind: RequestKind) -> None:
        upstream = Upstream(httpx.Response(429, headers={"Retry-After": "2"}), ok())
        result, _, sleeps = await run(upstream, kind)
        assert result == "done"
        assert sleeps.waits == [2.0]

    @pytest.mark.parametrize(
        "error",
        [
            httpx.ReadTimeout("x"),
            httpx.WriteTimeout("x"),
            httpx.RemoteProtocolError("Server disconnected"),
            httpx.ReadError("reset"),
        ],
    )
    @pytest.mark.parametrize(
        ("kind", "retried"),
        [
            (RequestKind.READ, True),
            (RequestKind.WRITE, False),
            (RequestKind.WRITE_DEDUPLICATED, True),
        ],
    )
    async def test_ambiguous_transport_errors(
        self, error: Exception, kind: RequestKind, retried: bool
    ) -> None:
        caught = await settle(
            Upstream(error, ok()), kind, retried=retried, raises=UpstreamUnavailable
        )
        if caught is not None:
            assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    @pytest.mark.parametrize(
        ("kind", "status", "retried"),
        [
            (RequestKind.READ, 502, True),
            (RequestKind.READ, 503, True),
            (RequestKind.READ, 504, True),
            (RequestKind.READ, 500, False),
            (RequestKind.WRITE, 502, False),
            (RequestKind.WRITE, 503, False),
            (RequestKind.WRITE, 500, False),
            (RequestKind.WRITE_DEDUPLICATED, 500, True),
            (RequestKind.WRITE_DEDUPLICATED, 503, True),
        ],
    )
    async def test_server_errors(self, kind: RequestKind, status: int, retried: bool) -> None:
        upstream = Upstream(httpx.Response(status), ok())
        caught = await settle(upstream, kind, retried=retried, raises=UpstreamError)
        if caught is None:
            return
        expected = Outcome.UNKNOWN if kind.is_write else Outcome.NOT_EXECUTED
        assert caught.value.extensions["outcome"] is expected
        assert isinstance(caught.value, UpstreamUnavailable) == (status != 500)

    def test_gateway_errors_from_interpret_are_final(self) -> None:
        assert not is_retryable(RequestKind.READ, UpstreamError("no"))
        assert not is_retryable(RequestKind.READ, ValueError("bug"))


class TestBoundsAndDeadline:
    async def test_attempts_are_bounded_and_backoff_doubles(self) -> None:
        upstream = Upstream(connect_error())
        with pytest.raises(UpstreamUnavailable) as caught:
            await run(upstream, RequestKind.WRITE)
        assert len(upstream.requests) == 4
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED

    async def test_backoff_waits_are_capped_exponential(self) -> None:
        call = ActionCall.within(15.0)
        sleeps = Sleeps(call)
        upstream = Upstream(connect_error())
        request = UpstreamRequest("example", "c", "Op", RequestKind.READ, "GET", URL)
        retry_policy = RetryPolicy(jitter=lambda w: w, sleep=sleeps, backoff_max=0.6)
        async with httpx.AsyncClient(transport=httpx.MockTransport(upstream)) as http:
            with pytest.raises(UpstreamUnavailable):
                await send_with_fresh_breakers(http, request, call, retry_policy)
        assert sleeps.waits == [0.25, 0.5, 0.6]

    def test_equal_jitter_keeps_half_the_wait(self) -> None:
        for _ in range(100):
            assert 0.5 <= equal_jitter(1.0) <= 1.0

    async def test_a_retry_after_beyond_the_budget_fails_at_once(self) -> None:
        upstream = Upstream(httpx.Response(429, headers={"Retry-After": "30"}), ok())
        with pytest.raises(UpstreamRateLimited) as caught:
            await run(upstream, RequestKind.WRITE, budget=10.0)
        error = caught.value
        assert len(upstream.requests) == 1
        assert error.extensions["retry_after"] == 30
        assert error.headers == {"Retry-After": "30"}
        assert error.extensions["outcome"] is Outcome.NOT_EXECUTED

    async def test_never_sleeps_past_the_deadline(self) -> None:
        upstream = Upstream(connect_error())

        def policy(sleeps: Sleeps) -> RetryPolicy:
            return RetryPolicy(jitter=lambda w: w, sleep=sleeps, max_attempts=20, backoff_max=5)

        with pytest.raises(UpstreamUnavailable) as caught:
            await run(upstream, RequestKind.READ, budget=1.9, policy=policy)
        # 0.25 + 0.5 spent; after the next 1.0 wait less than min_attempt_seconds would be left.
        assert len(upstream.requests) == 3
        assert "waits=[0.25, 0.5]" in caught.value.__notes__[0]

    async def test_rate_limit_without_a_hint_reports_the_next_wait(self) -> None:
        upstream = Upstream(httpx.Response(429))

        def policy(sleeps: Sleeps) -> RetryPolicy:
            return RetryPolicy(jitter=lambda w: w, sleep=sleeps, backoff_base=3.0, backoff_max=5)

        with pytest.raises(UpstreamRateLimited) as caught:
            await run(upstream, RequestKind.READ, budget=2.0, policy=policy)
        assert caught.value.extensions["retry_after"] == 3
        assert caught.value.headers == {"Retry-After": "3"}

    async def test_per_attempt_timeout_is_bounded_by_the_remaining_budget(self) -> None:
        upstream = Upstream(ok())
        await run(upstream, RequestKind.READ, budget=2.0)
        timeout = upstream.requests[0].extensions["timeout"]
        assert 1.5 < timeout["read"] <= 2.0
        assert timeout["connect"] <= 2.0

        upstream = Upstream(ok())
        await run(upstream, RequestKind.READ, budget=60.0)
        timeout = upstream.requests[0].extensions["timeout"]
        assert timeout["read"] == 10.0
        assert timeout["connect"] == 3.0

    async def test_no_budget_left_sends_nothing(self) -> None:
        upstream = Upstream(ok())
        with pytest.raises(DeadlineExceeded) as caught:
            await run(upstream, RequestKind.WRITE, budget=-1.0)
        assert upstream.requests == []
        assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED

    async def test_a_timeout_at_the_deadline_is_deadline_exceeded(self) -> None:
        call = ActionCall.within(0.2)
        request = UpstreamRequest("example", "c", "Op", RequestKind.WRITE, "POST", URL)

        async def slow(request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(0.3)
            raise httpx.ReadTimeout("timed out", request=request)

        async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as http:
            with pytest.raises(DeadlineExceeded) as caught:
                await send(
                    http, request, call=call, interpret=interpret, breakers=CircuitBreakers()
                )
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN
        assert call.write_sent

    async def test_an_earlier_ambiguous_attempt_keeps_the_outcome_unknown(self) -> None:
        upstream = Upstream(read_timeout(), connect_error())
        with pytest.raises(UpstreamUnavailable) as caught:
            await run(upstream, RequestKind.WRITE_DEDUPLICATED)
        assert caught.value.extensions["outcome"] is Outcome.UNKNOWN


class TestExecutionRecord:
    async def test_writes_mark_the_call_and_request_ids_are_kept(self) -> None:
        _, call, _ = await run(Upstream(connect_error(), ok()), RequestKind.WRITE)
        assert call.write_sent
        assert call.attempts == 2
        assert call.upstream_request_ids == ["req-123"]

    async def test_reads_do_not_mark_a_write(self) -> None:
        _, call, _ = await run(Upstream(ok()), RequestKind.READ)
        assert not call.write_sent
        assert call.attempts == 1

    async def test_one_log_line_per_request_without_secrets(self) -> None:
        with capture_logs() as logs:
            await run(Upstream(httpx.Response(503), ok()), RequestKind.READ)
        assert [entry["event"] for entry in logs] == ["upstream_request", "upstream_request"]
        failed, succeeded = logs
        assert failed["log_level"] == "warning"
        assert failed["outcome"] == "http_503"
        assert succeeded == {
            "event": "upstream_request",
            "log_level": "info",
            "platform": "example",
            "connection": "conn-1",
            "operation": "DoThing",
            "kind": "read",
            "attempt": 2,
            "status": 200,
            "duration_ms": succeeded["duration_ms"],
            "upstream_request_id": "req-123",
            "outcome": "ok",
        }
        assert isinstance(succeeded["duration_ms"], float)
        text = repr(logs)
        assert "secret-token" not in text
        assert "bo@example.com" not in text

    async def test_transport_failures_are_logged_by_class(self) -> None:
        with capture_logs() as logs, pytest.raises(UpstreamUnavailable):
            await run(Upstream(read_timeout()), RequestKind.WRITE)
        assert [(e["outcome"], e["status"]) for e in logs] == [("ReadTimeout", None)]


class TestHelpers:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [(None, None), ("", None), ("2", 2.0), ("1.5", 1.5), ("-3", 0.0), ("soon", None)],
    )
    def test_parse_retry_after_seconds(self, value: str | None, expected: float | None) -> None:
        assert parse_retry_after(value) == expected

    def test_parse_retry_after_http_date(self) -> None:
        when = datetime.now(UTC) + timedelta(seconds=30)
        seconds = parse_retry_after(format_datetime(when, usegmt=True))
        assert seconds is not None
        assert 28 <= seconds <= 30

    @pytest.mark.parametrize(
        ("error", "kind", "outcome"),
        [
            (httpx.ConnectError("x"), RequestKind.WRITE, Outcome.NOT_EXECUTED),
            (httpx.PoolTimeout("x"), RequestKind.WRITE_DEDUPLICATED, Outcome.NOT_EXECUTED),
            (httpx.ReadTimeout("x"), RequestKind.WRITE, Outcome.UNKNOWN),
            (httpx.RemoteProtocolError("x"), RequestKind.WRITE, Outcome.UNKNOWN),
            (httpx.ReadError("x"), RequestKind.WRITE_DEDUPLICATED, Outcome.UNKNOWN),
            (httpx.ReadTimeout("x"), RequestKind.READ, Outcome.NOT_EXECUTED),
        ],
    )
    def test_classify_transport_error(
        self, error: httpx.TransportError, kind: RequestKind, outcome: Outcome
    ) -> None:
        classified = classify_transport_error(error, platform="example", kind=kind)
        assert isinstance(classified, UpstreamUnavailable)
        assert classified.extensions["outcome"] is outcome

    def test_classify_a_timeout_at_the_deadline(self) -> None:
        classified = classify_transport_error(
            httpx.WriteTimeout("x"),
            platform="example",
            kind=RequestKind.WRITE,
            deadline_reached=True,
        )
        assert isinstance(classified, DeadlineExceeded)
        assert classified.extensions["outcome"] is Outcome.UNKNOWN


async def test_a_read_failing_after_a_write_that_may_have_run_is_unknown() -> None:
    """A re-read or poll failing after the action's write reached the platform cannot claim
    that nothing happened: the whole action's outcome is unknown."""
    from action_gateway.errors import Outcome, UpstreamUnavailable
    from action_gateway.platforms._http import RequestKind, UpstreamRequest, send
    from action_gateway.platforms.base import ActionCall

    def request(kind: RequestKind) -> UpstreamRequest:
        return UpstreamRequest(
            platform="acme", connection="after-write", operation="op", kind=kind,
            method="POST", url="https://acme.test/op",
        )  # fmt: skip

    def ok(response: httpx.Response) -> int:
        return response.status_code

    breakers = CircuitBreakers()
    call = ActionCall.within(5)
    async with httpx.AsyncClient(
        transport=httpx.MockTransport(lambda r: httpx.Response(200))
    ) as http:
        await send(http, request(RequestKind.WRITE), call=call, interpret=ok, breakers=breakers)
    assert call.write_may_have_run

    def refuse(request_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request_)

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await send(http, request(RequestKind.READ), call=call, interpret=ok, breakers=breakers)
    assert caught.value.extensions["outcome"] is Outcome.UNKNOWN

    fresh = ActionCall.within(5)
    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as http:
        with pytest.raises(UpstreamUnavailable) as caught:
            await send(http, request(RequestKind.READ), call=fresh, interpret=ok, breakers=breakers)
    assert caught.value.extensions["outcome"] is Outcome.NOT_EXECUTED


def test_an_encoded_body_holds_no_more_memory_than_its_bytes() -> None:
    import tracemalloc

    from action_gateway.platforms._http import encode_json

    document = {"query": "query Order($id: ID!) { order(id: $id) { id } }" * 40, "variables": {}}
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        bodies = [encode_json(document) for _ in range(50)]
        held = (tracemalloc.get_traced_memory()[0] - before) / len(bodies)
    finally:
        tracemalloc.stop()
    assert json.loads(bodies[0]) == document
    assert held < len(bodies[0]) + 512  # not orjson's whole output buffer


WIRE_CASES = [
    ("", URL, {"X-Shopify-Access-Token": "t", "Accept": "application/json"}, {"a": "é"}),
    (
        "https://api.example.test/stores/abc/",
        "v2/orders/1",
        {"Accept": "application/json"},
        None,
    ),
    (
        "https://api.example.test/v3",
        "/catalog?id:in=1,2",
        {"content-type": "application/json; charset=utf-8", "User-Agent": "custom/1"},
        {"items": [1, 2], "note": None},
    ),
    # BigCommerce's base URL carries the store's path prefix, without a trailing slash.
    ("https://api.bigcommerce.test/stores/h4sh", "/v2/orders/7/shipping_addresses", {}, None),
    ("https://api.bigcommerce.test/stores/h4sh/", "v3/orders/7/payment_actions/refunds", {}, {}),
    ("https://api.example.test/v1", "/items?ids=1%2C2&q=a+b&empty=", {}, None),
    ("https://api.example.test/v1/", "/a%20b/%C3%A9?x=%2F", {}, None),
    # An absolute URL ignores the base URL entirely.
    ("https://api.example.test/stores/abc", "https://other.example.test/x?y=1", {}, {"z": 1}),
    ("https://api.example.test/", "http://127.0.0.1:8080/graphql.json", {}, None),
]


def registered_client(base_url: str, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return upstream_client(
        base_url=base_url,
        transport=transport,
        timeout=httpx.Timeout(5.0),
        headers={"User-Agent": "action-gateway/test"},
    )


def plain_client(base_url: str, transport: httpx.AsyncBaseTransport) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, transport=transport, headers={"User-Agent": "action-gateway/test"}
    )


@pytest.mark.parametrize("build", [registered_client, plain_client])
@pytest.mark.parametrize(("base_url", "url", "headers", "body"), WIRE_CASES)
async def test_send_puts_on_the_wire_what_client_request_would(
    base_url: str,
    url: str,
    headers: dict[str, str],
    body: object,
    build: Callable[[str, httpx.AsyncBaseTransport], httpx.AsyncClient],
) -> None:
    """send() skips AsyncClient.send's layers, never what the request says (URL, headers, body).

    For a client of ``upstream_client`` and for any other client alike.
    """
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok()

    limits = httpx.Timeout(3.0, connect=1.0)
    request = upstream_request(
        method="POST" if body is not None else "GET", url=url, headers=headers, json=body
    )
    async with build(base_url, httpx.MockTransport(record)) as http:
        await http.request(request.method, url, headers=headers, json=body, timeout=limits)
        call = ActionCall.within(15.0, idempotency_key="key-1")
        answer = await send_with_fresh_breakers(http, request, call, RetryPolicy())
    assert answer == "done"
    expected, sent = seen
    assert sent.method == expected.method
    assert str(sent.url) == str(expected.url)
    assert sent.url.raw_path == expected.url.raw_path
    assert sorted(sent.headers.multi_items()) == sorted(expected.headers.multi_items())
    assert sent.content == expected.content
    assert sent.extensions["timeout"].keys() == expected.extensions["timeout"].keys()


@pytest.mark.parametrize(("base_url", "url", "headers", "body"), WIRE_CASES)
def test_merge_url_is_httpx_base_url_rule(
    base_url: str, url: str, headers: dict[str, str], body: object
) -> None:
    client = httpx.AsyncClient(base_url=base_url)
    assert merge_url(client.base_url, url) == client.build_request("GET", url).url


async def test_an_upstream_client_hands_requests_to_its_own_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gateway's clients skip AsyncClient.send (a third of an upstream call's CPU)."""
    upstream = Upstream(ok())
    transport = httpx.MockTransport(upstream)

    async def refuse(*args: object, **kwargs: object) -> httpx.Response:
        raise AssertionError("AsyncClient.send was used")

    async with registered_client("https://api.example.test/v1", transport) as http:
        monkeypatch.setattr(http, "send", refuse)
        call = ActionCall.within(15.0, idempotency_key="key-1")
        request = upstream_request(url="/thing")
        assert (
            await send(http, request, call=call, interpret=interpret, breakers=CircuitBreakers())
            == "done"
        )
    assert [str(r.url) for r in upstream.requests] == ["https://api.example.test/v1/thing"]


async def test_the_apps_clients_hand_requests_to_their_transport(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app builds every connection's client with ``upstream_client`` (the fast path)."""
    from tests.helpers import running_app

    send = httpx.AsyncClient.send
    upstream_sends: list[str] = []

    async def record(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> Any:
        if request.url.host != "gateway.test":
            upstream_sends.append(str(request.url))
        return await send(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "send", record)
    async with running_app() as (client, _):  # the sandbox: every connection, real adapters
        found = await client.get("/v1/customers", params={"email": "ava.lindqvist@example.com"})
    assert found.status_code == 200, found.text
    assert {result["status"] for result in found.json()["results"]} == {"ok"}
    assert upstream_sends == []
