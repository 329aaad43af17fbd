"""The MCP tools (``/mcp``): the API's lookups, preview and actions, as an agent calls them.

Every tool runs the code its HTTP operation runs: the lookups call the route functions, the
preview calls ``previewAction``'s, an action goes through ``perform_once`` with the tool's
``idempotency_key`` as the Idempotency-Key (so a replay over MCP or HTTP gives the first answer,
and the caller's scopes, the connection's switches, roles, eligibility and ceilings all apply).
The tools of the actions are derived from ``ACTION_FACTS``: a new action is a new tool.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated, Any

from mcp_types import Tool, ToolAnnotations
from pydantic import BaseModel, Field, TypeAdapter, create_model, model_validator

from action_gateway.actions.execution import perform_once
from action_gateway.actions.flow import ActionResult
from action_gateway.actions.services import Services
from action_gateway.actions.views import OrderView, SubscriptionView
from action_gateway.api.problems import render_problem
from action_gateway.api.routes import context as context_routes
from action_gateway.api.routes.actions import preview, stored
from action_gateway.api.routes.eligibility import EligibilityResponse, _evaluate, request_model
from action_gateway.auth import Caller
from action_gateway.domain.models import (
    ACTION_FACTS,
    ActionContext,
    ActionFacts,
    ActionName,
    ActionRequest,
    ConversationStatusInput,
    ResourceType,
    StrictModel,
)
from action_gateway.errors import GatewayError
from action_gateway.idempotency import KEY_PATTERN, parse_idempotency_key
from action_gateway.platforms.registry import PlatformRegistry

MCP_PATH = "/mcp"
"""Where the MCP server answers; the ``instance`` of a tool error's problem."""

Release = Callable[[], Awaitable[None]]


@dataclass
class ToolCall:
    """One tool call: the app's services, the authenticated caller, and what to do once sent."""

    services: Services
    caller: Caller
    after_answer: list[Release] = field(default_factory=list)
    """Frees an Idempotency-Key whose answer is not kept, once that answer has been sent."""


@dataclass(frozen=True)
class ToolAnswer:
    """A tool's result: the API's JSON, and the text a model reads first."""

    structured: dict[str, Any]
    text: str
    is_error: bool = False


Run = Callable[[ToolCall, Any], Awaitable[ToolAnswer]]


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str
    arguments: Any
    """The model (or annotated type) its arguments are validated with, and its input schema."""
    read_only: bool
    run: Run
    answers: type[BaseModel]
    """The HTTP operation's response model: the output schema of the structured content."""
    action: ActionName | None = None
    """An action's tool: listed only to a caller who may perform the action, when a connection
    it may use has the action switched on."""
    needs_actions: bool = False
    """The preview: not listed to a read-only caller (every preview would be refused)."""
    destructive: bool = False

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        """Validates the arguments (built once: a union's adapter is not cheap)."""
        return TypeAdapter(self.arguments)

    @cached_property
    def definition(self) -> Tool:
        """The tool as ``tools/list`` shows it (the same for every caller)."""
        schema = self.adapter.json_schema()
        if schema.get("type") != "object":
            # A union of objects (the eligibility request): MCP wants an object at the root.
            schema = {"type": "object", **schema}
        annotations = (
            ToolAnnotations(read_only_hint=True, open_world_hint=True)
            if self.read_only
            else ToolAnnotations(
                read_only_hint=False,
                destructive_hint=self.destructive,
                idempotent_hint=True,  # the idempotency_key makes a repeated call a replay
                open_world_hint=True,
            )
        )
        return Tool(
            name=self.name,
            description=self.description,
            input_schema=schema,
            output_schema=self.answers.model_json_schema(mode="serialization"),
            annotations=annotations,
        )

    def listed_for(self, caller: Caller, services: Services) -> bool:
        if self.needs_actions and caller.actions is not None and not caller.actions:
            return False  # a read-only key: the preview would only be refused
        if self.action is None:
            return True
        return caller.may_perform(self.action) and any(
            self.action in c.supported_actions and c.config.actions.is_active(self.action)
            for c in services.visible_connections(caller)
        )


def _json(model: BaseModel) -> dict[str, Any]:
    """A response model as the HTTP API sends it."""
    return model.model_dump(mode="json", by_alias=True)


def _read_answer(structured: dict[str, Any]) -> ToolAnswer:
    return ToolAnswer(structured, json.dumps(structured, separators=(",", ":")))


# --- reads ----------------------------------------------------------------------------------

_CONNECTION = Field(
    min_length=1,
    max_length=100,
    description="A connection id, as find_customer's results name it.",
)
_CONVERSATION_STATUS = Field(
    description="The helpdesk conversation's status; some actions are offered only while it is "
    "open, so give it to see them.",
)


class FindCustomerArguments(StrictModel):
    email: Annotated[str | None, Field(max_length=320)] = None
    phone: Annotated[
        str | None,
        Field(
            max_length=32,
            description="As the customer wrote it; with its country code when you have it.",
        ),
    ] = None
    orders_limit: context_routes.OrdersLimit = context_routes.DEFAULT_ORDERS_LIMIT
    conversation_status: Annotated[ConversationStatusInput | None, _CONVERSATION_STATUS] = None


async def _find_customer(call: ToolCall, arguments: FindCustomerArguments) -> ToolAnswer:
    found = await context_routes.find_customers(
        call.services,
        call.caller,
        email=arguments.email,
        phone=arguments.phone,
        orders_limit=arguments.orders_limit,
        conversation_status=arguments.conversation_status,
    )
    return _read_answer(_json(found))


class GetOrderArguments(StrictModel):
    connection: Annotated[str, _CONNECTION]
    order_id: Annotated[
        str | None,
        Field(max_length=200, description="The platform's order id (an order's `id`)."),
    ] = None
    name: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=64,
            description="Or the order number the customer knows (e.g. #1001).",
        ),
    ] = None

    @model_validator(mode="after")
    def _one_of(self) -> GetOrderArguments:
        if (self.order_id is None) == (self.name is None):
            raise ValueError("give order_id or name (one of them)")
        return self


async def _get_order(call: ToolCall, arguments: GetOrderArguments) -> ToolAnswer:
    if arguments.order_id is not None:
        order = await context_routes.get_order(
            arguments.connection, arguments.order_id, call.services, call.caller
        )
    else:
        assert arguments.name is not None
        order = await context_routes.find_order_by_name(
            arguments.connection, call.services, arguments.name, call.caller
        )
    return _read_answer(_json(order))


class GetSubscriptionArguments(StrictModel):
    connection: Annotated[str, _CONNECTION]
    subscription_id: Annotated[str, Field(min_length=1, max_length=200)]
    conversation_status: Annotated[ConversationStatusInput | None, _CONVERSATION_STATUS] = None


async def _get_subscription(call: ToolCall, arguments: GetSubscriptionArguments) -> ToolAnswer:
    subscription = await context_routes.get_subscription(
        arguments.connection,
        arguments.subscription_id,
        call.services,
        call.caller,
        conversation_status=arguments.conversation_status,
    )
    return _read_answer(_json(subscription))


async def _explain_eligibility(call: ToolCall, arguments: Any) -> ToolAnswer:
    return _read_answer(_json(_evaluate(arguments, call.services, call.caller)))


# --- the preview and the actions --------------------------------------------------------------


class PreviewArguments(StrictModel):
    action: ActionName
    connection: Annotated[str, _CONNECTION]
    target: dict[str, Any] = Field(
        description="What the action acts on, as the action's own tool takes it: "
        '{"order_id": ...}, {"customer_id": ...} or {"subscription_id": ...}.'
    )
    input: dict[str, Any] = Field(
        default={}, description="The action's input, as the action's own tool takes it."
    )
    context: ActionContext = ActionContext()


_ACTION_REQUEST: TypeAdapter[Any] = TypeAdapter(ActionRequest)


async def _preview_action(call: ToolCall, arguments: PreviewArguments) -> ToolAnswer:
    body = _ACTION_REQUEST.validate_python(arguments.model_dump(mode="json"))
    response = await preview(call.services, call.caller, body)
    structured = json.loads(bytes(response.body))
    return ToolAnswer(structured, _preview_text(structured))


def _preview_text(result: dict[str, Any]) -> str:
    """The dry run's sentence, and the platform's own amounts."""
    lines = [f"Preview only, nothing was done: {result.get('summary') or result['action']}"]
    refund = result.get("refund") or {}
    total = refund.get("total")
    if total:
        lines.append(f"The platform computes a refund of {total['amount']} {total['currency']}.")
    value = result.get("compensation_value")
    if value:
        lines.append(f"It would give the customer {value['amount']} {value['currency']}.")
    return "\n".join(lines)


IdempotencyKey = Annotated[
    str,
    Field(
        pattern=KEY_PATTERN,
        description="A new UUID for each action you decide to take. Calling again with the same "
        "key and arguments (a retry after a timeout) returns the first answer and never acts "
        "twice; a different action needs a new key.",
    ),
]


def _action_arguments(facts: ActionFacts) -> type[BaseModel]:
    """The action's request (connection, target, input, context) and its idempotency_key."""
    fields = facts.request_model.model_fields
    kept: Any = {name: (fields[name].annotation, fields[name]) for name in _ACTION_FIELDS}
    return create_model(
        f"{facts.input_model.__name__.removesuffix('Input')}Arguments",
        __base__=StrictModel,
        **kept,
        idempotency_key=(IdempotencyKey, ...),
    )


_ACTION_FIELDS = ("connection", "target", "input", "context")


def _perform(facts: ActionFacts) -> Run:
    async def run(call: ToolCall, arguments: Any) -> ToolAnswer:
        request = {name: getattr(arguments, name) for name in _ACTION_FIELDS}
        body = facts.request_model.model_validate({"action": facts.name.value, **request})
        call.caller.require_connection(body.connection)
        call.caller.require_action(facts.name)
        answer = await perform_once(
            call.services,
            body,  # type: ignore[arg-type]
            caller_id=call.caller.id,
            idempotency_key=parse_idempotency_key(arguments.idempotency_key),
            render_result=stored,
            render_error=lambda exc: stored(render_problem(exc, MCP_PATH)),
        )
        if answer.release is not None:
            call.after_answer.append(answer.release)
        structured = json.loads(answer.response.body)
        if answer.response.status_code >= 400:
            return error_answer(structured)
        event = structured.get("timeline_event") or {}
        text = event.get("summary") or f"{facts.name.value}: {structured.get('status')}"
        if answer.replayed:
            text += " (The first answer to this idempotency_key: nothing was done again.)"
        return ToolAnswer(structured, text)

    return run


# --- errors ---------------------------------------------------------------------------------

HAND_OVER = (
    "Do not retry this and do not work around it: hand the decision to a human. Tell the "
    "customer a team member will review it, and pass on the approval details in this result."
)


def error_answer(problem: dict[str, Any]) -> ToolAnswer:
    """A tool error from the problem the HTTP API would answer with (its whole body)."""
    lines = [f"{problem.get('code')}: {problem.get('detail') or problem.get('title')}"]
    for message in problem.get("platform_errors") or []:
        lines.append(f"The platform said: {message.get('message')}")
    if problem.get("code") == "approval_required":
        lines.append(HAND_OVER)
    return ToolAnswer(problem, "\n".join(lines), is_error=True)


def problem_answer(exc: GatewayError) -> ToolAnswer:
    return error_answer(json.loads(bytes(render_problem(exc, MCP_PATH).body)))


# --- the catalog ----------------------------------------------------------------------------

_ACTION_DESCRIPTION = """\
{what} It acts on the platform: before calling it, read the {resource} ({read}) and check that \
"{action}" is in its available_actions (eligibility.decisions says why not), and use \
preview_action to tell the customer what will happen{money}. On success the text is the timeline \
summary to post in the conversation; the structured content is the API's answer: status, \
timeline_event, and resource (the {resource} re-read, with its new available_actions). An error \
result carries a problem code: not_eligible (the state does not allow it), approval_required \
(above this agent's ceiling: hand over to a human), validation_error (fix the arguments), \
upstream_* with outcome (not_executed: nothing happened; unknown: check before retrying)."""

_READ_TOOL = {
    ResourceType.ORDER: "get_order",
    ResourceType.SUBSCRIPTION: "get_subscription",
    ResourceType.CUSTOMER: "find_customer",
}
"""The tool that reads an action's target, with its available actions."""


def _action_tool(facts: ActionFacts) -> McpTool:
    money = " and the amount the platform computes" if facts.moves_money else ""
    what = facts.name.value.replace("_", " ").capitalize() + "."
    doc = " ".join((facts.input_model.__doc__ or "").split())
    if facts.needs_open_conversation:
        doc += " Offered only in an open conversation: give context.conversation_status."
    return McpTool(
        name=facts.name.value,
        description=_ACTION_DESCRIPTION.format(
            what=f"{what} {doc.strip()}" if doc else what,
            resource=facts.resource_type.value,
            read=_READ_TOOL[facts.resource_type],
            action=facts.name.value,
            money=money,
        ),
        arguments=_action_arguments(facts),
        read_only=False,
        run=_perform(facts),
        answers=ActionResult,
        action=facts.name,
        destructive=facts.destructive,
    )


def build_tools(platforms: PlatformRegistry) -> dict[str, McpTool]:
    """Every tool, by name: the reads, the preview, and one per action of ``ACTION_FACTS``."""
    reads = [
        McpTool(
            name="find_customer",
            description="Find the customer of a conversation by email and/or phone on every "
            "connection (store and subscription platforms). Use it first. The answer has, per "
            "connection, the matching customers with their recent orders and subscriptions; each "
            "lists its available_actions and, under eligibility.decisions, why any other action "
            "is not possible now. A connection that failed says so in its own status and error.",
            arguments=FindCustomerArguments,
            read_only=True,
            run=_find_customer,
            answers=context_routes.CustomersResponse,
        ),
        McpTool(
            name="get_order",
            description="Read one order (by its id, or by the number the customer gives, like "
            "#1001) with its totals, line items, available_actions and the reasons behind each "
            "decision. Read it again before acting if the conversation has gone on a while.",
            arguments=GetOrderArguments,
            read_only=True,
            run=_get_order,
            answers=OrderView,
        ),
        McpTool(
            name="get_subscription",
            description="Read one subscription (its product, next order date, status) with its "
            "available_actions and the reasons behind each decision.",
            arguments=GetSubscriptionArguments,
            read_only=True,
            run=_get_subscription,
            answers=SubscriptionView,
        ),
        McpTool(
            name="explain_eligibility",
            description="Ask the eligibility rules what they allow for a resource in a given "
            "state (statuses you give, not read from the platform), and why each other action is "
            "refused: e.g. whether an order could still be cancelled once fulfilled. For a real "
            "order or subscription, get_order and get_subscription already include this.",
            arguments=request_model(platforms),
            read_only=True,
            run=_explain_eligibility,
            answers=EligibilityResponse,
        ),
        McpTool(
            name="preview_action",
            description="Dry-run an action: changes nothing. Returns the sentence saying what it "
            "would do (to tell the customer) and, for refunds, the amount the platform itself "
            "computes. Use it before any action that moves money. Takes the action's name and "
            "the same connection, target, input and context as the action's own tool.",
            arguments=PreviewArguments,
            read_only=True,
            run=_preview_action,
            answers=ActionResult,
            needs_actions=True,
        ),
    ]
    actions = [_action_tool(facts) for facts in ACTION_FACTS.values()]
    return {tool.name: tool for tool in (*reads, *actions)}
