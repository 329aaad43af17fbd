"""RequestLimitsMiddleware: header and body size limits and strict JSON, before the app runs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway.api.limits import RequestLimitsMiddleware
from action_gateway.settings import Settings
from tests.helpers import SHOPIFY_PAID_UNFULFILLED, problem_of, running_app

VALID = SHOPIFY_PAID_UNFULFILLED
JSON = {"Content-Type": "application/json"}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with running_app() as (client, _):
        yield client


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    problem = problem_of(response, status, code)
    assert problem["instance"] == response.request.url.path
    return problem


async def test_a_valid_body_reaches_the_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/eligibility", content=json.dumps(VALID), headers=JSON)

    assert response.status_code == 200, response.text
    assert "cancel_and_refund_order" in response.json()["available_actions"]


async def test_a_body_over_the_limit_by_content_length_is_413(client: httpx.AsyncClient) -> None:
    body = json.dumps({**VALID, "padding": "x" * 65536}).encode()

    response = await client.post("/v1/eligibility", content=body, headers=JSON)

    problem = assert_problem(response, 413, "request_body_too_large")
    assert "65536" in problem["detail"]


async def test_a_chunked_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):  # 100 KiB in all
            sent.append(1)
            yield b" " * 1024

    response = await client.post("/v1/eligibility", content=chunks(), headers=JSON)

    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "request_body_too_large")
    assert len(sent) < 100  # reading stopped once over the limit


async def test_a_chunked_body_within_the_limit_reaches_the_endpoint(
    client: httpx.AsyncClient,
) -> None:
    body = json.dumps(VALID).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 7):
            yield body[start : start + 7]

    response = await client.post("/v1/eligibility", content=chunks(), headers=JSON)

    assert response.status_code == 200, response.text


async def test_huge_headers_are_431(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Padding": "a" * 16384})

    assert_problem(response, 431, "request_headers_too_large")


async def test_the_limits_come_from_settings() -> None:
    settings = Settings(config=None, max_body_bytes=2048, max_header_bytes=4096)
    async with running_app(settings=settings) as (client, _):
        body = json.dumps({**VALID, "padding": "x" * 2048})
        too_big = await client.post("/v1/eligibility", content=body, headers=JSON)
        headers = await client.get("/healthz", headers={"X-Padding": "a" * 4096})
        fine = await client.get("/healthz", headers={"X-Padding": "a" * 2048})

    assert_problem(too_big, 413, "request_body_too_large")
    assert_problem(headers, 431, "request_headers_too_large")
    assert fine.status_code == 200


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"]
)
async def test_a_duplicate_top_level_key_is_400(
    client: httpx.AsyncClient, content_type: str
) -> None:
    body = '{"platform": "shopify", "platform": "bigcommerce", "resource": {"type": "order"}}'

    response = await client.post(
        "/v1/eligibility", content=body, headers={"Content-Type": content_type}
    )

    problem = assert_problem(response, 400, "malformed_request")
    assert 'duplicate key "platform"' in problem["detail"]


async def test_a_duplicate_nested_key_is_400(client: httpx.AsyncClient) -> None:
    body = (
        '{"platform": "shopify", "resource": {"type": "order", "financial_status": "paid",'
        ' "items": [{"amount": "1.00", "amount": "100.00"}]}}'
    )

    response = await client.post("/v1/eligibility", content=body, headers=JSON)

    problem = assert_problem(response, 400, "malformed_request")
    assert 'duplicate key "amount"' in problem["detail"]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_numbers_are_400(client: httpx.AsyncClient, constant: str) -> None:
    body = '{"platform": "shopify", "resource": {"type": "order", "total": ' + constant + "}}"

    response = await client.post("/v1/eligibility", content=body, headers=JSON)

    problem = assert_problem(response, 400, "malformed_request")
    assert f"{constant} is not valid JSON" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "named"),
    [
        (b'{"platform": "shop\xffify"}', "UTF-8"),
        (b'{"platform": ', "Expecting value"),
        (b"[" * 60000, "nested too deeply"),
    ],
    ids=["invalid-utf8", "truncated", "deep"],
)
async def test_unreadable_json_is_400(client: httpx.AsyncClient, body: bytes, named: str) -> None:
    response = await client.post("/v1/eligibility", content=body, headers=JSON)

    problem = assert_problem(response, 400, "malformed_request")
    assert named in problem["detail"]


async def test_a_body_that_is_not_json_is_left_to_the_app(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/eligibility", content='{"a": 1, "a": NaN}', headers={"Content-Type": "text/plain"}
    )

    # Not checked as JSON here; the route refuses the media type.
    assert_problem(response, 415, "unsupported_media_type")


# The middleware alone, driven through ASGI directly: what the server hands it and what it
# hands the app.


class RecordingApp:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.called = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        self.received.append(await receive())
        self.received.append(await receive())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def http_scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/eligibility",
        "raw_path": b"/v1/eligibility",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"gateway.test"), *headers],
        "server": ("gateway.test", 80),
    }


async def run(
    middleware: RequestLimitsMiddleware,
    headers: list[tuple[bytes, bytes]],
    messages: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], int]:
    """Send ``messages`` as the server would; return what was sent back and how many were read."""
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await middleware(http_scope(headers), receive, send)
    return sent, len(messages) - len(pending)


def chunk(body: bytes, more: bool = False) -> dict[str, Any]:
    return {"type": "http.request", "body": body, "more_body": more}


async def test_an_oversized_content_length_is_refused_without_reading_the_body() -> None:
    app = RecordingApp()
    middleware = RequestLimitsMiddleware(app, max_body_bytes=10)

    sent, read = await run(middleware, [(b"content-length", b"11")], [chunk(b"x" * 11)])

    assert read == 0
    assert not app.called
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["code"] == "request_body_too_large"


@pytest.mark.parametrize("value", [b"9" * 5000, b"0" * 5000 + b"11"], ids=["huge", "zeros"])
async def test_a_content_length_of_many_digits_is_413_when_over(value: bytes) -> None:
    sent, _ = await run(
        RequestLimitsMiddleware(RecordingApp(), max_body_bytes=10),
        [(b"content-length", value)],
        [chunk(b"")],
    )

    assert sent[0]["status"] == 413


async def test_a_content_length_with_leading_zeros_within_the_limit_is_read() -> None:
    app = RecordingApp()

    sent, _ = await run(
        RequestLimitsMiddleware(app, max_body_bytes=10),
        [(b"content-length", b"0" * 5000 + b"2")],
        [chunk(b"{}"), {"type": "http.disconnect"}],
    )

    assert app.received[0] == chunk(b"{}")
    assert sent[0]["status"] == 204


@pytest.mark.parametrize("value", [b"-1", b"ten", b"+5", b"1e3", b""])
async def test_a_malformed_content_length_is_400(value: bytes) -> None:
    app = RecordingApp()

    sent, _ = await run(RequestLimitsMiddleware(app), [(b"content-length", value)], [chunk(b"")])

    assert not app.called
    assert sent[0]["status"] == 400
    assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["code"] == "malformed_request"


async def test_two_different_content_lengths_are_400() -> None:
    app = RecordingApp()
    headers = [(b"content-length", b"2"), (b"content-length", b"3")]

    sent, _ = await run(RequestLimitsMiddleware(app), headers, [chunk(b"{}")])

    assert sent[0]["status"] == 400


async def test_the_buffered_body_is_replayed_unchanged_then_the_server_is_heard_again() -> None:
    app = RecordingApp()
    parts = [b'{"a": [1, ', b"2, 3], ", b'"b": "\xc3\xa9"}']
    messages = [chunk(parts[0], True), chunk(parts[1], True), chunk(parts[2])]

    sent, _ = await run(
        RequestLimitsMiddleware(app),
        [(b"content-type", b"application/json")],
        [*messages, {"type": "http.disconnect"}],
    )

    assert app.received == [chunk(b"".join(parts)), {"type": "http.disconnect"}]
    assert sent[0]["status"] == 204


async def test_a_caller_leaving_mid_body_gets_no_answer_and_the_app_is_not_called() -> None:
    app = RecordingApp()

    sent, _ = await run(
        RequestLimitsMiddleware(app), [], [chunk(b"{", True), {"type": "http.disconnect"}]
    )

    assert sent == []
    assert not app.called
