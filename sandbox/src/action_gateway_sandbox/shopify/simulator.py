"""The HTTP face of the simulator: endpoint, auth, versions, cost throttle and faults."""

from __future__ import annotations

import asyncio
import json
import pathlib
import random
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from graphql import FieldNode, OperationDefinitionNode, parse
from graphql.error import GraphQLSyntaxError

from .executor import MUTATION_COST, Prepared, actual_cost, load_schema, prepare, run
from .faults import Fault, FaultKind, FaultPlan
from .resolvers import root_resolvers
from .seed import populate
from .state import LedgerEntry
from .store import Store

_BAD_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
_PATH = re.compile(r"^/admin/api/([^/]+)/graphql\.json$")
_HTTP_FAULT_BODIES = {
    429: "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service.",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class ThrottleBucket:
    """Shopify's leaky bucket of cost points (standard plan: 2000, restoring 100 per second)."""

    maximum = 2000.0
    restore_rate = 100.0

    def __init__(self) -> None:
        self.available = self.maximum
        self._at = time.monotonic()

    def refill(self) -> float:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self._at) * self.restore_rate)
        self._at = now
        return self.available

    def status(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": round(self.available, 1),
            "restoreRate": self.restore_rate,
        }


class ShopifySimulator:
    """A stateful, in-process Shopify Admin GraphQL API for `httpx.MockTransport`."""

    def __init__(
        self,
        *,
        shop: str = "sandbox-shop.myshopify.com",
        access_token: str,
        api_versions: frozenset[str] = frozenset({"2026-01", "2026-04", "2026-07", "2026-10"}),
        schema_path: pathlib.Path | None = None,
        seed: bool = True,
        random_seed: int = 0,
        cancel_job_seconds: float = 0.2,
    ) -> None:
        self.shop = shop
        self._token = access_token
        self.api_versions = api_versions
        self._schema = None if schema_path is None else load_schema(schema_path)
        self.cancel_job_seconds = cancel_job_seconds
        self.faults = FaultPlan()
        self.bucket = ThrottleBucket()
        self.store = Store()
        self._rng = random.Random(random_seed)
        if seed:
            populate(self.store, datetime.now(UTC))

    @property
    def ledger(self) -> list[LedgerEntry]:
        """Every executed mutation (background cancels that are due included)."""
        self.store.advance()
        return self.store.ledger

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if self.faults.latency_seconds:
            await asyncio.sleep(self.faults.latency_seconds)
        match = _PATH.match(request.url.path)
        if request.method != "POST" or match is None or request.url.host != self.shop:
            return self._json(404, {"errors": "Not Found"})
        version = match[1]
        if request.headers.get("X-Shopify-Access-Token") != self._token:
            return self._json(
                401,
                {"errors": _BAD_TOKEN},
            )
        if version not in self.api_versions:
            return self._json(404, {"errors": "Not Found"})
        try:
            body = json.loads(request.content)
            query, variables = body["query"], body.get("variables") or {}
            operation_name = body.get("operationName")
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise TypeError(query)
        except (ValueError, KeyError, TypeError):
            return self._json(
                400, {"errors": {"query": "Required parameter missing or invalid"}}, version
            )
        fault = self.faults.take(_names(query, operation_name), self._rng)
        if fault is not None and fault.kind != FaultKind.DROP_AFTER:
            return self._fault(fault, request, version)
        response = self._graphql(query, variables, operation_name, version)
        if fault is not None:
            # The mutation ran and is in the ledger; only the answer is lost.
            raise fault.error("connection lost after the request was processed", request=request)
        return response

    def _graphql(
        self, query: str, variables: dict[str, Any], operation_name: str | None, version: str
    ) -> httpx.Response:
        self.store.advance()
        prepared = prepare(query, variables, operation_name, self._schema)
        if not isinstance(prepared, Prepared):
            return self._json(200, {"errors": prepared}, version)
        requested = prepared.requested_cost
        available = self.bucket.refill()
        if requested > available:
            return self._json(200, self._throttled(requested), version)
        root = root_resolvers(self.store, version, self.cancel_job_seconds)
        body = run(prepared, root)
        actual = (
            requested if prepared.is_mutation else min(requested, actual_cost(body.get("data")))
        )
        self.bucket.available -= actual
        body["extensions"] = self._cost(requested, actual)
        return self._json(200, body, version)

    def _cost(self, requested: int, actual: int | None) -> dict[str, Any]:
        return {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": self.bucket.status(),
            }
        }

    def _throttled(self, requested: int) -> dict[str, Any]:
        error = {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
        return {"errors": [error], "extensions": self._cost(requested, None)}

    def _fault(self, fault: Fault, request: httpx.Request, version: str) -> httpx.Response:
        if fault.kind == FaultKind.DROP_BEFORE:
            raise fault.error("connection failed before the request was sent", request=request)
        if fault.kind == FaultKind.THROTTLED:
            self.bucket.refill()
            return self._json(200, self._throttled(MUTATION_COST), version)
        response = self._json(
            fault.status, {"errors": _HTTP_FAULT_BODIES.get(fault.status, "Error")}, version
        )
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response

    def _json(
        self, status: int, body: dict[str, Any], version: str | None = None
    ) -> httpx.Response:
        headers = {"X-Request-Id": str(uuid.UUID(int=self._rng.getrandbits(128), version=4))}
        if version is not None:
            headers["X-Shopify-API-Version"] = version
        return httpx.Response(status, json=body, headers=headers)


def _names(query: str, operation_name: str | None) -> set[str]:
    """The operation name and root field names a fault may be filtered on."""
    names = {operation_name} if operation_name else set()
    try:
        document = parse(query)
    except GraphQLSyntaxError:
        return names
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            if definition.name:
                names.add(definition.name.value)
            names.update(
                s.name.value
                for s in definition.selection_set.selections
                if isinstance(s, FieldNode)
            )
    return names
