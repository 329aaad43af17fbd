"""The action flow: connection → activation → current state → eligibility → platform → re-read.

This is the one place where eligibility, the adapter and the timeline event meet.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, TypedDict, assert_never

import structlog
from pydantic import Field

from action_gateway.actions.services import Connection, Services
from action_gateway.actions.specs import ACTION_SPECS, ActionSpec
from action_gateway.actions.views import (
    CustomerView,
    OrderView,
    SubscriptionView,
    customer_view,
    order_view,
    subscription_view,
)
from action_gateway.config import ActionsConfig
from action_gateway.domain.models import (
    ActionFacts,
    ActionName,
    ActionRequest,
    ActionStatus,
    Ceiling,
    Customer,
    DiscountCode,
    Money,
    Order,
    OrderTagsChange,
    Platform,
    RefundSummary,
    ReplacementOrder,
    ResourceType,
    ResponseModel,
    ShippingAddressChange,
    StoreCredit,
    Subscription,
    SubscriptionChange,
    format_decimal,
)
from action_gateway.errors import (
    ActionDisabled,
    ActionNotSupported,
    ApprovalRequired,
    DeadlineExceeded,
    Forbidden,
    GatewayError,
    InternalError,
    NotEligible,
    NotFound,
    Outcome,
)
from action_gateway.metrics import ACTIONS, ACTIONS_IN_FLIGHT
from action_gateway.platforms.base import ActionCall
from action_gateway.timeline import (
    TimelineEvent,
    build_preview_summary,
    build_timeline_event,
    build_unknown_outcome_event,
)

log = structlog.get_logger(__name__)

REREAD_MIN_SECONDS = 1.0
"""Even when the action used the whole budget, the re-read gets this long (it is only a read)."""


class ActionResult(ResponseModel):
    """The answer to an action request."""

    status: ActionStatus
    action: ActionName
    connection: str
    platform: Platform
    dry_run: bool
    timeline_event: TimelineEvent | None = None
    summary: str | None = Field(
        default=None,
        description="A dry run: one sentence saying what the action would do, to paste into "
        "the conversation (nothing has been done).",
    )
    resource: (
        Annotated[OrderView | CustomerView | SubscriptionView, Field(discriminator="type")] | None
    ) = None
    refund: RefundSummary | None = None
    compensation_value: Money | None = Field(
        default=None,
        description="A dry run of a compensating action (a replacement order, store credit): "
        "what it would give the customer, as its compensation ceiling sees it.",
    )
    discount_code: DiscountCode | None = None
    subscription: SubscriptionChange | None = None
    warnings: list[str] = []
    store_credit: StoreCredit | None = Field(
        default=None,
        description="issue_store_credit: the credit and the customer's new balance (a dry run: "
        "what they would be).",
    )
    replacement_order: ReplacementOrder | None = Field(
        default=None, description="create_replacement_order: the order it created."
    )
    tags: OrderTagsChange | None = Field(
        default=None, description="edit_order_tags: the tags added, removed and now on the order."
    )
    shipping_address: ShippingAddressChange | None = Field(
        default=None, description="update_shipping_address: the address before and after."
    )


Target = Order | Customer | Subscription
ResourceView = OrderView | CustomerView | SubscriptionView


def _context_facts(request: ActionRequest) -> dict[str, Any]:
    status = request.context.conversation_status
    return {"conversation_status": status.value if status is not None else None}


def _check_activation(connection: Connection, request: ActionRequest) -> ActionName:
    action = ActionName(request.action)
    if action not in connection.matrix.actions() or action not in connection.supported_actions:
        raise ActionNotSupported(
            f"{action.value} is not available on {connection.platform}.",
            connection=connection.id,
            platform=connection.platform,
        )
    if not connection.config.actions.is_active(action):
        raise ActionDisabled(
            f"{action.value} is switched off for connection {connection.id}.",
            connection=connection.id,
        )
    roles = connection.config.actions.roles.get(action)
    if roles and not set(roles) & set(request.context.agent_roles):
        raise Forbidden(
            f"{action.value} on connection {connection.id} needs one of the roles: "
            f"{', '.join(sorted(roles))}.",
            code="role_not_allowed",
            connection=connection.id,
        )
    return action


async def perform_action(
    services: Services,
    request: ActionRequest,
    *,
    downstream_key: str | None,
    caller: str | None = None,
    idempotency_key: str | None = None,
    resumed_since: float | None = None,
) -> ActionResult:
    """Run one action end to end within its connection's deadline; log one line about it.

    ``idempotency_key`` is the caller-scoped key (``caller:key``), logged so that on-call can
    find every attempt of one action; ``resumed_since`` (Unix time) says an earlier attempt
    with that key began then and never answered. A raised error says in ``write_sent`` whether
    a state-changing request of the action had left for the platform.
    """
    started = time.monotonic()
    connection = services.connection(request.connection)
    call = ActionCall.within(connection.deadline_seconds, idempotency_key=downstream_key)
    if resumed_since is not None:
        call.resumed_since = datetime.fromtimestamp(resumed_since, UTC)
    resource_type = ACTION_SPECS[ActionName(request.action)].facts.resource_type
    log_fields: dict[str, Any] = {
        "connection": connection.id,
        "platform": connection.platform,
        "action": request.action,
        "dry_run": request.dry_run,
        "agent_id": request.context.agent_id,
        "conversation_id": request.context.conversation_id,
        "target_type": resource_type.value,
        "target_id": getattr(request.target, f"{resource_type.value}_id", None),
        "target_name": None,  # known once the target is read
        "idempotency_key": idempotency_key,
        "resumed_since": call.resumed_since.isoformat() if call.resumed_since else None,
    }
    ACTIONS_IN_FLIGHT.inc()
    try:
        result = await _run(connection, request, call, caller, log_fields)
    except GatewayError as exc:
        exc.write_sent = call.write_sent
        _count(connection, request, caller, _outcome_label(exc))
        event = exc.extensions.get("timeline_event")
        log.warning(
            "action",
            **log_fields,
            outcome=exc.instance_code,
            status=exc.status,
            may_have_executed=exc.extensions.get("outcome") == Outcome.UNKNOWN,
            event_id=event.id if isinstance(event, TimelineEvent) else None,
            attempts=call.attempts,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
            upstream_request_ids=call.upstream_request_ids,
        )
        raise
    except Exception as exc:  # a bug: report it without internals, and say if money may have moved
        outcome = Outcome.UNKNOWN if call.write_sent else Outcome.NOT_EXECUTED
        _count(connection, request, caller, "error")
        log.exception(
            "action", **log_fields, outcome="internal_error", may_have_executed=call.write_sent
        )
        error = InternalError("The gateway failed while performing the action.", outcome=outcome)
        error.write_sent = call.write_sent
        raise error from exc
    finally:
        ACTIONS_IN_FLIGHT.dec()
    _count(connection, request, caller, result.status)
    moved = result.refund.total if result.refund is not None and not result.dry_run else None
    log.info(
        "action",
        **log_fields,
        outcome=result.status,
        event_id=result.timeline_event.id if result.timeline_event else None,
        amount=moved.amount if moved else None,
        currency=moved.currency if moved else None,
        attempts=call.attempts,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        upstream_request_ids=call.upstream_request_ids,
    )
    return result


def _count(
    connection: Connection, request: ActionRequest, caller: str | None, outcome: str
) -> None:
    ACTIONS.labels(connection.platform, request.action, outcome, caller or "anonymous").inc()


def _outcome_label(exc: GatewayError) -> str:
    """The ``outcome`` label of a failed action in ``action_gateway_actions_total``."""
    if exc.extensions.get("outcome") == Outcome.UNKNOWN:
        return "unknown"
    if exc.instance_code in ("not_eligible", "approval_required"):
        return exc.instance_code
    return "rejected" if exc.status < 500 else "failed"


async def _run(
    connection: Connection,
    request: ActionRequest,
    call: ActionCall,
    caller: str | None,
    log_fields: dict[str, Any],
) -> ActionResult:
    action = _check_activation(connection, request)
    spec = ACTION_SPECS[action]
    target: Target | None = None
    try:
        async with asyncio.timeout(call.remaining()):
            target = await _load(connection, spec.facts.resource_type, request, call)
            log_fields["target_name"] = _target_name(target)
            if spec.check_amounts is not None:
                await spec.check_amounts(connection.adapter, target, request.input, call)
            _ensure_eligible(connection, action, target, request)
            if request.dry_run:
                return await _preview(connection, spec, target, request, call)
            await _check_ceiling(connection, spec, target, request, call)
            outcome = await spec.perform(connection.adapter, target, request.input, call)
    except GatewayError as exc:
        if call.write_may_have_run and exc.extensions.get("outcome") == Outcome.NOT_EXECUTED:
            # Once a write may have run, no failure may free the key.
            exc.extensions["outcome"] = Outcome.UNKNOWN
        _say_unknown(exc, connection, spec, request, target, caller)
        raise
    except TimeoutError:
        # Nothing was sent that changes state: safe to retry. Otherwise the platform may have acted.
        outcome_kind = Outcome.UNKNOWN if call.write_sent else Outcome.NOT_EXECUTED
        deadline = DeadlineExceeded(
            f"{action.value} did not complete within {connection.deadline_seconds:g} s; "
            + (
                "the platform may have performed it: check the order before trying again."
                if outcome_kind is Outcome.UNKNOWN
                else "nothing was changed on the platform."
            ),
            outcome=outcome_kind,
            connection=connection.id,
        )
        _say_unknown(deadline, connection, spec, request, target, caller)
        raise deadline from None
    assert target is not None

    event = build_timeline_event(
        connection=connection.id,
        platform=connection.profile,
        action=action,
        wording=spec.wording,
        context=request.context,
        outcome=outcome,
        **_by_kind(target),
        data=request.input,
        caller=caller,
        reason_labels=connection.reason_labels,
    )
    resource, warnings = await _reread(connection, spec, target, request, call)
    return ActionResult(
        status=outcome.status,
        action=action,
        connection=connection.id,
        platform=connection.platform,
        dry_run=False,
        timeline_event=event,
        resource=resource,
        refund=outcome.refund,
        discount_code=outcome.discount_code,
        subscription=outcome.subscription,
        warnings=warnings + outcome.messages,
        store_credit=outcome.store_credit,
        replacement_order=outcome.replacement_order,
        tags=outcome.tags,
        shipping_address=outcome.shipping_address,
    )


def _target_name(target: Target) -> str | None:
    """The name on-call searches by (#1001, a product); a customer's name is personal: none."""
    if isinstance(target, Order):
        return target.name
    if isinstance(target, Subscription):
        return target.product
    return None


class _TargetByKind(TypedDict):
    order: Order | None
    customer: Customer | None
    subscription: Subscription | None


def _by_kind(target: Target | None) -> _TargetByKind:
    """The target under its kind's keyword, as the timeline's builders take it."""
    return {
        "order": target if isinstance(target, Order) else None,
        "customer": target if isinstance(target, Customer) else None,
        "subscription": target if isinstance(target, Subscription) else None,
    }


def _say_unknown(
    exc: GatewayError,
    connection: Connection,
    spec: ActionSpec[Any, Any, Any],
    request: ActionRequest,
    target: Target | None,
    caller: str | None,
) -> None:
    """Attach the timeline event of an action whose outcome is unknown (the answer says so)."""
    if exc.extensions.get("outcome") != Outcome.UNKNOWN or target is None:
        return
    exc.extensions["timeline_event"] = build_unknown_outcome_event(
        connection=connection.id,
        platform=connection.profile,
        action=spec.name,
        wording=spec.wording,
        context=request.context,
        **_by_kind(target),
        code=exc.instance_code,
        detail=exc.detail,
        caller=caller,
    )


async def _read(
    connection: Connection, resource_type: ResourceType, target_id: str, call: ActionCall
) -> Target | None:
    match resource_type:
        case ResourceType.ORDER:
            return await connection.commerce.get_order(target_id, call=call)
        case ResourceType.CUSTOMER:
            return await connection.commerce.get_customer(target_id, call=call)
        case ResourceType.SUBSCRIPTION:
            return await connection.subscriptions.get_subscription(target_id, call=call)
        case _:
            assert_never(resource_type)


async def _load(
    connection: Connection, resource_type: ResourceType, request: ActionRequest, call: ActionCall
) -> Target:
    """The action's target (its request names it by ``order_id``, ``customer_id``...)."""
    target_id: str = getattr(request.target, f"{resource_type.value}_id")
    target = await _read(connection, resource_type, target_id, call)
    if target is not None:
        return target
    match resource_type:
        case ResourceType.ORDER:
            what = "Order"
            code = "order_not_found"
        case ResourceType.CUSTOMER:
            what = "Customer"
            code = "customer_not_found"
        case ResourceType.SUBSCRIPTION:
            what = "Subscription"
            code = "subscription_not_found"
        case _:
            assert_never(resource_type)
    raise NotFound(
        f"{what} {target_id} was not found on connection {connection.id}.",
        code=code,
        connection=connection.id,
    )


def _view(connection: Connection, target: Target, request: ActionRequest) -> ResourceView:
    context = _context_facts(request)
    if isinstance(target, Order):
        return order_view(connection, target, context)
    if isinstance(target, Subscription):
        return subscription_view(connection, target, context)
    return customer_view(connection, target, context)


def _ensure_eligible(
    connection: Connection, action: ActionName, target: Target, request: ActionRequest
) -> None:
    view = _view(connection, target, request)
    decision = next(d for d in view.eligibility.decisions if d.action is action)
    if not decision.allowed:
        raise NotEligible(
            decision.reason,
            code="not_eligible",
            current_state={**view.eligibility.state, "decision_code": decision.code},
            allowed_actions=[a.value for a in view.available_actions],
            connection=connection.id,
        )


def _ceilings(actions: ActionsConfig, facts: ActionFacts) -> Mapping[str, Decimal] | None:
    """The per-role ceilings of the action on this connection, if its kind has any set."""
    match facts.ceiling:
        case None:
            return None
        case Ceiling.REFUND:
            return actions.refund_ceilings.get(facts.name)
        case Ceiling.COMPENSATION:
            return actions.compensation_ceilings.get(facts.name)
        case _:
            assert_never(facts.ceiling)


async def _check_ceiling(
    connection: Connection,
    spec: ActionSpec[Any, Any, Any],
    target: Target,
    request: ActionRequest,
    call: ActionCall,
) -> None:
    """Refuse, before anything moves, an action worth more than the agent's ceiling
    (approval_required).

    A refund's amount is the platform's own calculation for this request (its refund preview),
    so the ceiling holds for full refunds, line items, shipping and manual amounts alike; a
    compensation's is its appraisal (the replacement's items, the credit).
    """
    ceilings = _ceilings(connection.config.actions, spec.facts)
    if not ceilings:
        return
    roles = set(request.context.agent_roles)
    applicable = [limit for role, limit in ceilings.items() if role == "*" or role in roles]
    ceiling = max(applicable, default=Decimal(0))
    who = ", ".join(sorted(roles)) or "no role"
    if spec.quote is not None and isinstance(target, Order):
        total = (await spec.quote(connection.adapter, target, request.input, call)).total
        if Decimal(total.amount) <= ceiling:
            return
        detail = (
            f"Refunding {total} on order {target.name} is above the ceiling of "
            f"{format_decimal(ceiling)} {total.currency} for {spec.name.value} by an agent "
            f"with {who}; nothing was refunded."
        )
    elif spec.appraise is not None:
        total = await spec.appraise(connection.adapter, target, request.input, call)
        if Decimal(total.amount) <= ceiling:
            return
        detail = (
            f"{spec.wording.words} is worth {total}, above the ceiling of "
            f"{format_decimal(ceiling)} {total.currency} for {spec.name.value} by an agent "
            f"with {who}; nothing was done."
        )
    else:
        return
    raise ApprovalRequired(
        f"{detail} Ask an agent with a higher ceiling, or approve it on the platform.",
        ceiling=format_decimal(ceiling),
        amount=total.amount,
        currency=total.currency,
        connection=connection.id,
    )


async def _preview(
    connection: Connection,
    spec: ActionSpec[Any, Any, Any],
    target: Target,
    request: ActionRequest,
    call: ActionCall,
) -> ActionResult:
    refund = None
    if spec.quote is not None:  # it moves money: say how much, as the platform computes it
        refund = await spec.quote(connection.adapter, target, request.input, call)
        if spec.check_quote is not None:
            spec.check_quote(target, request.input, refund)
    value = None
    if spec.appraise is not None:  # it compensates: say what it gives, as the ceiling sees it
        value = await spec.appraise(connection.adapter, target, request.input, call)
    foreseen = None
    if spec.foresee is not None:  # what else the platform would do, with its own values
        foreseen = await spec.foresee(connection.adapter, target, request.input, call)
    summary = build_preview_summary(
        platform=connection.profile,
        wording=spec.wording,
        data=request.input,
        **_by_kind(target),
        refund=refund,
        value=value,
        reason_labels=connection.reason_labels,
        foreseen=foreseen,
    )
    return ActionResult(
        status="preview",
        action=spec.name,
        connection=connection.id,
        platform=connection.platform,
        dry_run=True,
        summary=summary,
        resource=_view(connection, target, request),
        refund=refund,
        compensation_value=value,
        store_credit=foreseen.store_credit if foreseen is not None else None,
    )


async def _reread(
    connection: Connection,
    spec: ActionSpec[Any, Any, Any],
    target: Target,
    request: ActionRequest,
    call: ActionCall,
) -> tuple[ResourceView | None, list[str]]:
    """The refreshed resource with its new actions; a failed re-read never fails the action."""
    reread = ActionCall.within(max(call.remaining(), REREAD_MIN_SECONDS))
    fresh: Target | None
    try:
        async with asyncio.timeout(reread.remaining()):
            fresh = await _read(connection, spec.facts.resource_type, target.id, reread)
    except (TimeoutError, GatewayError) as exc:
        # Any failure here (deadline, breaker, auth...) comes after the write succeeded: the
        # answer must still say succeeded, or the freed key would let a retry write again.
        reason = getattr(exc, "detail", None) or "the platform did not answer in time"
        return None, [f"The action was performed, but re-reading the resource failed: {reason}"]
    finally:
        call.attempts += reread.attempts
        call.upstream_request_ids.extend(reread.upstream_request_ids)
    if fresh is None:
        return None, ["The action was performed, but the resource could not be re-read."]
    return _view(connection, fresh, request), []
