"""Context: customers with their orders and subscriptions across every connection."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import Field

from action_gateway.actions import lookup
from action_gateway.actions.lookup import ConnectionLookup
from action_gateway.actions.services import Connection, read_deadline
from action_gateway.actions.views import (
    CustomerView,
    OrderView,
    SubscriptionView,
    order_view,
    subscription_view,
)
from action_gateway.api.cursors import decode_orders_cursor, encode_orders_cursor
from action_gateway.api.deps import CallerDep, ServicesDep
from action_gateway.api.problem_catalog import UPSTREAM_CODES
from action_gateway.api.problems import Problem, problem_responses, to_problem
from action_gateway.domain.models import (
    CONVERSATION_STATUS_DESCRIPTION,
    ConversationStatusInput,
    Platform,
    ResponseModel,
)
from action_gateway.errors import NotFound

router = APIRouter(prefix="/v1", tags=["context"])

ORDER_PROBLEMS = (
    "connection_forbidden",
    "connection_not_found",
    "order_not_found",
    *UPSTREAM_CODES,
)
SUBSCRIPTION_PROBLEMS = (
    "connection_forbidden",
    "connection_not_found",
    "subscription_not_found",
    *UPSTREAM_CODES,
)

ConnectionId = Annotated[
    str, Path(description="A connection id from the configuration.", examples=["sandbox-shopify"])
]
OrderId = Annotated[
    str, Path(description="The platform's order id (Shopify: numeric).", examples=["5500001001"])
]
CustomerId = Annotated[
    str, Path(description="The platform's customer id (Shopify: numeric).", examples=["7410001"])
]
DEFAULT_ORDERS_LIMIT = 10
OrdersLimit = Annotated[
    int,
    Query(ge=1, le=50, description="Orders per customer and page, newest first.", examples=[10]),
]
SubscriptionId = Annotated[
    str, Path(description="The platform's subscription id.", examples=["66300101"])
]

ConversationStatus = Annotated[
    ConversationStatusInput | None,
    Query(description=CONVERSATION_STATUS_DESCRIPTION, examples=["open"]),
]


def _next_cursor(connection: Connection, customer_id: str, position: str | None) -> str | None:
    return encode_orders_cursor(connection, customer_id, position) if position else None


def _context(conversation_status: ConversationStatusInput | None) -> dict[str, str | None]:
    return {"conversation_status": conversation_status.value if conversation_status else None}


class SubscriptionLookupError(ResponseModel):
    """A linked subscription connection that could not answer; the rest of the answer stands."""

    connection: str
    platform: Platform
    error: Problem


NextCursor = Annotated[
    str | None,
    Field(
        description="Opaque: pass it as `cursor` to "
        "`GET /v1/connections/{connection}/customers/{customer_id}/orders` for the next orders "
        "(null: none).",
    ),
]


class CustomerContext(CustomerView):
    orders: list[OrderView]
    has_more_orders: bool = False
    next_cursor: NextCursor = None
    subscriptions: list[SubscriptionView] = []
    subscription_errors: list[SubscriptionLookupError] = []


class LookupStatus(StrEnum):
    OK = "ok"
    ERROR = "error"


class ConnectionCustomers(ResponseModel):
    connection: str
    platform: Platform
    status: LookupStatus
    customers: list[CustomerContext] = []
    error: Problem | None = None
    warnings: list[str] = Field(
        default=[],
        description="What may be missing from this connection's answer, in plain words.",
    )


class CustomerOrders(ResponseModel):
    connection: str
    platform: Platform
    customer_id: str
    orders: list[OrderView]
    has_more_orders: bool
    next_cursor: NextCursor = None


class CustomersResponse(ResponseModel):
    results: list[ConnectionCustomers]


class ConnectionInfo(ResponseModel):
    id: str
    platform: Platform
    actions_enabled: bool
    active_actions: list[str]
    linked_connection: str | None = None


class ConnectionList(ResponseModel):
    connections: list[ConnectionInfo]


@router.get("/connections", operation_id="listConnections", summary="The configured connections")
async def list_connections(services: ServicesDep, caller: CallerDep) -> ConnectionList:
    return ConnectionList(
        connections=[
            ConnectionInfo(
                id=c.id,
                platform=c.platform,
                actions_enabled=c.config.actions.enabled,
                active_actions=[
                    a.value
                    for a in c.matrix.actions()
                    if c.config.actions.is_active(a) and a in c.supported_actions
                ],
                linked_connection=c.config.linked_connection,
            )
            for c in services.visible_connections(caller)
        ]
    )


def _connection_customers(found: ConnectionLookup) -> ConnectionCustomers:
    connection = found.connection
    return ConnectionCustomers(
        connection=connection.id,
        platform=connection.platform,
        status=LookupStatus.OK if found.error is None else LookupStatus.ERROR,
        customers=[
            CustomerContext(
                **customer.customer.model_dump(),
                orders=customer.orders,
                has_more_orders=customer.has_more_orders,
                next_cursor=_next_cursor(
                    connection, customer.customer.id, customer.next_orders_cursor
                ),
                subscriptions=customer.subscriptions,
                subscription_errors=[
                    SubscriptionLookupError(
                        connection=failure.connection.id,
                        platform=failure.connection.platform,
                        error=to_problem(failure.error),
                    )
                    for failure in customer.subscription_errors
                ],
            )
            for customer in found.customers
        ],
        error=to_problem(found.error) if found.error is not None else None,
        warnings=found.warnings,
    )


@router.get(
    "/customers",
    operation_id="findCustomers",
    summary="Customers matching an email and/or phone on every connection, with their orders "
    "and subscriptions",
    responses=problem_responses("validation_error"),
)
async def find_customers(
    services: ServicesDep,
    caller: CallerDep,
    email: Annotated[
        str | None, Query(max_length=320, examples=["ava.lindqvist@example.com"])
    ] = None,
    phone: Annotated[
        str | None,
        Query(
            max_length=32,
            description="As the customer wrote it (`+1 415-555-0101`, `(415) 555-0101`); a "
            "number without its country code is read in the connection's `phone_region`.",
            examples=["+14155550101"],
        ),
    ] = None,
    orders_limit: OrdersLimit = DEFAULT_ORDERS_LIMIT,
    conversation_status: ConversationStatus = None,
) -> CustomersResponse:
    found = await lookup.find_customers(
        services,
        caller,
        email=email.strip() if email else None,
        phone=phone.strip() if phone else None,
        orders_limit=orders_limit,
        context=_context(conversation_status),
    )
    return CustomersResponse(results=[_connection_customers(item) for item in found])


@router.get(
    "/connections/{connection}/customers/{customer_id}/orders",
    operation_id="listCustomerOrders",
    summary="A customer's orders on one connection, newest first, a page at a time",
    responses=problem_responses(
        "connection_forbidden",
        "connection_not_found",
        "customer_not_found",
        "validation_error",
        *UPSTREAM_CODES,
    ),
)
async def list_customer_orders(
    connection: ConnectionId,
    customer_id: CustomerId,
    services: ServicesDep,
    caller: CallerDep,
    limit: OrdersLimit = DEFAULT_ORDERS_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            max_length=2048,
            description="A `next_cursor` from the customer lookup or the previous page; "
            "omitted: the first page.",
            examples=[
                "WzEsIjc0MTAwMDEiLCJZM1Z5YzI5eU9qVTFNREF3TURFd01EVT0iXQ.IYdSTDITjGTlGhltl6n_qw"
            ],
        ),
    ] = None,
) -> CustomerOrders:
    caller.require_connection(connection)
    conn = services.commerce_connection(connection)
    position = decode_orders_cursor(conn, customer_id, cursor) if cursor else None
    async with read_deadline(conn) as call:
        page = await conn.commerce.list_customer_orders(
            customer_id, limit=limit, cursor=position, call=call
        )
    if page is None:
        raise NotFound(
            f"Customer {customer_id} was not found on connection {connection}.",
            code="customer_not_found",
            connection=connection,
        )
    return CustomerOrders(
        connection=conn.id,
        platform=conn.platform,
        customer_id=customer_id,
        orders=[order_view(conn, order) for order in page.orders],
        has_more_orders=page.has_more_orders,
        next_cursor=_next_cursor(conn, customer_id, page.next_orders_cursor),
    )


@router.get(
    "/connections/{connection}/orders/{order_id}",
    operation_id="getOrder",
    summary="One order with its available actions",
    responses=problem_responses(*ORDER_PROBLEMS),
)
async def get_order(
    connection: ConnectionId, order_id: OrderId, services: ServicesDep, caller: CallerDep
) -> OrderView:
    caller.require_connection(connection)
    conn = services.commerce_connection(connection)
    async with read_deadline(conn) as call:
        order = await conn.commerce.get_order(order_id, call=call)
    if order is None:
        raise NotFound(
            f"Order {order_id} was not found on connection {connection}.",
            code="order_not_found",
            connection=connection,
        )
    return order_view(conn, order)


@router.get(
    "/connections/{connection}/orders",
    operation_id="findOrderByName",
    summary="Manual lookup of one order by the number the customer knows (e.g. #1001)",
    responses=problem_responses(*ORDER_PROBLEMS, "validation_error"),
)
async def find_order_by_name(
    connection: ConnectionId,
    services: ServicesDep,
    name: Annotated[str, Query(min_length=1, max_length=64, examples=["#1001"])],
    caller: CallerDep,
) -> OrderView:
    caller.require_connection(connection)
    conn = services.commerce_connection(connection)
    async with read_deadline(conn) as call:
        order = await conn.commerce.find_order_by_name(name, call=call)
    if order is None:
        raise NotFound(
            f"No order named {name} on connection {connection}.",
            code="order_not_found",
            connection=connection,
        )
    return order_view(conn, order)


@router.get(
    "/connections/{connection}/subscriptions/{subscription_id}",
    operation_id="getSubscription",
    summary="One subscription with its next order and available actions",
    responses=problem_responses(*SUBSCRIPTION_PROBLEMS, "validation_error"),
)
async def get_subscription(
    connection: ConnectionId,
    subscription_id: SubscriptionId,
    services: ServicesDep,
    caller: CallerDep,
    conversation_status: ConversationStatus = None,
) -> SubscriptionView:
    caller.require_connection(connection)
    conn = services.subscription_connection(connection)
    async with read_deadline(conn) as call:
        subscription = await conn.subscriptions.get_subscription(subscription_id, call=call)
    if subscription is None:
        raise NotFound(
            f"Subscription {subscription_id} was not found on connection {connection}.",
            code="subscription_not_found",
            connection=connection,
        )
    return subscription_view(conn, subscription, _context(conversation_status))
