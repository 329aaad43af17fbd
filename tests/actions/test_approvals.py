"""Approval tokens: signed with the first key, read with any, expiring, and one decision key per
refused request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import TypeAdapter

from action_gateway.actions.approvals import ApprovalOffer, ApprovalTokens
from action_gateway.domain.models import ActionRequest, Ceiling, Money, ResourceType
from action_gateway.errors import ApprovalExpired, ApprovalTokenInvalid
from action_gateway.timeline import TimelineSubject

NEW_KEY = "the-new-approval-key-0123456789abcdef"
OLD_KEY = "the-old-approval-key-0123456789abcdef"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def offer(
    tokens: ApprovalTokens,
    amount: str = "30.00",
    idempotency_key: str = "k-1",
    now: datetime = NOW,
) -> ApprovalOffer:
    request = TypeAdapter(ActionRequest).validate_python(
        {
            "connection": "acme",
            "action": "partial_refund_order",
            "target": {"order_id": "1001"},
            "input": {"reason": "customer", "amount": amount},
            "context": {"agent_id": "agent-7", "agent_roles": ["support"]},
        }
    )
    return tokens.offer(
        caller="helpdesk",
        idempotency_key=idempotency_key,
        request=request,
        subject=TimelineSubject(type=ResourceType.ORDER, id="1001", name="#1001"),
        amount=Money(amount=amount, currency="USD"),
        ceiling=Ceiling.REFUND,
        ttl_seconds=600,
        now=now,
    )


def test_the_first_key_signs_and_every_key_verifies() -> None:
    rotated = ApprovalTokens([NEW_KEY, OLD_KEY])
    signed = offer(rotated).token
    assert ApprovalTokens([NEW_KEY]).read(signed, now=NOW).amount == "30.00"
    with pytest.raises(ApprovalTokenInvalid):
        ApprovalTokens([OLD_KEY]).read(signed, now=NOW)
    from_before = offer(ApprovalTokens([OLD_KEY])).token
    assert rotated.read(from_before, now=NOW).caller == "helpdesk"
    assert NEW_KEY not in repr(rotated)


def test_a_token_expires_after_its_time_to_live() -> None:
    tokens = ApprovalTokens([NEW_KEY])
    made = offer(tokens)
    assert made.expires_at == NOW + timedelta(seconds=600)
    tokens.read(made.token, now=NOW + timedelta(seconds=599))
    with pytest.raises(ApprovalExpired):
        tokens.read(made.token, now=NOW + timedelta(seconds=600))


def test_every_token_of_one_refused_request_shares_its_decision_key() -> None:
    tokens = ApprovalTokens([NEW_KEY])

    def key_of(made: ApprovalOffer) -> str:
        return tokens.read(made.token, now=NOW).decision_key()

    first = offer(tokens)
    later = offer(tokens, now=NOW + timedelta(seconds=30))
    assert first.token != later.token
    assert key_of(first) == key_of(later)
    assert " " in key_of(first)  # never a caller's own Idempotency-Key
    assert key_of(offer(tokens, idempotency_key="k-2")) != key_of(first)
    assert key_of(offer(tokens, amount="31.00")) != key_of(first)
