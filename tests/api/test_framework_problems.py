"""Errors as documented: the framework's and the middleware's answers carry catalogued codes."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from action_gateway.api.problem_catalog import BY_CODE
from tests.helpers import problem_of, running_app

PREVIEW = {
    "connection": "sandbox-shopify",
    "action": "edit_order_note",
    "target": {"order_id": "5500001001"},
    "input": {"note": "Gift wrap"},
}


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with running_app() as (client, _):  # the sandbox
        yield client


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body = problem_of(response, status, code)
    assert BY_CODE[code].status == status  # catalogued, with this status
    return body


@pytest.mark.parametrize("path", ["/v1/actions", "/v1/actions/preview", "/v1/eligibility"])
@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "text/plain"}, {"Content-Type": "application/x-www-form-urlencoded"}, {}],
    ids=["text", "form", "none"],
)
async def test_a_body_that_is_not_declared_json_is_415(
    client: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    response = await client.post(path, content=json.dumps(PREVIEW), headers=headers)
    problem(response, 415, "unsupported_media_type")


async def test_a_json_media_type_with_parameters_or_a_json_suffix_is_json(
    client: httpx.AsyncClient,
) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = await client.post(
            "/v1/actions/preview",
            content=json.dumps(PREVIEW),
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("key", ["has space", "x" * 256, '"unterminated', ""])
async def test_a_malformed_idempotency_key_is_400_idempotency_key_invalid(
    client: httpx.AsyncClient, key: str
) -> None:
    response = await client.post("/v1/actions", json=PREVIEW, headers={"Idempotency-Key": key})
    body = problem(response, 400, "idempotency_key_invalid")
    assert "^" not in body["detail"]  # a sentence, not the raw pattern


async def test_a_missing_idempotency_key_is_400_even_with_an_invalid_body(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/actions", json={**PREVIEW, "input": {}})
    problem(response, 400, "idempotency_key_missing")


async def test_a_wrong_method_is_405_method_not_allowed_with_allow(
    client: httpx.AsyncClient,
) -> None:
    for method, path in (("GET", "/v1/actions"), ("DELETE", "/v1/customers")):
        response = await client.request(method, path)
        body = problem(response, 405, "method_not_allowed")
        assert response.headers["allow"] in body["detail"]
    assert (await client.get("/v1/actions")).headers["allow"] == "POST"


@pytest.mark.parametrize("path", ["/v1/actions/", "/v1/customers/", "/v1/actions/preview/"])
async def test_a_trailing_slash_is_a_problem_never_an_empty_redirect(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.request(
        "POST" if "actions" in path else "GET",
        path,
        json=PREVIEW,
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    problem(response, 404, "route_not_found")
    assert "location" not in response.headers


async def test_an_unreadable_content_length_is_400_malformed_request(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/actions/preview",
        content=b"{}",
        headers={"Content-Type": "application/json", "Content-Length": "2, 3"},
    )
    problem(response, 400, "malformed_request")


async def test_a_repeated_query_parameter_is_400_not_its_last_value(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/customers?email=a@example.com&email=b@example.com")
    body = problem(response, 400, "malformed_request")
    assert "'email'" in body["detail"]
