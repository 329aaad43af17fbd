"""The action flow: connection → activation → current state → eligibility → platform → re-read.

This is the one place where eligibility, the adapter and the timeline event meet.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Annotated, Any, TypedDict

import structlog
from pydantic import Field

from action_gateway.actions.services import Connection, Services
from action_gateway.actions.views import (
    CustomerView,
    OrderView,
    SubscriptionView,
    customer_view,
    order_view,
    subscription_view,
)
from action_gateway.domain.currency import check_precision
from action_gateway.domain.models import (
    ACTION_RESOURCE,
    MONEY_MOVING_ACTIONS,
    ActionName,
    ActionOutcome,
    ActionRequest,
    ActionStatus,
    CancelAndRefundOrderRequest,
    CancelOrderRequest,
    CancelSubscriptionRequest,
    CreateDiscountCodeRequest,
    Customer,
    DiscountCode,
    DiscountType,
    EditOrderNoteRequest,
    Order,
    PartialRefundOrderRequest,
    Platform,
    RefundOrderRequest,
    RefundSummary,
    ResourceType,
    ResponseModel,
    SkipSubscriptionOrderRequest,
    Subscription,
    SubscriptionChange,
    format_decimal,
)
from action_gateway.domain.refunds import check_partial_refund
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
    discount_code: DiscountCode | None = None
    subscription: SubscriptionChange | None = None
    warnings: list[str] = []


Target = Order | Customer | Subscription
ResourceView = OrderView | CustomerView | SubscriptionView


def _context_facts(request: ActionRequest) -> dict[str, Any]:
    status = request.context.conversation_status
    return {"conversation_status": status.value if status is not None else None}


def _check_activation(connection: Connection, request: ActionRequest) -> ActionName:
    action = ActionName(request.action)
    if (
        action not in connection.matrix.actions()
        or action not in connection.adapter.supported_actions
    ):
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
) -> ActionResult:
    """Run one action end to end within its connection's deadline; log one line about it.

    ``idempotency_key`` is the caller-scoped key (``caller:key``), logged so that on-call can
    find every attempt of one action. A raised error says in ``write_sent`` whether a
    state-changing request of the action had left for the platform.
    """
    started = time.monotonic()
    connection = services.connection(request.connection)
    call = ActionCall.within(connection.deadline_seconds, idempotency_key=downstream_key)
    resource_type = ACTION_RESOURCE[ActionName(request.action)]
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
    resource_type = ACTION_RESOURCE[action]
    target: Target | None = None
    try:
        async with asyncio.timeout(call.remaining()):
            if resource_type is ResourceType.ORDER:
                target = await _load_order(connection, request, call)
            elif resource_type is ResourceType.SUBSCRIPTION:
                target = await _load_subscription(connection, request, call)
            else:
                target = await _load_customer(connection, request, call)
            log_fields["target_name"] = _target_name(target)
            await _check_money_precision(connection, target, request, call)
            _ensure_eligible(connection, action, target, request)
            if request.dry_run:
                return await _preview(connection, action, target, request, call)
            await _check_refund_ceiling(connection, action, target, request, call)
            outcome = await _execute(connection, request, target, call)
    except GatewayError as exc:
        if call.write_may_have_run and exc.extensions.get("outcome") == Outcome.NOT_EXECUTED:
            # Once a write may have run, no failure may free the key.
            exc.extensions["outcome"] = Outcome.UNKNOWN
        _say_unknown(exc, connection, action, request, target, caller)
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
        _say_unknown(deadline, connection, action, request, target, caller)
        raise deadline from None
    assert target is not None

    event = build_timeline_event(
        connection=connection.id,
        platform=connection.profile,
        action=action,
        context=request.context,
        outcome=outcome,
        **_by_kind(target),
        data=request.input,
        caller=caller,
        reason_labels=connection.reason_labels,
    )
    resource, warnings = await _reread(connection, target, request, call)
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
    action: ActionName,
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
        action=action,
        context=request.context,
        **_by_kind(target),
        code=exc.instance_code,
        detail=exc.detail,
        caller=caller,
    )


async def _load_order(connection: Connection, request: ActionRequest, call: ActionCall) -> Order:
    order_id = getattr(request.target, "order_id")  # noqa: B009 - the union's order targets
    order = await connection.commerce.get_order(order_id, call=call)
    if order is None:
        raise NotFound(
            f"Order {order_id} was not found on connection {connection.id}.",
            code="order_not_found",
            connection=connection.id,
        )
    return order


async def _load_customer(
    connection: Connection, request: ActionRequest, call: ActionCall
) -> Customer:
    customer_id = getattr(request.target, "customer_id")  # noqa: B009 - the union's customer targets
    customer = await connection.commerce.get_customer(customer_id, call=call)
    if customer is None:
        raise NotFound(
            f"Customer {customer_id} was not found on connection {connection.id}.",
            code="customer_not_found",
            connection=connection.id,
        )
    return customer


async def _load_subscription(
    connection: Connection, request: ActionRequest, call: ActionCall
) -> Subscription:
    subscription_id = getattr(request.target, "subscription_id")  # noqa: B009 - the union's targets
    subscription = await connection.subscriptions.get_subscription(subscription_id, call=call)
    if subscription is None:
        raise NotFound(
            f"Subscription {subscription_id} was not found on connection {connection.id}.",
            code="subscription_not_found",
            connection=connection.id,
        )
    return subscription


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


async def _check_money_precision(
    connection: Connection, target: Target, request: ActionRequest, call: ActionCall
) -> None:
    """Refuse money inputs finer than their currency (amount_precision), previews included."""
    if isinstance(request, PartialRefundOrderRequest) and isinstance(target, Order):
        data = request.input
        check_precision(
            {"amount": data.amount, "shipping_amount": data.shipping_amount},
            target.refund_currency,
        )
    elif isinstance(request, CreateDiscountCodeRequest) and (
        request.input.type is DiscountType.FIXED_AMOUNT
    ):
        currency = await connection.commerce.discount_currency(call=call)
        if currency is not None:
            check_precision({"value": request.input.value}, currency)


async def _check_refund_ceiling(
    connection: Connection,
    action: ActionName,
    target: Target,
    request: ActionRequest,
    call: ActionCall,
) -> None:
    """Refuse, before anything moves, a refund above the agent's ceiling (approval_required).

    The amount is the platform's own calculation for this request (its refund preview), so the
    ceiling holds for full refunds, line items, shipping and manual amounts alike.
    """
    ceilings = connection.config.actions.refund_ceilings.get(action)
    if not ceilings or not isinstance(target, Order):
        return
    roles = set(request.context.agent_roles)
    applicable = [limit for role, limit in ceilings.items() if role == "*" or role in roles]
    ceiling = max(applicable, default=Decimal(0))
    partial = request.input if isinstance(request, PartialRefundOrderRequest) else None
    preview = await connection.commerce.preview_refund(target, partial, call=call)
    amount = Decimal(preview.total.amount)
    if amount <= ceiling:
        return
    who = ", ".join(sorted(roles)) or "no role"
    raise ApprovalRequired(
        f"Refunding {preview.total} on order {target.name} is above the ceiling of "
        f"{format_decimal(ceiling)} {preview.total.currency} for {action.value} by an agent "
        f"with {who}; nothing was refunded. Ask an agent with a higher ceiling, or approve it "
        "on the platform.",
        ceiling=format_decimal(ceiling),
        amount=preview.total.amount,
        currency=preview.total.currency,
        connection=connection.id,
    )


async def _preview(
    connection: Connection,
    action: ActionName,
    target: Target,
    request: ActionRequest,
    call: ActionCall,
) -> ActionResult:
    refund = None
    if action in MONEY_MOVING_ACTIONS and isinstance(target, Order):
        partial = request.input if isinstance(request, PartialRefundOrderRequest) else None
        refund = await connection.commerce.preview_refund(target, partial, call=call)
        if partial is not None:
            check_partial_refund(target, partial, refund)
    summary = build_preview_summary(
        platform=connection.profile,
        action=action,
        data=request.input,
        **_by_kind(target),
        refund=refund,
        reason_labels=connection.reason_labels,
    )
    return ActionResult(
        status="preview",
        action=action,
        connection=connection.id,
        platform=connection.platform,
        dry_run=True,
        summary=summary,
        resource=_view(connection, target, request),
        refund=refund,
    )


async def _execute(
    connection: Connection, request: ActionRequest, target: Target, call: ActionCall
) -> ActionOutcome:
    if isinstance(target, Subscription):
        subscriptions = connection.subscriptions
        match request:
            case CancelSubscriptionRequest():
                return await subscriptions.cancel_subscription(target, request.input, call=call)
            case SkipSubscriptionOrderRequest():
                return await subscriptions.skip_subscription_order(target, request.input, call=call)
        raise ActionNotSupported(f"{request.action} is not a subscription action.")
    adapter = connection.commerce
    match request:
        case CancelOrderRequest() if isinstance(target, Order):
            return await adapter.cancel_order(target, request.input, refund=False, call=call)
        case CancelAndRefundOrderRequest() if isinstance(target, Order):
            return await adapter.cancel_order(target, request.input, refund=True, call=call)
        case RefundOrderRequest() if isinstance(target, Order):
            return await adapter.refund_order(target, request.input, call=call)
        case PartialRefundOrderRequest() if isinstance(target, Order):
            return await adapter.partial_refund_order(target, request.input, call=call)
        case EditOrderNoteRequest() if isinstance(target, Order):
            return await adapter.edit_order_note(target, request.input, call=call)
        case CreateDiscountCodeRequest() if isinstance(target, Customer):
            return await adapter.create_discount_code(target, request.input, call=call)
    raise ActionNotSupported(f"{request.action} is not available on {connection.platform}.")


async def _reread(
    connection: Connection, target: Target, request: ActionRequest, call: ActionCall
) -> tuple[ResourceView | None, list[str]]:
    """The refreshed resource with its new actions; a failed re-read never fails the action."""
    reread = ActionCall.within(max(call.remaining(), REREAD_MIN_SECONDS))
    fresh: Target | None
    try:
        async with asyncio.timeout(reread.remaining()):
            if isinstance(target, Order):
                fresh = await connection.commerce.get_order(target.id, call=reread)
            elif isinstance(target, Subscription):
                fresh = await connection.subscriptions.get_subscription(target.id, call=reread)
            else:
                fresh = await connection.commerce.get_customer(target.id, call=reread)
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
