"""Approvals without a database: the approval_required answer carries a signed token.

The token holds the action that was refused (caller, connection, action, target, input and the
hash of its normalized form, the previewed amount, the requesting agent, the caller's own
Idempotency-Key) and when it expires. It is signed, not encrypted (itsdangerous, HMAC-SHA256)
with the first of ``ACTION_GATEWAY_APPROVAL_KEYS``; every key of the list verifies, so keys
rotate without invalidating the tokens in flight. ``POST /v1/approvals`` reads it back: nothing
about a pending approval is stored anywhere until it is decided, and the decision is kept in the
idempotency store under a key derived from the token (:meth:`ApprovalGrant.decision_key`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from itsdangerous import BadData, URLSafeSerializer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from action_gateway.domain.models import (
    ActionContext,
    ActionRequest,
    Ceiling,
    Money,
    NamedSchema,
    ReasonNote,
    ResponseModel,
    StrictModel,
)
from action_gateway.errors import ApprovalExpired, ApprovalTokenInvalid
from action_gateway.idempotency import fingerprint
from action_gateway.timeline import TimelineSubject

TOKEN_SALT = "action-gateway.approval.v1"
"""Separates approval signatures from anything else the keys might ever sign."""


class Requester(ResponseModel):
    """The agent whose action needs approval."""

    agent_id: str | None = None
    agent_roles: list[str] = []


class ApprovalOffer(ResponseModel):
    """approval_required: what an approver decides on with ``POST /v1/approvals``."""

    token: str = Field(description="Signed; send it as it is to POST /v1/approvals.")
    expires_at: datetime
    amount: str = Field(description="The amount to approve (decimal), as the platform previewed.")
    currency: str
    ceiling: Ceiling = Field(
        description="Which ceiling it is above: the approver needs a role with a ceiling of this "
        "kind covering the amount."
    )
    requested_by: Requester


class ApprovalGrant(BaseModel):
    """What a token says: the refused action and the amount it would have moved."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    caller: str
    idempotency_key: str
    request: ActionRequest
    input_sha256: str
    subject: TimelineSubject
    amount: str
    currency: str
    ceiling: Ceiling
    requested_by: Requester
    expires_at: datetime

    @property
    def money(self) -> Money:
        return Money(amount=self.amount, currency=self.currency)

    @property
    def requester(self) -> ActionContext:
        return self.request.context

    def decision_key(self) -> str:
        """The idempotency key of its decision: every token of one refused request (the same
        caller, key and body) shares it, so that request is decided, and runs, once.

        It has a space, which no caller's Idempotency-Key has: it never names a caller's action.
        """
        bound = {
            "caller": self.caller,
            "idempotency_key": self.idempotency_key,
            "request": self.request.model_dump(mode="json"),
        }
        return f"approval {fingerprint(bound)}"


def input_hash(request: ActionRequest) -> str:
    """The hash of the request's input as the gateway normalizes it."""
    return fingerprint({"input": request.input.model_dump(mode="json")})


class ApproverContext(StrictModel):
    """Who decides, from which conversation."""

    agent_id: Annotated[str, Field(min_length=1, max_length=200)]
    agent_roles: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=50)] = []
    conversation_id: Annotated[str | None, Field(max_length=200)] = None

    def as_action_context(self) -> ActionContext:
        return ActionContext(
            agent_id=self.agent_id,
            agent_roles=list(self.agent_roles),
            conversation_id=self.conversation_id,
        )


ApprovalDecision = Annotated[Literal["approve", "decline"], NamedSchema("ApprovalDecision")]


class ApprovalDecisionRequest(StrictModel):
    token: Annotated[str, Field(min_length=1, max_length=16_384)]
    decision: ApprovalDecision
    context: ApproverContext
    note: ReasonNote | None = None


@dataclass(frozen=True)
class Approval:
    """A decision on a token: the grant it read and the approver."""

    grant: ApprovalGrant
    approver: ApproverContext
    note: str | None = None


class ApprovalTokens:
    """Signs and reads approval tokens with the configured keys (the first signs)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("approval tokens need at least one key")
        # itsdangerous signs with the last key of its list and verifies with every one.
        self._serializer: URLSafeSerializer = URLSafeSerializer(
            list(reversed(keys)),
            salt=TOKEN_SALT,
            signer_kwargs={"digest_method": hashlib.sha256},
        )

    @classmethod
    def per_process(cls) -> ApprovalTokens:
        """A random key of this process only (the sandbox): its tokens die with it."""
        return cls([secrets.token_urlsafe(32)])

    def __repr__(self) -> str:
        return "ApprovalTokens(<keys>)"

    def offer(
        self,
        *,
        caller: str,
        idempotency_key: str,
        request: ActionRequest,
        subject: TimelineSubject,
        amount: Money,
        ceiling: Ceiling,
        ttl_seconds: int,
        now: datetime | None = None,
    ) -> ApprovalOffer:
        expires_at = (now or datetime.now(UTC)).replace(microsecond=0) + timedelta(
            seconds=ttl_seconds
        )
        requested_by = Requester(
            agent_id=request.context.agent_id, agent_roles=list(request.context.agent_roles)
        )
        grant = ApprovalGrant(
            caller=caller,
            idempotency_key=idempotency_key,
            request=request,
            input_sha256=input_hash(request),
            subject=subject,
            amount=amount.amount,
            currency=amount.currency,
            ceiling=ceiling,
            requested_by=requested_by,
            expires_at=expires_at,
        )
        return ApprovalOffer(
            token=self.sign(grant),
            expires_at=expires_at,
            amount=amount.amount,
            currency=amount.currency,
            ceiling=ceiling,
            requested_by=requested_by,
        )

    def sign(self, grant: ApprovalGrant) -> str:
        return str(self._serializer.dumps(grant.model_dump(mode="json")))

    def read(self, token: str, *, now: datetime | None = None) -> ApprovalGrant:
        """The grant of a token this gateway signed, or 400 ``approval_token_invalid`` (a
        signature no key makes, a changed or unreadable token), 410 ``approval_expired``."""
        try:
            payload: Any = self._serializer.loads(token)
        except BadData:
            raise ApprovalTokenInvalid(
                "The approval token is not one this gateway signed, or it was changed; use the "
                "token of the approval_required answer as it is."
            ) from None
        try:
            grant = ApprovalGrant.model_validate(payload)
        except ValidationError:
            grant = None
        if grant is None or input_hash(grant.request) != grant.input_sha256:
            # Signed by a gateway that reads the request differently (another version).
            raise ApprovalTokenInvalid(
                "The approval token cannot be read by this version of the gateway; send the "
                "action again for a new approval."
            )
        if (now or datetime.now(UTC)) >= grant.expires_at:
            raise ApprovalExpired(
                f"The approval token expired at {grant.expires_at.isoformat()}; nothing was "
                "done. Send the action again for a new approval."
            )
        return grant
