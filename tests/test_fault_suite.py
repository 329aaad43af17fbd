"""Fault suite (reliability issue, item 5): thousands of actions under seeded random faults.

Two gateway processes with the sandbox's five simulators (Shopify, BigCommerce, Magento,
Ordergroove, Recharge). Every simulator injects, from its own seeded generator: latency, 5xx, 429 /
THROTTLED, connections dropped before the request reached the platform, and connections dropped
*after* the platform executed it (the answer is lost). The client drives >= 2,000 action
requests with bounded concurrency; each logical action has one Idempotency-Key, is retried with
the same key and body on 409-in-flight / 502-503-504 not executed / outcome unknown, and some
are sent as concurrent duplicates. The simulators' ledgers are then checked against the answers
the client holds:

1. no logical action executed twice,
2. no lost success: an executed action is never answered with a failure that says (or implies,
   as a 4xx does) it did not happen; only succeeded / pending or ``outcome: unknown``,
3. every answer within the deadline plus a 4 s margin (the deadline starts when the action
   does: on two cores shared by both replicas, the simulators and this client, a request can
   wait its turn for seconds before that; 2 s was exceeded by 0.4-1 s in full-suite runs),
4. no 500.

Two gateway replicas, each its own OS process (``tests/fault_replica.py``: its own event loop,
HTTP clients, circuit breakers and store connection), share one real redis-server (started by
the test) as their idempotency store and the same simulators: concurrent duplicates of one
action go to different replicas, and each retry goes to a replica picked at random, so only
Redis can keep an action from running twice. The simulators stay in this process, where their
ledgers are checked: they are served over loopback HTTP from the test's event loop, each
connection under its own path prefix, and each replica reaches them through a forwarding
transport (the gateway's code is unchanged; only its transports are injected). A fault a
simulator raises as a transport error crosses the socket as a marked answer (599 with
``X-Fault-Error``) that the replica's transport raises again as the same httpx exception, so
the gateway sees what it would on the wire.

Test-only adjustments, none of which touch a safety mechanism: BigCommerce's request quota is
widened (150 per 30 s would turn the run into 429s); each replica's circuit breakers cool down
in 0.5 s instead of 30 s so an opened breaker does not stall the run (it still opens and
refuses); the Shopify simulator parses and validates each distinct GraphQL document once
instead of on every request (a repeated document gets its first copy's verdict), which was
most of this process's CPU: this one event loop serves every replica's platform calls and times
the answers, so its lag would both slow the replicas and inflate the times checked in (3).
The simulators' default random faults do not include DROP_AFTER, so it is added, raised as a
read error / read timeout (what a lost answer looks like on the wire, never a connect error).

It runs in ``make test``; ``make fault-suite`` runs it alone with its figures printed.
"""

from __future__ import annotations

import asyncio
import functools
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from action_gateway_sandbox import _faults
from action_gateway_sandbox.bigcommerce.simulator import RateLimitWindow
from action_gateway_sandbox.connections import build_sandbox
from action_gateway_sandbox.shopify import executor as shopify_executor
from action_gateway_sandbox.shopify import faults as shopify_faults
from action_gateway_sandbox.shopify import simulator as shopify_simulator
from tests.fault_replica import gateway_replicas, serving_simulators
from tests.redis_server import running_redis

SEED = 20261124
DEADLINE_SECONDS = 4.0
MARGIN_SECONDS = 4.0
CONCURRENCY = 32
MAX_ATTEMPTS = 6
RANDOM_RATE = 0.2
LATENCY_SECONDS = 0.002
DUPLICATE_SHARE = 0.1
REPLICAS = 2
BREAKER_COOLDOWN_SECONDS = 0.5
CLIENT_TIMEOUT_SECONDS = DEADLINE_SECONDS + MARGIN_SECONDS + 10  # a slow answer is counted

SHOPIFY = "sandbox-shopify"
BIGCOMMERCE = "sandbox-bigcommerce"
ORDERGROOVE = "sandbox-ordergroove"
RECHARGE = "sandbox-recharge"
MAGENTO = "sandbox-magento"

SHOPIFY_ORDERS = [str(5500001000 + n) for n in range(1, 31)]
BIGCOMMERCE_ORDERS = [str(n) for n in range(100, 118)]
SHOPIFY_NOTES = 500
BIGCOMMERCE_NOTES = 900
SKIPS_PER_SUBSCRIPTION = 12
SHOPIFY_TAG_ADDS = 60
SHOPIFY_TAG_REMOVES = 30
"""edit_order_tags: each logical action adds (or removes) one tag of its own, so a second
tagsAdd / tagsRemove of that tag is a double write."""
ADDRESS_CHANGES = 20
"""update_shipping_address per platform: each logical action sets an address line of its own
(a second write of it is a double write)."""
SHOPIFY_ADDRESS_ORDERS = ["5500001003", "5500001027", "5500001030"]  # unfulfilled, not cancelled
BIGCOMMERCE_ADDRESS_ORDERS = ["112", "111"]  # Manual Verification Required, Awaiting Fulfillment
# Magento: comments on orders no other action changes (a comment carries the status read just
# before it, which a concurrent cancel would make stale), addresses on two unshipped orders.
MAGENTO_NOTES = 120
MAGENTO_NOTE_ORDERS = ["7", "8", "10"]  # closed, canceled, payment_review
MAGENTO_ADDRESS_ORDERS = ["9", "11"]  # holded, processing (a guest's)

# One money-moving (or one-shot) logical action per order: a second effect on it is a double.
SHOPIFY_MONEY: list[tuple[str, str, dict[str, Any]]] = [
    ("5500001001", "cancel_and_refund_order", {"reason": "customer"}),
    ("5500001002", "refund_order", {"reason": "customer"}),
    ("5500001003", "refund_order", {"reason": "customer"}),
    ("5500001004", "refund_order", {"reason": "customer"}),
    ("5500001005", "cancel_order", {"reason": "customer"}),  # already cancelled: 409
    ("5500001006", "partial_refund_order", {"reason": "customer", "amount": "5.00"}),
    ("5500001007", "cancel_order", {"reason": "customer"}),
    ("5500001010", "cancel_order", {"reason": "inventory"}),
    ("5500001013", "cancel_order", {"reason": "other"}),
    ("5500001016", "cancel_order", {"reason": "staff"}),
    ("5500001019", "cancel_order", {"reason": "customer"}),
    ("5500001022", "cancel_and_refund_order", {"reason": "customer"}),
    ("5500001026", "refund_order", {"reason": "customer"}),
    ("5500001030", "partial_refund_order", {"reason": "customer", "amount": "3.00"}),
]
BIGCOMMERCE_MONEY: list[tuple[str, str, dict[str, Any]]] = [
    ("101", "cancel_order", {"reason": "customer"}),
    ("102", "refund_order", {"reason": "customer"}),
    ("103", "partial_refund_order", {"reason": "customer", "amount": "5.00"}),
    ("104", "cancel_order", {"reason": "customer"}),
    ("105", "cancel_order", {"reason": "customer"}),  # already cancelled: 409
    ("107", "cancel_order", {"reason": "customer"}),
    ("108", "cancel_and_refund_order", {"reason": "customer"}),
    ("109", "cancel_and_refund_order", {"reason": "customer"}),
    ("110", "partial_refund_order", {"reason": "customer", "amount": "4.00"}),
    ("111", "cancel_and_refund_order", {"reason": "customer"}),
    ("114", "refund_order", {"reason": "customer"}),
    ("115", "cancel_and_refund_order", {"reason": "customer"}),
    ("116", "refund_order", {"reason": "customer"}),  # offline-only provider: refused
    ("117", "refund_order", {"reason": "customer"}),  # the payment gateway declines
]
MAGENTO_MONEY: list[tuple[str, str, dict[str, Any]]] = [
    ("1", "cancel_order", {"reason": "customer"}),
    ("2", "cancel_order", {"reason": "customer"}),
    ("3", "refund_order", {"reason": "customer"}),  # online, through its invoice
    ("4", "refund_order", {"reason": "customer"}),  # offline
    ("5", "cancel_order", {"reason": "customer"}),
    ("6", "partial_refund_order", {"reason": "customer", "amount": "5.00"}),
    ("12", "refund_order", {"reason": "customer"}),
    ("13", "cancel_and_refund_order", {"reason": "customer"}),  # a credit memo and a cancel
    ("14", "refund_order", {"reason": "customer"}),
]
# Replacement orders on the shipped orders no other one-shot action touches, several per order,
# each told apart by its note: a second order for one logical replacement is a double.
SHOPIFY_SHIPPED = [str(5500001000 + n) for n in (8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 23, 24)]
REPLACEMENTS_PER_ORDER = 5
BIGCOMMERCE_SHIPPED = ["116", "117"]  # Completed; their refunds are refused, so they stay so
OG_SKIPS = [f"5b{n:030x}" for n in (1, 2, 3, 6, 10, 12, 13)]
OG_CANCELS = [f"5b{n:030x}" for n in (7, 11, 5)]  # 5 is prepaid: refused
RC_SKIPS = ["66300101", "66300102", "66300103", "66300201", "66300501"]
RC_CANCELS = ["66300502", "66300302", "66300202"]  # 66300202 is already cancelled
# Store credit: Shopify adds, so each customer takes several credits, each of its own amount
# (a credit is told apart by it); BigCommerce sets the balance (read, add, write: two
# concurrent credits to one customer would race), so one credit per customer, and a double is
# a balance raised twice.
SHOPIFY_CREDIT_CUSTOMERS = [str(7_410_001 + n) for n in range(5)]
CREDITS_PER_SHOPIFY_CUSTOMER = 4
BIGCOMMERCE_CREDIT_CUSTOMERS = ["1", "2", "3", "4"]
# Moved once each, after the skips are done (a subscription skipped and moved at once would
# leave either's re-read unable to tell): one date each, so a second effect is a double.
OG_RESCHEDULES = [f"5b{n:030x}" for n in (1, 2, 3, 6, 10)]
RC_RESCHEDULES = ["66300101", "66300102", "66300103", "66300201", "66300501"]


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    replayed: bool
    seconds: float
    received: float = 0.0
    """``time.perf_counter()`` when the answer arrived, to compare with the effects' times."""

    @property
    def code(self) -> str:
        return str(self.body.get("code") or self.body.get("status") or "")

    @property
    def kind(self) -> str:
        """succeeded / unknown / in_flight / not_executed (any other failure claims that)."""
        if self.status == 200:
            return "succeeded"
        if self.body.get("outcome") == "unknown":
            return "unknown"
        if self.status == 409 and self.code == "idempotency_request_in_flight":
            return "in_flight"
        return "not_executed"


@dataclass
class Logical:
    index: int
    kind: str  # note/money/skip/sub_cancel/credit/reschedule/replacement/tags/address
    connection: str
    action: str
    resource: str
    body: dict[str, Any]
    copies: int
    key: str = field(default_factory=lambda: str(uuid.uuid4()))
    finals: list[Answer] = field(default_factory=list)
    history: list[Answer] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        kinds = {a.kind for a in self.finals}
        for kind in ("succeeded", "unknown", "in_flight"):
            if kind in kinds:
                return kind
        return "not_executed"

    def describe(self) -> str:
        finals = [(a.status, a.code, a.body.get("outcome"), a.replayed) for a in self.finals]
        history = [(a.status, a.code, a.body.get("outcome")) for a in self.history]
        note = self.body["input"].get("note", "")
        return (
            f"#{self.index} {self.connection} {self.action} {self.resource} {note!r} "
            f"-> {finals}; every answer: {history}"
        )


@dataclass
class Stats:
    requests: int = 0
    retries: int = 0
    replays: int = 0
    conflicts_in_flight: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    max_seconds: float = 0.0
    slow: list[tuple[float, str]] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)


def _body(connection: str, action: str, target: dict[str, str], data: dict[str, Any]) -> Any:
    return {
        "connection": connection,
        "action": action,
        "target": target,
        "input": data,
        "context": {"agent_id": "agent-fault", "conversation_status": "open"},
    }


def _fault_tag(n: int) -> str:
    return f"fault-suite-tag-{n}"


def _seed_tags_to_remove(sandbox: dict[str, Any]) -> None:
    """The tags the removing logical actions take off, on their orders before the run."""
    store = sandbox[SHOPIFY].store
    for n in range(SHOPIFY_TAG_ADDS, SHOPIFY_TAG_ADDS + SHOPIFY_TAG_REMOVES):
        order = store.orders[int(SHOPIFY_ORDERS[n % len(SHOPIFY_ORDERS)])]
        order.tags.append(_fault_tag(n))


def _fault_address(connection: str, n: int) -> dict[str, str]:
    return {
        "first_name": "Fault",
        "last_name": "Suite",
        "address1": f"{n} {connection} Street",
        "city": "Toronto",
        "province_code": "ON",
        "postal_code": "M5J 2N8",
        "country_code": "CA",
    }


def _tag_of(logical: Logical) -> str:
    data = logical.body["input"]
    return str((data.get("add") or data.get("remove"))[0])


def _plan(rng: random.Random) -> list[Logical]:
    logicals: list[Logical] = []

    def add(kind: str, connection: str, action: str, resource: str, body: Any) -> None:
        copies = 2 if rng.random() < DUPLICATE_SHARE else 1
        logicals.append(Logical(0, kind, connection, action, resource, body, copies))

    for connection, notes, orders, name in (
        (SHOPIFY, SHOPIFY_NOTES, SHOPIFY_ORDERS, "shopify"),
        (BIGCOMMERCE, BIGCOMMERCE_NOTES, BIGCOMMERCE_ORDERS, "bigcommerce"),
        (MAGENTO, MAGENTO_NOTES, MAGENTO_NOTE_ORDERS, "magento"),
    ):
        for n in range(notes):
            order = orders[n % len(orders)]
            note = f"fault-suite {name} note {n}"
            add(
                "note",
                connection,
                "edit_order_note",
                order,
                _body(connection, "edit_order_note", {"order_id": order}, {"note": note}),
            )
    for n in range(SHOPIFY_TAG_ADDS + SHOPIFY_TAG_REMOVES):
        order = SHOPIFY_ORDERS[n % len(SHOPIFY_ORDERS)]
        change = {"add": [_fault_tag(n)]} if n < SHOPIFY_TAG_ADDS else {"remove": [_fault_tag(n)]}
        add(
            "tags",
            SHOPIFY,
            "edit_order_tags",
            order,
            _body(SHOPIFY, "edit_order_tags", {"order_id": order}, change),
        )
    for connection, orders in (
        (SHOPIFY, SHOPIFY_ADDRESS_ORDERS),
        (BIGCOMMERCE, BIGCOMMERCE_ADDRESS_ORDERS),
        (MAGENTO, MAGENTO_ADDRESS_ORDERS),
    ):
        for n in range(ADDRESS_CHANGES):
            order = orders[n % len(orders)]
            add(
                "address",
                connection,
                "update_shipping_address",
                order,
                _body(
                    connection,
                    "update_shipping_address",
                    {"order_id": order},
                    {"address": _fault_address(connection, n)},
                ),
            )
    for connection, money in (
        (SHOPIFY, SHOPIFY_MONEY),
        (BIGCOMMERCE, BIGCOMMERCE_MONEY),
        (MAGENTO, MAGENTO_MONEY),
    ):
        for order, action, data in money:
            add(
                "money",
                connection,
                action,
                order,
                _body(connection, action, {"order_id": order}, data),
            )
    for connection, shipped in ((SHOPIFY, SHOPIFY_SHIPPED), (BIGCOMMERCE, BIGCOMMERCE_SHIPPED)):
        for n in range(len(shipped) * REPLACEMENTS_PER_ORDER):
            order = shipped[n % len(shipped)]
            data = {
                "line_items": [{"line_item_id": f"{order}1", "quantity": 1}],
                "reason": "damaged",
                "note": f"fault-suite replacement {n}",
            }
            add(
                "replacement",
                connection,
                "create_replacement_order",
                order,
                _body(connection, "create_replacement_order", {"order_id": order}, data),
            )
    for connection, skips in ((ORDERGROOVE, OG_SKIPS), (RECHARGE, RC_SKIPS)):
        for _ in range(SKIPS_PER_SUBSCRIPTION):
            for sub in skips:
                add(
                    "skip",
                    connection,
                    "skip_subscription_order",
                    sub,
                    _body(connection, "skip_subscription_order", {"subscription_id": sub}, {}),
                )
    for connection, cancels, data in (
        (ORDERGROOVE, OG_CANCELS, {"reason": "1", "reason_details": "fault suite"}),
        (RECHARGE, RC_CANCELS, {"reason": "fault suite", "reason_details": "fault suite"}),
    ):
        for sub in cancels:
            add(
                "sub_cancel",
                connection,
                "cancel_subscription",
                sub,
                _body(connection, "cancel_subscription", {"subscription_id": sub}, data),
            )
    credits = [
        (SHOPIFY, customer, f"{n + 1}.{index + 1:02d}")
        for index, customer in enumerate(SHOPIFY_CREDIT_CUSTOMERS)
        for n in range(CREDITS_PER_SHOPIFY_CUSTOMER)
    ] + [(BIGCOMMERCE, customer, f"7.{customer}0") for customer in BIGCOMMERCE_CREDIT_CUSTOMERS]
    for connection, customer, amount in credits:
        add(
            "credit",
            connection,
            "issue_store_credit",
            customer,
            _body(
                connection,
                "issue_store_credit",
                {"customer_id": customer},
                {"amount": amount, "currency": "USD"},
            ),
        )
    rng.shuffle(logicals)
    for index, logical in enumerate(logicals):
        logical.index = index
    return logicals


def _reschedule_plan(rng: random.Random, first_index: int) -> list[Logical]:
    """reschedule_subscription_order once per subscription, each to its own date."""
    today = datetime.now(UTC).date()
    logicals: list[Logical] = []
    for connection, subs in ((ORDERGROOVE, OG_RESCHEDULES), (RECHARGE, RC_RESCHEDULES)):
        for offset, sub in enumerate(subs):
            data = {"date": (today + timedelta(days=30 + offset)).isoformat()}
            body = _body(
                connection, "reschedule_subscription_order", {"subscription_id": sub}, data
            )
            copies = 2 if rng.random() < DUPLICATE_SHARE * 3 else 1
            logicals.append(Logical(0, "reschedule", connection, body["action"], sub, body, copies))
    rng.shuffle(logicals)
    for index, logical in enumerate(logicals, start=first_index):
        logical.index = index
    return logicals


def _inject_faults(sandbox: dict[str, Any]) -> None:
    for offset, (connection, simulator) in enumerate(sorted(sandbox.items())):
        simulator._rng = random.Random(SEED + offset)
        plan = simulator.faults
        plan.latency_seconds = LATENCY_SECONDS
        plan.random_rate = RANDOM_RATE
        if connection == SHOPIFY:
            kind: Any = shopify_faults.FaultKind.DROP_AFTER
            fault_class: Any = shopify_faults.Fault
        else:
            kind = _faults.FaultKind.DROP_AFTER
            fault_class = type(plan.random_faults[0])
        plan.random_faults = (
            *plan.random_faults,
            fault_class(kind, error=httpx.ReadError),
            fault_class(kind, error=httpx.ReadTimeout),
        )
    sandbox[BIGCOMMERCE].rate_limit = RateLimitWindow(quota=10**9, window_ms=500)


class TimedLedger(list[Any]):
    """A simulator's ledger that also notes when each entry was appended."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, entry: Any) -> None:
        super().append(entry)
        self.times.append(time.perf_counter())


def _record_notes(sandbox: dict[str, Any]) -> dict[str, list[tuple[str, str, float]]]:
    """Wrap the stores' note writes (the ledger names the order, not the note); time ledgers."""
    for simulator in sandbox.values():
        simulator.store.ledger = TimedLedger()
    written: dict[str, list[tuple[str, str, float]]] = {
        SHOPIFY: [],
        BIGCOMMERCE: [],
        "bc_status": [],
        "replacements": [],
        "bc_replacements": [],
        "shopify_address": [],
    }
    shopify_store = sandbox[SHOPIFY].store
    original_update: Callable[..., Any] = shopify_store.order_update

    def order_update(data: dict[str, Any]) -> Any:
        before = len(shopify_store.ledger)
        result = original_update(data)
        if len(shopify_store.ledger) > before:
            order = str(data["id"]).rsplit("/", 1)[-1]
            if "note" in data:
                written[SHOPIFY].append((order, str(data["note"]), time.perf_counter()))
            if data.get("shippingAddress"):
                line = str(data["shippingAddress"]["address1"])
                written["shopify_address"].append((order, line, time.perf_counter()))
        return result

    shopify_store.order_update = order_update
    original_create: Callable[..., Any] = shopify_store.order_create

    def order_create(data: dict[str, Any], options: dict[str, Any]) -> Any:
        result = original_create(data, options)
        if result["order"] is not None:  # the original (its replacement-for tag), the note
            [tag] = [t for t in data["tags"] if t.startswith("replacement-for-")]
            original = tag.removeprefix("replacement-for-")
            # "Replacement for order #1008 (damaged): <the request's note> [gw-…]"
            note = str(data["note"]).split("): ", 1)[1].rsplit(" [", 1)[0]
            written["replacements"].append((original, note, time.perf_counter()))
        return result

    shopify_store.order_create = order_create
    bc_store = sandbox[BIGCOMMERCE].store
    original_bc: Callable[..., Any] = bc_store.update_order

    def update_order(order: Any, changes: dict[str, Any], now: Any) -> None:
        original_bc(order, changes, now)
        if "staff_notes" in changes:
            note = str(changes["staff_notes"])
            written[BIGCOMMERCE].append((str(order.id), note, time.perf_counter()))
        if "status_id" in changes:
            status = str(changes["status_id"])
            written["bc_status"].append((str(order.id), status, time.perf_counter()))

    bc_store.update_order = update_order
    original_bc_create: Callable[..., Any] = bc_store.create_order

    def create_order(body: dict[str, Any], now: Any) -> Any:
        created = original_bc_create(body, now)
        # "Replacement for order #116 (damaged): <the request's note> [gw-…]"
        head, note = str(body["staff_notes"]).split("): ", 1)
        original = head.split("#", 1)[1].split(" ", 1)[0]
        note = note.rsplit(" [", 1)[0]
        written["bc_replacements"].append((original, note, time.perf_counter()))
        return created

    bc_store.create_order = create_order
    return written


async def _drive(
    replicas: list[httpx.AsyncClient], logicals: list[Logical], stats: Stats, rng: random.Random
) -> None:
    semaphore = asyncio.Semaphore(CONCURRENCY)

    async def one_copy(logical: Logical, copy: int) -> Answer:
        answer: Answer | None = None
        for attempt in range(MAX_ATTEMPTS):
            if attempt:
                stats.retries += 1
                await asyncio.sleep(min(0.05 * attempt, 0.25))
            # The first try of each concurrent copy on its own replica; retries anywhere.
            client = replicas[copy % len(replicas)] if not attempt else rng.choice(replicas)
            async with semaphore:
                started = time.perf_counter()
                response = await client.post(
                    "/v1/actions", json=logical.body, headers={"Idempotency-Key": logical.key}
                )
                seconds = time.perf_counter() - started
            stats.requests += 1
            try:
                body = response.json()
            except ValueError:
                body = {"raw": response.text}
            answer = Answer(
                response.status_code,
                body if isinstance(body, dict) else {"raw": body},
                response.headers.get("Idempotent-Replayed") == "true",
                seconds,
                time.perf_counter(),
            )
            logical.history.append(answer)
            stats.statuses[answer.status] += 1
            stats.codes[answer.code] += 1
            stats.replays += answer.replayed
            stats.max_seconds = max(stats.max_seconds, seconds)
            if seconds > DEADLINE_SECONDS + MARGIN_SECONDS:
                stats.slow.append((seconds, logical.describe()))
            if answer.status == 500:
                stats.internal_errors.append(f"{logical.describe()}: {response.text[:300]}")
            if answer.kind == "in_flight":
                stats.conflicts_in_flight += 1
                continue
            if answer.kind == "unknown" and not answer.replayed:
                continue  # the same key replays the stored answer; the retry shows it
            if answer.kind == "not_executed" and answer.status in (502, 503, 504):
                continue  # released: the same key may run the action again
            break
        assert answer is not None
        return answer

    async def one_logical(logical: Logical) -> None:
        logical.finals = list(
            await asyncio.gather(*(one_copy(logical, copy) for copy in range(logical.copies)))
        )

    await asyncio.gather(*(one_logical(logical) for logical in logicals))


@pytest.fixture(autouse=True)
def _shopify_documents_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Shopify simulator parses and validates each distinct document once, not per request.

    The gateway sends a handful of GraphQL documents thousands of times; parsing and validating
    each one anew (twice parsed, validated against the model schema) was most of this process's
    CPU, which serves every replica's platform calls. A document's verdict does not change.
    """
    parse = functools.lru_cache(maxsize=256)(graphql.parse)
    original_validate = graphql.validate
    verdicts: dict[tuple[int, int], tuple[Any, Any, list[Any]]] = {}

    def validate(schema: Any, document: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if args or kwargs:
            return original_validate(schema, document, *args, **kwargs)
        key = (id(schema), id(document))
        if key not in verdicts:  # the value holds both, so neither id can be reused meanwhile
            verdicts[key] = (schema, document, original_validate(schema, document))
        return verdicts[key][2]

    monkeypatch.setattr(shopify_simulator, "parse", parse)
    monkeypatch.setattr(shopify_executor, "parse", parse)
    monkeypatch.setattr(shopify_executor, "validate", validate)


async def test_fault_suite_no_double_execution_no_lost_success(tmp_path: Path) -> None:
    logicals = _plan(random.Random(SEED))
    stats = Stats()
    sandbox_build = build_sandbox(deadline_seconds=DEADLINE_SECONDS)
    sandbox: dict[str, Any] = sandbox_build.simulators
    written = _record_notes(sandbox)
    credit_seed = {c.id: c.store_credit for c in sandbox[BIGCOMMERCE].store.customers.values()}
    _seed_tags_to_remove(sandbox)
    _inject_faults(sandbox)
    with running_redis(tmp_path / "redis") as redis_url:
        async with (
            serving_simulators(sandbox) as (stand_in, stand_in_errors),
            gateway_replicas(
                REPLICAS,
                tmp_path / "replicas",
                sandbox_build.config,
                stand_in=stand_in,
                redis_url=redis_url,
                deadline_seconds=DEADLINE_SECONDS,
                breaker_cooldown_seconds=BREAKER_COOLDOWN_SECONDS,
            ) as urls,
        ):
            clients = [
                httpx.AsyncClient(base_url=url, timeout=CLIENT_TIMEOUT_SECONDS) for url in urls
            ]
            try:
                started = time.perf_counter()
                await _drive(clients, logicals, stats, random.Random(SEED + 100))
                later = _reschedule_plan(random.Random(SEED + 200), len(logicals))
                await _drive(clients, later, stats, random.Random(SEED + 300))
                logicals += later
                elapsed = time.perf_counter() - started
            finally:
                for client in clients:
                    await client.aclose()
    for simulator in sandbox.values():
        simulator.faults.random_rate = 0.0
        simulator.faults.latency_seconds = 0.0
    shopify_store = sandbox[SHOPIFY].store
    for _ in range(100):  # Shopify cancels in a background job: let the due ones finish
        shopify_store.advance()
        if all(job.done for job in shopify_store.jobs.values()):
            break
        await asyncio.sleep(0.1)
    ledgers = {
        name: list(zip(sim.ledger, sim.store.ledger.times, strict=True))
        for name, sim in sandbox.items()
    }
    pending_jobs = [j for j in shopify_store.jobs.values() if not j.done]
    shopify_jobs = Counter(str(j.order_id) for j in shopify_store.jobs.values())

    problems: list[str] = []
    resent_credit_puts = 0

    # --- effects per logical action ----------------------------------------------------------
    def effect_key_of(logical: Logical) -> tuple[str, str, str, str]:
        return (logical.connection, logical.kind, logical.resource, note_of(logical))

    def executed_count(logical: Logical) -> int:
        return effects[effect_key_of(logical)]

    def note_of(logical: Logical) -> str:
        if logical.kind == "credit":  # a credit is told apart by its amount
            return _credit_amount(logical.body["input"]["amount"])
        if logical.kind == "tags":
            return _tag_of(logical)
        if logical.kind == "address":
            return str(logical.body["input"]["address"]["address1"])
        told_by_note = ("note", "replacement")
        return str(logical.body["input"].get("note", "")) if logical.kind in told_by_note else ""

    effects: Counter[tuple[str, str, str, str]] = Counter()
    first_effect: dict[tuple[str, str, str, str], float] = {}
    per_operation: Counter[tuple[str, str, str]] = Counter()

    def effect(key: tuple[str, str, str, str], at: float) -> None:
        effects[key] += 1
        first_effect[key] = min(at, first_effect.get(key, at))

    for connection in (SHOPIFY, BIGCOMMERCE):
        for order, note, at in written[connection]:
            effect((connection, "note", order, note), at)
    address_writes: Counter[str] = Counter()
    for order, line, at in written["shopify_address"]:
        effect((SHOPIFY, "address", order, line), at)
        per_operation[(SHOPIFY, f"orderUpdate address {line}", order)] += 1
        address_writes[SHOPIFY] += 1
    for entry, at in ledgers[BIGCOMMERCE]:
        if entry.operation == "order.shipping_address":
            order, line = str(entry.order_id), str(entry.street_1)
            effect((BIGCOMMERCE, "address", order, line), at)
            per_operation[(BIGCOMMERCE, f"address {line}", order)] += 1
            address_writes[BIGCOMMERCE] += 1
    for entry, at in ledgers[MAGENTO]:
        order = str(entry.order_id)
        if entry.operation == "comment":
            effect((MAGENTO, "note", order, str(entry.reference)), at)
        elif entry.operation == "address.save":
            effect((MAGENTO, "address", order, str(entry.reference)), at)
            per_operation[(MAGENTO, f"address {entry.reference}", order)] += 1
            address_writes[MAGENTO] += 1
        elif entry.operation in ("creditmemo", "order.cancel"):
            # No idempotency key: a second credit memo or cancel of one order is a double.
            effect((MAGENTO, "money", order, ""), at)
            per_operation[(MAGENTO, entry.operation, order)] += 1
    tag_writes: Counter[str] = Counter()
    for entry, at in ledgers[SHOPIFY]:
        if entry.operation in ("tagsAdd", "tagsRemove"):
            order = str(entry.order_id).rsplit("/", 1)[-1]
            for tag in entry.tags or ():
                # Every tagsAdd / tagsRemove that reached Shopify counts, even one that changed
                # nothing: after a lost answer the gateway re-reads, it never re-sends.
                effect((SHOPIFY, "tags", order, tag), at)
                per_operation[(SHOPIFY, f"{entry.operation} {tag}", order)] += 1
                tag_writes[entry.operation] += 1
        if entry.operation in ("refundCreate", "orderCancel"):
            order = str(entry.order_id).rsplit("/", 1)[-1]
            effect((SHOPIFY, "money", order, ""), at)
            per_operation[(SHOPIFY, entry.operation, order)] += 1
    for entry, at in ledgers[BIGCOMMERCE]:
        if entry.operation == "refund" and not entry.declined:  # a declined one moved nothing
            effect((BIGCOMMERCE, "money", str(entry.order_id), ""), at)
            per_operation[(BIGCOMMERCE, "refund", str(entry.order_id))] += 1
    status_changes: dict[tuple[str, str], float] = {}
    for order, status, at in written["bc_status"]:  # same-status PUT re-sends: one effect
        status_changes[(order, status)] = min(at, status_changes.get((order, status), at))
    for (order, _status), at in status_changes.items():
        effect((BIGCOMMERCE, "money", order, ""), at)
        per_operation[(BIGCOMMERCE, "status_update", order)] += 1
    for order, note, at in written["replacements"]:
        effect((SHOPIFY, "replacement", order, note), at)
        per_operation[(SHOPIFY, "orderCreate", f"{order} {note}")] += 1
    for order, note, at in written["bc_replacements"]:
        effect((BIGCOMMERCE, "replacement", order, note), at)
        per_operation[(BIGCOMMERCE, "order.create", f"{order} {note}")] += 1
    for order, count in shopify_jobs.items():
        per_operation[(SHOPIFY, "cancel_job", order)] += count
    resource_field: tuple[tuple[str, str], ...] = (
        (ORDERGROOVE, "subscription"),
        (RECHARGE, "subscription_id"),
    )
    for connection, field_name in resource_field:
        for entry, at in ledgers[connection]:
            kind = {
                "subscription.cancel": "sub_cancel",
                "subscription.change_next_order_date": "reschedule",
                "subscription.set_next_charge_date": "reschedule",
            }.get(entry.operation, "skip")
            effect((connection, kind, str(getattr(entry, field_name)), ""), at)
            per_operation[(connection, entry.operation, str(getattr(entry, field_name)))] += 1

    for entry, at in ledgers[SHOPIFY]:
        if entry.operation == "storeCreditAccountCredit":
            amount = _credit_amount(str(entry.amount))
            effect((SHOPIFY, "credit", str(entry.customer_id), amount), at)
    bigcommerce_store = sandbox[BIGCOMMERCE].store
    for logical in logicals:
        if logical.connection != BIGCOMMERCE or logical.kind != "credit":
            continue
        # The balance is set, not added to: what it rose by says how often the credit ran.
        customer = int(logical.resource)
        raised = bigcommerce_store.customers[customer].store_credit - credit_seed[customer]
        times = raised / Decimal(logical.body["input"]["amount"])
        writes = [at for entry, at in ledgers[BIGCOMMERCE] if entry.customer_id == customer]
        if times != int(times):
            problems.append(f"store credit of a foreign amount ({raised}): {logical.describe()}")
        for _ in range(int(times)):
            effect(effect_key_of(logical), min(writes))
        resent_credit_puts += max(0, len(writes) - int(times))
    known = {(lg.connection, lg.kind, lg.resource, note_of(lg)) for lg in logicals}
    for effect_key, count in effects.items():
        if effect_key not in known:
            problems.append(f"effect of no logical action: {effect_key} x{count}")

    # (1) no double execution, (2) no lost success, for one-shot actions (one per resource).
    resent_puts = 0
    for logical in logicals:
        if logical.kind == "skip":
            continue
        count = executed_count(logical)
        kinds = [a.kind for a in logical.finals]
        if count > 1 and logical.kind == "credit":
            problems.append(f"DOUBLE credit ({count}): {logical.describe()}")
        if count > 1 and logical.kind == "note":
            if logical.connection == BIGCOMMERCE:
                # PUT /v2/orders/{id} is WRITE_DEDUPLICATED by design: re-sending the same
                # staff_notes after a lost answer sets the same state. Counted, not failed.
                resent_puts += count - 1
            else:
                problems.append(f"DOUBLE execution ({count} writes): {logical.describe()}")
        if count > 1 and logical.kind in ("tags", "address"):
            problems.append(f"DOUBLE tag write ({count} writes): {logical.describe()}")
        if count and "succeeded" not in kinds and "unknown" not in kinds:
            problems.append(f"LOST success (executed, answered failure): {logical.describe()}")
        # A "not executed" answer is true only while nothing has run: an answer given after the
        # effect (by this key's own request or another's) is a lost success, even if a later
        # retry of the same key corrected it.
        executed_at = first_effect.get(effect_key_of(logical))
        late = [
            a
            for a in logical.history
            if a.kind == "not_executed" and executed_at is not None and a.received > executed_at
        ]
        if late:
            problems.append(
                f"LOST success ({len(late)} answers said not executed after the effect): "
                f"{logical.describe()}"
            )
        if not count and "succeeded" in kinds:
            problems.append(f"success without effect: {logical.describe()}")
    for (connection, operation, resource), count in per_operation.items():
        if count > 1 and operation not in ("order.skip_subscription", "charge.skip"):
            problems.append(f"DOUBLE execution: {connection} {operation} {resource} x{count}")
    # Skips are repeatable, so they are checked by count per subscription.
    by_sub: dict[tuple[str, str], list[Logical]] = defaultdict(list)
    for logical in logicals:
        if logical.kind == "skip":
            by_sub[(logical.connection, logical.resource)].append(logical)
    for (connection, sub), group in by_sub.items():
        count = effects[(connection, "skip", sub, "")]
        succeeded = sum(lg.outcome == "succeeded" for lg in group)
        maybe = sum(lg.outcome in ("unknown", "in_flight") for lg in group)
        if count > succeeded + maybe:
            claimed = [lg.describe() for lg in group if lg.outcome == "not_executed"]
            problems.append(
                f"skips on {connection} {sub}: ledger {count} > succeeded {succeeded} + "
                f"unknown {maybe} (double execution or lost success); failures: {claimed}"
            )
        # Two concurrent skips of one subscription may both aim at the same upcoming order and
        # both truthfully answer "skipped the order of <date>": one effect, counted once.
        skipped_dates = {
            str((answer.body.get("subscription") or {}).get("skipped_order_date"))
            for lg in group
            for answer in lg.finals
            if answer.kind == "succeeded"
        }
        if count < len(skipped_dates):
            problems.append(
                f"skips on {connection} {sub}: ledger {count} < distinct skipped orders "
                f"answered succeeded {len(skipped_dates)}"
            )

    # --- figures ------------------------------------------------------------------------------
    outcomes = Counter((lg.kind, lg.outcome) for lg in logicals)
    executions = {
        name: Counter(entry.operation for entry, _ in ledger) for name, ledger in ledgers.items()
    }
    print("\n=== fault suite ===")
    print(
        f"seed {SEED}, random_rate {RANDOM_RATE}, latency {LATENCY_SECONDS}s, "
        f"deadline {DEADLINE_SECONDS}s, concurrency {CONCURRENCY}, "
        f"{REPLICAS} gateway processes on one redis-server, wall {elapsed:.1f}s"
    )
    print(
        f"logical actions {len(logicals)} "
        f"(duplicated concurrently: {sum(lg.copies == 2 for lg in logicals)})"
    )
    print(
        f"requests sent {stats.requests}, retries {stats.retries}, replays {stats.replays}, "
        f"409 in flight {stats.conflicts_in_flight}"
    )
    print(f"HTTP statuses {dict(sorted(stats.statuses.items()))}")
    print(f"answer codes {dict(stats.codes.most_common())}")
    print(f"final outcomes by kind {dict(sorted(outcomes.items()))}")
    for name, counter in sorted(executions.items()):
        print(f"ledger {name}: {dict(counter)}")
    print(f"note writes: shopify {len(written[SHOPIFY])}, bigcommerce {len(written[BIGCOMMERCE])}")
    created_replacements = written["replacements"] + written["bc_replacements"]
    replaced = Counter(
        (connection, order, note)
        for connection, created in (
            (SHOPIFY, written["replacements"]),
            (BIGCOMMERCE, written["bc_replacements"]),
        )
        for order, note, _ in created
    )
    asked = sum(lg.kind == "replacement" for lg in logicals)
    replacement_answers = [a for lg in logicals if lg.kind == "replacement" for a in lg.history]
    settled = sum(
        any(
            "found replacement order" in w or "earlier attempt" in w
            for w in a.body.get("warnings", [])
        )
        for a in replacement_answers
        if not a.replayed
    )
    print(
        f"replacement orders: {asked} asked, {len(created_replacements)} created "
        f"(shopify {len(written['replacements'])}, bigcommerce {len(written['bc_replacements'])}), "
        f"created twice for one request {sum(n > 1 for n in replaced.values())}, "
        f"found again by their mark after a lost answer {settled}, answered unknown "
        f"{sum(a.kind == 'unknown' and not a.replayed for a in replacement_answers)}"
    )
    print(f"tag writes (one per logical action at most): {dict(tag_writes)}")
    print(f"address writes (one per logical action at most): {dict(address_writes)}")
    print(f"max answer time {stats.max_seconds:.3f}s (limit {DEADLINE_SECONDS + MARGIN_SECONDS}s)")
    print(f"500s {len(stats.internal_errors)}, pending cancel jobs {len(pending_jobs)}")
    print(f"BigCommerce same-note PUT re-sends (deduplicated write, by design): {resent_puts}")
    credits = Counter(lg.outcome for lg in logicals if lg.kind == "credit")
    print(
        f"store credits: {dict(credits)}; BigCommerce same-balance PUT re-sends (absolute "
        f"target, by design): {resent_credit_puts}"
    )
    print(f"simulator exceptions other than transport faults {len(stand_in_errors)}")
    print(f"invariant violations {len(problems)}")
    for problem in problems:
        print("  " + problem)
    for line in stats.internal_errors[:10]:
        print("  500: " + line)
    for line in stand_in_errors[:10]:
        print("  simulator: " + line)

    assert stats.requests >= 2000
    # The wiring reaches every platform: a run in which nothing executed would prove nothing.
    assert all(executions.values()), executions
    assert written["replacements"], "no replacement order was created on Shopify"
    assert written["bc_replacements"], "no replacement order was created on BigCommerce"
    assert tag_writes["tagsAdd"], tag_writes
    assert tag_writes["tagsRemove"], tag_writes
    assert address_writes[SHOPIFY], address_writes
    assert address_writes[BIGCOMMERCE], address_writes
    assert address_writes[MAGENTO], address_writes
    assert executions[MAGENTO]["creditmemo"], executions[MAGENTO]
    assert not stats.internal_errors, stats.internal_errors[:5]
    assert not stand_in_errors, stand_in_errors[:5]
    assert not stats.slow, stats.slow[:5]
    assert not pending_jobs
    assert not problems, problems[:20]


def _credit_amount(amount: str) -> str:
    """A credit's amount as the ledger and the request both write it (``1.10`` = ``1.1``)."""
    return format(Decimal(amount).normalize(), "f")
