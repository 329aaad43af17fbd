"""Faults reach a simulator through the sandbox's handle, never through the app.

The caller builds the handle (``build_sandbox``), passes it to ``create_app(sandbox=...)`` and
keeps it; the app's state and its services container hold no simulator, whoever built the
sandbox.
"""

from __future__ import annotations

import dataclasses
from typing import Any, get_args

from fastapi import FastAPI

from action_gateway_sandbox.connections import Simulator, build_sandbox
from action_gateway_sandbox.recharge import RechargeSimulator
from action_gateway_sandbox.shopify import ShopifySimulator
from tests.helpers import running_app, running_sandbox

SIMULATOR_CLASSES = get_args(Simulator)  # the four platforms' simulator classes
SHOPIFY_ORDER = "/v1/connections/sandbox-shopify/orders/5500001003"


def _simulators_held_by(app: FastAPI) -> list[str]:
    """Where the app's state, or a field of its services, holds a simulator (alone or in a
    collection)."""
    found = []
    state: dict[str, Any] = dict(vars(app.state)["_state"])
    services = state["services"]
    places = {f"state.{name}": value for name, value in state.items()}
    places |= {
        f"services.{field.name}": getattr(services, field.name)
        for field in dataclasses.fields(services)
    }
    for place, value in places.items():
        members = list(value.values()) if isinstance(value, dict) else [value]
        if isinstance(value, list | tuple | set):
            members = list(value)
        if any(isinstance(member, SIMULATOR_CLASSES) for member in members):
            found.append(place)
    return found


async def test_the_finder_sees_a_simulator_in_the_services() -> None:
    """Guards the checks below against one that finds nothing."""
    assert len(SIMULATOR_CLASSES) == 5
    async with running_app() as (_, app):
        app.state.services.connections["stray"] = RechargeSimulator(access_token="t")
        app.state.simulator = ShopifySimulator(shop="s.myshopify.com", access_token="t")
        assert _simulators_held_by(app) == ["state.simulator", "services.connections"]


async def test_a_fault_injected_through_the_handle_reaches_the_app() -> None:
    async with running_sandbox() as (client, sandbox):
        assert (await client.get(SHOPIFY_ORDER)).status_code == 200
        simulator = sandbox.simulators["sandbox-shopify"]
        assert isinstance(simulator, ShopifySimulator)
        for _ in range(4):  # the read and each of its retries
            simulator.faults.http_status(503)
        failed = await client.get(SHOPIFY_ORDER)
        assert failed.status_code == 503, failed.text
        assert failed.json()["code"] == "upstream_unavailable"
        assert (await client.get(SHOPIFY_ORDER)).status_code == 200  # the faults are spent


async def test_the_app_holds_no_simulator_given_a_handle() -> None:
    sandbox = build_sandbox()
    async with running_app(sandbox=sandbox) as (client, app):
        assert (await client.get(SHOPIFY_ORDER)).status_code == 200
        assert set(sandbox.simulators) == {
            "sandbox-shopify",
            "sandbox-bigcommerce",
            "sandbox-recharge",
            "sandbox-ordergroove",
            "sandbox-magento",
        }
        assert _simulators_held_by(app) == []


async def test_the_app_holds_no_simulator_when_it_runs_the_sandbox_itself() -> None:
    async with running_app() as (client, app):  # no config, no handle: as `make run` serves
        assert (await client.get(SHOPIFY_ORDER)).status_code == 200
        assert _simulators_held_by(app) == []
        assert "sandbox" not in {field.name for field in dataclasses.fields(app.state.services)}
