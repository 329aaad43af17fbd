"""Property-based fuzzing of every operation against the OpenAPI document the app serves.

Runs in-process against the sandbox with a configured caller (as in production, so the auth
checks run too): no 5xx, and every answer conforms to the documented schema.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from action_gateway.app import create_app
from action_gateway.settings import Settings
from action_gateway_sandbox.connections import build_sandbox
from tests.sandbox_with_caller import unlimited_caller

FUZZ_KEY = "fuzz-key-0123456789abcdef0123456789abcdef"
_sandbox = build_sandbox()
_caller = unlimited_caller("fuzzer", FUZZ_KEY)
app = create_app(
    Settings(config=None),
    config=_sandbox.config.model_copy(update={"callers": [_caller]}),
    sandbox=_sandbox,
)
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # Documented business 422s are not schema-valid requests wrongly refused: "an email, a phone,
    # or both" cannot be said with OpenAPI query parameters, and an action can be refused by the
    # platform (platform_rejected) or unknown to the connection's platform (action_not_supported),
    # and an orders cursor is accepted only from the connection that gave it, for its customer;
    # an approval token is accepted only as the gateway signed it (approval_token_invalid).
    business_422 = {
        "/v1/customers",
        "/v1/actions",
        "/v1/actions/preview",
        "/v1/approvals",
        "/v1/connections/{connection}/customers/{customer_id}/orders",
    }
    excluded = [positive_data_acceptance] if case.path in business_422 else []
    case.call_and_validate(
        headers={"Authorization": f"Bearer {FUZZ_KEY}"}, excluded_checks=excluded
    )
