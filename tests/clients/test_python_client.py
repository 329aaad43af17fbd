"""A Python client generated from openapi/openapi.json drives a live sandbox server.

openapi-python-client generates the client at test time (``--fail-on-warning``: an endpoint or
schema it cannot express fails the build), and the scenario below speaks only through it:
typed request models in, typed models out. Operation modules are found from the spec at test
time (method and path -> tag and operationId -> module), so renaming an operationId is not a
failure here, but removing an operation, a documented response or a field the scenario relies
on is.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from openapi_python_client.strings import PythonIdentifier

from tests.e2e_server import served_gateway
from tests.shared_specs import REPO_ROOT

SPEC = REPO_ROOT / "openapi" / "openapi.json"
PACKAGE = "action_gateway_client"
SHOPIFY = "sandbox-shopify"
AVA = "ava.lindqvist@example.com"
PROBLEM_JSON = "application/problem+json"


class GeneratedClient:
    """The generated package, with its operations looked up by method and path in the spec."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.models: Any = importlib.import_module(f"{PACKAGE}.models")
        self.package: Any = importlib.import_module(PACKAGE)

    def operation(self, method: str, path: str) -> Any:
        """The generated module of an operation (it has ``sync_detailed``)."""
        operation = self.spec["paths"][path][method]
        operation_id = operation.get("operationId")
        assert operation_id, f"{method.upper()} {path} has no operationId"
        tag = (operation.get("tags") or ["default"])[0]
        module: ModuleType = importlib.import_module(
            f"{PACKAGE}.api.{PythonIdentifier(tag, prefix='tag')}"
            f".{PythonIdentifier(operation_id, prefix='field_')}"
        )
        return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedClient]:
    out = tmp_path_factory.mktemp("python-client")
    spec_text = SPEC.read_text()  # one reading for both the generator and the lookups
    spec = out / "openapi.json"
    spec.write_text(spec_text)
    bin_dir = str(Path(sys.executable).parent)  # the venv's: its ruff formats the output
    command = [
        sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
        "--output-path", str(out / PACKAGE), "--meta", "none", "--fail-on-warning",
    ]  # fmt: skip
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
        check=False,
    )
    assert result.returncode == 0, (
        f"openapi-python-client failed on {SPEC}:\n{result.stdout}\n{result.stderr}"
    )
    sys.path.insert(0, str(out))
    try:
        yield GeneratedClient(json.loads(spec_text))
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def api_client(
    generated: GeneratedClient, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    log = tmp_path_factory.mktemp("python-client-server") / "server.log"
    with served_gateway(log) as base_url:
        # Every /v1 operation declares HTTPBearer, so the generator asks for an
        # AuthenticatedClient; the sandbox (no `callers`) is open and ignores the token.
        client = generated.package.AuthenticatedClient(
            base_url=base_url, token="sandbox-open", raise_on_unexpected_status=True
        )
        with client:
            yield client


def test_lookup_preview_action_replay_and_problems(
    generated: GeneratedClient, api_client: Any
) -> None:
    models = generated.models
    find_customers = generated.operation("get", "/v1/customers")
    perform_action = generated.operation("post", "/v1/actions")
    preview_action = generated.operation("post", "/v1/actions/preview")
    get_order = generated.operation("get", "/v1/connections/{connection}/orders/{order_id}")

    # Lookup by email: typed results per connection, orders with their available actions.
    found = find_customers.sync_detailed(client=api_client, email=AVA)
    assert found.status_code == 200, found.content
    assert isinstance(found.parsed, models.CustomersResponse)
    assert found.parsed.additional_properties == {}
    results = {r.connection: r for r in found.parsed.results}
    shopify = results[SHOPIFY]
    assert shopify.status == models.LookupStatus.OK
    assert shopify.platform == models.Platform.SHOPIFY
    [customer] = shopify.customers
    assert isinstance(customer, models.CustomerContext)
    assert customer.display_name == "Ava Lindqvist"
    order = {o.name: o for o in customer.orders}["#1001"]  # paid, unfulfilled
    assert isinstance(order, models.OrderView)
    assert models.ActionName.CANCEL_AND_REFUND_ORDER in order.available_actions
    assert order.state.cancelled is False

    def cancel_and_refund() -> Any:
        return models.CancelAndRefundOrderRequest(
            connection=SHOPIFY,
            action="cancel_and_refund_order",
            target=models.OrderTarget(order_id=order.id),
            input_=models.CancelAndRefundOrderInput(
                reason=models.CancelReason.CUSTOMER, notify_customer=True, staff_note="Changed mind"
            ),
            context=models.ActionContext(agent_id="agent-42", conversation_id="conv-1"),
        )

    # Preview: its own operation, no Idempotency-Key; the refund it would make.
    preview = preview_action.sync_detailed(client=api_client, body=cancel_and_refund())
    assert preview.status_code == 200, preview.content
    assert isinstance(preview.parsed, models.ActionResult)
    assert preview.parsed.status == models.ActionStatus.PREVIEW
    assert preview.parsed.dry_run is True
    assert preview.parsed.action == models.ActionName.CANCEL_AND_REFUND_ORDER
    assert isinstance(preview.parsed.refund, models.RefundSummary)
    assert preview.parsed.refund.total.amount == order.totals.total.amount
    assert preview.parsed.refund.total.currency == order.currency

    # The action, with an Idempotency-Key: a timeline event and the order as it now is.
    key = str(uuid.uuid4())
    done = perform_action.sync_detailed(
        client=api_client, body=cancel_and_refund(), idempotency_key=key
    )
    assert done.status_code == 200, done.content
    assert "Idempotent-Replayed" not in done.headers
    result = done.parsed
    assert isinstance(result, models.ActionResult)
    assert result.additional_properties == {}
    assert result.status == models.ActionStatus.SUCCEEDED
    assert result.dry_run is False
    assert result.connection == SHOPIFY
    assert result.platform == models.Platform.SHOPIFY
    event = result.timeline_event
    assert isinstance(event, models.TimelineEvent)
    assert event.additional_properties == {}
    assert event.type_ == "order.cancelled"
    assert event.action == models.ActionName.CANCEL_AND_REFUND_ORDER
    assert event.subject.type_ == models.ResourceType.ORDER
    assert event.subject.id == order.id
    assert event.subject.name == "#1001"
    assert event.actor.agent_id == "agent-42"
    assert event.conversation_id == "conv-1"
    assert event.summary.startswith("Cancelled order #1001 and refunded ")
    resource = result.resource
    assert isinstance(resource, models.OrderView)  # the union, told apart by its `type`
    assert resource.type_ == "order"
    assert resource.id == order.id
    assert resource.state.cancelled is True
    assert resource.state.financial_status == "refunded"
    assert models.ActionName.CANCEL_AND_REFUND_ORDER not in resource.available_actions
    assert isinstance(result.refund, models.RefundSummary)
    assert result.refund.total.amount == order.totals.total.amount

    # Replay: same key, same body -> the first answer again, marked as a replay.
    replay = perform_action.sync_detailed(
        client=api_client, body=cancel_and_refund(), idempotency_key=key
    )
    assert replay.status_code == 200, replay.content
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.content == done.content
    assert replay.parsed == result

    # An error answer, parsed as the generated Problem: a new key, but the order is cancelled.
    again = perform_action.sync_detailed(
        client=api_client, body=cancel_and_refund(), idempotency_key=str(uuid.uuid4())
    )
    assert again.status_code == 409, again.content
    assert again.headers["content-type"] == PROBLEM_JSON
    problem = again.parsed
    assert isinstance(problem, models.Problem)
    assert problem.additional_properties == {}
    assert problem.status == 409
    assert problem.code == "not_eligible"
    assert problem.type_.endswith(f":{problem.code}")
    assert problem.connection == SHOPIFY
    assert isinstance(problem.current_state, models.CurrentState)
    assert problem.current_state["decision_code"] == "already_cancelled"

    # And a 404 from a read: the order does not exist.
    missing = get_order.sync_detailed(SHOPIFY, "1", client=api_client)
    assert missing.status_code == 404, missing.content
    assert missing.headers["content-type"] == PROBLEM_JSON
    assert isinstance(missing.parsed, models.Problem)
    assert missing.parsed.status == 404
    assert missing.parsed.code == "order_not_found"
    assert missing.parsed.title


def test_generated_names_are_clean(generated: GeneratedClient) -> None:
    # Enums and objects have their own names, never a field's name with a counter or a
    # union-branch suffix (Status1, ProblemCurrentStateType0).
    names = [name for name in dir(generated.models) if name[:1].isupper()]
    assert "ActionStatus" in names
    assert "HealthStatus" in names
    assert [name for name in names if name[-1].isdigit()] == []
