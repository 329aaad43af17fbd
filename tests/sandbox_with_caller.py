"""The sandbox with one configured caller, as production runs: a bearer key on every /v1 call.

In-process (:func:`sandbox_app_with_caller`) or as a real server through uvicorn's factory
(``uvicorn --factory tests.sandbox_with_caller:sandbox_app_with_caller``).
"""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import SecretStr

from action_gateway.app import create_app
from action_gateway.auth import hash_key
from action_gateway.config import CallerConfig
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox
from tests.helpers import APPROVAL_KEY

CALLER_KEY = "caller-key-0123456789abcdef0123456789abcdef"


def unlimited_caller(caller_id: str, key: str) -> CallerConfig:
    """A caller with `key` that may use every connection and action, never rate-limited in tests."""
    return CallerConfig(
        id=caller_id,
        key_sha256=[hash_key(key)],
        connections="*",
        actions="*",
        requests_per_minute=100_000,
    )


CALLER = unlimited_caller("helpdesk", CALLER_KEY)


def sandbox_app_with_caller() -> FastAPI:
    sandbox = build_sandbox()
    return create_app(
        Settings(config=None, approval_keys=SecretStr(APPROVAL_KEY)),
        config=sandbox.config.model_copy(update={"callers": [CALLER]}),
        sandbox=sandbox,
    )
