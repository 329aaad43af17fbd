"""X-Request-Id: accepted or generated, echoed on every answer, in problems and in log lines."""

from __future__ import annotations

import json
import uuid

import pytest

from action_gateway.logging import configure_logging
from action_gateway.settings import LogFormat
from tests.helpers import running_app, sandbox_note_edit


async def test_a_given_request_id_is_echoed_and_quoted_in_problems() -> None:
    async with running_app() as (client, _):
        ok = await client.get("/healthz", headers={"X-Request-Id": "hd-1234"})
        assert ok.headers["X-Request-Id"] == "hd-1234"
        missing = await client.get(
            "/v1/connections/sandbox-shopify/orders/999", headers={"X-Request-Id": "hd-5678"}
        )
        assert missing.status_code == 404
        assert missing.headers["X-Request-Id"] == "hd-5678"
        assert missing.json()["request_id"] == "hd-5678"


@pytest.mark.parametrize("given", [None, "", "has spaces", "x" * 300, "new\nline"])
async def test_a_missing_or_unusable_request_id_is_replaced_by_a_generated_one(
    given: str | None,
) -> None:
    headers = {} if given is None else {"X-Request-Id": given}
    async with running_app() as (client, _):
        try:
            answer = await client.get("/v1/platforms/nope/eligibility", headers=headers)
        except Exception:  # httpx refuses to send a header with a newline: nothing to check
            assert given is not None
            assert "\n" in given
            return
    generated = answer.headers["X-Request-Id"]
    assert generated != given
    assert uuid.UUID(generated)
    assert answer.json()["request_id"] == generated


async def test_every_log_line_of_a_request_carries_its_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(LogFormat.JSON)
    async with running_app() as (client, _):
        capsys.readouterr()
        body = sandbox_note_edit("5500001008", "traced", "agent-t")
        answer = await client.post(
            "/v1/actions",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4()), "X-Request-Id": "trace-42"},
        )
        assert answer.status_code == 200
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    events = {line["event"] for line in lines}
    assert {"upstream_request", "action"} <= events
    assert all(line.get("request_id") == "trace-42" for line in lines), lines
    [action] = [line for line in lines if line["event"] == "action"]
    assert action["outcome"] == "succeeded"
    assert action["attempts"] >= 2
    assert "duration_ms" in action
