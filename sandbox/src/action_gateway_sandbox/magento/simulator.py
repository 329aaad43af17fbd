"""The HTTP face of the Magento simulator: store code, OAuth 1.0a, routing, search and faults."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import random
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

import httpx
from oauthlib.oauth1.rfc5849 import signature, utils

from action_gateway_sandbox import _faults
from action_gateway_sandbox._faults import FaultKind
from action_gateway_sandbox._routes import Route, route

from .seed import Node
from .store import COULD_NOT_SAVE_CREDITMEMO, OFFLINE_METHODS, ApiError, LedgerEntry, Store

UNAUTHORIZED = "The consumer isn't authorized to access %resources."
NO_ROUTE = "Request does not match any route."
INTERNAL = "Internal Error. Details are available in Magento log file. Report ID: webapi-%1"
_STORE_PATH = re.compile(r"^(?:/index\.php)?/rest/([a-z0-9_]+)(/V1/.*)$")
_FILTER = re.compile(
    r"^searchCriteria\[(?:filterGroups|filter_groups)\]\[(\d+)\]\[filters\]\[(\d+)\]"
    r"\[(field|value|conditionType|condition_type)\]$"
)
_SORT = re.compile(r"^searchCriteria\[(?:sortOrders|sort_orders)\]\[(\d+)\]\[(field|direction)\]$")

_ROUTES = (
    route("GET", "/V1/orders", "GetV1Orders"),
    route("GET", "/V1/orders/{id}", "GetV1OrdersId"),
    route("POST", "/V1/orders/{id}/cancel", "PostV1OrdersIdCancel"),
    route("GET", "/V1/orders/{id}/comments", "GetV1OrdersIdComments"),
    route("POST", "/V1/orders/{id}/comments", "PostV1OrdersIdComments"),
    route("GET", "/V1/invoices", "GetV1Invoices"),
    route("GET", "/V1/creditmemos", "GetV1Creditmemos"),
    route("POST", "/V1/order/{orderId}/refund", "PostV1OrderOrderIdRefund"),
    route("POST", "/V1/invoice/{invoiceId}/refund", "PostV1InvoiceInvoiceIdRefund"),
    route("GET", "/V1/customers/search", "GetV1CustomersSearch"),
    route("GET", "/V1/customers/{customerId}", "GetV1CustomersCustomerId"),
    route("POST", "/V1/salesRules", "PostV1SalesRules"),
    route("DELETE", "/V1/salesRules/{ruleId}", "DeleteV1SalesRulesRuleId"),
    route("POST", "/V1/coupons", "PostV1Coupons"),
    route("GET", "/V1/coupons/search", "GetV1CouponsSearch"),
    route("PUT", "/V1/orders/{parent_id}", "PutV1OrdersParent_id"),
)


@dataclass(frozen=True)
class Fault(_faults.Fault):
    """A Magento simulator's fault (the REST kinds, nothing of its own)."""


@dataclass
class FaultPlan(_faults.FaultPlan[Fault]):
    """One-shot faults for the next matching requests, named by the schema's operationId
    (``PostV1OrderOrderIdRefund``) or ``METHOD /V1/order/{orderId}/refund``."""

    random_faults: tuple[Fault, ...] = _faults.rest_random_faults(Fault)

    def _fault(self, kind: str, **fields: Any) -> Fault:
        return Fault(FaultKind(kind), **fields)

    def rate_limit(self, *, operation: str | None = None) -> None:
        self.queue.append(Fault(FaultKind.RATE_LIMITED, status=429, operation=operation))


class MagentoSimulator:
    """A stateful, in-process Magento 2.4 Admin REST API for ``httpx.MockTransport``.

    Requests are authorised as Magento does: an OAuth 1.0a signature (HMAC-SHA256) with the
    integration's four credentials, each nonce once; a bearer token only when
    ``bearer_enabled`` (Adobe's default is off).
    """

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        store_code: str = "default",
        bearer_enabled: bool = False,
        seed: bool = True,
        random_seed: int = 0,
    ) -> None:
        self.consumer_key = consumer_key
        self._consumer_secret = consumer_secret
        self.access_token = access_token
        self._token_secret = access_token_secret
        self.store_code = store_code
        self.bearer_enabled = bearer_enabled
        self.decline_online_refunds = False
        """The payment gateway declines online refunds: Magento's opaque refusal, no memo."""
        self.faults = FaultPlan()
        self.store = Store.seeded(datetime.now(UTC)) if seed else Store()
        self._nonces: set[str] = set()
        self._rng = random.Random(random_seed)

    @property
    def ledger(self) -> list[LedgerEntry]:
        return self.store.ledger

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        found = _STORE_PATH.match(request.url.path)
        if found is None or found[1] != self.store_code:
            return _json(404, {"message": NO_ROUTE})
        path = found[2].rstrip("/")
        if not self._authorised(request):
            return _json(
                401, {"message": UNAUTHORIZED, "parameters": {"resources": "Magento_Sales::sales"}}
            )
        known = [(r, m) for r in _ROUTES if (m := r.pattern.match(path)) is not None]
        chosen = next(((r, m) for r, m in known if r.method == request.method), None)
        if chosen is None:
            return _json(404 if not known else 405, {"message": NO_ROUTE})
        chosen_route, match = chosen
        fault = self.faults.take(chosen_route.fault_names, self._rng)
        if fault is not None and fault.kind != FaultKind.DROP_AFTER:
            return self._fault(fault, request)
        try:
            response = self._dispatch(chosen_route, match, request)
        except ApiError as error:
            response = _json(error.status, error.body)
        if fault is not None:
            # The effect ran and is in the ledger; only the answer is lost.
            raise fault.error("connection lost after the request was processed", request=request)
        return response

    # --- authorisation --------------------------------------------------------------------

    def _authorised(self, request: httpx.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Bearer "):
            return self.bearer_enabled and hmac.compare_digest(header[7:], self.access_token)
        if not header.startswith("OAuth "):
            return False
        given = dict(utils.parse_authorization_header(header))
        if (
            given.get("oauth_consumer_key") != self.consumer_key
            or given.get("oauth_token") != self.access_token
            or given.get("oauth_signature_method") != "HMAC-SHA256"
            or not given.get("oauth_nonce")
            or given["oauth_nonce"] in self._nonces
        ):
            return False
        params = signature.collect_parameters(
            uri_query=request.url.query.decode(),
            headers={"Authorization": header},
            exclude_oauth_signature=True,
        )
        base = signature.signature_base_string(
            cast(Any, request.method),  # the stubs' Literal of method names
            signature.base_string_uri(str(request.url)),
            signature.normalize_parameters(cast(Any, params)),  # a list of pairs, as it reads
        )
        # RFC 5849 §3.4.2, with SHA-256: key = encoded secrets joined by "&".
        key = f"{utils.escape(self._consumer_secret)}&{utils.escape(self._token_secret)}"
        digest = hmac.new(key.encode(), base.encode(), hashlib.sha256).digest()
        expected = base64.b64encode(digest).decode()
        if not hmac.compare_digest(expected, unquote(given.get("oauth_signature", ""))):
            return False
        self._nonces.add(given["oauth_nonce"])  # Magento refuses a nonce it has seen
        return True

    # --- plumbing -------------------------------------------------------------------------

    def _fault(self, fault: Fault, request: httpx.Request) -> httpx.Response:
        if fault.kind == FaultKind.DROP_BEFORE:
            raise fault.error("connection failed before the request was sent", request=request)
        if fault.kind == FaultKind.RATE_LIMITED:
            return _json(429, {"message": "Too Many Requests"})
        if fault.status == 500:
            # Outside developer mode every unexpected exception is masked [M-ErrorProc].
            return _json(500, {"message": INTERNAL, "parameters": [secrets.token_hex(8)]})
        return _json(fault.status, {"message": "Service Unavailable"}, dict(fault.headers))

    def _dispatch(
        self, chosen: Route, match: re.Match[str], request: httpx.Request
    ) -> httpx.Response:
        now = datetime.now(UTC)
        op = chosen.operation
        store = self.store
        if op == "GetV1Orders":
            return _search(request, list(store.orders.values()), lambda o, f: o.get(f))
        if op == "GetV1OrdersId":
            return _json(200, store.order(match[1]))
        if op == "PostV1OrdersIdCancel":
            # 200 `false` when canCancel() refuses: no message [M-OrderService].
            return _json(200, store.cancel(store.order(match[1]), now))
        if op == "GetV1OrdersIdComments":
            histories = store.order(match[1])["status_histories"]
            criteria = {
                "filter_groups": [
                    {"filters": [{"field": "parent_id", "value": match[1], "condition_type": "eq"}]}
                ]
            }
            return _json(
                200,
                {"items": histories, "search_criteria": criteria, "total_count": len(histories)},
            )
        if op == "PostV1OrdersIdComments":
            history = _body(request).get("statusHistory")
            _require(
                history, ("comment", "is_customer_notified", "is_visible_on_front", "parent_id")
            )
            assert isinstance(history, dict)
            store.add_comment(store.order(match[1]), history, now)
            return _json(200, True)
        if op == "GetV1Invoices":
            return _search(request, list(store.invoices.values()), lambda o, f: o.get(f))
        if op == "GetV1Creditmemos":
            return _search(request, list(store.creditmemos.values()), lambda o, f: o.get(f))
        if op == "PostV1OrderOrderIdRefund":
            order = store.order(match[1])
            return _json(200, store.refund(order, _body(request), now, invoice=None, online=False))
        if op == "PostV1InvoiceInvoiceIdRefund":
            invoice = store.invoices.get(int(match[1])) if match[1].isdigit() else None
            if invoice is None:
                raise ApiError(
                    404,
                    "The entity that was requested doesn't exist. Verify the entity and try again.",
                )
            body = _body(request)
            order = store.orders[invoice["order_id"]]
            online = (
                bool(body.get("isOnline")) and order["payment"]["method"] not in OFFLINE_METHODS
            )
            if online and self.decline_online_refunds:
                # A gateway decline is only logged; the caller gets the generic text.
                raise ApiError(400, COULD_NOT_SAVE_CREDITMEMO)
            return _json(200, store.refund(order, body, now, invoice=invoice, online=online))
        if op == "GetV1CustomersSearch":
            return _search(request, list(store.customers.values()), _customer_field)
        if op == "GetV1CustomersCustomerId":
            customer = store.customers.get(int(match[1])) if match[1].isdigit() else None
            if customer is None:
                raise ApiError(
                    404,
                    "No such entity with %fieldName = %fieldValue",
                    {"fieldName": "customerId", "fieldValue": match[1]},
                )
            return _json(200, customer)
        if op == "PostV1SalesRules":
            rule = _body(request).get("rule")
            _require(
                rule,
                (
                    "website_ids",
                    "customer_group_ids",
                    "uses_per_customer",
                    "is_active",
                    "stop_rules_processing",
                    "is_advanced",
                    "sort_order",
                    "discount_amount",
                    "discount_step",
                    "apply_to_shipping",
                    "times_used",
                    "is_rss",
                    "coupon_type",
                    "use_auto_generation",
                    "uses_per_coupon",
                ),
            )
            assert isinstance(rule, dict)
            return _json(200, store.create_rule(rule, now))
        if op == "DeleteV1SalesRulesRuleId":
            if not match[1].isdigit():
                raise ApiError(
                    404,
                    "The entity that was requested doesn't exist. Verify the entity and try again.",
                )
            store.delete_rule(int(match[1]), now)
            return _json(200, True)
        if op == "PutV1OrdersParent_id":
            return _json(200, store.save_address(_body(request).get("entity"), now))
        if op == "PostV1Coupons":
            coupon = _body(request).get("coupon")
            _require(coupon, ("rule_id", "times_used", "is_primary"))
            assert isinstance(coupon, dict)
            return _json(200, store.create_coupon(coupon, now))
        return _search(request, list(store.coupons.values()), lambda o, f: o.get(f))


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def _body(request: httpx.Request) -> Node:
    try:
        body = json.loads(request.content or b"null")
    except ValueError:
        raise ApiError(400, "Decoding error: \n%1", ["Syntax error"]) from None  # unverified
    if not isinstance(body, dict):
        raise ApiError(
            400, '"%fieldName" is required. Enter and try again.', {"fieldName": "request"}
        )
    return body


def _require(value: Any, fields: tuple[str, ...]) -> None:
    if not isinstance(value, dict):
        raise ApiError(
            400, '"%fieldName" is required. Enter and try again.', {"fieldName": "entity"}
        )
    for name in fields:
        if name not in value:
            raise ApiError(
                400, '"%fieldName" is required. Enter and try again.', {"fieldName": name}
            )


def _customer_field(customer: Node, field: str) -> Any:
    """Customer search joins the default billing address as ``billing_*`` [M-CustRepo]."""
    if field.startswith("billing_"):
        billing: Node = next(
            (a for a in customer.get("addresses") or [] if a.get("default_billing")), {}
        )
        return billing.get(field.removeprefix("billing_"))
    return customer.get(field)


def _matches(value: Any, wanted: str, condition: str) -> bool:
    text = "" if value is None else str(value)
    # MySQL's default collation compares case-insensitively.
    if condition == "eq":
        return text.casefold() == wanted.casefold()
    if condition == "neq":
        return text.casefold() != wanted.casefold()
    if condition in ("in", "nin"):
        inside = text.casefold() in {w.strip().casefold() for w in wanted.split(",")}
        return inside if condition == "in" else not inside
    if condition == "like":
        pattern = "^" + ".*".join(re.escape(p) for p in wanted.split("%")) + "$"
        return re.match(pattern, text, re.IGNORECASE) is not None
    raise ApiError(
        400,
        'Invalid value of "%value" provided for the %fieldName field.',
        {"value": condition, "fieldName": "condition_type"},
    )


def _search(
    request: httpx.Request, rows: list[Node], read: Callable[[Node, str], Any]
) -> httpx.Response:
    """A repository's getList: filters ORed within a group, groups ANDed, then sort and page."""
    groups: dict[int, dict[int, dict[str, str]]] = {}
    sorts: dict[int, dict[str, str]] = {}
    page_size: int | None = None
    page = 1
    for key, value in request.url.params.multi_items():
        if found := _FILTER.match(key):
            name = {"conditionType": "condition_type"}.get(found[3], found[3])
            groups.setdefault(int(found[1]), {}).setdefault(int(found[2]), {})[name] = value
        elif found := _SORT.match(key):
            sorts.setdefault(int(found[1]), {})[found[2]] = value
        elif key in ("searchCriteria[pageSize]", "searchCriteria[page_size]"):
            page_size = int(value)
        elif key in ("searchCriteria[currentPage]", "searchCriteria[current_page]"):
            page = int(value)
    selected = [
        row
        for row in rows
        if all(
            any(
                _matches(
                    read(row, f.get("field", "")), f.get("value", ""), f.get("condition_type", "eq")
                )
                for f in group.values()
            )
            for group in groups.values()
        )
    ]
    for order in reversed([sorts[i] for i in sorted(sorts)]):
        field = order.get("field", "")
        selected.sort(
            key=lambda row: str(read(row, field) or ""),
            reverse=order.get("direction", "DESC").upper() == "DESC",
        )
    # Without pageSize Magento returns every match [D-search].
    window = selected if page_size is None else selected[(page - 1) * page_size : page * page_size]
    criteria: Node = {
        "filter_groups": [
            {"filters": [{**f, "value": f.get("value", "")} for f in group.values()]}
            for _, group in sorted(groups.items())
        ]
    }
    if sorts:
        criteria["sort_orders"] = [sorts[i] for i in sorted(sorts)]
    if page_size is not None:
        criteria |= {"page_size": page_size, "current_page": page}
    return _json(200, {"items": window, "search_criteria": criteria, "total_count": len(selected)})
