"""The MCP server at ``/mcp``: the gateway's tools for AI agents, over Streamable HTTP.

Built on the official ``mcp`` SDK's low-level ``Server`` (its tools are listed per caller) and
``StreamableHTTPSessionManager``, stateless and answering JSON: every request stands alone, so
any replica answers any request and nothing is kept between them. The manager is created and run
in the app's lifespan, with the app's services.

Callers are the API's: ``Authorization: Bearer <key>`` is checked by the SDK's bearer middleware
through :class:`CallerKeyVerifier` (the gateway's :class:`Authenticator`), then each request is
counted against the caller's rate limit, as a ``/v1`` request is. A read-only caller is not
listed the action tools, and calling one is refused by the same check as the HTTP API.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import structlog
from mcp.server.auth.middleware.bearer_auth import (
    AuthenticatedUser,
    BearerAuthBackend,
    RequireAuthMiddleware,
)
from mcp.server.auth.provider import AccessToken
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
    TextContent,
)
from pydantic import ConfigDict, ValidationError
from starlette.authentication import AuthCredentials, AuthenticationBackend
from starlette.middleware.authentication import AuthenticationMiddleware as StarletteAuthentication
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from action_gateway import __version__
from action_gateway.actions.services import Services
from action_gateway.api.mcp_tools import (
    MCP_PATH,
    McpTool,
    Release,
    ToolAnswer,
    ToolCall,
    problem_answer,
)
from action_gateway.api.problems import render_problem
from action_gateway.auth import Authenticator, Caller, hash_key
from action_gateway.errors import (
    FieldError,
    GatewayError,
    InternalError,
    Unauthenticated,
    ValidationFailed,
)
from action_gateway.metrics import MCP_TOOL_CALLS

log = structlog.get_logger(__name__)

INSTRUCTIONS = """\
action-gateway looks up a customer's orders and subscriptions on the merchant's platforms and \
performs support actions on them (cancel, refund, discount codes, subscription changes) under \
the merchant's rules. Start with find_customer; act only on what an order's or subscription's \
available_actions allows; preview_action before moving money; give every action a new \
idempotency_key and reuse it only to retry that same action. An approval_required error means \
a human must decide: hand over, do not retry."""

LOOPBACK_ONLY = TransportSecuritySettings(
    enable_dns_rebinding_protection=True,
    allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
)
"""Without callers (no key to present), a web page must not reach /mcp through a name it made
resolve to this machine (DNS rebinding): only this machine's own names are answered."""

_AFTER_ANSWER = "mcp_after_answer"
"""The key in the ASGI scope's ``state`` under which a request's tool calls leave what to run
once its answer has been sent."""


class CallerToken(AccessToken):
    """The SDK's access token, carrying the gateway's caller it was issued to."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    caller: Caller


def caller_token(caller: Caller, key_sha256: str) -> CallerToken:
    """The caller's token: ``lookup`` for every caller, ``act`` for one who may perform some
    action. It holds the key's hash, never the key (the request keeps that)."""
    scopes = ["lookup"] + (["act"] if caller.actions is None or caller.actions else [])
    return CallerToken(token=key_sha256, client_id=caller.id, scopes=scopes, caller=caller)


class CallerKeyVerifier:
    """The SDK's ``TokenVerifier`` over the API's keys: a key is valid when it is a caller's."""

    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator

    async def verify_token(self, token: str) -> AccessToken | None:
        try:
            caller = self._authenticator.authenticate(f"Bearer {token}", None)
        except Unauthenticated:
            return None
        return caller_token(caller, hash_key(token))


class _CallerBackend(AuthenticationBackend):
    """The bearer key through the SDK's backend; with no callers configured, the open mode's
    anonymous caller for this machine only, as on ``/v1``."""

    def __init__(self, authenticator: Authenticator) -> None:
        self._authenticator = authenticator
        self._bearer = BearerAuthBackend(CallerKeyVerifier(authenticator))

    async def authenticate(
        self, conn: HTTPConnection
    ) -> tuple[AuthCredentials, AuthenticatedUser] | None:
        if not self._authenticator.open:
            verified: tuple[AuthCredentials, AuthenticatedUser] | None
            verified = await self._bearer.authenticate(conn)  # the SDK leaves it unannotated
            return verified
        peer = conn.client.host if conn.client else None
        try:
            caller = self._authenticator.authenticate(None, peer)
        except Unauthenticated:
            return None
        token = caller_token(caller, "")
        return AuthCredentials(token.scopes), AuthenticatedUser(token)


class McpServer:
    """The MCP server of one app's lifetime: its tools, its session manager, its ASGI app."""

    def __init__(self, services: Services, tools: dict[str, McpTool]) -> None:
        self.services = services
        self.tools = tools
        server: Server[Any] = Server(
            "action-gateway",
            version=__version__,
            instructions=INSTRUCTIONS,
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )
        self.sessions = StreamableHTTPSessionManager(
            server,
            json_response=True,
            stateless=True,
            security_settings=LOOPBACK_ONLY if services.authenticator.open else None,
        )
        self.asgi: ASGIApp = StarletteAuthentication(
            RequireAuthMiddleware(self._serve, required_scopes=[]),
            backend=_CallerBackend(services.authenticator),
        )

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """Run the session manager until the app stops.

        Its task group is entered and left in a task of its own: the app's lifespan may be
        entered in one task and left in another (test fixtures do), which a task group refuses.
        """
        running, stopping = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with self.sessions.run():
                running.set()
                await stopping.wait()

        holder = asyncio.create_task(hold())
        started = asyncio.create_task(running.wait())
        await asyncio.wait({holder, started}, return_when=asyncio.FIRST_COMPLETED)
        if holder.done():
            started.cancel()
            holder.result()  # raises why it stopped
        try:
            yield
        finally:
            stopping.set()
            await holder

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An authenticated request: its caller's rate limit, then the SDK's transport; what its
        tool calls left to run once it is answered runs then."""
        caller = _caller(scope)
        structlog.contextvars.bind_contextvars(caller=caller.id)
        try:
            await self.services.rate_limit(caller)
        except GatewayError as exc:
            await render_problem(exc, MCP_PATH)(scope, receive, send)
            return
        after_answer: list[Release] = []
        scope.setdefault("state", {})[_AFTER_ANSWER] = after_answer
        try:
            await self.sessions.handle_request(scope, receive, send)
        finally:
            for release in after_answer:
                await release()

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListToolsResult:
        caller = _caller(_request_scope(ctx))
        return ListToolsResult(
            tools=[
                tool.definition
                for tool in self.tools.values()
                if tool.listed_for(caller, self.services)
            ]
        )

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: CallToolRequestParams
    ) -> CallToolResult:
        tool = self.tools.get(params.name)
        if tool is None:
            raise MCPError(INVALID_PARAMS, f"Unknown tool: {params.name}")
        started = time.monotonic()
        scope = _request_scope(ctx)
        caller = _caller(scope)
        call = ToolCall(self.services, caller, scope["state"][_AFTER_ANSWER])
        answer = await _answer(tool, call, params.arguments or {})
        outcome = str(answer.structured.get("code")) if answer.is_error else "ok"
        MCP_TOOL_CALLS.labels(tool.name, outcome, caller.id).inc()
        log.info(
            "mcp_tool",
            caller=caller.id,
            tool=tool.name,
            outcome=outcome,
            duration_ms=round((time.monotonic() - started) * 1000, 1),
        )
        return CallToolResult(
            content=[TextContent(text=answer.text)],
            structured_content=answer.structured,
            is_error=answer.is_error,
        )


async def _answer(tool: McpTool, call: ToolCall, arguments: dict[str, Any]) -> ToolAnswer:
    """The tool's answer; a refusal or failure is a tool error carrying the API's problem."""
    try:
        validated = tool.adapter.validate_python(arguments)
        return await tool.run(call, validated)
    except ValidationError as exc:
        return problem_answer(_validation_failed(exc))
    except GatewayError as exc:
        return problem_answer(exc)
    except Exception:
        log.exception("mcp_tool_failed", tool=tool.name)
        return problem_answer(InternalError("An unexpected error occurred; it has been logged."))


def _validation_failed(exc: ValidationError) -> ValidationFailed:
    errors = [
        FieldError(
            loc=["arguments", *(str(part) for part in error["loc"])],
            message=error["msg"],
            type=error["type"],
        )
        for error in exc.errors(include_url=False)
    ]
    return ValidationFailed(
        "; ".join(f"{'.'.join(e.loc)}: {e.message}" for e in errors[:5]) or None, errors=errors
    )


def _request_scope(ctx: ServerRequestContext[Any]) -> Scope:
    if ctx.request is None:  # only HTTP is served
        raise MCPError(INVALID_PARAMS, "This server answers over HTTP only.")
    scope: Scope = ctx.request.scope
    return scope


def _caller(scope: Scope) -> Caller:
    user = scope["user"]
    assert isinstance(user, AuthenticatedUser)
    assert isinstance(user.access_token, CallerToken)
    return user.access_token.caller
