"""POST /v1/approvals on the sandbox: an action above its agent's ceiling answers with a signed
token; another agent with a high enough ceiling approves it (it runs once, on any replica, with
either idempotency store) or declines it (nothing runs)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from action_gateway.actions.approvals import ApprovalTokens
from action_gateway.config import ActionsConfig, GatewayConfig
from action_gateway.errors import ApprovalTokenInvalid
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import Sandbox, build_sandbox
from tests.api.test_security import CALLERS, SHOPIFY, auth
from tests.helpers import APPROVAL_KEY, problem_of, running_app
from tests.redis_server import running_redis

ORDER = "5500001001"
CUSTOMER = "7410001"
OLD_KEY = "an-older-approval-key-still-verifying-0123456789"
CEILINGS = ActionsConfig.model_validate(
    {
        "refund_ceilings": {"partial_refund_order": {"*": "20.00", "lead": "500.00"}},
        "compensation_ceilings": {"issue_store_credit": {"support": "20", "lead": "500"}},
        "approval_ttl_seconds": 3600,
    }
)
REQUESTER = {"agent_id": "agent-7", "agent_roles": ["support"], "conversation_id": "conv-7"}
LEAD = {"agent_id": "agent-9", "agent_roles": ["lead"], "conversation_id": "conv-9"}
OTHER_LEAD = {"agent_id": "agent-11", "agent_roles": ["lead"]}
WRITES = {"partial_refund_order": "refundCreate", "issue_store_credit": "storeCreditAccountCredit"}


def partial_refund(amount: str = "30.00") -> dict[str, Any]:
    return {
        "connection": SHOPIFY,
        "action": "partial_refund_order",
        "target": {"order_id": ORDER},
        "input": {"reason": "customer", "amount": amount},
        "context": REQUESTER,
    }


def store_credit(amount: str = "50.00") -> dict[str, Any]:
    return {
        "connection": SHOPIFY,
        "action": "issue_store_credit",
        "target": {"customer_id": CUSTOMER},
        "input": {"amount": amount, "currency": "USD"},
        "context": REQUESTER,
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def decision(token: str, verdict: str, context: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"token": token, "decision": verdict, "context": context, **extra}


def settings(redis_url: str | None = None) -> Settings:
    """The first key signs, the second (an older one) still verifies."""
    return Settings(
        config=None,
        approval_keys=SecretStr(f"{APPROVAL_KEY},{OLD_KEY}"),
        redis_url=SecretStr(redis_url) if redis_url else None,
    )


def sandbox_config(sandbox: Sandbox) -> GatewayConfig:
    connections = [
        c.model_copy(update={"actions": CEILINGS}) if c.id == SHOPIFY else c
        for c in sandbox.config.connections
    ]
    return sandbox.config.model_copy(update={"callers": CALLERS, "connections": connections})


@asynccontextmanager
async def replicas(
    count: int = 1, redis_url: str | None = None
) -> AsyncIterator[tuple[list[httpx.AsyncClient], Sandbox]]:
    """``count`` gateways with the same keys in front of one sandbox (one platform), sharing
    Redis when given one; with the memory store, one gateway answers every client."""
    sandbox = build_sandbox()
    config = sandbox_config(sandbox)
    async with AsyncExitStack() as stack:
        clients = [
            (await stack.enter_async_context(running_app(config, sandbox=sandbox, settings=s)))[0]
            for s in [settings(redis_url)] * (count if redis_url else 1)
        ]
        yield clients * (1 if redis_url else count), sandbox


def resigned(token: str, key: str = APPROVAL_KEY, **update: Any) -> str:
    """The token's grant with ``update``, signed again with ``key`` (as a key's holder could)."""
    grant = ApprovalTokens([APPROVAL_KEY]).read(token)
    return ApprovalTokens([key]).sign(grant.model_copy(update=update))


def writes(sandbox: Sandbox, action: str = "partial_refund_order") -> list[Any]:
    return [e for e in sandbox.simulators[SHOPIFY].ledger if e.operation == WRITES[action]]


async def ask(
    client: httpx.AsyncClient, body: dict[str, Any], idempotency_key: str | None = None
) -> dict[str, Any]:
    """The approval of an action refused above its agent's ceiling."""
    headers = {**auth("helpdesk-b"), "Idempotency-Key": idempotency_key or str(uuid.uuid4())}
    refused = await client.post("/v1/actions", json=body, headers=headers)
    return problem_of(refused, 403, "approval_required")["approval"]  # type: ignore[no-any-return]


async def decide(
    client: httpx.AsyncClient, body: dict[str, Any], caller: str = "helpdesk-b"
) -> httpx.Response:
    return await client.post("/v1/approvals", json=body, headers={**auth(caller), **key()})


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


# --- the token -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "amount", "ceiling"),
    [
        (partial_refund(), "30.00", "refund_ceilings"),
        (store_credit(), "50.00", "compensation_ceilings"),
    ],
)
async def test_approval_required_carries_a_token_for_either_ceiling(
    body: dict[str, Any], amount: str, ceiling: str
) -> None:
    async with replicas() as ([client], sandbox):
        asked_at = datetime.now(UTC)
        headers = {**auth("helpdesk-b"), "Idempotency-Key": "ask-1"}
        refused = await client.post("/v1/actions", json=body, headers=headers)
        approval = problem_of(refused, 403, "approval_required")["approval"]
        assert {k: v for k, v in approval.items() if k not in ("token", "expires_at")} == {
            "amount": amount,
            "currency": "USD",
            "ceiling": ceiling,
            "requested_by": {"agent_id": "agent-7", "agent_roles": ["support"]},
        }
        issued_at = datetime.fromisoformat(approval["expires_at"]) - timedelta(seconds=3600)
        assert asked_at.replace(microsecond=0) <= issued_at <= datetime.now(UTC)
        grant = ApprovalTokens([APPROVAL_KEY]).read(approval["token"])
        assert (grant.caller, grant.idempotency_key) == ("helpdesk-b", "ask-1")
        assert grant.amount == amount
        sent = grant.request.model_dump(mode="json", exclude_none=True)
        assert {k: sent[k] for k in ("action", "target", "context")} == {
            k: body[k] for k in ("action", "target", "context")
        }
        assert (
            grant.request.input.model_dump(mode="json", include=set(body["input"]))
            == (body["input"])
        )
        assert not writes(sandbox, body["action"])


# --- approve ---------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [partial_refund(), store_credit()])
async def test_an_approved_action_runs_once_and_its_event_names_both_agents(
    body: dict[str, Any],
) -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, body)
        approved = await decide(
            client, decision(approval["token"], "approve", LEAD, note="Loyal customer")
        )
        assert approved.status_code == 200, approved.text
        result = approved.json()
        assert (result["status"], result["action"]) == ("succeeded", body["action"])
        event = result["timeline_event"]
        assert event["actor"] == {
            "agent_id": "agent-7",
            "agent_roles": ["support"],
            "caller": "helpdesk-b",
        }
        assert event["details"]["approved_by"] == {"agent_id": "agent-9", "agent_roles": ["lead"]}
        assert event["summary"].endswith(
            "Requested by agent-7, approved by agent-9: “Loyal customer”."
        )
        assert len(writes(sandbox, body["action"])) == 1

        # Approved again (another lead, another key): the first answer, nothing sent again.
        again = await decide(client, decision(approval["token"], "approve", OTHER_LEAD))
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == approved.content
        # A new token for the same refused request (the caller retried it) is the same decision.
        retried = await client.post(
            "/v1/actions", json=body, headers={**auth("helpdesk-b"), **key()}
        )
        assert retried.status_code == 403
        assert len(writes(sandbox, body["action"])) == 1


@pytest.mark.parametrize("store", ["memory", "redis"])
async def test_two_replicas_approving_one_token_at_once_write_once(
    store: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("redis_url") if store == "redis" else None
    async with replicas(2, url) as (clients, sandbox):
        approval = await ask(clients[0], partial_refund())
        first, second = await asyncio.gather(
            *(
                decide(client, decision(approval["token"], "approve", lead))
                for client, lead in zip(clients, (LEAD, OTHER_LEAD), strict=True)
            )
        )
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        replayed = [a for a in (first, second) if a.headers.get("Idempotent-Replayed") == "true"]
        assert len(replayed) == 1
        assert first.content == second.content
        assert len(writes(sandbox)) == 1


async def test_an_approval_is_re_previewed_and_stale_when_it_would_move_more() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        # As if the platform's preview had said 25.00 when the approval was asked for.
        smaller = resigned(approval["token"], amount="25.00")
        stale = await decide(client, decision(smaller, "approve", LEAD))
        problem = problem_of(stale, 409, "approval_stale")
        assert (problem["amount"], problem["approved_amount"], problem["currency"]) == (
            "30.00",
            "25.00",
            "USD",
        )
        assert not writes(sandbox)
        # Nothing ran, so nothing is kept: the token of the real amount still approves.
        approved = await decide(client, decision(approval["token"], "approve", LEAD))
        assert approved.status_code == 200, approved.text
        assert len(writes(sandbox)) == 1


async def test_an_approval_re_checks_eligibility_and_keeps_nothing_when_refused() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        # Meanwhile another agent refunds the whole order (no ceiling on full refunds here).
        full = {**partial_refund(), "action": "refund_order", "input": {"reason": "customer"}}
        refunded = await client.post(
            "/v1/actions", json=full, headers={**auth("helpdesk-b"), **key()}
        )
        assert refunded.status_code == 200, refunded.text
        for _ in range(2):  # refused before any write: not kept, evaluated afresh each time
            approved = await decide(client, decision(approval["token"], "approve", LEAD))
            problem_of(approved, 409, "not_eligible")
            assert "Idempotent-Replayed" not in approved.headers
        assert len(writes(sandbox)) == 1  # the full refund only


# --- decline ---------------------------------------------------------------------------------


async def test_a_declined_approval_runs_nothing_and_stays_declined() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund(), "asked-once")
        declined = await decide(
            client, decision(approval["token"], "decline", LEAD, note="Outside the policy")
        )
        assert declined.status_code == 200, declined.text
        answer = declined.json()
        assert (answer["status"], answer["action"]) == ("declined", "partial_refund_order")
        event = answer["timeline_event"]
        assert event["type"] == "approval.declined"
        assert event["actor"]["agent_id"] == "agent-9"
        assert event["details"]["requested_by"]["agent_id"] == "agent-7"
        assert event["summary"] == (
            "agent-9 declined the partial refund of $30.00 on order #1001 requested by agent-7: "
            "“Outside the policy”; nothing was done."
        )
        again = await decide(client, decision(approval["token"], "decline", OTHER_LEAD))
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.content == declined.content

        approved = await decide(client, decision(approval["token"], "approve", LEAD))
        assert problem_of(approved, 409, "approval_already_decided")["decision"] == "decline"
        # The same request sent again (same key) later: another token, the same decision.
        asked_again = await ask(client, partial_refund(), "asked-once")
        expires_at = datetime.fromisoformat(asked_again["expires_at"])
        later = resigned(asked_again["token"], expires_at=expires_at + timedelta(hours=1))
        assert later != approval["token"]
        approved = await decide(client, decision(later, "approve", LEAD))
        assert problem_of(approved, 409, "approval_already_decided")["decision"] == "decline"
        assert not writes(sandbox)


async def test_an_approved_approval_cannot_be_declined_afterwards() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        approved = await decide(client, decision(approval["token"], "approve", LEAD))
        assert approved.status_code == 200, approved.text
        declined = await decide(client, decision(approval["token"], "decline", OTHER_LEAD))
        assert problem_of(declined, 409, "approval_already_decided")["decision"] == "approve"
        assert len(writes(sandbox)) == 1


# --- refusals --------------------------------------------------------------------------------


def _tampered(token: str) -> str:
    middle = len(token) // 3
    return token[:middle] + ("A" if token[middle] != "A" else "B") + token[middle + 1 :]


@pytest.mark.parametrize(
    ("forge", "status", "code"),
    [
        (_tampered, 400, "approval_token_invalid"),
        (lambda token: "not-a-token", 400, "approval_token_invalid"),
        (
            lambda token: resigned(token, "another-gateway's-key-0123456789abcdef"),
            400,
            "approval_token_invalid",
        ),
        (lambda token: resigned(token, input_sha256="0" * 64), 400, "approval_token_invalid"),
        (
            lambda token: resigned(token, expires_at=datetime.now(UTC) - timedelta(seconds=1)),
            410,
            "approval_expired",
        ),
    ],
    ids=["tampered", "unreadable", "other-key", "input-hash", "expired"],
)
async def test_a_bad_or_expired_token_is_refused(forge: Any, status: int, code: str) -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        refused = await decide(client, decision(forge(approval["token"]), "approve", LEAD))
        problem_of(refused, status, code)
        assert not writes(sandbox)


async def test_a_token_signed_with_an_older_key_still_verifies() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        with pytest.raises(ApprovalTokenInvalid):
            ApprovalTokens([OLD_KEY]).read(approval["token"])  # the first key signs
        older = resigned(approval["token"], OLD_KEY)
        approved = await decide(client, decision(older, "approve", LEAD))
        assert approved.status_code == 200, approved.text
        assert len(writes(sandbox)) == 1


@pytest.mark.parametrize(
    ("caller", "context", "why"),
    [
        ("helpdesk-b", {**REQUESTER, "agent_roles": ["lead"]}, "asked for this approval"),
        ("helpdesk-b", {"agent_id": "agent-8", "agent_roles": ["support"]}, "has no"),
        ("helpdesk-b", {"agent_id": "agent-8"}, "no role"),
        ("helpdesk-a", LEAD, "did not ask for this approval"),
    ],
    ids=["requester", "low-ceiling", "no-role", "other-caller"],
)
@pytest.mark.parametrize("verdict", ["approve", "decline"])
async def test_only_another_agent_with_a_high_enough_ceiling_of_the_same_caller_decides(
    caller: str, context: dict[str, Any], why: str, verdict: str
) -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        refused = await decide(client, decision(approval["token"], verdict, context), caller)
        assert why in problem_of(refused, 403, "approval_forbidden")["detail"]
        assert not writes(sandbox)
        # The token is still good for an agent who may decide it.
        approved = await decide(client, decision(approval["token"], "approve", LEAD))
        assert approved.status_code == 200, approved.text


async def test_a_caller_without_the_action_may_not_decide() -> None:
    async with replicas() as ([client], sandbox):
        approval = await ask(client, partial_refund())
        # The caller's own token, its scope narrowed since: "reader" performs nothing.
        foreign = resigned(approval["token"], caller="reader")
        refused = await decide(client, decision(foreign, "approve", LEAD), "reader")
        assert (
            "may not perform partial_refund_order"
            in problem_of(refused, 403, "approval_forbidden")["detail"]
        )
        assert not writes(sandbox)


async def test_a_decision_needs_an_idempotency_key_and_never_logs_the_token() -> None:
    async with replicas() as ([client], _):
        approval = await ask(client, partial_refund())
        body = decision(approval["token"], "approve", LEAD)
        missing = await client.post("/v1/approvals", json=body, headers=auth("helpdesk-b"))
        problem_of(missing, 400, "idempotency_key_missing")
        with capture_logs() as logs:
            approved = await decide(client, body)
        assert approved.status_code == 200, approved.text
        assert [e for e in logs if e["event"] == "approval"]
        assert approval["token"] not in repr(logs)
        assert APPROVAL_KEY not in repr(logs)
