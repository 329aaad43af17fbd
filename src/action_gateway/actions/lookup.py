"""The customer fan-out: every visible commerce connection asked at once, with the linked
subscription connections of each customer found; one connection's failure stays its own."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from action_gateway.actions.services import Connection, Services, read_deadline
from action_gateway.actions.views import (
    CustomerView,
    OrderView,
    SubscriptionView,
    customer_view,
    order_view,
    subscription_view,
)
from action_gateway.auth import Caller
from action_gateway.domain.models import Customer, CustomerWithOrders
from action_gateway.domain.phones import DEFAULT_PHONE_REGION, same_number, text_forms, to_e164
from action_gateway.errors import FieldError, GatewayError, ValidationFailed

ViewContext = dict[str, str | None]


@dataclass(frozen=True)
class SubscriptionLookupFailure:
    """A linked subscription connection that could not answer."""

    connection: Connection
    error: GatewayError


@dataclass(frozen=True)
class CustomerFound:
    customer: CustomerView
    orders: list[OrderView]
    has_more_orders: bool
    next_orders_cursor: str | None
    """The platform's own position after these orders (the API signs it before handing it out)."""
    subscriptions: list[SubscriptionView]
    subscription_errors: list[SubscriptionLookupFailure]


@dataclass(frozen=True)
class ConnectionLookup:
    """One connection's answer: its customers, or the error it gave."""

    connection: Connection
    customers: list[CustomerFound] = field(default_factory=list)
    error: GatewayError | None = None
    warnings: list[str] = field(default_factory=list)


async def find_customers(
    services: Services,
    caller: Caller,
    *,
    email: str | None,
    phone: str | None,
    orders_limit: int,
    context: ViewContext,
) -> list[ConnectionLookup]:
    """Customers matching ``email`` and/or ``phone`` (as the helpdesk sent it) on every commerce
    connection ``caller`` may use; :class:`ValidationFailed` when no region reads the phone."""
    if not email and not phone:
        raise ValidationFailed("Give an email, a phone number, or both.")
    connections = [c for c in services.visible_connections(caller) if c.is_commerce]
    regions = sorted({c.phone_region for c in connections}) or [DEFAULT_PHONE_REGION]
    if phone and all(to_e164(phone, region) is None for region in regions):
        message = f"{phone!r} is not a phone number (read in {', '.join(regions)})."
        raise ValidationFailed(
            message, errors=[FieldError(loc=["query", "phone"], message=message)]
        )
    results = await asyncio.gather(
        *(
            _customers_on(services, caller, connection, email, phone, orders_limit, context)
            for connection in connections
        )
    )
    return list(results)


async def _subscriptions_for(
    connection: Connection, customer: Customer, context: ViewContext
) -> list[SubscriptionView] | SubscriptionLookupFailure:
    try:
        async with read_deadline(connection) as call:
            found = await connection.subscriptions.find_subscriptions(customer, call=call)
    except GatewayError as exc:
        return SubscriptionLookupFailure(connection=connection, error=exc)
    return [subscription_view(connection, item, context) for item in found]


async def _customer_found(
    services: Services,
    caller: Caller,
    connection: Connection,
    item: CustomerWithOrders,
    context: ViewContext,
) -> CustomerFound:
    linked = [c for c in services.linked_subscriptions(connection.id) if caller.may_use(c.id)]
    answers = await asyncio.gather(
        *(_subscriptions_for(sub, item.customer, context) for sub in linked)
    )
    return CustomerFound(
        customer=customer_view(connection, item.customer, context),
        orders=[order_view(connection, order, context) for order in item.orders],
        has_more_orders=item.has_more_orders,
        next_orders_cursor=item.next_orders_cursor,
        subscriptions=[view for answer in answers if isinstance(answer, list) for view in answer],
        subscription_errors=[a for a in answers if isinstance(a, SubscriptionLookupFailure)],
    )


async def _customers_on(
    services: Services,
    caller: Caller,
    connection: Connection,
    email: str | None,
    phone: str | None,
    orders_limit: int,
    context: ViewContext,
) -> ConnectionLookup:
    """One connection's answer; its failure is reported in place, never failing the others.

    ``phone`` is as the helpdesk sent it, read here with the connection's region.
    """
    e164 = to_e164(phone, connection.phone_region) if phone else None
    warnings = []
    if phone and e164 is None:
        warnings.append(
            f"{phone!r} is not a phone number in {connection.phone_region} (this connection's "
            "phone_region), so it was not looked for here; give it with its country code."
        )
        if not email:
            return ConnectionLookup(connection=connection, warnings=warnings)
    try:
        async with read_deadline(connection) as call:
            found = await connection.commerce.find_customers(
                email=email, phone=e164, orders_limit=orders_limit, call=call
            )
    except GatewayError as exc:
        return ConnectionLookup(connection=connection, error=exc)
    customers = await asyncio.gather(
        *(_customer_found(services, caller, connection, item, context) for item in found)
    )
    matched = e164 is not None and any(
        same_number(c.customer.phone, e164, connection.phone_region) for c in found
    )
    limits = connection.config.spec.phone_lookup_limits
    if e164 and not matched and limits:
        warnings.append(limits)
    if e164 and connection.commerce.phone_lookup_matches_text and not matched:
        warnings.append(
            f"{connection.platform} finds a phone number only as the text it was stored "
            f"as: {e164} was looked for in {len(text_forms(e164))} common forms, so a customer "
            "whose number was stored another way is not found."
        )
    return ConnectionLookup(connection=connection, customers=list(customers), warnings=warnings)
