"""The FastAPI application: ``create_app`` and the lifespan that owns every client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, Protocol

import httpx
import structlog
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from action_gateway import __version__
from action_gateway.actions.approvals import ApprovalTokens
from action_gateway.actions.services import Connection, Services
from action_gateway.api.deps import AuthenticationMiddleware
from action_gateway.api.limits import RequestLimitsMiddleware
from action_gateway.api.mcp import McpServer
from action_gateway.api.mcp_tools import MCP_PATH, build_tools
from action_gateway.api.metrics import MetricsMiddleware
from action_gateway.api.openapi import install_openapi
from action_gateway.api.problems import install_problem_handlers
from action_gateway.api.request_context import LogContextMiddleware, request_id_middleware
from action_gateway.api.routes import actions, approvals, context, eligibility, health
from action_gateway.api.routes import platforms as catalog
from action_gateway.auth import Authenticator
from action_gateway.config import (
    ConfigError,
    ConfigProblem,
    ConnectionConfig,
    GatewayConfig,
    load_config,
)
from action_gateway.eligibility import PlatformMatrix
from action_gateway.idempotency import (
    IdempotencyStore,
    InMemoryIdempotencyStore,
    RedisIdempotencyStore,
    in_flight_seconds_for,
    redis_client,
)
from action_gateway.platforms._breaker import CircuitBreakers
from action_gateway.platforms._http import upstream_client
from action_gateway.platforms._transport import build_transport
from action_gateway.platforms.registry import PLATFORMS, PlatformRegistry, load_matrices
from action_gateway.ratelimit import RateLimiter, memory_rate_limiter, redis_rate_limiter
from action_gateway.settings import (
    APPROVAL_KEYS_ENV,
    Settings,
    approval_keys_problem,
    split_approval_keys,
)

log = structlog.get_logger(__name__)

DOCS_ASSETS_URL = "/docs/assets"

DESCRIPTION = """\
One HTTP service a helpdesk calls so a support agent can act on a customer's commerce platform
without leaving the conversation: look up the customer's orders with the actions available on
each, check eligibility against a declarative status-to-action matrix, perform the action within
a deadline (never moving money twice), and get back a timeline event to post.

Errors are RFC 9457 `application/problem+json` with a stable `code`.

AI agents: `/mcp` is a Model Context Protocol server (Streamable HTTP, stateless, JSON answers)
with the same callers, scopes and rate limits. Its tools are the lookups (`find_customer`,
`get_order`, `get_subscription`, `explain_eligibility`), `preview_action`, and one tool per action
(named as the action; input `connection`, `target`, `input`, `context` and a required
`idempotency_key`). Results carry this API's JSON as structured content; refusals are tool errors
carrying the problem document.
"""


def matrix_problems(
    connections: Iterable[tuple[int, ConnectionConfig]], matrices: Mapping[Any, PlatformMatrix]
) -> list[ConfigProblem]:
    """Narrowing must name real actions, dimensions and classes, and may never widen."""
    problems: list[ConfigProblem] = []
    for index, connection in connections:
        where = f"connections.{index}"
        if connection.platform not in matrices:
            problems.append((f"{where}.platform", f"{connection.platform} is not registered"))
            continue
        matrix = matrices[connection.platform]
        narrowing = connection.actions.narrowing
        for problem in matrix.validate_narrowing(narrowing):
            problems.append((f"{where}.actions.narrowing", problem))
        for action in (connection.actions.allowed or []) + list(connection.actions.roles):
            if action not in matrix.actions():
                problems.append(
                    (
                        f"{where}.actions",
                        f"{action.value} is not a {connection.platform} action",
                    )
                )
    return problems


def validate_matrices(config: GatewayConfig, matrices: Mapping[Any, PlatformMatrix]) -> None:
    """Raise :class:`ConfigError` listing every narrowing problem of ``config``."""
    problems = matrix_problems(enumerate(config.connections), matrices)
    if problems:
        raise ConfigError("\n".join(f"  - {where}: {what}" for where, what in problems))


SANDBOX_PACKAGE_MISSING = (
    "the sandbox needs the action-gateway-sandbox package (pip install -e ./sandbox; `make run` "
    "installs it): it is not part of the gateway. Give a config file without `sandbox: true` "
    "connections to serve real platforms."
)


class SimulatedPlatforms(Protocol):
    """The sandbox's handle, as the app uses it (``action_gateway_sandbox.connections.Sandbox``,
    which also holds each simulator for fault injection)."""

    @property
    def config(self) -> GatewayConfig:
        """The config, its ``sandbox: true`` connections pointed at the simulators."""
        ...

    @property
    def transports(self) -> Mapping[str, httpx.AsyncBaseTransport]:
        """Each simulator's transport, by connection id."""
        ...


def resolve_config(
    settings: Settings, platforms: PlatformRegistry = PLATFORMS
) -> tuple[GatewayConfig, SimulatedPlatforms | None]:
    """The configured connections, or the sandbox's when no config file is given.

    A config's ``sandbox: true`` connections are served by simulators (its callers, roles and
    ceilings apply to them as to any connection); the sandbox is returned with the config then.
    """
    if settings.config is not None:
        matrices = load_matrices(platforms)
        config = load_config(
            settings.config,
            extra_checks=lambda valid: matrix_problems(valid, matrices),
            platforms=platforms,
        )
        if settings.deadline_seconds is not None:
            config = config.model_copy(update={"deadline_seconds": settings.deadline_seconds})
        if not any(c.sandbox for c in config.connections):
            return config, None
        return _simulated(config, settings)
    return _simulated(None, settings)


def _simulated(
    config: GatewayConfig | None, settings: Settings
) -> tuple[GatewayConfig, SimulatedPlatforms]:
    """``config`` with simulators behind its sandbox connections (without one, the default
    sandbox's four). The simulators are a separate distribution the gateway never depends on."""
    try:
        from action_gateway_sandbox.connections import build_sandbox, with_simulators
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("action_gateway_sandbox"):
            raise
        raise ConfigError(f"  - {SANDBOX_PACKAGE_MISSING}") from None
    if config is None:
        sandbox = build_sandbox(
            deadline_seconds=settings.deadline_seconds or 15.0,
            shopify_schema=settings.shopify_schema,
        )
    else:
        sandbox = with_simulators(config, shopify_schema=settings.shopify_schema)
    return sandbox.config, sandbox


def create_app(
    settings: Settings | None = None,
    *,
    config: GatewayConfig | None = None,
    transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    sandbox: SimulatedPlatforms | None = None,
    breakers: CircuitBreakers | None = None,
    platforms: PlatformRegistry = PLATFORMS,
) -> FastAPI:
    """The app. Without ``config`` it serves ``sandbox``'s, else reads ``settings.config`` (or
    runs a sandbox of its own).

    ``sandbox`` is a handle the caller built (``action_gateway_sandbox.connections``) and keeps,
    to reach its simulators: its transports serve its connections.
    ``transports`` (by connection id) replace the network, for the sandbox and test doubles.
    ``breakers`` are this app's circuit breakers (by default new ones, with the default rule).
    ``platforms`` are the platforms it knows (``platforms/registry.py``; a ``config`` given here
    is validated against the same ones).
    """
    settings = settings or Settings()
    mcp_tools = build_tools(platforms)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal config, transports, sandbox
        if config is None:
            if sandbox is None:
                config, sandbox = resolve_config(settings, platforms)
            else:
                config = sandbox.config
        if sandbox is not None:
            transports = {**sandbox.transports, **(transports or {})}
        matrices = load_matrices(platforms)
        validate_matrices(config, matrices)
        approval_tokens = _approval_tokens(settings, config)
        app_breakers = breakers if breakers is not None else CircuitBreakers()
        async with AsyncExitStack() as stack:
            connections: dict[str, Connection] = {}
            limits = httpx.Limits(
                max_connections=settings.http_max_connections,
                max_keepalive_connections=settings.http_max_connections,
            )
            for connection in config.connections:
                # An injected transport (sandbox, tests) is used as it is; otherwise the
                # setting's, one per connection (the client closes it).
                transport = (transports or {}).get(connection.id) or build_transport(
                    settings.http_transport, limits=limits
                )
                wrap = platforms[connection.platform].wrap_transport
                if wrap is not None:
                    transport = wrap(connection, transport)
                client = await stack.enter_async_context(
                    upstream_client(
                        base_url=connection.base_url,
                        transport=transport,
                        timeout=httpx.Timeout(settings.http_timeout_seconds, connect=5.0),
                        headers={"User-Agent": f"action-gateway/{__version__}"},
                    )
                )
                adapter = platforms[connection.platform].build_adapter(
                    connection, client, breakers=app_breakers
                )
                connections[connection.id] = Connection(
                    config=connection,
                    adapter=adapter,
                    matrix=matrices[connection.platform],
                    deadline_seconds=config.deadline_for(connection),
                    phone_region=connection.phone_region or settings.phone_region,
                )
            idempotency = await _idempotency_store(settings, connections, stack)
            rate_limiter: RateLimiter | None = None
            if config.callers is not None:
                rate_limiter = (
                    memory_rate_limiter()
                    if settings.redis_url is None
                    else redis_rate_limiter(settings.redis_url.get_secret_value())
                )
                stack.push_async_callback(rate_limiter.aclose)
            app.state.services = Services(
                config=config,
                matrices=matrices,
                connections=connections,
                idempotency=idempotency,
                authenticator=Authenticator(config.callers),
                rate_limiter=rate_limiter,
                breakers=app_breakers,
                approvals=approval_tokens,
            )
            # The MCP server's session manager runs for the app's lifetime, with its services.
            app.state.mcp = McpServer(app.state.services, mcp_tools)
            await stack.enter_async_context(app.state.mcp.run())
            log.info(
                "started",
                connections=sorted(connections),
                callers=None if config.callers is None else sorted(c.id for c in config.callers),
                sandbox=sandbox is not None,
                version=__version__,
            )
            yield
            del app.state.services, app.state.mcp

    # Swagger UI and ReDoc from the installed package's assets, so /docs works offline.
    app = FastAPIOffline(
        static_url=DOCS_ASSETS_URL,
        title="action-gateway",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses={},
        # No redirect to the slashed or unslashed twin: an empty 307 would drop a POST's body
        # for clients that follow it as a GET; the twin is a route_not_found problem instead.
        redirect_slashes=False,
    )
    install_problem_handlers(app)
    # Outermost last: the request id, then metrics, then the log context, then the limits, then
    # the caller, so a refused request is still counted, logged with its id and answered with it.
    app.add_middleware(AuthenticationMiddleware)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_header_bytes=settings.max_header_bytes,
    )
    app.add_middleware(LogContextMiddleware)
    app.add_middleware(MetricsMiddleware)
    request_ids, options = request_id_middleware()
    app.add_middleware(request_ids, **options)  # type: ignore[arg-type]
    app.include_router(health.router)  # probes answer without a key
    app.include_router(catalog.router)
    app.include_router(eligibility.router_for(platforms))
    app.include_router(context.router)
    app.include_router(actions.router)
    app.include_router(approvals.router)
    app.router.routes.append(
        Route(MCP_PATH, _McpEndpoint(), methods=["GET", "POST", "DELETE"], include_in_schema=False)
    )
    install_openapi(app, platforms)
    return app


class _McpEndpoint:
    """``/mcp``: the MCP server the lifespan started (an ASGI app, not a request handler)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mcp: McpServer = scope["app"].state.mcp
        await mcp.asgi(scope, receive, send)


def create_app_from_env() -> FastAPI:
    """The app from the environment alone: uvicorn's factory for each of several workers.

    A worker is a fresh process that inherits nothing configured in its parent but the
    environment, so it sets up logging (and its redaction) itself.
    """
    from action_gateway.logging import configure_logging

    settings = Settings()
    configure_logging(settings.log_format, settings.log_level)
    return create_app(settings)


def _approval_tokens(settings: Settings, config: GatewayConfig) -> ApprovalTokens:
    """The configured keys; without them, one random key of this process, which is enough for
    the sandbox (one process) and for a config whose only ceilings are on sandbox connections
    or that has none (it never signs anything)."""
    if settings.approval_keys is not None:
        raw = settings.approval_keys.get_secret_value()
        problem = approval_keys_problem(raw)
        if problem is not None:
            raise ConfigError(f"  - (environment): {problem}")
        keys = split_approval_keys(raw)
        log.info("approval_keys", source="environment", count=len(keys))
        return ApprovalTokens(keys)
    if config.needs_approval_keys:
        raise ConfigError(
            f"  - (environment): ${APPROVAL_KEYS_ENV} is not set: a connection has ceilings, "
            "which sign approvals (keys of at least 32 bytes, comma-separated; the first signs)"
        )
    log.info("approval_keys", source="per-process")
    return ApprovalTokens.per_process()


async def _idempotency_store(
    settings: Settings, connections: Mapping[str, Connection], stack: AsyncExitStack
) -> IdempotencyStore:
    """Redis when ``redis_url`` is set (the client closes with ``stack``), else in memory."""
    if settings.redis_url is None:
        log.info("idempotency_store", backend="memory")
        return InMemoryIdempotencyStore()
    client = redis_client(settings.redis_url.get_secret_value())
    stack.push_async_callback(client.aclose)
    in_flight = in_flight_seconds_for(c.deadline_seconds for c in connections.values())
    store = RedisIdempotencyStore(client, in_flight_seconds=in_flight)
    # The URL may hold a password: it is never logged. An unreachable Redis does not stop
    # start-up; each action then fails closed with 503 until it is back.
    log.info(
        "idempotency_store",
        backend="redis",
        in_flight_seconds=in_flight,
        reachable=await store.ping(),
    )
    return store
