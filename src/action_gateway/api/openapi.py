"""The OpenAPI document the app serves, true to the mode it runs in.

With callers configured every ``/v1`` operation requires a bearer token and may answer 429;
without (loopback only) the document claims no token. Each operation documents, per status,
exactly the problem codes it can answer with (its own, declared on its route with
:func:`api.problems.problem_responses`, and those every operation shares), each an example from
the catalog in ``components.examples``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from action_gateway.api.deps import SECURITY_SCHEME, requires_key
from action_gateway.api.problem_catalog import (
    CALLER_CODES,
    COMPONENT_HEADERS,
    component_examples,
    problem_answers,
)
from action_gateway.api.problems import PROBLEM_CODES, Problem
from action_gateway.platforms.registry import PlatformRegistry

_EXAMPLES = Path(__file__).parent / "openapi_examples.json"
"""Real sandbox answers per operationId (``scripts/capture_openapi_examples.py``)."""

SHARED_CODES = (
    "malformed_request",  # e.g. a malformed Content-Length
    "unauthenticated",
    "request_body_too_large",
    "rate_limited",
    "request_headers_too_large",
    "internal_error",
)
"""What any ``/v1`` operation can answer with, from the middleware, before its route runs."""
BODY_CODES = ("unsupported_media_type",)
"""What any operation with a body can answer with."""


def is_secured(app: FastAPI) -> bool:
    """Whether the running app has callers; before start-up, the production shape (callers)."""
    services = getattr(app.state, "services", None)
    return services is None or services.config.callers is not None


def install_openapi(app: FastAPI, platforms: PlatformRegistry) -> None:
    """Replace ``app.openapi`` with the mode-aware document (built once per mode)."""
    generate = app.openapi
    documents: dict[bool, dict[str, Any]] = {}

    def openapi() -> dict[str, Any]:
        secured = is_secured(app)
        if secured not in documents:
            documents[secured] = build_document(generate, secured=secured, platforms=platforms)
        return documents[secured]

    app.openapi = openapi  # type: ignore[method-assign]


def build_document(
    generate: Callable[[], dict[str, Any]], *, secured: bool, platforms: PlatformRegistry
) -> dict[str, Any]:
    schema = copy.deepcopy(generate())
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    # A platform id is a string in the code (a platform registers without editing an enum); to
    # callers and generated clients it is one of the registered ids.
    schemas["Platform"] = {
        "type": "string",
        "enum": list(platforms),
        "title": "Platform",
        "description": "The commerce and subscription platforms the gateway knows.",
    }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    if "Problem" not in schemas:
        schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    components.pop("responses", None)
    components["examples"] = component_examples()
    components["headers"] = dict(COMPONENT_HEADERS)
    if secured:
        components["securitySchemes"] = {"HTTPBearer": dict(SECURITY_SCHEME)}
    else:
        components.pop("securitySchemes", None)
    request_id = {"X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"}}
    examples = json.loads(_EXAMPLES.read_text(encoding="utf-8"))
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = {}
            codes: list[str] = []
            for status, answer in operation.get("responses", {}).items():
                if PROBLEM_CODES in answer:
                    codes.extend(answer[PROBLEM_CODES])
                elif status == "422" and path.startswith("/v1/"):
                    continue  # FastAPI's own; a route that can refuse its input says so
                else:
                    answer.setdefault("headers", {}).update(request_id)
                    responses[status] = answer
            if path.startswith("/v1/"):
                codes.extend(SHARED_CODES)
                if "requestBody" in operation:
                    codes.extend(BODY_CODES)
            if not secured:
                codes = [code for code in codes if code not in CALLER_CODES]
            responses.update(problem_answers(codes))
            operation["responses"] = dict(sorted(responses.items()))
            operation.pop("security", None)
            if secured and requires_key(path):
                operation["security"] = [{"HTTPBearer": []}]
            example = examples.get(operation.get("operationId"))
            content = operation["responses"].get("200", {}).get("content", {})
            if example is not None and "application/json" in content:
                content["application/json"]["example"] = example
    replayed = {"Idempotent-Replayed": {"$ref": "#/components/headers/Idempotent-Replayed"}}
    schema["paths"]["/v1/actions"]["post"]["responses"]["200"]["headers"].update(replayed)
    return schema
