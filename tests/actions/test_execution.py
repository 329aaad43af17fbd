"""Exactly once per key (``actions/execution.py``): what is kept, and when a key is freed."""

from __future__ import annotations

import json

import pytest

from action_gateway.actions.execution import perform_once
from action_gateway.actions.flow import ActionResult
from action_gateway.errors import GatewayError, IdempotencyRequestInFlight
from action_gateway.idempotency import ClaimState, StoredResponse, fingerprint
from tests.actions.helpers import services
from tests.actions.test_flow import refund
from tests.fakes import FakeAdapter, make_order


def _result(result: ActionResult) -> StoredResponse:
    return StoredResponse(200, result.model_dump_json().encode(), "application/json")


def _problem(exc: GatewayError) -> StoredResponse:
    body = {"code": exc.instance_code}
    return StoredResponse(exc.status, json.dumps(body).encode(), "application/problem+json")


async def test_an_answer_that_is_not_kept_frees_its_key_only_when_released() -> None:
    """A refused request (nothing ran) is forgotten, but only once its answer was delivered:
    until then a copy of it is told to wait, so no copy can act before "not executed" arrives."""
    adapter = FakeAdapter()
    adapter.orders["1003"] = make_order("1003", financial_status="pending")
    app_services = services(adapter)
    body = refund("1003")
    once = {"caller_id": "helpdesk", "render_result": _result, "render_error": _problem}
    answer = await perform_once(app_services, body, idempotency_key="k-1", **once)
    assert answer.response.status_code == 409  # not eligible: nothing was paid to refund
    assert answer.release is not None
    with pytest.raises(IdempotencyRequestInFlight):
        await perform_once(app_services, body, idempotency_key="k-1", **once)
    await answer.release()
    digest = fingerprint({"caller": "helpdesk", "request": body.model_dump(mode="json")})
    claim = await app_services.idempotency.claim("helpdesk:k-1", digest)
    assert claim.state is ClaimState.CLAIMED
    assert adapter.calls == []


async def test_a_kept_answer_has_nothing_to_release_and_is_replayed() -> None:
    adapter = FakeAdapter()
    adapter.orders["1001"] = make_order("1001", financial_status="paid")
    app_services = services(adapter)
    once = {"caller_id": "helpdesk", "render_result": _result, "render_error": _problem}
    first = await perform_once(app_services, refund(), idempotency_key="k-2", **once)
    again = await perform_once(app_services, refund(), idempotency_key="k-2", **once)
    assert (first.release, first.replayed, again.replayed) == (None, False, True)
    assert again.response.body == first.response.body
    assert adapter.calls == [("refund", "1001")]
