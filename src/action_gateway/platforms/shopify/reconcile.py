"""Settling a Shopify write whose answer was lost, by re-reading the order; never re-sending."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from action_gateway.domain.models import ActionOutcome, Customer, IssueStoreCreditInput, Order
from action_gateway.errors import EarlierAttemptUnknown, GatewayError, Outcome
from action_gateway.platforms._outcomes import still_unknown
from action_gateway.platforms.base import ActionCall
from action_gateway.platforms.shopify.client import ShopifyClient
from action_gateway.platforms.shopify.mapping import (
    Node,
    credit_transactions,
    refunded_since,
    store_credit_account,
)
from action_gateway.platforms.shopify.operations import (
    CUSTOMER_STORE_CREDIT,
    ORDER,
    ORDER_REFUNDS,
)

if TYPE_CHECKING:
    from action_gateway.platforms.shopify.adapter import ShopifyAdapter

RECONCILE_CLOCK_SKEW = timedelta(minutes=2)
"""How much earlier than our clock's send time a refund may be stamped and still be ours."""
RECONCILED_CANCEL = (
    "Shopify's answer to the cancellation was lost; re-reading the order shows it cancelled."
)
RECONCILED_REFUND = (
    "Shopify's answer to the refund was lost; re-reading the order's refunds shows it was created."
)
FOUND_EARLIER_STORE_CREDIT = (
    "An earlier attempt of this request stopped before it answered; the customer's store "
    "credit shows it was issued then, so it was not issued again."
)
RECONCILED_STORE_CREDIT = (
    "Shopify's answer to the store credit was lost; re-reading the customer's store credit "
    "shows it was issued."
)


async def reconcile_cancel(
    adapter: ShopifyAdapter, order: Order, exc: GatewayError, *, refund: bool, call: ActionCall
) -> ActionOutcome:
    """Settle an orderCancel whose answer was lost by re-reading the order; never re-send it.

    ``cancelledAt`` set means the cancellation happened: succeeded, as after a job. Not
    cancelled proves nothing: orderCancel only queues a job, so a cancel that reached
    Shopify may still be applied after any number of reads, and we have no job id to ask.
    The order is re-read a few times (``poll_interval`` apart, while the budget allows);
    still not cancelled stays outcome unknown, never ``not_executed`` (a caller's retry
    could then cancel (and refund) an order whose first cancel was only queued).
    """
    reads = 0
    while True:
        try:
            data = await adapter.client.execute(ORDER, {"id": order.platform_id}, call=call)
        except GatewayError:
            raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
        node: Node | None = data.get("order")
        if not node:
            raise exc from exc.__cause__
        if node.get("cancelledAt"):
            return ActionOutcome(
                status="succeeded",
                refund=refunded_since(order, node) if refund else None,
                platform_reference=order.platform_id,
                messages=[RECONCILED_CANCEL],
            )
        reads += 1
        if (
            reads >= adapter.reconcile_reads
            or call.remaining() - adapter.poll_interval <= adapter.poll_margin
        ):
            break
        await adapter.sleep(adapter.poll_interval)
    raise still_unknown(
        exc,
        f"Re-reading shows order {order.name} not cancelled yet, but Shopify cancels "
        "asynchronously and the cancellation may still be applied: check the order before "
        "cancelling again.",
    ) from exc.__cause__


async def reconcile_refund(
    client: ShopifyClient,
    order: Order,
    refund_input: Mapping[str, Any],
    sent_at: datetime,
    exc: GatewayError,
    call: ActionCall,
) -> Node:
    """After an ambiguous refundCreate: the order's one refund that is ours, else unknown.

    Never re-sent here (the chokepoint already re-sent it with the same @idempotent key as
    often as the deadline allowed). A refund is ours when it is on this order, stamped no
    earlier than our send (less ``RECONCILE_CLOCK_SKEW``), carries our note verbatim (the
    caller's reason and note), refunds the same quantity of each line item, and moves
    exactly our transactions (gateway and amount each). Anything older fails the time
    test; a concurrent refund by someone else would need the same note, lines and payments.
    Exactly one such refund answers succeeded; none (it may still be processing) or several
    (cannot tell which) keep outcome unknown, never ``not_executed``: a refund we did not
    see may still land, and a caller's retry would then refund twice.
    """
    try:
        data = await client.execute(ORDER_REFUNDS, {"id": order.platform_id}, call=call)
    except GatewayError:
        raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
    refunds: list[Node] = (data.get("order") or {}).get("refunds") or []
    ours = [r for r in refunds if _is_our_refund(r, refund_input, sent_at)]
    if len(ours) == 1:
        return ours[0]
    found = (
        "no refund matching this one yet (Shopify may still be processing it)"
        if not ours
        else f"{len(ours)} refunds matching this one, so which is ours cannot be told"
    )
    raise still_unknown(
        exc,
        f"Re-reading order {order.name} shows {found}: check the order's refunds before "
        "refunding again.",
    ) from exc.__cause__


def _amount(bag: Node | None) -> Decimal | None:
    """A MoneyBag's presentment amount (refunds move presentment money), else its shop amount."""
    bag = bag or {}
    money = bag.get("presentmentMoney") or bag.get("shopMoney") or {}
    try:
        return Decimal(str(money["amount"]))
    except (KeyError, InvalidOperation):
        return None


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_our_refund(refund: Node, refund_input: Mapping[str, Any], sent_at: datetime) -> bool:
    """Whether ``refund`` is the one ``refund_input`` asked for (see ``reconcile_refund``)."""
    try:
        return _matches(refund, refund_input, sent_at)
    except (AttributeError, KeyError, TypeError, ValueError, ArithmeticError):
        return False  # a malformed refund cannot be shown to be ours


def _matches(refund: Node, refund_input: Mapping[str, Any], sent_at: datetime) -> bool:
    created = _timestamp(refund.get("createdAt"))
    if created is None or created < sent_at - RECONCILE_CLOCK_SKEW:
        return False
    if (refund.get("note") or "").strip() != str(refund_input.get("note") or "").strip():
        return False
    lines = refund.get("refundLineItems") or {}
    transactions = refund.get("transactions") or {}
    if (lines.get("pageInfo") or {}).get("hasNextPage") or (
        (transactions.get("pageInfo") or {}).get("hasNextPage")
    ):
        return False  # only part of it was read: cannot be compared in full
    asked_lines: Counter[str] = Counter()
    for line in refund_input.get("refundLineItems") or []:
        asked_lines[str(line["lineItemId"])] += int(line["quantity"])
    got_lines: Counter[str] = Counter()
    for line in lines.get("nodes") or []:
        got_lines[str((line.get("lineItem") or {}).get("id"))] += int(line.get("quantity") or 0)
    if +asked_lines != +got_lines:
        return False
    asked_money = Counter(
        (str(t["gateway"]), Decimal(str(t["amount"])))
        for t in refund_input.get("transactions") or []
    )
    got_money = Counter(
        (str(t.get("gateway")), _amount(t.get("amountSet")))
        for t in transactions.get("nodes") or []
    )
    return asked_money == got_money


async def reconcile_store_credit(
    adapter: ShopifyAdapter,
    customer: Customer,
    data: IssueStoreCreditInput,
    *,
    seen: set[Any],
    sent_at: datetime,
    exc: GatewayError,
    call: ActionCall,
) -> Node:
    """After an ambiguous storeCreditAccountCredit: our credit transaction, else unknown.

    Never re-sent (the mutation is not idempotent and has no reference field). Ours is a
    credit transaction not among those read just before the send, of the same amount and
    currency, ``event: ADJUSTMENT`` (what storeCreditAccountCredit records, C11), stamped no
    earlier than the send (less ``RECONCILE_CLOCK_SKEW``). Exactly one answers succeeded; none
    (the credit may still land) or several (cannot tell which) keep outcome unknown.
    """
    try:
        result = await adapter.client.execute(
            CUSTOMER_STORE_CREDIT,
            {"id": customer.platform_id, "accounts": f"currency_code:{data.currency}"},
            call=call,
        )
    except GatewayError:
        raise exc from exc.__cause__  # cannot tell: the write's own failure, as it was
    account = store_credit_account(result.get("customer"))
    ours = [
        transaction
        for transaction in credit_transactions(account)
        if transaction.get("id") not in seen and _is_our_credit(transaction, data, sent_at)
    ]
    if len(ours) == 1:
        return {**ours[0], "account": {"id": (account or {}).get("id")}}
    found = (
        "no new credit of this amount yet (it may still be applied)"
        if not ours
        else f"{len(ours)} new credits of this amount, so which is ours cannot be told"
    )
    raise still_unknown(
        exc,
        f"Re-reading the customer's store credit shows {found}: check the customer's store "
        "credit before issuing it again.",
    ) from exc.__cause__


def earlier_store_credit(
    account: Node | None, data: IssueStoreCreditInput, *, since: datetime
) -> Node | None:
    """Before crediting again for a request whose earlier attempt never answered: that
    attempt's credit (one credit of this amount since it began), None when there is none
    (it did not credit: the mutation answers synchronously and its lease is long over), and
    outcome unknown when several could be it."""
    earlier = [t for t in credit_transactions(account) if _is_our_credit(t, data, since)]
    if len(earlier) == 1:
        return {**earlier[0], "account": {"id": (account or {}).get("id")}}
    if not earlier:
        return None
    raise EarlierAttemptUnknown(
        f"An earlier attempt of this request began at {since.isoformat()} and stopped before it "
        f"answered; the customer's store credit shows {len(earlier)} credits of this amount "
        "since then, so whether one is that attempt's cannot be told. Nothing was sent again: "
        "check the customer's store credit before issuing it again.",
        outcome=Outcome.UNKNOWN,
    )


def _is_our_credit(transaction: Node, data: IssueStoreCreditInput, sent_at: datetime) -> bool:
    try:
        amount = transaction["amount"]
        created = _timestamp(transaction.get("createdAt"))
        return (
            transaction.get("__typename") == "StoreCreditAccountCreditTransaction"
            and transaction.get("event") == "ADJUSTMENT"
            and Decimal(str(amount["amount"])) == Decimal(data.amount)
            and amount["currencyCode"] == data.currency
            and created is not None
            and created >= sent_at - RECONCILE_CLOCK_SKEW
        )
    except (KeyError, TypeError, ArithmeticError):
        return False  # a malformed transaction cannot be shown to be ours
