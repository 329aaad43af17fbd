from __future__ import annotations

from pathlib import Path

import pytest

from action_gateway.app import create_app
from action_gateway.config import ConfigError, load_config, parse_config
from action_gateway.domain.models import ActionName
from action_gateway.settings import APPROVAL_KEYS_ENV, MIN_APPROVAL_KEY_BYTES, Settings

GOOD = {
    "deadline_seconds": 10,
    "connections": [
        {
            "id": "acme-shopify",
            "platform": "shopify",
            "shop": "acme.myshopify.com",
            "access_token_env": "ACME_SHOPIFY_TOKEN",
            "actions": {
                "allowed": ["cancel_order", "refund_order"],
                "roles": {"refund_order": ["lead"]},
                "narrowing": {"cancel_order": {"fulfillment": ["unfulfilled"]}},
            },
        }
    ],
}


def test_good_config_loads_token_as_secret() -> None:
    config = parse_config(GOOD, environ={"ACME_SHOPIFY_TOKEN": "shpat_secret"})
    connection = config.connections[0]
    assert connection.api_version == "2026-07"
    assert connection.token.get_secret_value() == "shpat_secret"
    assert "shpat_secret" not in repr(connection)
    assert "shpat_secret" not in connection.model_dump_json()
    assert config.deadline_for(connection) == 10


def test_missing_token_variable_is_reported() -> None:
    with pytest.raises(ConfigError, match=r"acme-shopify \(\$ACME_SHOPIFY_TOKEN\)"):
        parse_config(GOOD, environ={})


def test_inline_secret_is_refused() -> None:
    data = {"connections": [{**GOOD["connections"][0], "access_token": "shpat_inline"}]}  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="inline secret") as info:
        parse_config(data, environ={"ACME_SHOPIFY_TOKEN": "x"})
    assert "shpat_inline" not in str(info.value)


def test_readable_validation_errors() -> None:
    data = {
        "connections": [
            {"id": "Bad Id", "platform": "shopify", "access_token_env": "lower"},
            {"id": "bc", "platform": "bigcommerce", "access_token_env": "BC"},
        ]
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, environ={})
    message = str(info.value)
    assert "connections.0.id" in message
    assert "connections.0.access_token_env" in message
    assert "store_hash" in message


def test_load_config_reports_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("connections: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


HASH_A = "a" * 64
HASH_B = "b" * 64
ENV = {"ACME_SHOPIFY_TOKEN": "shpat_secret"}
APPROVAL_KEY = "k" * MIN_APPROVAL_KEY_BYTES
ENV_WITH_APPROVAL_KEY = {**ENV, APPROVAL_KEYS_ENV: APPROVAL_KEY}


def _with_callers(*callers: dict[str, object]) -> dict[str, object]:
    return {**GOOD, "callers": list(callers)}


def test_callers_load_with_scopes_and_rotation_hashes() -> None:
    config = parse_config(
        _with_callers(
            {
                "id": "gladly",
                "key_sha256": [HASH_A, HASH_B.upper()],
                "connections": ["acme-shopify"],
                "actions": ["refund_order"],
            },
            {"id": "reports", "key_sha256": "c" * 64, "connections": "*", "actions": []},
        ),
        environ=ENV,
    )
    assert config.callers is not None
    gladly, reports = config.callers
    assert gladly.key_sha256 == [HASH_A, HASH_B]  # normalised to lower case
    assert reports.actions == []
    assert reports.requests_per_minute == 600


def test_caller_hashes_can_come_from_the_environment() -> None:
    data = _with_callers(
        {"id": "gladly", "key_sha256_env": "GLADLY_KEY_SHA256", "connections": "*", "actions": "*"}
    )
    config = parse_config(data, environ={**ENV, "GLADLY_KEY_SHA256": f"{HASH_A}, {HASH_B}"})
    assert config.callers is not None
    assert config.callers[0].key_sha256 == [HASH_A, HASH_B]
    with pytest.raises(ConfigError, match=r"\$GLADLY_KEY_SHA256 must hold the hex SHA-256"):
        parse_config(data, environ={**ENV, "GLADLY_KEY_SHA256": "my-plain-key"})


@pytest.mark.parametrize(
    ("caller", "message"),
    [
        ({"id": "x", "key_sha256": "not-a-hash", "connections": "*", "actions": "*"}, "pattern"),
        ({"id": "x", "connections": "*", "actions": "*"}, "exactly one of `key_sha256`"),
        ({"id": "x", "key_sha256": HASH_A, "connections": ["nope"], "actions": "*"}, "unknown"),
        ({"id": "x", "key_sha256": HASH_A, "connections": "*", "actions": ["fly"]}, "actions"),
        ({"id": "x", "key_sha256": HASH_A, "actions": "*"}, "connections"),
        ({"id": "X:y", "key_sha256": HASH_A, "connections": "*", "actions": "*"}, "id"),
    ],
)
def test_bad_callers_are_refused_readably(caller: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(_with_callers(caller), environ=ENV)


def test_two_callers_may_not_share_an_id_or_a_key() -> None:
    one = {"id": "a", "key_sha256": HASH_A, "connections": "*", "actions": "*"}
    with pytest.raises(ConfigError, match="used twice"):
        parse_config(_with_callers(one, {**one, "key_sha256": HASH_B}), environ=ENV)
    with pytest.raises(ConfigError, match="another caller's"):
        parse_config(_with_callers(one, {**one, "id": "b"}), environ=ENV)


def test_refund_ceilings_apply_to_refunding_actions_only() -> None:
    data = {**GOOD, "connections": [dict(GOOD["connections"][0])]}  # type: ignore[index]
    data["connections"][0]["actions"] = {  # type: ignore[index]
        "refund_ceilings": {"refund_order": {"support": "50", "*": "0"}}
    }
    ceilings = parse_config(data, environ=ENV_WITH_APPROVAL_KEY).connections[0].actions
    assert {
        role: str(v) for role, v in ceilings.refund_ceilings[ActionName.REFUND_ORDER].items()
    } == {
        "support": "50",
        "*": "0",
    }
    data["connections"][0]["actions"] = {  # type: ignore[index]
        "refund_ceilings": {"edit_order_note": {"support": "1"}}
    }
    with pytest.raises(ConfigError, match="refunding actions only"):
        parse_config(data, environ=ENV)


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        (None, r"\$ACTION_GATEWAY_APPROVAL_KEYS is not set"),
        (" , ", r"\$ACTION_GATEWAY_APPROVAL_KEYS is not set"),
        (f"{APPROVAL_KEY},short", "key 2 is shorter than 32 bytes"),
        (APPROVAL_KEY, None),
        (f"{APPROVAL_KEY}, {'o' * 40}", None),
    ],
)
@pytest.mark.parametrize("ceiling", ["refund_ceilings", "compensation_ceilings"])
def test_ceilings_need_approval_keys_in_the_environment(
    keys: str | None, problem: str | None, ceiling: str
) -> None:
    action = "refund_order" if ceiling == "refund_ceilings" else "issue_store_credit"
    connection = {**GOOD["connections"][0], "actions": {ceiling: {action: {"*": "10"}}}}  # type: ignore[index]
    data = {"connections": [connection]}
    environ = ENV if keys is None else {**ENV, APPROVAL_KEYS_ENV: keys}
    if problem is None:
        assert parse_config(data, environ=environ).connections[0].actions.has_ceilings
        return
    with pytest.raises(ConfigError, match=problem) as refused:
        parse_config(data, environ=environ)
    assert "(environment)" in str(refused.value)
    assert APPROVAL_KEY not in str(refused.value)
    # Without ceilings, or on a sandbox connection (it makes its own key), none is needed.
    parse_config({"connections": [GOOD["connections"][0]]}, environ=environ)  # type: ignore[index]
    sandboxed = {
        "id": "try",
        "platform": "shopify",
        "sandbox": True,
        "actions": connection["actions"],
    }
    parse_config({"connections": [sandboxed]}, environ=environ)


async def test_start_up_needs_approval_keys_of_32_bytes_for_ceilings() -> None:
    connection = {
        **GOOD["connections"][0],
        "actions": {"refund_ceilings": {"refund_order": {"*": "1"}}},
    }  # type: ignore[index]
    config = parse_config({"connections": [connection]}, environ=ENV_WITH_APPROVAL_KEY)
    for keys, problem in ((None, "is not set"), ("too-short-a-key", "key 1 is shorter")):
        settings = Settings(config=None, approval_keys=keys)
        app = create_app(settings, config=config)
        with pytest.raises(ConfigError, match=problem) as refused:
            async with app.router.lifespan_context(app):
                pass
        assert "too-short-a-key" not in str(refused.value)
    settings = Settings(config=None, approval_keys=f"{APPROVAL_KEY},{'o' * 32}")
    assert APPROVAL_KEY not in repr(settings)
    app = create_app(settings, config=config)
    async with app.router.lifespan_context(app):
        assert app.state.services.approvals is not None
    assert Settings(approval_keys="  ").approval_keys is None
