"""In-process micro-benchmark: one eligibility decision, as the API makes it for every order."""

from __future__ import annotations

import timeit
from dataclasses import dataclass

from pydantic import SecretStr

from action_gateway.actions.services import Connection
from action_gateway.actions.views import evaluate
from action_gateway.config import ConnectionConfig
from action_gateway.domain.models import ResourceType
from action_gateway.platforms.registry import PLATFORMS, load_matrices

FACTS = {"financial_status": "paid", "fulfillment_status": "unfulfilled", "cancelled": False}
CONTEXT = {"conversation_status": "open"}


@dataclass
class Micro:
    name: str
    microseconds: float


def _best(statement: object, number: int) -> float:
    """The best of five runs, in microseconds per call (the least disturbed by the machine)."""
    runs = timeit.repeat(statement, number=number, repeat=5)  # type: ignore[arg-type]
    return min(runs) / number * 1e6


def run(number: int = 100_000) -> list[Micro]:
    import httpx

    matrix = load_matrices()["shopify"]
    config = ConnectionConfig.model_validate(
        {
            "id": "bench",
            "platform": "shopify",
            "shop": "bench.myshopify.com",
            "access_token_env": "BENCH",
        }
    ).model_copy(update={"access_token": SecretStr("t")})
    adapter = PLATFORMS["shopify"].build_adapter(config, httpx.AsyncClient())
    connection = Connection(config=config, adapter=adapter, matrix=matrix, deadline_seconds=15)
    order = ResourceType.ORDER
    unrecognised = {**FACTS, "fulfillment_status": "on_the_moon"}  # never memoised
    return [
        Micro(
            "matrix.evaluate (compiled, memoised)",
            _best(lambda: matrix.evaluate(order, FACTS, context=CONTEXT), number),
        ),
        Micro(
            "matrix.evaluate (unrecognised status, not memoised)",
            _best(lambda: matrix.evaluate(order, unrecognised, context=CONTEXT), number // 10),
        ),
        Micro(
            "views.evaluate (+ connection switches, Eligibility model)",
            _best(lambda: evaluate(connection, order, FACTS, CONTEXT), number // 10),
        ),
    ]
