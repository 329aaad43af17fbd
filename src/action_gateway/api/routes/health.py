"""Liveness (no I/O), readiness (configuration and matrices loaded) and Prometheus metrics."""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from action_gateway.api.metrics import render_latest
from action_gateway.domain.models import ResponseModel

router = APIRouter(tags=["health"])


class HealthStatus(StrEnum):
    OK = "ok"
    STARTING = "starting"


class Health(ResponseModel):
    status: HealthStatus
    connections: int | None = None


@router.get("/healthz", operation_id="liveness", summary="The process is alive")
async def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    operation_id="readiness",
    summary="Ready to serve: configuration, matrices and adapters are loaded",
    response_model=Health,
    responses={503: {"model": Health, "description": "Still starting"}},
)
async def readyz(request: Request) -> JSONResponse:
    services = getattr(request.app.state, "services", None)
    if services is None:
        return JSONResponse(Health(status="starting").model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", connections=len(services.connections)).model_dump())


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    services = getattr(request.app.state, "services", None)
    body, content_type = render_latest(services.breakers if services is not None else None)
    return Response(body, media_type=content_type)
