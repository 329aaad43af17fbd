"""RechargeAdapter: subscriptions, cancel and skip as Recharge API 2021-11 calls."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from action_gateway.domain.models import (
    ActionOutcome,
    CancelSubscriptionInput,
    Customer,
    Platform,
    RescheduleSubscriptionOrderInput,
    SkipSubscriptionOrderInput,
    Subscription,
    SubscriptionChange,
)
from action_gateway.errors import GatewayError, NotFound, PlatformRejected
from action_gateway.platforms._outcomes import is_ambiguous, not_executed, reconcile_reserve
from action_gateway.platforms.base import (
    ActionCall,
    CancelsSubscriptions,
    ReschedulesSubscriptionOrders,
    SkipsSubscriptionOrders,
)
from action_gateway.platforms.recharge.client import RechargeClient
from action_gateway.platforms.recharge.endpoints import (
    CANCEL_SUBSCRIPTION,
    GET_CHARGE,
    GET_SUBSCRIPTION,
    LIST_CHARGES,
    LIST_CUSTOMERS,
    LIST_SUBSCRIPTIONS,
    SET_NEXT_CHARGE_DATE,
    SKIP_CHARGE,
    Endpoint,
)
from action_gateway.platforms.recharge.mapping import (
    ACTIVE,
    CANCELLED,
    QUEUED,
    SKIPPED,
    Node,
    charge_date,
    charge_holds,
    date_of,
    datetime_of,
    earliest_charges,
    from_recharge_subscription,
    is_prepaid,
    matches_customer,
    status_of,
    to_recharge_cancel,
    to_recharge_id,
)

PAGE_SIZE = 250
"""Recharge's maximum ``limit``."""
MAX_PAGES = 20
RECONCILE_MARGIN = 3.0
"""Seconds kept back from a write so an ambiguous failure can still be settled by re-reading."""
RECONCILED_NOTE = (
    "Recharge's answer was lost; re-reading the subscription shows the {action} was applied."
)
PREPAID_NOTE = "This subscription is prepaid: skipping its charge may skip more than one shipment."
STALE_DATE_NOTE = "Recharge has not yet reported the subscription's new next charge date."


class RechargeAdapter(CancelsSubscriptions, SkipsSubscriptionOrders, ReschedulesSubscriptionOrders):
    """A Recharge account through API 2021-11 (see ``client.py`` for the error layers).

    Recharge keys customers by its own numeric id, so the linked store's customer is found by
    email; a subscription's next order is its next charge (``next_charge_scheduled_at``).
    """

    platform: Platform = "recharge"

    def __init__(self, client: RechargeClient, *, reconcile_margin: float = RECONCILE_MARGIN):
        self.client = client
        self.reconcile_margin = reconcile_margin

    # --- Reads --------------------------------------------------------------------------------

    async def find_subscriptions(
        self, customer: Customer, *, call: ActionCall
    ) -> list[Subscription]:
        if not customer.email or not customer.email.strip():
            return []
        nodes = await self._list(
            LIST_CUSTOMERS, "customers", {"email": customer.email.strip()}, call
        )
        found: list[Subscription] = []
        seen: set[str] = set()
        for node in nodes:
            recharge_id = str(node.get("id") or "")
            if not recharge_id or recharge_id in seen or not matches_customer(node, customer):
                continue
            seen.add(recharge_id)
            found.extend(await self._customer_subscriptions(recharge_id, call))
        return found

    async def _customer_subscriptions(
        self, customer_id: str, call: ActionCall
    ) -> list[Subscription]:
        nodes = await self._list(
            LIST_SUBSCRIPTIONS, "subscriptions", {"customer_id": customer_id}, call
        )
        # Matched here too: never show another customer's subscription if a filter is ignored.
        nodes = [n for n in nodes if str(n.get("customer_id", customer_id)) == customer_id]
        charges: dict[str, Node] = {}
        if any(_has_next_charge(node) for node in nodes):
            # One list of the customer's queued charges finds every subscription's next charge.
            query = {"customer_id": customer_id, "status": QUEUED, "sort_by": "scheduled_at-asc"}
            charges = earliest_charges(await self._list(LIST_CHARGES, "charges", query, call))
        return [
            from_recharge_subscription(node, charge=charges.get(str(node["id"])))
            for node in nodes
            if node.get("id") is not None
        ]

    async def get_subscription(
        self, subscription_id: str, *, call: ActionCall
    ) -> Subscription | None:
        node = await self._get(subscription_id, call)
        if node is None:
            return None
        charge = await self._queued_charge(node, call) if _has_next_charge(node) else None
        return from_recharge_subscription(node, charge=charge)

    async def _get(self, subscription_id: str, call: ActionCall) -> Node | None:
        number = to_recharge_id(subscription_id)
        if number is None:
            return None
        try:
            body = await self.client.request(
                GET_SUBSCRIPTION, path={"subscription_id": number}, call=call
            )
        except NotFound:
            return None
        node = (body or {}).get("subscription")
        return node if isinstance(node, dict) and node.get("id") is not None else None

    async def _fresh(self, subscription: Subscription, call: ActionCall) -> Node:
        """The subscription as Recharge has it now (the caller's copy may be stale)."""
        node = await self._get(subscription.platform_id, call)
        if node is None:
            raise NotFound(f"Recharge has no subscription {subscription.platform_id}")
        return node

    async def _queued_charge(self, node: Node, call: ActionCall) -> Node | None:
        """The earliest queued charge holding this subscription, looked up now.

        Editing a subscription or address regenerates its queued charges, so the charge id is
        never cached (whether regeneration changes the id is UNCONFIRMED).
        """
        query: dict[str, str | int] = {
            "status": QUEUED,
            "purchase_item_id": str(node["id"]),
            "sort_by": "scheduled_at-asc",
        }
        if node.get("customer_id") is not None:
            query["customer_id"] = str(node["customer_id"])
        charges = await self._list(LIST_CHARGES, "charges", query, call)
        return earliest_charges(charges).get(str(node["id"]))

    async def _list(
        self, endpoint: Endpoint, key: str, query: Mapping[str, str | int], call: ActionCall
    ) -> list[Node]:
        """Every page of a list, following ``next_cursor``."""
        items: list[Node] = []
        params: dict[str, str | int] = {**query, "limit": PAGE_SIZE}
        cursors: set[str] = set()
        for _ in range(MAX_PAGES):
            body = await self.client.request(endpoint, query=params, call=call) or {}
            items.extend(node for node in body.get(key) or [] if isinstance(node, dict))
            cursor = body.get("next_cursor")
            if not cursor or cursor in cursors:
                break
            cursors.add(cursor)
            # Filters alongside `cursor` are UNCONFIRMED: the cursor carries them, so follow-up
            # pages send only `cursor` and `limit`.
            params = {"cursor": str(cursor), "limit": PAGE_SIZE}
        return items

    # --- Cancel -------------------------------------------------------------------------------

    async def cancel_subscription(
        self, subscription: Subscription, data: CancelSubscriptionInput, *, call: ActionCall
    ) -> ActionOutcome:
        node = await self._fresh(subscription, call)
        status = status_of(node)
        # Recharge's answer to cancelling a cancelled subscription is UNCONFIRMED: never sent.
        if status == CANCELLED:
            raise PlatformRejected(
                f"Recharge subscription {subscription.platform_id} is already cancelled; "
                "nothing was sent.",
                current_state={"status": status},
            )
        if status != ACTIVE:
            raise PlatformRejected(
                f"Recharge subscription {subscription.platform_id} is {status or 'not active'}; "
                "only an active subscription can be cancelled.",
                current_state={"status": status},
            )
        try:
            body = await self.client.request(
                CANCEL_SUBSCRIPTION,
                path={"subscription_id": subscription.platform_id},
                json=to_recharge_cancel(data),
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_cancel(subscription, exc, call)
        cancelled = (body or {}).get("subscription") or {}
        return ActionOutcome(
            status="succeeded",
            subscription=SubscriptionChange(
                cancelled_at=datetime_of(cancelled.get("cancelled_at"))
            ),
            platform_reference=subscription.platform_id,
        )

    async def _reconcile_cancel(
        self, subscription: Subscription, exc: GatewayError, call: ActionCall
    ) -> ActionOutcome:
        try:
            node = await self._get(subscription.platform_id, call)
        except GatewayError:
            raise exc from exc.__cause__  # the write's own failure, as it was
        status = status_of(node) if node else None
        if node is not None and status == CANCELLED:
            return ActionOutcome(
                status="succeeded",
                subscription=SubscriptionChange(cancelled_at=datetime_of(node.get("cancelled_at"))),
                platform_reference=subscription.platform_id,
                messages=[RECONCILED_NOTE.format(action="cancellation")],
            )
        if status == ACTIVE:
            raise not_executed(
                exc, "Re-reading shows the subscription still active: nothing was changed."
            ) from exc
        raise exc

    # --- Skip ---------------------------------------------------------------------------------

    async def skip_subscription_order(
        self, subscription: Subscription, data: SkipSubscriptionOrderInput, *, call: ActionCall
    ) -> ActionOutcome:
        node = await self._fresh(subscription, call)
        sub_id = str(node["id"])
        status = status_of(node)
        if status != ACTIVE:
            raise PlatformRejected(
                f"Recharge subscription {sub_id} is {status or 'not active'}; only an active "
                "subscription's next order can be skipped.",
                current_state={"status": status},
            )
        if node.get("is_skippable") is not True:
            raise PlatformRejected(
                f"Recharge marks subscription {sub_id} as not skippable.",
                current_state={"status": status, "skippable": False},
            )
        charge = await self._queued_charge(node, call)
        if charge is None or charge.get("id") is None:
            raise PlatformRejected(
                f"No queued Recharge charge holds subscription {sub_id} yet: there is no next "
                "order to skip.",
                current_state={"status": status, "has_next_order": False},
            )
        skipped_date = charge_date(charge) or date_of(node.get("next_charge_scheduled_at"))
        messages = [PREPAID_NOTE] if from_recharge_subscription(node).state.prepaid else []
        try:
            await self.client.request(
                SKIP_CHARGE,
                path={"charge_id": str(charge["id"])},
                # Only this subscription's line: without purchase_item_ids the whole charge
                # (every subscription at the address on that date) would be skipped.
                json={"purchase_item_ids": [to_recharge_id(sub_id) or sub_id]},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_skip(sub_id, charge, skipped_date, messages, exc, call)
        next_date: date | None = None
        try:
            after = await self._get(sub_id, call)
            next_date = _date_after(after, skipped_date)
        except GatewayError:
            pass
        if next_date is None:
            messages.append(STALE_DATE_NOTE)
        return _skipped(charge, skipped_date, next_date, messages)

    async def _reconcile_skip(
        self,
        sub_id: str,
        charge: Node,
        skipped_date: date | None,
        messages: list[str],
        exc: GatewayError,
        call: ActionCall,
    ) -> ActionOutcome:
        """Settle a skip whose answer was lost by re-reading; never by re-sending it."""
        reconciled = [*messages, RECONCILED_NOTE.format(action="skip")]
        try:
            node = await self._get(sub_id, call)
            next_date = _date_after(node, skipped_date)
            if next_date is not None:
                return _skipped(charge, skipped_date, next_date, reconciled)
            try:
                body = await self.client.request(
                    GET_CHARGE, path={"charge_id": str(charge["id"])}, call=call
                )
            except NotFound:
                body = None
        except GatewayError:
            raise exc from exc.__cause__  # the write's own failure, as it was
        again = (body or {}).get("charge")
        if not isinstance(again, dict) or not charge_holds(again, sub_id):
            # The charge no longer holds the subscription (regenerated or split): unknown.
            raise exc from exc.__cause__  # the write's own failure, as it was
        if status_of(again) == SKIPPED:
            return _skipped(charge, skipped_date, None, [*reconciled, STALE_DATE_NOTE])
        unchanged = (
            skipped_date is not None
            and node is not None
            and date_of(node.get("next_charge_scheduled_at")) == skipped_date
            and charge_date(again) == skipped_date
        )
        if status_of(again) == QUEUED and unchanged:
            raise not_executed(
                exc,
                "Re-reading shows the charge still queued with this subscription: nothing "
                "was skipped.",
            ) from exc
        raise exc

    # --- Reschedule ---------------------------------------------------------------------------

    async def reschedule_subscription_order(
        self,
        subscription: Subscription,
        data: RescheduleSubscriptionOrderInput,
        *,
        call: ActionCall,
    ) -> ActionOutcome:
        node = await self._fresh(subscription, call)
        sub_id = str(node["id"])
        status = status_of(node)
        if status != ACTIVE:
            raise PlatformRejected(
                f"Recharge subscription {sub_id} is {status or 'not active'}; only an active "
                "subscription's next order can be moved.",
                current_state={"status": status},
            )
        if is_prepaid(node):
            # On a prepaid subscription the call moves the renewal charge, not the next delivery.
            raise PlatformRejected(
                f"Recharge subscription {sub_id} is prepaid: its next charge is the renewal, not "
                "the next shipment, so the gateway does not move it.",
                current_state={"status": status, "prepaid": True},
            )
        before = date_of(node.get("next_charge_scheduled_at"))
        if before is None:
            raise PlatformRejected(
                f"Recharge subscription {sub_id} has no next charge date to move.",
                current_state={"status": status, "has_next_order": False},
            )
        if before == data.date:
            return _rescheduled(
                sub_id,
                before,
                before,
                [f"The next charge was already on {data.date.isoformat()}: nothing was sent."],
            )
        try:
            body = await self.client.request(
                SET_NEXT_CHARGE_DATE,
                path={"subscription_id": sub_id},
                json={"date": data.date.isoformat()},
                call=call,
                reserve=reconcile_reserve(call, self.reconcile_margin),
            )
        except GatewayError as exc:
            if not is_ambiguous(exc):
                raise
            return await self._reconcile_reschedule(sub_id, before, data.date, exc, call)
        moved = (body or {}).get("subscription") or {}
        after = date_of(moved.get("next_charge_scheduled_at")) if isinstance(moved, dict) else None
        messages = [] if after is not None else [STALE_DATE_NOTE]
        return _rescheduled(sub_id, before, after, messages)

    async def _reconcile_reschedule(
        self, sub_id: str, before: date, requested: date, exc: GatewayError, call: ActionCall
    ) -> ActionOutcome:
        """Settle a date change whose answer was lost by re-reading the date (``updated_at`` is
        not bumped by it), never by re-sending it."""
        try:
            node = await self._get(sub_id, call)
        except GatewayError:
            raise exc from exc.__cause__  # the write's own failure, as it was
        now = date_of(node.get("next_charge_scheduled_at")) if node is not None else None
        if now == requested:
            return _rescheduled(sub_id, before, now, [RECONCILED_NOTE.format(action="date change")])
        if now == before:
            raise not_executed(
                exc,
                f"Re-reading shows the next charge still on {before.isoformat()}: nothing "
                "was changed.",
            ) from exc
        raise exc


def _rescheduled(
    sub_id: str, before: date | None, after: date | None, messages: list[str]
) -> ActionOutcome:
    return ActionOutcome(
        status="succeeded",
        subscription=SubscriptionChange(previous_order_date=before, next_order_date=after),
        platform_reference=sub_id,
        messages=messages,
    )


def _has_next_charge(node: Node) -> bool:
    return status_of(node) == ACTIVE and date_of(node.get("next_charge_scheduled_at")) is not None


def _date_after(node: Node | None, skipped_date: date | None) -> date | None:
    """The subscription's next charge date, once it has moved past the skipped one."""
    if node is None or skipped_date is None:
        return None
    next_date = date_of(node.get("next_charge_scheduled_at"))
    return next_date if next_date is not None and next_date > skipped_date else None


def _skipped(
    charge: Node, skipped_date: date | None, next_date: date | None, messages: list[str]
) -> ActionOutcome:
    return ActionOutcome(
        status="succeeded",
        subscription=SubscriptionChange(skipped_order_date=skipped_date, next_order_date=next_date),
        platform_reference=str(charge["id"]),
        messages=messages,
    )
