"""The toy platform's adapter: its JSON API (``api.py``) in, the neutral models out.

It implements what a commerce adapter must; of the actions, only edit_order_note.
"""

from __future__ import annotations

from typing import Any

import httpx

from action_gateway.domain.models import (
    ActionOutcome,
    Customer,
    CustomerWithOrders,
    EditOrderNoteInput,
    Money,
    Order,
    OrderPage,
    OrderState,
    OrderTotals,
)
from action_gateway.errors import Outcome, UpstreamError
from action_gateway.platforms.base import ActionCall, CommerceAdapter, EditsOrderNotes
from action_gateway.platforms.spec import PlatformConnection

TOKEN_HEADER = "X-Toy-Token"


class ToyAdapter(CommerceAdapter, EditsOrderNotes):
    """Lookups, and one capability: it edits order notes (so that is the one action it offers)."""

    platform = "toy"
    phone_lookup_matches_text = False

    def __init__(self, connection: PlatformConnection, http: httpx.AsyncClient) -> None:
        self.http = http
        self.headers = {TOKEN_HEADER: connection.token.get_secret_value()}

    async def _get(self, path: str, **params: Any) -> Any:
        answer = await self.http.get(path, params=params, headers=self.headers)
        return None if answer.status_code == 404 else answer.raise_for_status().json()

    async def find_customers(
        self, *, email: str | None, phone: str | None, orders_limit: int, call: ActionCall
    ) -> list[CustomerWithOrders]:
        found = []
        for customer in await self._get("/customers", email=email or ""):
            orders = await self._get(f"/customers/{customer['id']}/orders")
            found.append(
                CustomerWithOrders(
                    customer=_customer(customer),
                    orders=[_order(o) for o in orders[:orders_limit]],
                    has_more_orders=len(orders) > orders_limit,
                )
            )
        return found

    async def list_customer_orders(
        self, customer_id: str, *, limit: int, cursor: str | None, call: ActionCall
    ) -> OrderPage | None:
        orders = await self._get(f"/customers/{customer_id}/orders")
        if orders is None:
            return None
        return OrderPage(orders=[_order(o) for o in orders[:limit]], has_more_orders=False)

    async def get_customer(self, customer_id: str, *, call: ActionCall) -> Customer | None:
        customer = await self._get(f"/customers/{customer_id}")
        return None if customer is None else _customer(customer)

    async def get_order(self, order_id: str, *, call: ActionCall) -> Order | None:
        order = await self._get(f"/orders/{order_id}")
        return None if order is None else _order(order)

    async def find_order_by_name(self, name: str, *, call: ActionCall) -> Order | None:
        return await self.get_order(name.removeprefix("#"), call=call)

    async def edit_order_note(
        self, order: Order, data: EditOrderNoteInput, *, call: ActionCall
    ) -> ActionOutcome:
        note = data.note if data.mode.value == "replace" else f"{order.note or ''}\n{data.note}"
        call.write_sent = True
        try:
            answer = await self.http.put(
                f"/orders/{order.id}/note", json={"note": note}, headers=self.headers
            )
        except httpx.TransportError:
            # The request left: the toy store may have saved the note.
            raise UpstreamError("The toy store did not answer.", outcome=Outcome.UNKNOWN) from None
        return ActionOutcome(
            status="succeeded",
            note=answer.raise_for_status().json()["note"],
            previous_note=order.note,
        )


def _customer(data: dict[str, Any]) -> Customer:
    return Customer(
        id=data["id"],
        platform_id=f"toy:{data['id']}",
        display_name=data["name"],
        email=data["email"],
    )


def _order(data: dict[str, Any]) -> Order:
    return Order(
        id=data["id"],
        name=f"#{data['id']}",
        platform_id=f"toy:{data['id']}",
        customer_id=data["customer"],
        state=OrderState(fulfillment_status=data["fulfillment"]),
        currency=data["currency"],
        totals=OrderTotals(total=Money.of(data["total"], data["currency"])),
        note=data["note"],
    )
